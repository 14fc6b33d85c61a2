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
  // EVTX renderings write quotes and other characters as numeric references (`&#x27;`, `&#39;`); XML defines
  // them, but fast-xml-parser decodes only the five named entities unless asked. Without this a command line
  // such as `xp_cmdshell 'whoami'` reaches the rules as `xp_cmdshell &#x27;whoami&#x27;`. A literal `&amp;#x27;`
  // still comes out as the text `&#x27;`.
  htmlEntities: true,
  isArray: (name) => name === 'Data',
});

export function normalizeEvtxXml(raw: unknown, origin: EventOrigin, keepOriginal?: boolean): NormalizeResult {
  if (typeof raw !== 'string') return reject('EVTX record is not an XML string', '', origin, raw);
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(raw) as Record<string, unknown>;
  } catch (err) {
    return reject(`invalid XML: ${err instanceof Error ? err.message : String(err)}`, '', origin, raw);
  }
  return normalizeEvtxObject(parsed.Event, origin, raw, keepOriginal, 'Event');
}
