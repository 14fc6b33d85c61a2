/**
 * Event times arrive as ISO-8601 with 0-7 fractional digits ("…14.3242341Z"), with an offset lacking its colon
 * (Wazuh "+0000"), as "YYYY-MM-DD HH:MM:SS[.fff]" (Sysmon UtcTime, NXLog EventTime; both UTC) or as epoch
 * milliseconds. All become the canonical `toISOString()` form so events sort and compare as strings.
 */

function isCanonical(s: string): boolean {
  // YYYY-MM-DDTHH:MM:SS.sssZ: the common case is returned as is after one Date.parse check.
  return s.length === 24 && s.charCodeAt(10) === 84 && s.charCodeAt(23) === 90 && s.charCodeAt(19) === 46;
}

/** Epoch milliseconds, or NaN when the value is not a time. */
export function parseTime(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v !== 'string' || v.length < 10) return NaN;
  let s = v;
  // "2024-01-01 10:00:00.123" (no zone) is UTC in every source that writes it.
  if (s.length >= 19 && s.charCodeAt(10) === 32 && s.charCodeAt(4) === 45) {
    s = `${s.slice(0, 10)}T${s.slice(11)}`;
    const last = s.charCodeAt(s.length - 1);
    if (last >= 48 && last <= 57) s += 'Z';
  }
  let ms = Date.parse(s);
  if (Number.isNaN(ms)) {
    // "+0000" -> "+00:00"
    const n = s.length;
    const sign = s.charCodeAt(n - 5);
    if (n > 5 && (sign === 43 || sign === 45)) ms = Date.parse(`${s.slice(0, n - 2)}:${s.slice(n - 2)}`);
  }
  return ms;
}

/** Canonical ISO string, or undefined when the value is missing or not a time. */
export function toIsoTimestamp(v: unknown): string | undefined {
  if (typeof v === 'string' && isCanonical(v)) return Number.isNaN(Date.parse(v)) ? undefined : v;
  const ms = parseTime(v);
  if (Number.isNaN(ms)) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
