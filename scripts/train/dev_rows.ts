/**
 * Training rows from the labelled development sets (issue 7: "the labelled development sets where their labels
 * allow"). Each unit (scripts/lib/dev_split.ts) is read with the serving file reader and normalizer, in file order
 * (as a scan serves it), through a fresh window extractor (recordings are independent; no history leaks between
 * them), and every window gets a label by the policy below or is dropped.
 *
 * Label policy, per set (why: the labels' granularity, datasets README):
 * - sigma-regression: event-level labels. A case holds the events its rule matches (6 of 202 cases hold a few more
 *   events than match_count), so every window of a case contains a labelled event: positive. NOT used for
 *   training (TRAINING_DEV_SETS): a case is one or two isolated events, a window shape no real stream has, and with
 *   it the model raised 2 false positives on simulated background (200 hosts x 7 days, seed 42) that the model
 *   trained without it does not raise, while adding nothing on the evtx test files.
 * - evtx-attack-samples (tactic folders only): file-level labels, but the recordings are short captures of one
 *   procedure (median ~20 events). Windows with at least one typed event (logon, process, network, registry, ...)
 *   are positive. Windows holding only untyped channel noise (kind 'other': Bits-Client, RdpCoreTS, Application, the
 *   ETW capture) are dropped: the features cannot tell the procedure from the background there, so any label would
 *   be a guess.
 * - otrf: file-level labels over whole-host recordings; the attack is a small subset and which windows hold it is
 *   not labelled. All windows are used as real-Windows background (negative). This is one-sided label noise (the
 *   few attack windows are called benign), accepted because without real negatives the model would learn
 *   "development recording vs simulator" instead of "attack vs benign" (the simulator has no image loads,
 *   registry or process-access events, the dev sets have many).
 */
import type { Event } from '../../common/event';
import { toFeatureEvent } from '../../common/features/feature_event';
import { EVENT_KINDS, WINDOW_FEATURES } from '../../common/features/schema';
import { WindowFeatureExtractor, type WindowRow } from '../../common/features/window_extractor';
import { readEventFiles } from '../../server/sources/files';
import type { DevFile, DevSet, DevSplit } from '../lib/dev_split';

/** The development sets whose windows train the model (see the policy above for why sigma-regression is out). */
export const TRAINING_DEV_SETS: readonly DevSet[] = ['evtx-attack-samples', 'otrf'];

/** Indices of the typed per-kind count features (every count_<kind> except count_other). */
const TYPED_COUNT_INDEX = EVENT_KINDS.filter((k) => k !== 'other').map((k) => {
  const i = (WINDOW_FEATURES as readonly string[]).indexOf(`count_${k}`);
  if (i < 0) throw new Error(`dev_rows: feature count_${k} is not in the window schema`);
  return i;
});

/** Label of a development window, or undefined when the window is dropped (see the policy above). */
export function devWindowLabel(set: DevSet, row: Pick<WindowRow, 'features'>): 0 | 1 | undefined {
  switch (set) {
    case 'sigma-regression':
      return 1;
    case 'evtx-attack-samples':
      return TYPED_COUNT_INDEX.some((i) => row.features[i] > 0) ? 1 : undefined;
    case 'otrf':
      return 0;
    default:
      throw new Error(`dev_rows: unknown development set '${String(set)}'`);
  }
}

/** Short, CSV-safe run name of a unit: dev-<set>-<8 hex of its split key>. */
export function devRunName(f: Pick<DevFile, 'set' | 'relPath'>, key: number): string {
  const short = f.set === 'evtx-attack-samples' ? 'evtx' : f.set === 'sigma-regression' ? 'sigma' : 'otrf';
  return `dev-${short}-${key.toString(16).padStart(8, '0')}`;
}

export interface DevUnitSummary {
  name: string;
  set: DevSet;
  relPath: string;
  split: DevSplit;
  events: number;
  rejected: number;
  rows: number;
  positiveRows: number;
  droppedRows: number;
  lateDropped: number;
}

/** Reads one unit and hands every labelled window to `emit`; returns the unit's counts. */
export async function devUnitRows(
  f: DevFile,
  name: string,
  emit: (row: WindowRow) => void | Promise<void>,
): Promise<DevUnitSummary> {
  const ex = new WindowFeatureExtractor();
  const s: DevUnitSummary = {
    name,
    set: f.set,
    relPath: f.relPath,
    split: f.split,
    events: 0,
    rejected: 0,
    rows: 0,
    positiveRows: 0,
    droppedRows: 0,
    lateDropped: 0,
  };
  const take = async (rows: WindowRow[]): Promise<void> => {
    for (const r of rows) {
      const label = devWindowLabel(f.set, r);
      if (label === undefined) {
        s.droppedRows++;
        continue;
      }
      s.rows++;
      s.positiveRows += label;
      await emit({ ...r, label });
    }
  };
  for await (const batch of readEventFiles(f.paths, {})) {
    s.rejected += batch.rejections.length;
    for (const ev of batch.events as Event[]) {
      const fe = toFeatureEvent(ev);
      if (!fe) {
        s.rejected++;
        continue;
      }
      s.events++;
      await take(ex.add(fe, 0));
    }
  }
  await take(ex.flush());
  s.lateDropped = ex.stats().lateDropped;
  return s;
}
