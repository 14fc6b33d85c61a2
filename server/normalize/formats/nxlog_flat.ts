/**
 * NXLog im_msvistalog JSON as in the OTRF/Mordor datasets: EventData items flattened to the top level beside
 * NXLog's own metadata (EventID, Channel, Hostname, SourceName, Message, EventTime, …) and Logstash's (@timestamp,
 * @version, host, port, tags).
 */
import type { EventOrigin, NormalizeResult } from '../../../common/event';
import { buildEventData, type EventData } from '../event_data';
import { isObject, reject } from '../rejection';
import { asString } from '../values';
import { channelKind, RDP_CONNECTION_MANAGER } from '../windows_ecs';
import { buildWindowsEvent, outcomeFromKeywords } from '../windows_record';

/** Keys NXLog and Logstash add; everything else is an EventData item. */
const METADATA = new Set([
  '@timestamp',
  '@version',
  'AccountName',
  'AccountType',
  'ActivityID',
  'Category',
  'Channel',
  'Domain',
  'EventID',
  'EventReceivedTime',
  'EventTime',
  'EventType',
  'ExecutionProcessID',
  'Hostname',
  'Keywords',
  'Level',
  'Message',
  'Opcode',
  'OpcodeValue',
  'ProviderGuid',
  'RecordNumber',
  'RelatedActivityID',
  'Severity',
  'SeverityValue',
  'SourceModuleName',
  'SourceModuleType',
  'SourceName',
  'Task',
  'ThreadID',
  'TimeCreated',
  'UserID',
  'Version',
  'host',
  'port',
  'tags',
  'type',
]);

const RDP_AUTH_MESSAGE_FIELDS: ReadonlyArray<[RegExp, string]> = [
  [/^User: *(.*?)\r?$/m, 'Param1'],
  [/^Domain: *(.*?)\r?$/m, 'Param2'],
  [/^Source Network Address: *(.*?)\r?$/m, 'Param3'],
];

/**
 * NXLog leaves an event's UserData out of its fields; for TerminalServices 1149 (RDP user authentication succeeded)
 * the rendered message carries the same three values ("User: …", "Domain: …", "Source Network Address: …"), so
 * they are read back into Param1..Param3, the names the EVTX and Winlogbeat readers give them.
 */
function restoreRdpAuthentication(
  ed: EventData,
  raw: Record<string, unknown>,
  channel: string | undefined,
): void {
  const message = raw.Message;
  if (String(raw.EventID) !== '1149' || typeof message !== 'string' || ed.Param1 !== undefined) return;
  if (channel?.toLowerCase() !== RDP_CONNECTION_MANAGER) return;
  for (const [re, name] of RDP_AUTH_MESSAGE_FIELDS) {
    const m = re.exec(message);
    if (m && m[1] !== '') ed[name] = m[1];
  }
}

export function normalizeNxlogFlat(
  raw: unknown,
  origin: EventOrigin,
  keepOriginal?: boolean,
): NormalizeResult {
  if (!isObject(raw)) return reject('document is not a JSON object', '', origin, raw);
  const channel = asString(raw.Channel);
  const time = raw['@timestamp'] ?? raw.TimeCreated ?? raw.EventTime;
  const timeField =
    raw['@timestamp'] !== undefined
      ? '@timestamp'
      : raw.TimeCreated !== undefined
        ? 'TimeCreated'
        : 'EventTime';
  const eventType = raw.EventType;
  const eventData = buildEventData(raw, { skip: METADATA, dropEmpty: channelKind(channel) === 'sysmon' });
  restoreRdpAuthentication(eventData, raw, channel);
  return buildWindowsEvent(
    {
      time,
      timeField,
      eventId: raw.EventID,
      eventIdField: 'EventID',
      channel,
      provider: asString(raw.SourceName),
      computer: asString(raw.Hostname),
      recordId: raw.RecordNumber,
      userSid: asString(raw.UserID),
      outcome:
        eventType === 'AUDIT_SUCCESS'
          ? 'success'
          : eventType === 'AUDIT_FAILURE'
            ? 'failure'
            : outcomeFromKeywords(raw.Keywords),
      task: asString(raw.Category),
      eventData,
    },
    origin,
    raw,
    keepOriginal,
  );
}
