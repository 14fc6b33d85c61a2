/**
 * Per-entity window features and event sequences, computed incrementally over a time-ordered stream of
 * FeatureEvents. Every host and every user gets one row per aligned window (WINDOW_MS) in which it had events.
 * A window closes when an event GRACE_MS past its end arrives (or on flush); rows of windows that close together
 * are computed against the history as it stood before any of them, then merged into it, so the result does not
 * depend on the order of entities. scripts/train/features.py implements the same computation in Python.
 *
 * Isomorphic: no Node or browser APIs here.
 */
import type { FeatureEvent } from './feature_event';
import {
  DEFAULT_SNAPSHOT_LIMITS,
  EXTRACTOR_SNAPSHOT_VERSION,
  type ExtractorSnapshot,
  type ExtractorSnapshotLimits,
  type WindowSnapshot,
} from './extractor_snapshot';
import { isPrivateIp as isPrivateAddress } from '../windows_values';
import {
  EVENT_KINDS,
  FEATURE_COUNT,
  GRACE_MS,
  HISTORY_CAP,
  RARE_PROCESS_WINDOWS,
  SEQ_LEN,
  SEQ_NUMERIC,
  WINDOW_MS,
  type EntityType,
  type EventKind,
} from './schema';

const KIND_INDEX = new Map<EventKind, number>(EVENT_KINDS.map((k, i) => [k, i]));
const kindIndex = (k: EventKind): number => KIND_INDEX.get(k) as number;
const KI_LOGON_INTERACTIVE = kindIndex('logon_interactive');
const KI_LOGON_NETWORK = kindIndex('logon_network');
const KI_LOGON_REMOTE = kindIndex('logon_remote');
const KI_LOGON_OTHER = kindIndex('logon_other');
const KI_PRIV = kindIndex('priv');
const KI_ACCOUNT = kindIndex('account');
const KI_SERVICE = kindIndex('service');
const SEC_KINDS: Record<number, EventKind> = {
  4634: 'logoff',
  4647: 'logoff',
  4648: 'explicit_cred',
  4672: 'priv',
  4673: 'priv',
  4674: 'priv',
  4688: 'proc',
  5156: 'net',
  4697: 'service',
  4698: 'task',
  4702: 'task',
  4720: 'account',
  4722: 'account',
  4724: 'account',
  4726: 'account',
  4728: 'account',
  4732: 'account',
  4738: 'account',
  4756: 'account',
  4769: 'tgs',
  5140: 'share',
  5145: 'share',
  1102: 'log_clear',
  4625: 'logon_fail',
  4771: 'logon_fail',
};
const SYSMON_KINDS: Record<number, EventKind> = {
  1: 'proc',
  3: 'net',
  7: 'image_load',
  8: 'remote_thread',
  10: 'proc_access',
  11: 'file',
  12: 'registry',
  13: 'registry',
  14: 'registry',
  22: 'dns',
};

export function eventKind(e: FeatureEvent): EventKind {
  switch (e.c) {
    case 'sec':
      if (e.id === 4624) {
        if (e.lt === 2 || e.lt === 7 || e.lt === 11) return 'logon_interactive';
        if (e.lt === 3) return 'logon_network';
        if (e.lt === 10) return 'logon_remote';
        return 'logon_other';
      }
      if (e.id === 4776 || e.id === 4768) return e.f ? 'logon_fail' : e.id === 4776 ? 'ntlm' : 'tgt';
      return SEC_KINDS[e.id] ?? 'other';
    case 'sysmon':
      return SYSMON_KINDS[e.id] ?? 'other';
    case 'system':
      return e.id === 7045 ? 'service' : e.id === 104 ? 'log_clear' : 'other';
    case 'ps':
      return e.id === 4103 || e.id === 4104 ? 'powershell' : 'other';
    default:
      return 'other';
  }
}

/** Counts per ASCII character, reused by `dnsEntropy` (one DNS event at a time; JavaScript is single-threaded). */
const asciiCounts = new Int32Array(128);

/**
 * Shannon entropy (bits per character) of the part of a query name left of its registered domain: every label but
 * the last two, concatenated (a name of one or two labels: its first label). Query names are ASCII almost always,
 * so they are counted in a reused table without splitting or allocating; other names go through a Map by code
 * point (as Python counts them, not UTF-16 units).
 */
export function dnsEntropy(q: string): number {
  const last = q.lastIndexOf('.');
  const secondLast = last > 0 ? q.lastIndexOf('.', last - 1) : -1;
  let end: number;
  if (secondLast >= 0) end = secondLast;
  else {
    const first = q.indexOf('.');
    end = first >= 0 ? first : q.length;
  }
  let ascii = true;
  for (let i = 0; i < end; i++) if (q.charCodeAt(i) >= 128) ascii = false;
  if (!ascii) return entropyByCodePoint(q.slice(0, end).split('.').join(''));
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = q.charCodeAt(i);
    if (c === 46) continue;
    asciiCounts[c]++;
    n++;
  }
  if (n === 0) return 0;
  let h = 0;
  for (let i = 0; i < end; i++) {
    const c = q.charCodeAt(i);
    const k = asciiCounts[c];
    if (c === 46 || k === 0) continue;
    const p = k / n;
    h -= p * Math.log2(p);
    asciiCounts[c] = 0;
  }
  return h;
}

/** Shannon entropy (bits per code point) of a string, counted with a Map (any characters). */
export function entropyByCodePoint(sub: string): number {
  if (sub.length === 0) return 0;
  const counts = new Map<string, number>();
  let n = 0;
  for (const ch of sub) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** The last two labels of a query name (the whole name when it has fewer). */
export function registeredDomain(q: string): string {
  const last = q.lastIndexOf('.');
  const secondLast = last > 0 ? q.lastIndexOf('.', last - 1) : -1;
  return secondLast >= 0 ? q.slice(secondLast + 1) : q;
}

/** Whether any label of a query name is longer than `max` characters. */
export function hasLabelLongerThan(q: string, max: number): boolean {
  let start = 0;
  for (;;) {
    const dot = q.indexOf('.', start);
    const end = dot < 0 ? q.length : dot;
    if (end - start > max) return true;
    if (dot < 0) return false;
    start = dot + 1;
  }
}

/** Private (not outbound) address; '' counts as private (nothing to say). */
export function isPrivateIp(ip: string): boolean {
  return ip === '' || isPrivateAddress(ip);
}

/**
 * Facts about a window that are not model inputs but decide which ATT&CK technique a feature is evidence of
 * (FeatureTechniqueLink.requires): `lsass_access` = a Sysmon 10 ProcessAccess whose target is lsass.exe.
 */
export const WINDOW_FACTS = ['lsass_access'] as const;
export type WindowFact = (typeof WINDOW_FACTS)[number];

interface Step {
  token: number;
  t: number;
  f: number;
  pair: string;
  proc: string;
  ob: number;
  ent: number;
}

interface WindowState<R> {
  type: EntityType;
  entity: string;
  start: number;
  n: number;
  failures: number;
  counts: number[];
  dips: Set<string>;
  dports: Set<number>;
  sips: Set<string>;
  hosts: Set<string>;
  users: Set<string>;
  procs: Set<string>;
  pairs: Set<string>;
  dnsCount: number;
  entSum: number;
  entMax: number;
  qlenMax: number;
  domains: Set<string>;
  longLabels: number;
  obSum: number;
  obMax: number;
  external: number;
  steps: Step[];
  label: number;
  refs: R[];
  facts: Set<WindowFact>;
}

export interface WindowRow<R = unknown> {
  entityType: EntityType;
  entity: string;
  /** Window start, epoch ms. */
  windowStart: number;
  eventCount: number;
  /** WINDOW_FEATURES, in order. */
  features: number[];
  /** SEQ_LEN token ids, left-padded with 0. */
  tokens: number[];
  /** SEQ_LEN x SEQ_NUMERIC, row-major. */
  seqNumeric: number[];
  /** Largest event tag seen in the window (training: 1 when any event was malicious). */
  label: number;
  /** The last few refs attached to the window's events (serving: evidence). */
  refs: R[];
  /** WINDOW_FACTS that hold for the window, sorted. */
  facts: WindowFact[];
}

export interface ExtractorStats {
  events: number;
  lateDropped: number;
  openWindows: number;
}

const MAX_REFS = 10;

export class WindowFeatureExtractor<R = unknown> {
  private readonly open = new Map<string, WindowState<R>>();
  private readonly pairHistory = new Map<string, Set<string>>();
  private readonly procWindows = new Map<string, number>();
  private watermark = -Infinity;
  /** Smallest open window start (cached so that most events skip the close scan). */
  private minStart = Infinity;
  /** Windows starting before this have been closed; their late events are dropped. */
  private closedBefore = -Infinity;
  private events = 0;
  private late = 0;

  /** Adds one event (in time order); returns the rows of windows that closed because time moved on. */
  add(e: FeatureEvent, tag = 0, ref?: R): WindowRow<R>[] {
    this.events++;
    const rows = e.t > this.watermark ? this.closeThrough(e.t) : [];
    if (e.t > this.watermark) this.watermark = e.t;
    const start = Math.floor(e.t / WINDOW_MS) * WINDOW_MS;
    if (start < this.closedBefore) {
      this.late++;
      return rows;
    }
    if (e.h) this.observe(this.window('host', e.h, start), e, tag, ref);
    if (e.u) this.observe(this.window('user', e.u, start), e, tag, ref);
    return rows;
  }

  /** Closes every open window (end of stream). */
  flush(): WindowRow<R>[] {
    return this.closeThrough(Infinity);
  }

  stats(): ExtractorStats {
    return { events: this.events, lateDropped: this.late, openWindows: this.open.size };
  }

  /**
   * The extractor's state as plain JSON, refs encoded by `encodeRef`. Within `limits` a restored extractor
   * continues exactly as this one would; past them the least recently active windows and entities, the oldest
   * pairs and the least frequent processes are dropped (their later windows then look more novel than they are).
   */
  snapshot(
    encodeRef: (ref: R) => unknown,
    limits: ExtractorSnapshotLimits = DEFAULT_SNAPSHOT_LIMITS,
  ): ExtractorSnapshot {
    const lastActivity = (w: WindowState<R>): number => w.steps[w.steps.length - 1]?.t ?? w.start;
    const windows = [...this.open.values()]
      .sort((a, b) => lastActivity(b) - lastActivity(a))
      .slice(0, limits.maxWindows)
      .map((w) => windowSnapshot(w, encodeRef));
    const history = [...this.pairHistory.entries()].slice(-limits.maxHistoryEntities);
    const procs = [...this.procWindows.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limits.maxProcesses);
    return {
      v: EXTRACTOR_SNAPSHOT_VERSION,
      watermark: Number.isFinite(this.watermark) ? this.watermark : null,
      closedBefore: Number.isFinite(this.closedBefore) ? this.closedBefore : null,
      events: this.events,
      late: this.late,
      windows,
      pairHistory: history.map(([k, pairs]) => [k, [...pairs].slice(-limits.maxPairsPerEntity)]),
      procWindows: procs,
    };
  }

  /** Replaces the whole state with a (validated, see parseExtractorSnapshot) snapshot; refs go through `decodeRef`. */
  restore(s: ExtractorSnapshot, decodeRef: (raw: unknown) => R | undefined): void {
    this.open.clear();
    this.pairHistory.clear();
    this.procWindows.clear();
    this.watermark = s.watermark ?? -Infinity;
    this.closedBefore = s.closedBefore ?? -Infinity;
    this.events = s.events;
    this.late = s.late;
    this.minStart = Infinity;
    for (const w of s.windows) {
      const state = windowState<R>(w, decodeRef);
      this.open.set(`${w.type}\u0000${w.entity}\u0000${w.start}`, state);
      if (w.start < this.minStart) this.minStart = w.start;
    }
    for (const [k, pairs] of s.pairHistory) this.pairHistory.set(k, new Set(pairs));
    for (const [p, n] of s.procWindows) this.procWindows.set(p, n);
  }

  private window(type: EntityType, entity: string, start: number): WindowState<R> {
    const key = `${type}\u0000${entity}\u0000${start}`;
    let w = this.open.get(key);
    if (!w) {
      w = {
        type,
        entity,
        start,
        n: 0,
        failures: 0,
        counts: new Array<number>(EVENT_KINDS.length).fill(0),
        dips: new Set(),
        dports: new Set(),
        sips: new Set(),
        hosts: new Set(),
        users: new Set(),
        procs: new Set(),
        pairs: new Set(),
        dnsCount: 0,
        entSum: 0,
        entMax: 0,
        qlenMax: 0,
        domains: new Set(),
        longLabels: 0,
        obSum: 0,
        obMax: 0,
        external: 0,
        steps: [],
        label: 0,
        refs: [],
        facts: new Set(),
      };
      this.open.set(key, w);
      if (start < this.minStart) this.minStart = start;
    }
    return w;
  }

  private observe(w: WindowState<R>, e: FeatureEvent, tag: number, ref: R | undefined): void {
    const kind = eventKind(e);
    const ki = KIND_INDEX.get(kind) as number;
    w.n++;
    w.failures += e.f;
    w.counts[ki]++;
    if (e.dip) w.dips.add(e.dip);
    if (e.dport) w.dports.add(e.dport);
    if (e.sip) w.sips.add(e.sip);
    if (e.h) w.hosts.add(e.h);
    if (e.u) w.users.add(e.u);
    let pair = '';
    if (kind === 'proc' && e.p) {
      w.procs.add(e.p);
      if (e.pp) {
        pair = `${e.pp}>${e.p}`;
        w.pairs.add(pair);
      }
    }
    let ent = 0;
    if (kind === 'dns' && e.q) {
      ent = dnsEntropy(e.q);
      w.dnsCount++;
      w.entSum += ent;
      if (ent > w.entMax) w.entMax = ent;
      if (e.q.length > w.qlenMax) w.qlenMax = e.q.length;
      w.domains.add(registeredDomain(e.q));
      if (hasLabelLongerThan(e.q, 30)) w.longLabels++;
    }
    if (kind === 'proc_access' && e.tp === 'lsass.exe') w.facts.add('lsass_access');
    const external = kind === 'net' && e.dip !== '' && !isPrivateIp(e.dip);
    if (external) {
      w.external++;
      w.obSum += e.ob;
      if (e.ob > w.obMax) w.obMax = e.ob;
    }
    w.steps.push({
      token: ki + 1,
      t: e.t,
      f: e.f,
      pair,
      proc: kind === 'proc' ? e.p : '',
      ob: external ? e.ob : 0,
      ent,
    });
    if (w.steps.length > SEQ_LEN) w.steps.shift();
    if (tag > w.label) w.label = tag;
    if (ref !== undefined) {
      w.refs.push(ref);
      if (w.refs.length > MAX_REFS) w.refs.shift();
    }
  }

  /** Closes, in start order, every window whose end + grace is at or before `t`. */
  private closeThrough(t: number): WindowRow<R>[] {
    const out: WindowRow<R>[] = [];
    if (this.minStart + WINDOW_MS + GRACE_MS > t) return out;
    for (;;) {
      let first = Infinity;
      for (const w of this.open.values()) if (w.start < first) first = w.start;
      this.minStart = first;
      if (first === Infinity || first + WINDOW_MS + GRACE_MS > t) break;
      const closing: Array<[string, WindowState<R>]> = [];
      for (const [k, w] of this.open) if (w.start === first) closing.push([k, w]);
      closing.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (const [, w] of closing) out.push(this.row(w));
      for (const [k, w] of closing) {
        this.remember(w);
        this.open.delete(k);
      }
      this.closedBefore = first + WINDOW_MS;
    }
    return out;
  }

  private isRare(proc: string): boolean {
    return (this.procWindows.get(proc) ?? 0) < RARE_PROCESS_WINDOWS;
  }

  private row(w: WindowState<R>): WindowRow<R> {
    const hist = this.pairHistory.get(`${w.type}:${w.entity}`);
    let newPairs = 0;
    for (const p of w.pairs) if (!hist?.has(p)) newPairs++;
    let rare = 0;
    for (const p of w.procs) if (this.isRare(p)) rare++;
    // Plain loops and indexes, no per-row closures: rows close for every entity every window.
    const counts = w.counts;
    const logons =
      counts[KI_LOGON_INTERACTIVE] +
      counts[KI_LOGON_NETWORK] +
      counts[KI_LOGON_REMOTE] +
      counts[KI_LOGON_OTHER];
    const features: number[] = [w.type === 'user' ? 1 : 0, (w.start % 86400000) / 3600000, Math.log1p(w.n)];
    for (let i = 0; i < counts.length; i++) features.push(Math.log1p(counts[i]));
    features.push(
      w.n > 0 ? w.failures / w.n : 0,
      Math.log1p(w.dips.size),
      Math.log1p(w.dports.size),
      Math.log1p(w.sips.size),
      Math.log1p(w.hosts.size),
      Math.log1p(w.users.size),
      Math.log1p(w.procs.size),
      logons > 0 ? counts[KI_LOGON_INTERACTIVE] / logons : 0,
      logons > 0 ? counts[KI_LOGON_NETWORK] / logons : 0,
      logons > 0 ? counts[KI_LOGON_REMOTE] / logons : 0,
      Math.log1p(newPairs),
      Math.log1p(rare),
      Math.log1p(w.dnsCount),
      w.dnsCount > 0 ? w.entSum / w.dnsCount : 0,
      w.entMax,
      w.qlenMax,
      Math.log1p(w.domains.size),
      Math.log1p(w.longLabels),
      Math.log1p(w.obSum),
      Math.log1p(w.obMax),
      Math.log1p(w.external),
      Math.log1p(counts[KI_PRIV] + counts[KI_ACCOUNT] + counts[KI_SERVICE]),
    );
    if (features.length !== FEATURE_COUNT)
      throw new Error(`feature vector has ${features.length} values, schema ${FEATURE_COUNT}`);
    const steps = w.steps;
    const pad = SEQ_LEN - steps.length;
    const tokens = new Array<number>(SEQ_LEN).fill(0);
    const seqNumeric = new Array<number>(SEQ_LEN * SEQ_NUMERIC.length).fill(0);
    let prev = -1;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      const j = pad + i;
      tokens[j] = s.token;
      const novel = s.proc !== '' && ((s.pair !== '' && !hist?.has(s.pair)) || this.isRare(s.proc)) ? 1 : 0;
      const base = j * SEQ_NUMERIC.length;
      seqNumeric[base] = prev < 0 ? 0 : Math.log1p(Math.max(0, s.t - prev) / 1000);
      seqNumeric[base + 1] = s.f;
      seqNumeric[base + 2] = novel;
      seqNumeric[base + 3] = Math.log1p(s.ob);
      seqNumeric[base + 4] = s.ent;
      prev = s.t;
    }
    return {
      entityType: w.type,
      entity: w.entity,
      windowStart: w.start,
      eventCount: w.n,
      features,
      tokens,
      seqNumeric,
      label: w.label,
      refs: w.refs,
      facts: [...w.facts].sort(),
    };
  }

  private remember(w: WindowState<R>): void {
    const key = `${w.type}:${w.entity}`;
    let hist = this.pairHistory.get(key);
    if (hist) {
      // Re-inserted so that Map order is least recently updated first: snapshot() keeps the most recent entities.
      this.pairHistory.delete(key);
      this.pairHistory.set(key, hist);
    } else if (this.pairHistory.size < HISTORY_CAP) {
      hist = new Set();
      this.pairHistory.set(key, hist);
    }
    if (hist) for (const p of w.pairs) if (hist.size < HISTORY_CAP) hist.add(p);
    if (w.type !== 'host') return;
    for (const p of w.procs) {
      const n = this.procWindows.get(p);
      if (n !== undefined) this.procWindows.set(p, n + 1);
      else if (this.procWindows.size < HISTORY_CAP) this.procWindows.set(p, 1);
    }
  }
}

function windowSnapshot<R>(w: WindowState<R>, encodeRef: (ref: R) => unknown): WindowSnapshot {
  return {
    type: w.type,
    entity: w.entity,
    start: w.start,
    n: w.n,
    failures: w.failures,
    counts: [...w.counts],
    dips: [...w.dips],
    dports: [...w.dports],
    sips: [...w.sips],
    hosts: [...w.hosts],
    users: [...w.users],
    procs: [...w.procs],
    pairs: [...w.pairs],
    dnsCount: w.dnsCount,
    entSum: w.entSum,
    entMax: w.entMax,
    qlenMax: w.qlenMax,
    domains: [...w.domains],
    longLabels: w.longLabels,
    obSum: w.obSum,
    obMax: w.obMax,
    external: w.external,
    steps: w.steps.map((st) => [st.token, st.t, st.f === 1 ? 1 : 0, st.pair, st.proc, st.ob, st.ent]),
    label: w.label,
    refs: w.refs.map(encodeRef),
    facts: [...w.facts],
  };
}

function windowState<R>(w: WindowSnapshot, decodeRef: (raw: unknown) => R | undefined): WindowState<R> {
  const refs: R[] = [];
  for (const raw of w.refs.slice(-MAX_REFS)) {
    const r = decodeRef(raw);
    if (r !== undefined) refs.push(r);
  }
  return {
    type: w.type,
    entity: w.entity,
    start: w.start,
    n: w.n,
    failures: w.failures,
    counts: [...w.counts],
    dips: new Set(w.dips),
    dports: new Set(w.dports),
    sips: new Set(w.sips),
    hosts: new Set(w.hosts),
    users: new Set(w.users),
    procs: new Set(w.procs),
    pairs: new Set(w.pairs),
    dnsCount: w.dnsCount,
    entSum: w.entSum,
    entMax: w.entMax,
    qlenMax: w.qlenMax,
    domains: new Set(w.domains),
    longLabels: w.longLabels,
    obSum: w.obSum,
    obMax: w.obMax,
    external: w.external,
    steps: w.steps.map(([token, t, f, pair, proc, ob, ent]) => ({ token, t, f, pair, proc, ob, ent })),
    label: w.label,
    refs,
    facts: new Set(
      (w.facts ?? []).filter((f): f is WindowFact => (WINDOW_FACTS as readonly string[]).includes(f)),
    ),
  };
}
