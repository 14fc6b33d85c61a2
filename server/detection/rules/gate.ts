/**
 * A rule's gate: a necessary condition, read off its condition tree, that an index can test for many rules at once.
 * Most process-start rules begin with "the image is one of these names" (`process.name in [...]`, an
 * `OriginalFileName`, or `process.executable endswith \x.exe`); the engine looks the event's few name fields up in a
 * map once per event and skips the rules whose gate no value opened, instead of running every rule's first test.
 * A gate may let through events the rule then rejects, but never stops one the rule would match, so results are
 * the same with or without gates (engine.test.ts compares both on random events).
 */
import type { Condition, FieldCondition } from './schema';

/** One way through a gate: the field's value (or the last `\` segment of it) lower-cased is one of `values`. */
export interface GateAlternative {
  field: string;
  /** `value`: the whole value; `basename`: the text after its last backslash. */
  part: 'value' | 'basename';
  values: string[];
}

/** Alternatives, at least one of which holds whenever the rule matches. */
export type Gate = GateAlternative[];

const toList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

const VALUE_OPERATORS = new Set(['equals', 'in']);

function fieldGate(c: FieldCondition): Gate | undefined {
  // Case-sensitive tests and `exists: false` are left alone: the gate reasons on lower-cased present values.
  if (c.case_sensitive || c.exists === false) return undefined;
  const operators = Object.keys(c).filter(
    (k) =>
      k !== 'field' &&
      k !== 'exists' &&
      k !== 'case_sensitive' &&
      (c as Record<string, unknown>)[k] !== undefined,
  );
  if (operators.length > 0 && operators.every((k) => VALUE_OPERATORS.has(k))) {
    const values = [...(c.equals !== undefined ? toList(c.equals) : []), ...(c.in ?? [])];
    // A number also matches other spellings of it ("0x10" equals 16), which a text lookup would miss.
    if (values.some((v) => typeof v !== 'string')) return undefined;
    return [{ field: c.field, part: 'value', values: values.map((v) => String(v).toLowerCase()) }];
  }
  if (operators.length === 1 && operators[0] === 'endswith' && c.endswith !== undefined) {
    // Only suffixes that are one whole path segment ("\net.exe"): then the value's last segment equals it.
    const suffixes = toList(c.endswith).map((s) => s.toLowerCase());
    if (!suffixes.every((s) => s.length > 1 && s.lastIndexOf('\\') === 0)) return undefined;
    return [{ field: c.field, part: 'basename', values: suffixes.map((s) => s.slice(1)) }];
  }
  return undefined;
}

function size(g: Gate): number {
  let n = 0;
  for (const a of g) n += a.values.length;
  return n;
}

/** The gate of a condition, or undefined when no cheap necessary test exists (the rule then always runs). */
export function conditionGate(c: Condition): Gate | undefined {
  if ('all' in c) {
    // Any one conjunct's gate is necessary for the whole; the one with the fewest values lets the fewest through.
    let best: Gate | undefined;
    for (const x of c.all) {
      const g = conditionGate(x);
      if (g && (!best || size(g) < size(best))) best = g;
    }
    return best;
  }
  if ('any' in c) {
    // Necessary only if every branch has a gate: their union.
    const out: Gate = [];
    for (const x of c.any) {
      const g = conditionGate(x);
      if (!g) return undefined;
      out.push(...g);
    }
    return out;
  }
  if ('not' in c) return undefined;
  return fieldGate(c);
}

/** The part of a lower-cased value a gate alternative compares. */
export function gatePart(lower: string, part: GateAlternative['part']): string {
  return part === 'value' ? lower : lower.slice(lower.lastIndexOf('\\') + 1);
}
