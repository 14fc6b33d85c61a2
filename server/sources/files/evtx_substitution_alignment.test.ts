/**
 * Regression: @ts-evtx/core 1.1.1 read EVTX boolean substitutions as 1 byte although they are declared as 4, so every
 * value after a boolean was shifted (Sysmon 3: `SourceIp: "10.0.2"`, `SourceHostname: ".16IEW"`, garbage
 * `DestinationIp`). patches/@ts-evtx+core+1.1.1.patch makes the declared size authoritative; this pins it down on a
 * real Sysmon network-connection recording from the development datasets.
 */
import * as fs from 'fs';
import { datasetPath } from '../../../scripts/lib/datasets';
import { readEventFiles } from '.';

const FILE = datasetPath(
  'evtx-attack-samples',
  'Lateral Movement',
  'LM_sysmon_3_DCOM_ShellBrowserWindow_ShellWindows.evtx',
);
const present = fs.existsSync(FILE);
if (!present)
  console.warn(`evtx_substitution_alignment: ${FILE} not found (../shared/datasets absent); skipping`);

(present ? it : it.skip)('reads every Sysmon 3 field after a boolean at its declared offset', async () => {
  const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;
  let checked = 0;
  for await (const batch of readEventFiles([FILE], {})) {
    for (const e of batch.events.filter((x) => x.winlog.event_id === 3)) {
      const d = e.winlog.event_data ?? {};
      expect(d.SourceIp).toMatch(ipv4);
      expect(d.DestinationIp).toMatch(ipv4);
      expect(Number(d.SourcePort)).toBeGreaterThan(0);
      expect(d.SourceHostname).not.toMatch(/^\./);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(0);
});
