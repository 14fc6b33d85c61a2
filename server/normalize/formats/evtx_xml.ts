/** An EVTX record rendered to XML (`<Event xmlns=…><System>…`), as @ts-evtx/core or wevtutil print it. */
import { XMLParser } from 'fast-xml-parser';
import type { EventOrigin, NormalizeResult } from '../../../common/event';
import { reject } from '../rejection';
import { normalizeEvtxObject } from './evtx_common';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  // Values such as CommandLine keep their exact whitespace; whitespace-only text between elements is dropped.
  trimValues: false,
  ignoreDeclaration: true,
  isArray: (name) => name === 'Data',
});

/** The five characters XML names; a reference to one of them stays a reference, so the markup stays well formed. */
const NAMED: Readonly<Record<number, string>> = {
  34: '&quot;',
  38: '&amp;',
  39: '&apos;',
  60: '&lt;',
  62: '&gt;',
};

/**
 * EVTX renderings write quotes and other characters as numeric references (`&#x27;`, `&#39;`); XML defines them, but
 * fast-xml-parser decodes only the five named entities unless given `htmlEntities`, whose table of HTML entities it
 * then tries on every value (40% of the parse time of an EVTX record, measured on 26,070 records). So the numeric
 * references are resolved here, before parsing, in one pass over the few records that have any: without this a
 * command line such as `xp_cmdshell 'whoami'` would reach the rules as `xp_cmdshell &#x27;whoami&#x27;`. A literal
 * `&amp;#x27;` still comes out as the text `&#x27;`; a reference to no character is left as written.
 */
export function resolveCharacterReferences(xml: string): string {
  if (!xml.includes('&#')) return xml;
  return xml.replace(/&#(x[0-9a-fA-F]+|[0-9]+);/g, (ref, n: string) => {
    const cp = n[0] === 'x' ? parseInt(n.slice(1), 16) : parseInt(n, 10);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return ref;
    return NAMED[cp] ?? String.fromCodePoint(cp);
  });
}

export function normalizeEvtxXml(raw: unknown, origin: EventOrigin, keepOriginal?: boolean): NormalizeResult {
  if (typeof raw !== 'string') return reject('EVTX record is not an XML string', '', origin, raw);
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(resolveCharacterReferences(raw)) as Record<string, unknown>;
  } catch (err) {
    return reject(`invalid XML: ${err instanceof Error ? err.message : String(err)}`, '', origin, raw);
  }
  return normalizeEvtxObject(parsed.Event, origin, raw, keepOriginal, 'Event');
}
