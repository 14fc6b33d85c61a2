/**
 * Turns the sample Event fragments in a rule's `tests` into complete Events: the rule author writes only the
 * fields that matter, the channel and event id default to the rule's first event source.
 */
import type { Event } from '../../../common/event';
import { SERVICES, type Rule } from './schema';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** Set a dotted path, creating objects on the way (`winlog.event_data.X` keeps X as one key). */
export function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const edPrefix = 'winlog.event_data.';
  const parts = dotted.startsWith(edPrefix)
    ? ['winlog', 'event_data', dotted.slice(edPrefix.length)]
    : dotted.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** The `i`-th event built from a sample fragment (i spaces timestamps one second apart). */
export function sampleEvent(rule: Rule, fragment: Record<string, unknown>, i = 0, label = 'sample'): Event {
  // A fragment naming an event id (and no channel) belongs to the rule source that lists that id.
  const fw = isObject(fragment.winlog) ? fragment.winlog : {};
  const wantedId = typeof fw.event_id === 'number' ? fw.event_id : undefined;
  const src =
    (wantedId !== undefined && rule.events.find((s) => s.event_ids.includes(wantedId))) || rule.events[0];
  const base: Record<string, unknown> = {
    '@timestamp': new Date(Date.UTC(2024, 0, 1, 12, 0, i)).toISOString(),
    event: { code: String(src.event_ids[0]), kind: 'event' },
    host: { name: 'WS01.corp.example' },
    winlog: { channel: SERVICES[src.service], event_id: src.event_ids[0] },
    origin: { kind: 'file', format: 'ecs', location: `rule-test:${rule.id}`, id: `${label}-${i}` },
  };
  const merged = deepMerge(base, structuredClone(fragment));
  // A fragment that sets only winlog.event_id should not keep the default event.code of another id.
  const w = merged.winlog as Record<string, unknown>;
  const ev = merged.event as Record<string, unknown>;
  if (isObject(fragment.winlog) && fragment.winlog.event_id !== undefined && !isObject(fragment.event)) {
    ev.code = String(w.event_id);
  }
  return merged as unknown as Event;
}

/**
 * The events one sample stands for: one event for single-event rules; `count` events for threshold rules, with
 * the distinct field made distinct, so the sample exercises the threshold itself.
 */
export function sampleEvents(rule: Rule, fragment: Record<string, unknown>, label: string): Event[] {
  const t = rule.threshold;
  if (!t) return [sampleEvent(rule, fragment, 0, label)];
  return Array.from({ length: t.count }, (_, i) => {
    const e = sampleEvent(rule, fragment, i, label);
    if (t.distinct) setPath(e as unknown as Record<string, unknown>, t.distinct, `distinct-value-${i}`);
    return e;
  });
}
