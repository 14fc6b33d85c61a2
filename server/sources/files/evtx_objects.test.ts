/**
 * EVTX records rendered straight into objects give the events their XML rendering gave, on every record of the
 * development EVTX recordings, except where the XML was wrong: the library indents the continuation lines of a
 * multi-line value, and parsing its XML turns `\r\n` into `\n`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { datasetsDirOrWarn } from '../../../scripts/lib/datasets';
import { normalizeEvtxObject } from '../../normalize/formats/evtx_common';
import { normalizeEvtxXml } from '../../normalize/formats/evtx_xml';
import { chunkRecords, evtxPieces } from './evtx_records';

const datasets = datasetsDirOrWarn('evtx_objects');
const describeWithData = datasets ? describe : describe.skip;

function* evtxFiles(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* evtxFiles(p);
    else if (/\.evtx$/i.test(e.name)) yield p;
  }
}

/** A line break and the indentation after it, as one "\n": what the XML rendering changed in a value. */
function withoutIndentedBreaks(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/(\\r)?\\n( |\\t)*/g, '\\n'));
}

const ORIGIN = { kind: 'file', location: 'f', id: 'f#1', format: 'evtx' } as const;

describeWithData('EVTX records rendered into objects', () => {
  const compared = { records: 0, fromXmlOnly: 0, sameEvent: 0, sameButLineBreaks: 0 };
  const differences: string[] = [];
  let privilegeList: string | undefined;
  let scriptBlock: { object: string; xml: string } | undefined;

  beforeAll(async () => {
    for (const file of evtxFiles(path.join(datasets as string, 'evtx-attack-samples'))) {
      for await (const piece of evtxPieces(fs.createReadStream(file))) {
        if (!('chunk' in piece)) continue;
        for (const r of chunkRecords(piece.chunk, true)) {
          if (r.error !== undefined) continue;
          compared.records++;
          if (r.event === undefined) {
            compared.fromXmlOnly++;
            continue;
          }
          const fromObject = normalizeEvtxObject(r.event, ORIGIN, undefined, false, 'Event');
          const fromXml = normalizeEvtxXml(r.xml, ORIGIN);
          if (JSON.stringify(fromObject) === JSON.stringify(fromXml)) compared.sameEvent++;
          else if (
            JSON.stringify(withoutIndentedBreaks(fromObject)) ===
            JSON.stringify(withoutIndentedBreaks(fromXml))
          )
            compared.sameButLineBreaks++;
          else differences.push(`${file}#${r.recordNumber}`);
          if ('rejected' in fromObject || 'rejected' in fromXml) continue;
          const data = fromObject.winlog.event_data ?? {};
          if (fromObject.winlog.event_id === 4672 && privilegeList === undefined)
            privilegeList = data.PrivilegeList;
          const block = data.ScriptBlockText;
          if (scriptBlock === undefined && block?.includes('\n') && !('rejected' in fromXml))
            scriptBlock = { object: block, xml: fromXml.winlog.event_data?.ScriptBlockText ?? '' };
        }
      }
    }
  }, 180_000);

  it('renders every record, and every event equals its XML rendering apart from line breaks in values', () => {
    expect(compared.records).toBeGreaterThan(8000);
    expect(compared.fromXmlOnly).toBe(0);
    expect(differences).toEqual([]);
    expect(compared.sameEvent + compared.sameButLineBreaks).toBe(compared.records);
    // Most records have no multi-line value; the ones that do are why this renderer exists.
    expect(compared.sameEvent).toBeGreaterThan(compared.sameButLineBreaks);
    expect(compared.sameButLineBreaks).toBeGreaterThan(0);
  });

  it("keeps a multi-line value's own line breaks and tabs (a 4672 privilege list)", () => {
    expect(privilegeList).toMatch(/^SeSecurityPrivilege\r\n\t\t\tSe/);
  });

  it('adds no indentation to the lines of a PowerShell script block', () => {
    expect(scriptBlock).toBeDefined();
    const { object, xml } = scriptBlock as { object: string; xml: string };
    // The XML rendering indented every continuation line by the depth of the element it sat in.
    expect(
      xml
        .split('\n')
        .slice(1)
        .every((line) => line === '' || line.startsWith('    ')),
    ).toBe(true);
    expect(
      object
        .split(/\r?\n/)
        .slice(1)
        .some((line) => line !== '' && !line.startsWith('    ')),
    ).toBe(true);
    expect(withoutIndentedBreaks(object)).toEqual(withoutIndentedBreaks(xml));
  });
});
