/**
 * Compiles a rule's condition tree into one closure, once per rule: values are lower-cased, lists turned into
 * sets and regexes built at load time, so matching an event does no parsing. Field values are read through a
 * per-event `FieldCache`: the ~30 rules that look at a process start all read `process.command_line`, and reading
 * (and lower-casing) it once per event instead of once per rule is most of the rule engine's speed.
 */
import type { Event } from '../../../common/event';
import type { Condition, FieldCondition } from './schema';
import { getter, type FieldGetter } from './fields';

export type Predicate = (event: Event) => boolean;
/** A compiled condition that reads fields through the cache `reset` to the same event. */
export type CachedPredicate = (event: Event, cache: FieldCache) => boolean;
/** One operator's test of a value, as text (`v`) and as compared (`cv`: lower-cased unless case-sensitive). */
type ValueTest = (v: string, cv: string) => boolean;

const toList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/**
 * A rule value as a number: decimal or 0x-hex (Windows writes access masks and statuses in hex), surrounding
 * white space ignored, anything else NaN. `Number` does exactly this, without the regex this used to run on every
 * numeric comparison.
 */
function parseNumber(v: string): number {
  return Number(v);
}

/**
 * Field values of the current event, by slot (one slot per distinct field path). `reset(event)` starts a new event;
 * values are read lazily, so a rule that fails on its first field never reads the others.
 */
export class FieldCache {
  private readonly getters: FieldGetter[] = [];
  private readonly slots = new Map<string, number>();
  private stamps: number[] = [];
  private raws: unknown[] = [];
  private texts: Array<string | undefined> = [];
  private lowers: Array<string | undefined> = [];
  private epoch = 0;
  private event: Event | undefined;

  /** The slot of a field path (allocated at compile time). */
  slot(path: string): number {
    let s = this.slots.get(path);
    if (s === undefined) {
      s = this.getters.length;
      this.getters.push(getter(path));
      this.slots.set(path, s);
      this.stamps.push(0);
      this.raws.push(undefined);
      this.texts.push(undefined);
      this.lowers.push(undefined);
    }
    return s;
  }

  reset(event: Event): void {
    this.epoch++;
    this.event = event;
  }

  /** Drops the reference to the last event (so the cache does not keep it alive). */
  clear(): void {
    this.epoch++;
    this.event = undefined;
  }

  raw(slot: number): unknown {
    if (this.stamps[slot] !== this.epoch) {
      this.stamps[slot] = this.epoch;
      this.raws[slot] = this.event === undefined ? undefined : this.getters[slot](this.event);
      this.texts[slot] = undefined;
      this.lowers[slot] = undefined;
    }
    return this.raws[slot];
  }

  /** `String(raw)` of a scalar value already read with `raw(slot)`. */
  text(slot: number): string {
    let t = this.texts[slot];
    if (t === undefined) this.texts[slot] = t = String(this.raws[slot]);
    return t;
  }

  /** Lower-cased `text(slot)`. */
  lower(slot: number): string {
    let l = this.lowers[slot];
    if (l === undefined) this.lowers[slot] = l = this.text(slot).toLowerCase();
    return l;
  }
}

/** Whether a field value counts as there: not missing, empty or Windows' "-" placeholder. */
export function present(raw: unknown): boolean {
  return raw !== undefined && raw !== null && raw !== '' && raw !== '-';
}

function anyIncludes(s: string, needles: readonly string[]): boolean {
  for (let i = 0; i < needles.length; i++) if (s.includes(needles[i])) return true;
  return false;
}

function valueTests(c: FieldCondition, norm: (s: string) => string): ValueTest[] {
  const tests: ValueTest[] = [];
  const eq = [...(c.equals !== undefined ? toList(c.equals) : []), ...(c.in ?? [])];
  if (c.equals !== undefined || c.in !== undefined) {
    const strings = new Set(eq.map((x) => norm(String(x))));
    const numbers = eq.filter((x): x is number => typeof x === 'number');
    tests.push(
      numbers.length > 0
        ? (v, cv) => strings.has(cv) || numbers.includes(parseNumber(v))
        : (_v, cv) => strings.has(cv),
    );
  }
  if (c.contains !== undefined) {
    const needles = toList(c.contains).map(norm);
    tests.push((_v, cv) => anyIncludes(cv, needles));
  }
  if (c.contains_all !== undefined) {
    const needles = c.contains_all.map(norm);
    tests.push((_v, cv) => {
      for (let i = 0; i < needles.length; i++) if (!cv.includes(needles[i])) return false;
      return true;
    });
  }
  if (c.startswith !== undefined) {
    const prefixes = toList(c.startswith).map(norm);
    tests.push((_v, cv) => {
      for (let i = 0; i < prefixes.length; i++) if (cv.startsWith(prefixes[i])) return true;
      return false;
    });
  }
  if (c.endswith !== undefined) {
    const suffixes = toList(c.endswith).map(norm);
    tests.push((_v, cv) => {
      for (let i = 0; i < suffixes.length; i++) if (cv.endsWith(suffixes[i])) return true;
      return false;
    });
  }
  if (c.regex !== undefined) {
    const re = new RegExp(c.regex, c.case_sensitive ? '' : 'i');
    tests.push((v) => re.test(v));
  }
  const numeric: Array<(n: number) => boolean> = [];
  if (c.gt !== undefined) numeric.push((n) => n > (c.gt as number));
  if (c.gte !== undefined) numeric.push((n) => n >= (c.gte as number));
  if (c.lt !== undefined) numeric.push((n) => n < (c.lt as number));
  if (c.lte !== undefined) numeric.push((n) => n <= (c.lte as number));
  if (numeric.length) {
    tests.push((v) => {
      const n = parseNumber(v);
      if (Number.isNaN(n)) return false;
      for (const t of numeric) if (!t(n)) return false;
      return true;
    });
  }
  return tests;
}

function compileField(c: FieldCondition, cache: FieldCache): CachedPredicate {
  const slot = cache.slot(c.field);
  const ci = !c.case_sensitive;
  const norm = ci ? (s: string): string => s.toLowerCase() : (s: string): string => s;
  const tests = valueTests(c, norm);
  const only = tests.length === 1 ? tests[0] : undefined;
  const one = (v: string, cv: string): boolean => {
    if (only) return only(v, cv);
    for (const t of tests) if (!t(v, cv)) return false;
    return true;
  };
  const matchValue = (raw: unknown, cache: FieldCache): boolean => {
    if (Array.isArray(raw)) {
      for (const x of raw) {
        if (!present(x)) continue;
        const v = String(x);
        if (one(v, norm(v))) return true;
      }
      return false;
    }
    if (!present(raw)) return false;
    return one(cache.text(slot), ci ? cache.lower(slot) : cache.text(slot));
  };

  if (c.exists !== undefined) {
    const want = c.exists;
    if (tests.length === 0) return (_e, cache) => present(cache.raw(slot)) === want;
    return (_e, cache) => {
      const raw = cache.raw(slot);
      return present(raw) === want && (!want || matchValue(raw, cache));
    };
  }
  return (_e, cache) => matchValue(cache.raw(slot), cache);
}

/** Compiles `c` against `cache`; the caller resets the cache to each event before calling the predicate. */
export function compileCachedCondition(c: Condition, cache: FieldCache): CachedPredicate {
  if ('all' in c) {
    const parts = c.all.map((x) => compileCachedCondition(x, cache));
    if (parts.length === 1) return parts[0];
    return (e, fc) => {
      for (let i = 0; i < parts.length; i++) if (!parts[i](e, fc)) return false;
      return true;
    };
  }
  if ('any' in c) {
    const parts = c.any.map((x) => compileCachedCondition(x, cache));
    if (parts.length === 1) return parts[0];
    return (e, fc) => {
      for (let i = 0; i < parts.length; i++) if (parts[i](e, fc)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compileCachedCondition(c.not, cache);
    return (e, fc) => !inner(e, fc);
  }
  return compileField(c, cache);
}

/** A standalone predicate (its own cache). */
export function compileCondition(c: Condition): Predicate {
  const cache = new FieldCache();
  const p = compileCachedCondition(c, cache);
  return (e) => {
    cache.reset(e);
    const r = p(e, cache);
    cache.clear();
    return r;
  };
}

/** Every field path a condition reads (exporters check them against their field maps). */
export function conditionFields(c: Condition): string[] {
  if ('all' in c) return c.all.flatMap(conditionFields);
  if ('any' in c) return c.any.flatMap(conditionFields);
  if ('not' in c) return conditionFields(c.not);
  return [c.field];
}
