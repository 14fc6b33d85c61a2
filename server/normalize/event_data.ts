/**
 * `winlog.event_data` as the Event carries it: original (PascalCase) names, string values as Windows renders them.
 * Sources differ only in spelling: Wazuh lower-cases the first letter of every name (`targetUserName`) and doubles
 * backslashes; NXLog/OTRF flattens the items next to its own metadata. One pass per document builds the map.
 */
import { asString, unescapeWazuhValue } from './values';

export type EventData = Record<string, string>;

const ZERO_GUID = '{00000000-0000-0000-0000-000000000000}';

export interface EventDataOptions {
  /** Wazuh: upper-case the first letter again and undo Wazuh's escaping of backslashes and quotes. */
  wazuh?: boolean;
  /** Sysmon pipeline: drop empty, "-" and zero-GUID values. */
  dropEmpty?: boolean;
  /** Keys to leave out (NXLog metadata living beside the data items). */
  skip?: ReadonlySet<string>;
  /**
   * When the source already has the right shape (all strings, nothing to drop), clone it in one step: V8 copies
   * the hidden class instead of re-adding every key (event_data is ~10-30 keys, so this is cheap and never
   * mutates the caller's document).
   */
  reuse?: boolean;
}

function usableAsIs(obj: Record<string, unknown>, dropEmpty: boolean | undefined): boolean {
  for (const k in obj) {
    const v = obj[k];
    if (typeof v !== 'string') return false;
    if (dropEmpty && (v === '' || v === '-' || v === ZERO_GUID)) return false;
  }
  return true;
}

function upperFirst(k: string): string {
  const c = k.charCodeAt(0);
  return c >= 97 && c <= 122 ? String.fromCharCode(c - 32) + k.slice(1) : k;
}

export function buildEventData(src: unknown, opts: EventDataOptions = {}): EventData {
  const out: EventData = {};
  if (src === null || typeof src !== 'object') return out;
  const obj = src as Record<string, unknown>;
  const { wazuh, dropEmpty, skip } = opts;
  if (opts.reuse && !wazuh && skip === undefined && !Array.isArray(obj) && usableAsIs(obj, dropEmpty))
    return { ...(obj as EventData) };
  for (const k in obj) {
    if (skip !== undefined && skip.has(k)) continue;
    let v = asString(obj[k]);
    if (v === undefined) continue;
    if (dropEmpty && (v === '' || v === '-' || v === ZERO_GUID)) continue;
    if (wazuh) {
      v = unescapeWazuhValue(v);
      out[upperFirst(k)] = v;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** The first present value among alternative spellings (Sysmon versions write `SourceProcessGUID`/`…Guid`). */
export function firstOf(ed: EventData, a: string, b: string): string | undefined {
  const v = ed[a];
  return v !== undefined ? v : ed[b];
}
