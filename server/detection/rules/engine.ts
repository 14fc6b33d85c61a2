/**
 * The rule engine: loads `detection_rules/**\/*.yml`, compiles each rule once, indexes rules by
 * (channel, event id) so an event is only tested against rules that can match it, skips within those the rules
 * whose gate (gate.ts: a name the condition needs) the event's values do not open, and turns matches into
 * `Finding`s with the explanation filled in. Threshold rules keep a bounded, per-group sliding window in event
 * time; those windows are part of the pipeline state (`snapshot`/`restore`), so a burst that spans a host restart
 * still fires, with the same evidence and alert id.
 */
import * as fs from 'fs';
import * as path from 'path';
import { load as loadYaml } from 'js-yaml';
import type { Event } from '../../../common/event';
import { isRecord } from '../detectors/bounded_map';
import type { EvidenceRef, Finding } from '../types';
import { compileCachedCondition, FieldCache, present, type CachedPredicate } from './condition';
import { getter, valueToText } from './fields';
import { conditionGate, gatePart, type Gate, type GateAlternative } from './gate';
import { durationMs, PLACEHOLDER, placeholderParts, ruleSchema, SERVICES, type Rule } from './schema';

/** Rules shipped with the plugin. */
export const DEFAULT_RULES_DIR = path.resolve(__dirname, '..', '..', '..', 'detection_rules');

export interface LoadedRule extends Rule {
  /** File the rule came from, relative to the rules directory. */
  file: string;
}

export class RuleLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'RuleLoadError';
  }
}

function* ruleFiles(dir: string): Generator<string> {
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* ruleFiles(full);
    else if (/\.ya?ml$/i.test(entry.name)) yield full;
  }
}

/** Parse and validate one rule document; errors name the file and the field path. */
export function parseRule(text: string, file: string): LoadedRule {
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (err) {
    throw new RuleLoadError(file, [`not valid YAML: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const parsed = ruleSchema.safeParse(doc);
  if (!parsed.success) {
    throw new RuleLoadError(
      file,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  return { ...parsed.data, file };
}

/** Load every rule under `dir`; throws one error listing every bad file, and rejects duplicate ids. */
export function loadRules(dir: string = DEFAULT_RULES_DIR): LoadedRule[] {
  const rules: LoadedRule[] = [];
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const full of ruleFiles(dir)) {
    const rel = path.relative(dir, full);
    try {
      const rule = parseRule(fs.readFileSync(full, 'utf8'), rel);
      const dup = seen.get(rule.id);
      if (dup) throw new RuleLoadError(rel, [`id: ${rule.id} is already used by ${dup}`]);
      seen.set(rule.id, rel);
      rules.push(rule);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length) throw new Error(`invalid detection rules in ${dir}:\n  ${errors.join('\n  ')}`);
  return rules;
}

export interface RuleEngineOptions {
  /** Attach the matching events to findings (alert building copies fields from them). Default true. */
  keepEvents?: boolean;
  /** Evidence events kept per threshold finding. Default 20. */
  maxEvidence?: number;
  /** Threshold groups kept per rule before the oldest are dropped (bounds memory on hostile input). */
  maxGroupsPerRule?: number;
  /** Skip rules whose gate (gate.ts) the event does not open, without running them. Default true. */
  gates?: boolean;
}

interface CompiledRule {
  rule: Rule;
  matches: CachedPredicate;
  gate?: Gate;
  render: (event: Event, extra?: Record<string, string>) => string;
  threshold?: CompiledThreshold;
}

interface CompiledThreshold {
  count: number;
  windowMs: number;
  groupKey: (e: Event) => string | undefined;
  distinct?: (e: Event) => unknown;
  groups: Map<string, GroupState>;
}

interface GroupState {
  times: number[];
  values: string[];
  events: Event[];
  /** Event time until which the group stays quiet after firing, so one burst makes one finding. */
  quietUntil: number;
  lastSeen: number;
}

/** One field a candidate list's gates read: each value (or last path segment) -> positions of the gates it opens. */
interface GateLookup {
  slot: number;
  part: GateAlternative['part'];
  opens: Map<string, number[]>;
}

/** The rules of one (channel, event id), in rule order, with the lookups that open their gates. */
interface CandidateList {
  rules: CompiledRule[];
  /** Per position: whether the rule only runs when a lookup opened its gate. */
  gated: boolean[];
  lookups: GateLookup[];
  /** Per position: the event stamp that last opened its gate. */
  opened: number[];
}

function candidateList(rules: CompiledRule[], cache: FieldCache, useGates: boolean): CandidateList {
  const list: CandidateList = { rules, gated: [], lookups: [], opened: rules.map(() => 0) };
  const byKey = new Map<string, GateLookup>();
  rules.forEach((c, pos) => {
    const gate = useGates ? c.gate : undefined;
    list.gated.push(gate !== undefined);
    for (const alt of gate ?? []) {
      const slot = cache.slot(alt.field);
      const key = `${slot}:${alt.part}`;
      let lookup = byKey.get(key);
      if (!lookup) {
        byKey.set(key, (lookup = { slot, part: alt.part, opens: new Map() }));
        list.lookups.push(lookup);
      }
      for (const v of alt.values) {
        const positions = lookup.opens.get(v) ?? [];
        if (!positions.includes(pos)) positions.push(pos);
        lookup.opens.set(v, positions);
      }
    }
  });
  return list;
}

/** What `RuleEngine.snapshot()` returns: per threshold rule id, its open groups in insertion order. */
export interface RuleEngineState {
  version: 1;
  /** Newest event time seen (epoch ms), null before any. */
  latest: number | null;
  thresholds: Record<string, [string, GroupState][]>;
}

/** A saved group, or undefined when malformed. */
function parseGroupState(v: unknown): GroupState | undefined {
  if (!isRecord(v)) return undefined;
  const { times, values, events, quietUntil, lastSeen } = v;
  const ok =
    Array.isArray(times) &&
    times.every((x) => typeof x === 'number') &&
    Array.isArray(values) &&
    values.every((x) => typeof x === 'string') &&
    Array.isArray(events) &&
    events.every((e) => isRecord(e) && typeof e['@timestamp'] === 'string' && isRecord(e.origin)) &&
    times.length === values.length &&
    times.length === events.length &&
    // JSON has no -Infinity: a group that never fired comes back with quietUntil null.
    (typeof quietUntil === 'number' || quietUntil === null) &&
    typeof lastSeen === 'number';
  if (!ok) return undefined;
  return {
    times: times as number[],
    values: values as string[],
    events: events as Event[],
    quietUntil: typeof quietUntil === 'number' ? quietUntil : -Infinity,
    lastSeen,
  };
}

function withoutOriginal(e: Event): Event {
  if (e.original === undefined) return e;
  const copy = { ...e };
  delete copy.original;
  return copy;
}

/**
 * `{{host.name}}`, `{{a|b}}` (first present), `{{count}}` for thresholds, and a quoted last alternative as the text
 * for when none is present (`{{user.name|'an account the event does not name'}}`); otherwise missing values read
 * "unknown".
 */
export function compileTemplate(template: string): (event: Event, extra?: Record<string, string>) => string {
  const parts = template.split(PLACEHOLDER);
  // split with a capture group alternates literal text and placeholder names.
  const pieces = parts.map((p, i) => {
    if (i % 2 === 0) return () => p;
    const { paths, fallback = 'unknown' } = placeholderParts(p);
    const getters = paths.map((a) => [a, getter(a)] as const);
    return (e: Event, extra?: Record<string, string>) => {
      for (const [name, g] of getters) {
        const v = extra?.[name] ?? valueToText(g(e));
        if (v !== undefined) return v;
      }
      return fallback;
    };
  });
  return (e, extra) => pieces.map((f) => f(e, extra)).join('');
}

const hostOf = getter('host.name');
const userOf = getter('user.name');

function evidenceOf(e: Event): EvidenceRef {
  const eid = e.winlog?.event_id ?? e.event?.code;
  const what = valueToText(getter('process.command_line')(e)) ?? valueToText(getter('process.executable')(e));
  const summary = `${e.winlog?.channel ?? e.event?.provider ?? 'event'} ${eid ?? ''}${what ? `: ${what}` : ''}`;
  return {
    id: e.origin.id,
    location: e.origin.location,
    timestamp: e['@timestamp'],
    summary: summary.length > 200 ? `${summary.slice(0, 197)}...` : summary,
  };
}

/** Distinct channel spellings remembered by `candidates` (more are looked up without the memo). */
const MAX_CHANNEL_MEMO = 1024;

/** Providers by service, for events whose channel is missing (some ETW and third-party exports). */
const PROVIDERS: Partial<Record<keyof typeof SERVICES, string[]>> = {
  security: ['Microsoft-Windows-Security-Auditing'],
  sysmon: ['Microsoft-Windows-Sysmon'],
  system: ['Service Control Manager', 'Microsoft-Windows-Eventlog'],
  powershell: ['Microsoft-Windows-PowerShell'],
  'powershell-classic': ['PowerShell'],
  'bits-client': ['Microsoft-Windows-Bits-Client'],
};

export class RuleEngine {
  /** Lower-cased channel (or `provider:<name>`) -> event id -> rules, in rule order. */
  private readonly byChannel = new Map<string, Map<number, CandidateList>>();
  /** Channel as events spell it -> its `byChannel` entry (null: no rules), so an event does not lower-case it. */
  private readonly channelMemo = new Map<string, Map<number, CandidateList> | null>();
  /** Counts evaluated events; a gate is open for the event whose stamp it carries. */
  private stamp = 0;
  private readonly fields = new FieldCache();
  private readonly compiled: CompiledRule[];
  private readonly keepEvents: boolean;
  private readonly maxEvidence: number;
  private readonly maxGroups: number;
  /** Newest event time any threshold group has seen: groups far behind it are left out of snapshots. */
  private latest = -Infinity;

  constructor(
    readonly rules: readonly Rule[],
    opts: RuleEngineOptions = {},
  ) {
    this.keepEvents = opts.keepEvents ?? true;
    this.maxEvidence = opts.maxEvidence ?? 20;
    this.maxGroups = opts.maxGroupsPerRule ?? 10_000;
    this.compiled = rules.map((rule) => this.compile(rule));
    const lists = new Map<string, Map<number, CompiledRule[]>>();
    for (const c of this.compiled) {
      for (const src of c.rule.events) {
        const channels = [
          SERVICES[src.service],
          ...(PROVIDERS[src.service] ?? []).map((p) => `provider:${p}`),
        ];
        for (const ch of channels) {
          const key = ch.toLowerCase();
          let ids = lists.get(key);
          if (!ids) lists.set(key, (ids = new Map()));
          for (const id of src.event_ids) {
            const list = ids.get(id) ?? [];
            if (!list.includes(c)) list.push(c);
            ids.set(id, list);
          }
        }
      }
    }
    const useGates = opts.gates ?? true;
    for (const [channel, ids] of lists) {
      const byId = new Map<number, CandidateList>();
      for (const [id, list] of ids) byId.set(id, candidateList(list, this.fields, useGates));
      this.byChannel.set(channel, byId);
    }
  }

  private compile(rule: Rule): CompiledRule {
    const c: CompiledRule = {
      rule,
      matches: compileCachedCondition(rule.condition, this.fields),
      gate: conditionGate(rule.condition),
      render: compileTemplate(rule.explanation),
    };
    if (rule.threshold) {
      const groupGetters = rule.threshold.group_by.map(getter);
      c.threshold = {
        count: rule.threshold.count,
        windowMs: durationMs(rule.threshold.window),
        groupKey: (e) => {
          const vals = groupGetters.map((g) => valueToText(g(e)));
          return vals.some((v) => v === undefined) ? undefined : vals.join('\u0000').toLowerCase();
        },
        distinct: rule.threshold.distinct ? getter(rule.threshold.distinct) : undefined,
        groups: new Map(),
      };
    }
    return c;
  }

  /** Rules that could match this event, by its channel (or provider when the channel is missing) and id. */
  private candidates(event: Event): CandidateList | undefined {
    const w = event.winlog;
    const id = w?.event_id ?? (event.event?.code !== undefined ? Number(event.event.code) : undefined);
    if (id === undefined || Number.isNaN(id)) return undefined;
    if (w?.channel) return this.rulesOfChannel(w.channel)?.get(id);
    const provider = w?.provider_name ?? event.event?.provider;
    return provider ? this.rulesOfChannel(`provider:${provider}`)?.get(id) : undefined;
  }

  private rulesOfChannel(channel: string): Map<number, CandidateList> | undefined {
    const memo = this.channelMemo.get(channel);
    if (memo !== undefined) return memo ?? undefined;
    const ids = this.byChannel.get(channel.toLowerCase());
    if (this.channelMemo.size < MAX_CHANNEL_MEMO) this.channelMemo.set(channel, ids ?? null);
    return ids;
  }

  /** Findings this event produces now (single-event rules, and thresholds it pushes over their count). */
  evaluate(event: Event): Finding[] {
    const candidates = this.candidates(event);
    if (!candidates) return [];
    let out: Finding[] | undefined;
    const fields = this.fields;
    fields.reset(event);
    const stamp = ++this.stamp;
    this.openGates(candidates, stamp);
    const { rules, gated, opened } = candidates;
    for (let i = 0; i < rules.length; i++) {
      if (gated[i] && opened[i] !== stamp) continue;
      const c = rules[i];
      if (!c.matches(event, fields)) continue;
      const f = c.threshold ? this.countTowards(c, c.threshold, event) : this.single(c, event);
      if (f) (out ??= []).push(f);
    }
    fields.clear();
    return out ?? [];
  }

  /** Marks, for the event in `this.fields`, the gates its values open (the fields are then cached for the rules). */
  private openGates(list: CandidateList, stamp: number): void {
    const fields = this.fields;
    for (const lookup of list.lookups) {
      const raw = fields.raw(lookup.slot);
      if (Array.isArray(raw)) {
        for (const x of raw) if (present(x)) this.open(list, lookup, String(x).toLowerCase(), stamp);
      } else if (present(raw)) {
        this.open(list, lookup, fields.lower(lookup.slot), stamp);
      }
    }
  }

  private open(list: CandidateList, lookup: GateLookup, lower: string, stamp: number): void {
    const positions = lookup.opens.get(gatePart(lower, lookup.part));
    if (positions) for (const pos of positions) list.opened[pos] = stamp;
  }

  /** Threshold windows hold no finished findings (they fire as they cross); flushing only clears their state. */
  flush(): Finding[] {
    for (const c of this.compiled) c.threshold?.groups.clear();
    return [];
  }

  private base(c: CompiledRule, first: Event, last: Event, explanation: string): Finding {
    return {
      ruleId: c.rule.id,
      ruleName: c.rule.name,
      detector: 'rule',
      techniqueIds: [...c.rule.techniques],
      severity: c.rule.severity,
      riskScore: c.rule.risk_score,
      explanation,
      host: valueToText(hostOf(last)),
      user: valueToText(userOf(last)),
      firstSeen: first['@timestamp'],
      lastSeen: last['@timestamp'],
      evidence: [],
      ...(c.rule.admin_path_suppression ? {} : { ignoresAdminPaths: true }),
    };
  }

  private single(c: CompiledRule, event: Event): Finding {
    const f = this.base(c, event, event, c.render(event));
    f.evidence = [evidenceOf(event)];
    if (this.keepEvents) f.events = [event];
    return f;
  }

  private countTowards(c: CompiledRule, t: CompiledThreshold, event: Event): Finding | undefined {
    const key = t.groupKey(event);
    if (key === undefined) return undefined;
    const ts = Date.parse(event['@timestamp']);
    if (Number.isNaN(ts)) return undefined;
    if (ts > this.latest) this.latest = ts;
    let g = t.groups.get(key);
    if (!g) {
      if (t.groups.size >= this.maxGroups) this.evictOldest(t);
      g = { times: [], values: [], events: [], quietUntil: -Infinity, lastSeen: ts };
      t.groups.set(key, g);
    }
    g.lastSeen = Math.max(g.lastSeen, ts);
    g.times.push(ts);
    g.values.push(t.distinct ? (valueToText(t.distinct(event)) ?? '').toLowerCase() : '');
    g.events.push(event);
    // Drop what fell out of the window (events may arrive slightly out of order; compare to the newest).
    const horizon = g.lastSeen - t.windowMs;
    let drop = 0;
    while (drop < g.times.length && g.times[drop] < horizon) drop++;
    if (drop) {
      g.times.splice(0, drop);
      g.values.splice(0, drop);
      g.events.splice(0, drop);
    }
    if (g.events.length > Math.max(t.count * 4, this.maxEvidence)) {
      // Bounded memory on floods: keep the newest; counting beyond a few times the threshold changes nothing.
      const cut = g.events.length - Math.max(t.count * 4, this.maxEvidence);
      g.times.splice(0, cut);
      g.values.splice(0, cut);
      g.events.splice(0, cut);
    }
    // Quiet after firing: no finding, so no count (a distinct count costs a set of the whole window per event).
    if (ts < g.quietUntil) return undefined;
    const n = t.distinct ? new Set(g.values.filter((v) => v !== '')).size : g.events.length;
    if (n < t.count) return undefined;
    g.quietUntil = ts + t.windowMs;
    const evidence = g.events.slice(-this.maxEvidence);
    const first = g.events[0];
    const f = this.base(
      c,
      first,
      event,
      c.render(event, { count: String(n), window: c.rule.threshold?.window ?? '' }),
    );
    f.firstSeen = first['@timestamp'];
    f.evidence = evidence.map(evidenceOf);
    if (this.keepEvents) f.events = evidence;
    g.times = [];
    g.values = [];
    g.events = [];
    return f;
  }

  /**
   * The open threshold windows as JSON, by rule id. A group whose newest event is more than two windows behind the
   * newest event seen, and whose quiet period is over, is left out: the next in-order event of its key would drop all
   * of its events anyway, so a fresh group behaves the same. Events are kept without their original document.
   */
  snapshot(): RuleEngineState {
    const thresholds: RuleEngineState['thresholds'] = {};
    for (const c of this.compiled) {
      const t = c.threshold;
      if (!t || t.groups.size === 0) continue;
      const since = this.latest - 2 * t.windowMs;
      const groups: [string, GroupState][] = [];
      for (const [key, g] of t.groups) {
        const live = (g.events.length > 0 && g.lastSeen >= since) || g.quietUntil > since;
        if (!live) continue;
        groups.push([key, { ...g, events: g.events.map(withoutOriginal) }]);
      }
      if (groups.length > 0) thresholds[c.rule.id] = groups;
    }
    return { version: 1, latest: Number.isFinite(this.latest) ? this.latest : null, thresholds };
  }

  /** Replaces the threshold windows with a `snapshot()`; malformed parts (or rules no longer loaded) are dropped. */
  restore(state: unknown): void {
    for (const c of this.compiled) c.threshold?.groups.clear();
    this.latest = -Infinity;
    if (!isRecord(state) || state.version !== 1 || !isRecord(state.thresholds)) return;
    if (typeof state.latest === 'number') this.latest = state.latest;
    const byId = new Map(this.compiled.map((c) => [c.rule.id, c]));
    for (const [id, groups] of Object.entries(state.thresholds)) {
      const t = byId.get(id)?.threshold;
      if (!t || !Array.isArray(groups)) continue;
      for (const entry of groups.slice(-this.maxGroups)) {
        const g =
          Array.isArray(entry) && typeof entry[0] === 'string' ? parseGroupState(entry[1]) : undefined;
        if (g) t.groups.set(entry[0] as string, g);
      }
    }
  }

  private evictOldest(t: CompiledThreshold): void {
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [k, g] of t.groups) {
      if (g.lastSeen < oldest) {
        oldest = g.lastSeen;
        oldestKey = k;
      }
    }
    if (oldestKey !== undefined) t.groups.delete(oldestKey);
  }
}
