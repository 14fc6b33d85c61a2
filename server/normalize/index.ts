/**
 * raw document -> Event (ECS subset, common/event.ts) or Rejection naming the offending field.
 * One module per input format under ./formats; when the caller does not name the format it is detected from the
 * document's shape. Runs on the hot path of every source (100k events/s), so the modules avoid regex compilation,
 * object spreads and repeated key scans.
 */
import type { EventOrigin, InputFormat, NormalizeResult, SourceKind } from '../../common/event';
import { detectFormat } from './detect_format';
import { normalizeEcs } from './formats/ecs';
import { normalizeElasticAgent } from './formats/elastic_agent';
import { normalizeEvtxJson } from './formats/evtx_json';
import { normalizeEvtxXml } from './formats/evtx_xml';
import { normalizeNxlogFlat } from './formats/nxlog_flat';
import { normalizeWazuhAlert } from './formats/wazuh_alert';
import { normalizeWinlogbeat6 } from './formats/winlogbeat6';
import { normalizeWinlogbeatEcs } from './formats/winlogbeat_ecs';
import { normalizeWinlogbeatRaw } from './formats/winlogbeat_raw';
import { reject } from './rejection';

export { detectFormat } from './detect_format';

type FormatNormalizer = (raw: unknown, origin: EventOrigin, keepOriginal?: boolean) => NormalizeResult;

const NORMALIZERS: Record<InputFormat, FormatNormalizer> = {
  winlogbeat_ecs: normalizeWinlogbeatEcs,
  winlogbeat_raw: normalizeWinlogbeatRaw,
  elastic_agent: normalizeElasticAgent,
  wazuh_alert: normalizeWazuhAlert,
  evtx: normalizeEvtxXml,
  evtx_json: normalizeEvtxJson,
  nxlog_flat: normalizeNxlogFlat,
  winlogbeat6: normalizeWinlogbeat6,
  ecs: normalizeEcs,
};

export function normalizeDocument(
  raw: unknown,
  origin: { kind: SourceKind; location: string; id: string; format?: InputFormat },
  opts?: { keepOriginal?: boolean },
): NormalizeResult {
  const format = origin.format ?? detectFormat(raw);
  if (format === undefined) {
    return reject(
      'unrecognised document shape: not Winlogbeat, Elastic Agent, Wazuh, EVTX, NXLog or ECS',
      '',
      { kind: origin.kind, format: 'ecs', location: origin.location, id: origin.id },
      raw,
    );
  }
  const normalize = NORMALIZERS[format];
  if (normalize === undefined) {
    return reject(
      `unknown input format "${String(format)}"`,
      'origin.format',
      { ...origin, format: 'ecs' },
      raw,
    );
  }
  const full: EventOrigin = { kind: origin.kind, format, location: origin.location, id: origin.id };
  return normalize(raw, full, opts?.keepOriginal);
}
