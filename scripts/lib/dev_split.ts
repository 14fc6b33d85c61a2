/**
 * The one file-level train / validation / test split of the labelled development sets, shared by model training
 * (scripts/train/export_dataset.ts) and the model evaluation (scripts/eval/models_section.ts), so the evaluation
 * can score only files the model never trained or tuned on.
 *
 * Unit = one recording: an evtx-attack-samples file, an OTRF archive, a sigma-regression case folder. Never rows:
 * windows of one recording share host, user and lab, so a row-level split would leak the recording into the test.
 * Within each stratum (set + tactic folder) files are ordered by a stable hash of their set-relative path and the
 * first 60% train, the next 20% validate, the last 20% test. Stratifying keeps every tactic folder represented in
 * the test split; the hash keeps the assignment independent of file order on disk and of the code that reads it.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { datasetsDir, readTsv } from './datasets';

export type DevSplit = 'train' | 'val' | 'test';
export type DevSet = 'evtx-attack-samples' | 'otrf' | 'sigma-regression';

export const DEV_SETS: readonly DevSet[] = ['evtx-attack-samples', 'otrf', 'sigma-regression'];
/** Cumulative upper bounds of the train and validation shares within a stratum; the rest is test. */
export const DEV_SPLIT_SHARES = { train: 0.6, val: 0.8 } as const;

export interface DevFile {
  set: DevSet;
  /** Path of the unit relative to its set folder, forward slashes (the key the split hashes). */
  relPath: string;
  /** Files to read for the unit (one file, or the EVTX files of a sigma case). */
  paths: string[];
  /** Stratum the split balances over: the tactic folder (evtx, otrf) or the set (sigma). */
  stratum: string;
  /** Tactic ids of the label ('' tactic folders give []). */
  tacticIds: string[];
  techniqueIds: string[];
  split: DevSplit;
}

/** Stable 32-bit key of a unit: the first 8 hex digits of sha256("<set>/<relPath>"). */
export function splitKey(set: DevSet, relPath: string): number {
  return parseInt(createHash('sha256').update(`${set}/${relPath}`).digest('hex').slice(0, 8), 16);
}

/** Split of the i-th (0-based) of n hash-ordered units of one stratum. */
export function splitAt(i: number, n: number): DevSplit {
  if (!Number.isInteger(i) || !Number.isInteger(n) || i < 0 || i >= n)
    throw new Error(`splitAt: index ${i} is outside 0..${n - 1}`);
  const q = (i + 0.5) / n;
  return q < DEV_SPLIT_SHARES.train ? 'train' : q < DEV_SPLIT_SHARES.val ? 'val' : 'test';
}

/** Assigns splits within each stratum (hash order, ties broken by path so the order is total). */
export function assignSplits<T extends Omit<DevFile, 'split'>>(units: T[]): Array<T & { split: DevSplit }> {
  const strata = new Map<string, T[]>();
  for (const u of units) {
    const k = `${u.set}\u0000${u.stratum}`;
    const list = strata.get(k) ?? [];
    list.push(u);
    strata.set(k, list);
  }
  const split = new Map<T, DevSplit>();
  for (const list of strata.values()) {
    const ordered = list
      .map((u) => ({ u, key: splitKey(u.set, u.relPath) }))
      .sort((a, b) => a.key - b.key || (a.u.relPath < b.u.relPath ? -1 : a.u.relPath > b.u.relPath ? 1 : 0));
    ordered.forEach(({ u }, i) => split.set(u, splitAt(i, ordered.length)));
  }
  return units.map((u) => ({ ...u, split: split.get(u) as DevSplit }));
}

function ids(cell: string | undefined): string[] {
  return (cell ?? '')
    .split(/[,;\s]+/)
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
}

function required(row: Record<string, string>, field: string, file: string): string {
  const v = row[field];
  if (v === undefined || v === '') throw new Error(`dev_split: ${file}: a row has no '${field}'`);
  return v;
}

/**
 * Every labelled unit of the development sets with its split. evtx-attack-samples files without a tactic folder
 * (AutomatedTestingTools, Other, the root file) carry no tactic label and are left out; sigma cases without an
 * EVTX file (the Cisco syslog case) too.
 */
export function listDevFiles(root: string = datasetsDir()): DevFile[] {
  const units: Array<Omit<DevFile, 'split'>> = [];
  const evtxLabels = path.join(root, 'evtx-attack-samples', 'labels.tsv');
  for (const row of readTsv(evtxLabels)) {
    const rel = required(row, 'path', evtxLabels);
    const tactics = ids(row.tactic_ids);
    if (tactics.length === 0) continue;
    units.push({
      set: 'evtx-attack-samples',
      relPath: rel,
      paths: [path.join(root, 'evtx-attack-samples', rel)],
      stratum: tactics.join(','),
      tacticIds: tactics,
      techniqueIds: ids(row.technique_ids),
    });
  }
  const otrfLabels = path.join(root, 'otrf', 'labels.tsv');
  for (const row of readTsv(otrfLabels)) {
    const rel = required(row, 'path', otrfLabels);
    const folder = required(row, 'folder_tactic_id', otrfLabels);
    units.push({
      set: 'otrf',
      relPath: rel,
      paths: [path.join(root, 'otrf', rel)],
      stratum: folder,
      tacticIds: ids(row.tactic_ids).length ? ids(row.tactic_ids) : [folder],
      techniqueIds: ids(row.technique_ids),
    });
  }
  const sigmaLabels = path.join(root, 'sigma-regression', 'labels.tsv');
  for (const row of readTsv(sigmaLabels)) {
    const rel = required(row, 'case_path', sigmaLabels);
    const dir = path.join(root, 'sigma-regression', rel);
    const evtx = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.evtx'))
          .sort()
      : [];
    if (evtx.length === 0) continue;
    units.push({
      set: 'sigma-regression',
      relPath: rel,
      paths: evtx.map((f) => path.join(dir, f)),
      stratum: 'all',
      tacticIds: ids(row.tactic_ids_v18),
      techniqueIds: ids(row.technique_ids),
    });
  }
  return assignSplits(units);
}

/** The units of one split (optionally of one set), in label-file order. */
export function devFilesIn(split: DevSplit, set?: DevSet, root?: string): DevFile[] {
  return listDevFiles(root).filter((f) => f.split === split && (set === undefined || f.set === set));
}
