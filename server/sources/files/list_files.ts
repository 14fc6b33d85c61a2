/**
 * Expand the caller's paths into the files to read: directories recursively, entries sorted by name so a scan of
 * the same tree always reads in the same order. Unreadable paths throw with the path in the message.
 */
import * as fs from 'fs';
import * as path from 'path';

export type FileKind = 'evtx' | 'lines' | 'json' | 'gz' | 'zip' | 'tar.gz';

/** What to do with a file, from its name; undefined for files we do not read (README, YAML, labels). */
export function fileKind(file: string): FileKind | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.evtx')) return 'evtx';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'lines';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz';
  if (['.ndjson.gz', '.jsonl.gz', '.json.gz', '.evtx.gz'].some((ext) => lower.endsWith(ext))) return 'gz';
  if (lower.endsWith('.zip')) return 'zip';
  return undefined;
}

function walk(dir: string, out: string[]): void {
  const entries = fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && fileKind(e.name) !== undefined) out.push(p);
  }
}

export function listEventFiles(paths: string | string[]): string[] {
  const list = typeof paths === 'string' ? [paths] : paths;
  const out: string[] = [];
  for (const p of list) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (err) {
      throw new Error(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (st.isDirectory()) {
      try {
        walk(p, out);
      } catch (err) {
        throw new Error(`cannot read directory ${p}: ${(err as Error).message}`);
      }
    } else {
      if (fileKind(p) === undefined)
        throw new Error(
          `cannot read ${p}: unsupported file type (expected .evtx, .ndjson, .jsonl, .json, any of them as .gz, .zip, .tar.gz)`,
        );
      try {
        fs.accessSync(p, fs.constants.R_OK);
      } catch (err) {
        throw new Error(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      out.push(p);
    }
  }
  return out;
}
