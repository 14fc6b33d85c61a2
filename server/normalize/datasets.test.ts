/**
 * Every record of the shared development datasets goes through readEventFiles + normalizeDocument: at least 99.5%
 * must be accepted per set, and every rejection must say why. Skips (with the missing path) when the datasets are
 * not checked out beside the repository.
 */
import * as fs from 'fs';
import * as path from 'path';
import { datasetsDirOrWarn } from '../../scripts/lib/datasets';
import { readEventFiles } from '../sources/files';
import type { Event, Rejection } from '../../common/event';

const root = datasetsDirOrWarn('datasets.test');

interface Tally {
  accepted: number;
  rejected: number;
  reasons: Map<string, number>;
  formats: Map<string, number>;
  sample: Event[];
}

async function tally(paths: string[], filter?: (file: string) => boolean): Promise<Tally> {
  const t: Tally = { accepted: 0, rejected: 0, reasons: new Map(), formats: new Map(), sample: [] };
  for await (const b of readEventFiles(paths, { batchSize: 5000 })) {
    if (filter && !filter(b.file)) continue;
    t.accepted += b.events.length;
    t.rejected += b.rejections.length;
    for (const e of b.events) {
      t.formats.set(e.origin.format, (t.formats.get(e.origin.format) ?? 0) + 1);
      if (t.sample.length < 50 && e.winlog.event_id !== undefined) t.sample.push(e);
    }
    for (const r of b.rejections as Rejection[]) {
      expect(typeof r.reason).toBe('string');
      expect(r.reason.length).toBeGreaterThan(0);
      expect(typeof r.field).toBe('string');
      const key = `${r.field}: ${r.reason.slice(0, 80)}`;
      t.reasons.set(key, (t.reasons.get(key) ?? 0) + 1);
    }
  }
  return t;
}

function report(name: string, t: Tally): void {
  const total = t.accepted + t.rejected;
  const pct = total > 0 ? ((100 * t.accepted) / total).toFixed(3) : 'n/a';
  const reasons = [...t.reasons.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([r, n]) => `    ${n} x ${r}`)
    .join('\n');
  console.log(
    `${name}: ${total} records, ${t.accepted} accepted, ${t.rejected} rejected (${pct}% accepted); formats ` +
      `${JSON.stringify(Object.fromEntries(t.formats))}${reasons ? `\n${reasons}` : ''}`,
  );
}

function expectGood(t: Tally, minRecords: number): void {
  const total = t.accepted + t.rejected;
  expect(total).toBeGreaterThanOrEqual(minRecords);
  expect(t.accepted / total).toBeGreaterThanOrEqual(0.995);
  // Accepted events carry what every detector needs.
  for (const e of t.sample) {
    expect(Number.isNaN(Date.parse(e['@timestamp']))).toBe(false);
    expect(e.event.code).toBe(String(e.winlog.event_id));
  }
}

function need(p: string): string | undefined {
  if (fs.existsSync(p)) return p;
  console.warn(`datasets.test: skipped: ${p} does not exist`);
  return undefined;
}

(root ? describe : describe.skip)('normalizing the development datasets', () => {
  const ds = (...p: string[]): string => path.join(root as string, ...p);

  it('evtx-attack-samples (EVTX via @ts-evtx/core)', async () => {
    const dir = need(ds('evtx-attack-samples'));
    if (!dir) return;
    const t = await tally([dir]);
    report('evtx-attack-samples', t);
    expectGood(t, 1000);
    expect(t.formats.get('evtx')).toBe(t.accepted);
  });

  it('sigma-regression (evtx_dump JSON and EVTX)', async () => {
    const dir = need(ds('sigma-regression', 'regression_data'));
    if (!dir) return;
    const json = await tally([dir], (f) => f.endsWith('.json'));
    report('sigma-regression json', json);
    expectGood(json, 200);
    expect(json.formats.get('evtx_json')).toBe(json.accepted);
    const evtx = await tally([dir], (f) => f.endsWith('.evtx'));
    report('sigma-regression evtx', evtx);
    expectGood(evtx, 200);
  });

  it('otrf (NXLog flat JSON in .zip and .tar.gz)', async () => {
    const dir = need(ds('otrf', 'datasets'));
    if (!dir) return;
    const t = await tally([dir]);
    report('otrf', t);
    // README: 273,007 events in 49 archives.
    expectGood(t, 273_007);
    expect(t.accepted + t.rejected).toBe(273_007);
  });

  it('wazuh windows-alerts.ndjson', async () => {
    const file = need(ds('wazuh', 'windows-alerts.ndjson'));
    if (!file) return;
    const t = await tally([file]);
    report('wazuh', t);
    expect(t.accepted + t.rejected).toBe(227);
    expectGood(t, 227);
    expect(t.formats.get('wazuh_alert')).toBe(t.accepted);
  });
});
