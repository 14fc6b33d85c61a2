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

function digits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function twoDigits(s: string, i: number): number {
  return (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;
}

/**
 * "YYYY-MM-DDTHH:MM:SS.fff[ffff]Z" whose fields are in range without any calendar overflow (day <= 28, hour <= 23):
 * Date.parse accepts it, truncates the fraction to milliseconds and toISOString gives back the first 23 characters
 * plus "Z". Checked here by character so the common case costs no Date.parse / Date / toISOString; every other
 * spelling (and day 29-31, hour 24) takes the general path, so results are identical.
 */
function plainIsoPrefix(s: string): boolean {
  const n = s.length;
  if (n < 24 || n > 40 || s.charCodeAt(n - 1) !== 90) return false;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return false;
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46) return false;
  if (!digits(s, 0, 4) || !digits(s, 5, 7) || !digits(s, 8, 10) || !digits(s, 11, 13)) return false;
  if (!digits(s, 14, 16) || !digits(s, 17, 19) || !digits(s, 20, n - 1)) return false;
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= 28 &&
    twoDigits(s, 11) <= 23 &&
    twoDigits(s, 14) <= 59 &&
    twoDigits(s, 17) <= 59
  );
}

/** Canonical ISO string, or undefined when the value is missing or not a time. */
export function toIsoTimestamp(v: unknown): string | undefined {
  if (typeof v === 'string' && plainIsoPrefix(v)) return v.length === 24 ? v : `${v.slice(0, 23)}Z`;
  if (typeof v === 'string' && isCanonical(v)) return Number.isNaN(Date.parse(v)) ? undefined : v;
  const ms = parseTime(v);
  if (Number.isNaN(ms)) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
