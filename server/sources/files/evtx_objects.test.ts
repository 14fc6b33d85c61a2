/**
 * The EVTX object walk: first on hand-built template trees (the node classes are told apart by their constructor
 * names, as in @ts-evtx/core), then on every record of the development EVTX recordings, whose events must be the ones
 * their XML rendering gave, except where the XML was wrong: the library indents the continuation lines of a
 * multi-line value, and parsing its XML turns `\r\n` into `\n`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { datasetsDirOrWarn } from '../../../scripts/lib/datasets';
import { normalizeEvtxObject } from '../../normalize/formats/evtx_common';
import { normalizeEvtxXml } from '../../normalize/formats/evtx_xml';
import { chunkRecords, evtxPieces } from './evtx_records';
import { renderEvtxObject, type EmbeddedXmlParser, type RenderableRecord } from './evtx_objects';

class OpenStartElementNode {
  constructor(
    readonly name: string,
    readonly children: unknown[],
  ) {}
}
class AttributeNode {
  constructor(
    readonly name: string,
    readonly children: unknown[],
  ) {}
}
class ValueTextNode {
  constructor(readonly data: string) {}
}
class OptionalSubstitutionNode {
  constructor(
    readonly substitution_id: number,
    readonly value_type = 1,
  ) {}
}
class CloseStartElementNode {}
class CloseElementNode {}
class CDataSectionNode {}

const el = (name: string, ...children: unknown[]): OpenStartElementNode =>
  new OpenStartElementNode(name, [...children]);
const attr = (name: string, value: unknown): AttributeNode => new AttributeNode(name, [value]);
const sub = (id: number, type?: number): OptionalSubstitutionNode => new OptionalSubstitutionNode(id, type);

function template(root: unknown) {
  return {
    rootElement: root as never,
    // The library formats by variant type; strings and numbers come out as their text.
    formatValueForXml: (v: unknown) => (v === null || v === undefined ? '' : String(v)),
    getChunkReference: () => 'chunk',
  };
}

function record(root: unknown, substitutions: unknown[]): RenderableRecord {
  return {
    root: () => ({ substitutions, templateInstance: () => ({ getActualTemplate: () => template(root) }) }),
  };
}

const noEmbedded: EmbeddedXmlParser = {
  parseEmbeddedActualAtOffset: () => ({ actual: null, substitutions: [] }),
  parseEmbeddedActual: () => ({ actual: null, substitutions: [] }),
};

const SYSTEM = el(
  'System',
  new CloseStartElementNode(),
  el('EventID', attr('Qualifiers', sub(0)), new CloseStartElementNode(), sub(1), new CloseElementNode()),
  el('Channel', new CloseStartElementNode(), new ValueTextNode('Security'), new CloseElementNode()),
  el('TimeCreated', attr('SystemTime', sub(2))),
);

describe('renderEvtxObject', () => {
  it('gives attributes as keys, text under "#text" beside attributes, and Data items as a list', () => {
    const root = el(
      'Event',
      attr('xmlns', new ValueTextNode('http://schemas.microsoft.com/win/2004/08/events/event')),
      SYSTEM,
      el('EventData', el('Data', attr('Name', new ValueTextNode('TargetUserName')), sub(3))),
    );
    const out = renderEvtxObject(record(root, [null, 4625, '2024-01-01T00:00:00.000Z', 'bob']), noEmbedded);
    expect(out).toEqual({
      name: 'Event',
      value: {
        xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event',
        System: {
          EventID: { Qualifiers: '', '#text': '4625' },
          Channel: 'Security',
          TimeCreated: { SystemTime: '2024-01-01T00:00:00.000Z' },
        },
        EventData: { Data: [{ Name: 'TargetUserName', '#text': 'bob' }] },
      },
    });
  });

  it('walks the binary XML a substitution embeds (a record EventData) with its own values', () => {
    const embeddedRoot = el('EventData', el('Data', attr('Name', new ValueTextNode('Image')), sub(0)));
    const parser: EmbeddedXmlParser = {
      parseEmbeddedActualAtOffset: (offset, length, chunk) => {
        expect([offset, length, chunk]).toEqual([100, 40, 'chunk']);
        return { actual: template(embeddedRoot), substitutions: ['C:\\x.exe'] };
      },
      parseEmbeddedActual: () => ({ actual: null, substitutions: [] }),
    };
    const root = el('Event', SYSTEM, sub(3, 0x21));
    const bxml = { isBXml: true, baseOffset: 100, length: 40, bxmlData: new Uint8Array(0) };
    const out = renderEvtxObject(record(root, [null, 1, 't', bxml]), parser);
    expect(out?.value).toMatchObject({ EventData: { Data: [{ Name: 'Image', '#text': 'C:\\x.exe' }] } });
  });

  it('keeps line breaks and tabs, drops control characters XML cannot carry, and empties whitespace-only text', () => {
    const root = el(
      'Event',
      el('EventData', el('Data', attr('Name', new ValueTextNode('A')), sub(0)), el('Data', sub(1))),
    );
    const out = renderEvtxObject(record(root, ['Se\r\n\t\tPriv\u0001ilege', '  \n ']), noEmbedded);
    expect(out?.value).toEqual({ EventData: { Data: [{ Name: 'A', '#text': 'Se\r\n\t\tPrivilege' }, ''] } });
  });

  it('hands back what it does not render: text mixed with elements, CDATA, a substitution it lacks', () => {
    const mixed = el('Event', new ValueTextNode('text'), el('System'));
    expect(renderEvtxObject(record(mixed, []), noEmbedded)).toBeUndefined();
    const cdata = el('Event', el('Data', new CDataSectionNode()));
    expect(renderEvtxObject(record(cdata, []), noEmbedded)).toBeUndefined();
    const missing = el('Event', el('Data', sub(5)));
    expect(renderEvtxObject(record(missing, ['only one']), noEmbedded)).toBeUndefined();
    const embeddedUnreadable = el('Event', sub(0, 0x21));
    expect(
      renderEvtxObject(record(embeddedUnreadable, [{ isBXml: true, baseOffset: 1, length: 2 }]), noEmbedded),
    ).toBeUndefined();
  });
});

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
