/**
 * Compiles a rule's condition tree into one closure, once per rule: values are lower-cased, lists turned into
 * sets and regexes built at load time, so matching an event does no parsing.
 */
import type { Event } from '../../../common/event';
import type { Condition, FieldCondition } from './schema';
import { getter } from './fields';

export type Predicate = (event: Event) => boolean;
type ValueTest = (v: string) => boolean;

const toList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

function parseNumber(v: string): number {
  const s = v.trim();
  return /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : Number(s);
}

function compileField(c: FieldCondition): Predicate {
  const get = getter(c.field);
  const ci = !c.case_sensitive;
  const norm = (s: string): string => (ci ? s.toLowerCase() : s);
  const tests: ValueTest[] = [];

  const eq = [...(c.equals !== undefined ? toList(c.equals) : []), ...(c.in ?? [])];
  if (c.equals !== undefined || c.in !== undefined) {
    const strings = new Set(eq.map((x) => norm(String(x))));
    const numbers = eq.filter((x): x is number => typeof x === 'number');
    tests.push((v) => strings.has(norm(v)) || (numbers.length > 0 && numbers.includes(parseNumber(v))));
  }
  if (c.contains !== undefined) {
    const needles = toList(c.contains).map(norm);
    tests.push((v) => {
      const s = norm(v);
      return needles.some((n) => s.includes(n));
    });
  }
  if (c.contains_all !== undefined) {
    const needles = c.contains_all.map(norm);
    tests.push((v) => {
      const s = norm(v);
      return needles.every((n) => s.includes(n));
    });
  }
  if (c.startswith !== undefined) {
    const prefixes = toList(c.startswith).map(norm);
    tests.push((v) => {
      const s = norm(v);
      return prefixes.some((p) => s.startsWith(p));
    });
  }
  if (c.endswith !== undefined) {
    const suffixes = toList(c.endswith).map(norm);
    tests.push((v) => {
      const s = norm(v);
      return suffixes.some((p) => s.endsWith(p));
    });
  }
  if (c.regex !== undefined) {
    const re = new RegExp(c.regex, ci ? 'i' : '');
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
      return !Number.isNaN(n) && numeric.every((t) => t(n));
    });
  }

  const one = (v: string): boolean => {
    for (const t of tests) if (!t(v)) return false;
    return true;
  };
  const present = (raw: unknown): boolean => raw !== undefined && raw !== null && raw !== '' && raw !== '-';
  const matchValue = (raw: unknown): boolean => {
    if (Array.isArray(raw)) return raw.some((x) => present(x) && one(String(x)));
    return present(raw) && one(String(raw));
  };

  if (c.exists !== undefined) {
    const want = c.exists;
    if (tests.length === 0) return (e) => present(get(e)) === want;
    return (e) => {
      const raw = get(e);
      return present(raw) === want && (!want || matchValue(raw));
    };
  }
  return (e) => matchValue(get(e));
}

export function compileCondition(c: Condition): Predicate {
  if ('all' in c) {
    const parts = c.all.map(compileCondition);
    if (parts.length === 1) return parts[0];
    return (e) => {
      for (const p of parts) if (!p(e)) return false;
      return true;
    };
  }
  if ('any' in c) {
    const parts = c.any.map(compileCondition);
    if (parts.length === 1) return parts[0];
    return (e) => {
      for (const p of parts) if (p(e)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (e) => !inner(e);
  }
  return compileField(c);
}

/** Every field path a condition reads (exporters check them against their field maps). */
export function conditionFields(c: Condition): string[] {
  if ('all' in c) return c.all.flatMap(conditionFields);
  if ('any' in c) return c.any.flatMap(conditionFields);
  if ('not' in c) return conditionFields(c.not);
  return [c.field];
}
