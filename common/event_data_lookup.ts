/**
 * Case-insensitive `winlog.event_data` lookup, shared by the behaviour detectors and the model's feature events
 * (field names differ in case between Windows/Sysmon versions and sources). It runs for every event and several
 * names, mostly as a miss (the value is in an ECS field), so it must not allocate: the asked-for names are
 * lower-cased once and keys of the same length are compared character by character.
 * Isomorphic: no Node or browser APIs here.
 */
import type { Event } from './event';

/** Lower-cased names asked for (callers ask for a few dozen constant names), so a lookup does not allocate. */
const lowerNames = new Map<string, string>();

function lowerName(name: string): string {
  let l = lowerNames.get(name);
  if (l === undefined) {
    l = name.toLowerCase();
    if (lowerNames.size < 4096) lowerNames.set(name, l);
  }
  return l;
}

/** `k` equals the lower-cased `lower` ignoring ASCII case, compared without allocating (non-ASCII: toLowerCase). */
function equalsLowered(k: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let c = k.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return c >= 128 && k.toLowerCase() === lower;
  }
  return true;
}

/**
 * `event_data[name]`, else the value of the first key equal to `name` ignoring case. `lower` is `name` lower-cased,
 * for callers that compiled it already.
 */
export function eventDataValue(ev: Event, name: string, lower?: string): string | undefined {
  const data = ev.winlog?.event_data;
  if (!data) return undefined;
  const direct = data[name];
  if (direct !== undefined) return direct;
  // Only a miss needs the lower-cased name (a default parameter would look it up on every call).
  const l = lower ?? lowerName(name);
  const n = l.length;
  for (const k in data) if (k.length === n && equalsLowered(k, l)) return data[k];
  return undefined;
}
