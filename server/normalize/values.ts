/**
 * Small value conversions shared by the normalizers. Each runs once per field per event, so none of them compiles
 * a regular expression or allocates more than its result.
 */

/** A value as Windows renders it: strings stay, numbers and booleans become strings, objects are dropped. */
export function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) {
    // Multi-valued items (Winlogbeat splits PrivilegeList): Windows separates them with newline and tabs.
    let out = '';
    for (let i = 0; i < v.length; i++) {
      const s = asString(v[i]);
      if (s === undefined) continue;
      out = out === '' ? s : `${out}\n\t\t\t${s}`;
    }
    return out;
  }
  return undefined;
}

/** Windows uses "-" (and sometimes "") for "no value". */
export function present(v: string | undefined): v is string {
  return v !== undefined && v !== '' && v !== '-';
}

/** Decimal ("4556") or hexadecimal ("0x11cc") integer; undefined when it is neither. */
export function parseIntLoose(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v === '' || v === '-') return undefined;
  let n: number;
  if (v.length > 2 && v.charCodeAt(0) === 48 && (v.charCodeAt(1) === 120 || v.charCodeAt(1) === 88)) {
    n = parseInt(v.slice(2), 16);
  } else {
    n = Number(v);
  }
  return Number.isFinite(n) ? n : undefined;
}

/** Base name of a Windows or POSIX path. */
export function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'));
  return i >= 0 ? p.slice(i + 1) : p;
}

export interface PathParts {
  path: string;
  name: string;
  directory?: string;
  extension?: string;
}

/** file.{path,name,directory,extension} as the Winlogbeat pipelines split them. */
export function splitPath(p: string): PathParts {
  const i = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'));
  const name = i >= 0 ? p.slice(i + 1) : p;
  const out: PathParts = { path: p, name };
  if (i > 0) out.directory = p.slice(0, i);
  const dot = name.lastIndexOf('.');
  if (dot > 0 && dot < name.length - 1) out.extension = name.slice(dot + 1).toLowerCase();
  return out;
}

/** "::ffff:10.0.0.1" -> "10.0.0.1" (the pipelines' gsub). */
export function cleanIp(v: string): string {
  return v.startsWith('::ffff:') ? v.slice(7) : v;
}

/** "DOMAIN\\user" -> { domain, name }; "user@domain" keeps the name part only, as the 4769 pipeline step does. */
export function splitAccount(v: string): { name: string; domain?: string } {
  const i = v.indexOf('\\');
  if (i >= 0) return { domain: v.slice(0, i), name: v.slice(i + 1) };
  return { name: v };
}

/** Sysmon `Hashes` ("SHA1=..,MD5=..,IMPHASH=..") -> lower-case hash map, as the pipelines write process.hash.*. */
export function parseHashes(v: string): { md5?: string; sha1?: string; sha256?: string; imphash?: string } {
  const out: { md5?: string; sha1?: string; sha256?: string; imphash?: string } = {};
  let start = 0;
  while (start < v.length) {
    let end = v.indexOf(',', start);
    if (end < 0) end = v.length;
    const eq = v.indexOf('=', start);
    if (eq > start && eq < end) {
      const key = v.slice(start, eq).trim().toUpperCase();
      const val = v
        .slice(eq + 1, end)
        .trim()
        .toLowerCase();
      if (key === 'MD5') out.md5 = val;
      else if (key === 'SHA1') out.sha1 = val;
      else if (key === 'SHA256') out.sha256 = val;
      else if (key === 'IMPHASH') out.imphash = val;
    }
    start = end + 1;
  }
  return out;
}

/**
 * Command line -> argv with the Windows rules (CommandLineToArgvW): whitespace separates, double quotes group and
 * are removed, backslashes are literal except before a quote.
 */
export function commandLineArgs(cmd: string): string[] {
  const args: string[] = [];
  const n = cmd.length;
  let i = 0;
  while (i < n) {
    let c = cmd.charCodeAt(i);
    while (i < n && (c === 32 || c === 9)) c = cmd.charCodeAt(++i);
    if (i >= n) break;
    // Copy runs of ordinary characters as slices; only quotes and backslashes need per-character work.
    let cur = '';
    let runStart = i;
    let inQuotes = false;
    for (; i < n; i++) {
      c = cmd.charCodeAt(i);
      if ((c === 32 || c === 9) && !inQuotes) break;
      if (c === 34) {
        cur += cmd.slice(runStart, i);
        inQuotes = !inQuotes;
        runStart = i + 1;
      } else if (c === 92) {
        let j = i;
        while (j < n && cmd.charCodeAt(j) === 92) j++;
        if (j < n && cmd.charCodeAt(j) === 34) {
          const count = j - i;
          cur += cmd.slice(runStart, i) + '\\'.repeat(count >> 1);
          if (count & 1) {
            cur += '"';
            i = j;
            runStart = j + 1;
          } else {
            i = j - 1;
            runStart = j;
          }
        } else {
          i = j - 1;
        }
      }
    }
    args.push(cur + cmd.slice(runStart, i));
  }
  return args;
}

/**
 * Wazuh's eventchannel decoder escapes Windows values once more inside its JSON: a backslash is doubled
 * (C:\\Windows) and a double quote gets a backslash (\"C:\\x.exe\" /c). Read left to right, so an escaped backslash
 * before an escaped quote (dir\\\") comes out as dir\". A lone backslash before anything else is kept.
 */
export function unescapeWazuhValue(v: string): string {
  let i = v.indexOf('\\');
  if (i < 0) return v;
  let out = '';
  let from = 0;
  while (i >= 0 && i < v.length - 1) {
    const next = v.charCodeAt(i + 1);
    if (next === 92 /* backslash */ || next === 34 /* double quote */) {
      out += v.slice(from, i) + v[i + 1];
      from = i + 2;
      i = v.indexOf('\\', from);
    } else {
      i = v.indexOf('\\', i + 1);
    }
  }
  return out + v.slice(from);
}
