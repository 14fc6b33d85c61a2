/** Winlogbeat 6.x: event_id, log_name, source_name, computer_name and event_data at the top level. */
import type { EventOrigin, NormalizeResult } from '../../../common/event';
import { buildEventData } from '../event_data';
import { isObject, reject } from '../rejection';
import { asString } from '../values';
import { channelKind } from '../windows_ecs';
import { buildWindowsEvent, outcomeFromKeywords } from '../windows_record';

export function normalizeWinlogbeat6(
  raw: unknown,
  origin: EventOrigin,
  keepOriginal?: boolean,
): NormalizeResult {
  if (!isObject(raw)) return reject('document is not a JSON object', '', origin, raw);
  const channel = asString(raw.log_name);
  const user = isObject(raw.user) ? raw.user : undefined;
  const host = isObject(raw.host) ? asString(raw.host.name) : asString(raw.host);
  return buildWindowsEvent(
    {
      time: raw['@timestamp'],
      timeField: '@timestamp',
      eventId: raw.event_id,
      eventIdField: 'event_id',
      channel,
      provider: asString(raw.source_name),
      computer: asString(raw.computer_name) ?? host,
      recordId: raw.record_number,
      userSid: user !== undefined ? asString(user.identifier) : undefined,
      outcome: outcomeFromKeywords(raw.keywords),
      task: asString(raw.task),
      eventData: buildEventData(raw.event_data, { dropEmpty: channelKind(channel) === 'sysmon' }),
    },
    origin,
    raw,
    keepOriginal,
  );
}
