/**
 * The persisted form of a WindowFeatureExtractor (open entity windows, their sequences, and the pair/process
 * history the novelty features read), so that a restarted host continues the same windows and scores them exactly
 * as an uninterrupted one would. Plain JSON (non-finite times are null); validated with zod before use, so a
 * damaged or foreign document is refused with the path of the offending field instead of corrupting features.
 *
 * Isomorphic: no Node or browser APIs here.
 */
import { z } from 'zod';
import { EVENT_KINDS, SEQ_LEN } from './schema';

export const EXTRACTOR_SNAPSHOT_VERSION = 1;

const finite = z.number().finite();
const count = z.number().int().nonnegative();

/** [token, t, failure, pair, proc, outboundBytes, dnsEntropy] */
const stepSchema = z.tuple([
  count,
  finite,
  z.union([z.literal(0), z.literal(1)]),
  z.string(),
  z.string(),
  finite,
  finite,
]);

const windowSchema = z.object({
  type: z.enum(['host', 'user']),
  entity: z.string().min(1),
  start: finite,
  n: count,
  failures: count,
  counts: z.array(count).length(EVENT_KINDS.length),
  dips: z.array(z.string()),
  dports: z.array(finite),
  sips: z.array(z.string()),
  hosts: z.array(z.string()),
  users: z.array(z.string()),
  procs: z.array(z.string()),
  pairs: z.array(z.string()),
  dnsCount: count,
  entSum: finite,
  entMax: finite,
  qlenMax: finite,
  domains: z.array(z.string()),
  longLabels: count,
  obSum: finite,
  obMax: finite,
  external: count,
  steps: z.array(stepSchema).max(SEQ_LEN),
  label: finite,
  refs: z.array(z.unknown()),
  /** Absent in snapshots written before window facts existed. */
  facts: z.array(z.string()).optional(),
});

export const extractorSnapshotSchema = z.object({
  v: z.literal(EXTRACTOR_SNAPSHOT_VERSION),
  /** Latest event time seen; null before the first event. */
  watermark: finite.nullable(),
  /** Windows starting before this were closed; null when none was. */
  closedBefore: finite.nullable(),
  events: count,
  late: count,
  windows: z.array(windowSchema),
  /** `type:entity` -> parent>child pairs seen in its closed windows, least recently updated entity first. */
  pairHistory: z.array(z.tuple([z.string(), z.array(z.string())])),
  /** Process name -> number of closed host windows it ran in. */
  procWindows: z.array(z.tuple([z.string(), count])),
});

export type ExtractorSnapshot = z.infer<typeof extractorSnapshotSchema>;
export type WindowSnapshot = ExtractorSnapshot['windows'][number];
export type StepSnapshot = z.infer<typeof stepSchema>;

/** Bounds on what a snapshot keeps; past them the oldest entries are dropped (documented loss, see snapshot()). */
export interface ExtractorSnapshotLimits {
  /** Open windows kept, most recently active first. */
  maxWindows: number;
  /** Entities whose pair history is kept, most recently updated first. */
  maxHistoryEntities: number;
  /** Pairs kept per entity, most recently learnt first. */
  maxPairsPerEntity: number;
  /** Process names kept, most frequent first. */
  maxProcesses: number;
}

export const DEFAULT_SNAPSHOT_LIMITS: ExtractorSnapshotLimits = {
  maxWindows: 5000,
  maxHistoryEntities: 5000,
  maxPairsPerEntity: 500,
  maxProcesses: 20_000,
};

/** Parses untrusted input; throws an Error naming the first offending field. */
export function parseExtractorSnapshot(input: unknown): ExtractorSnapshot {
  const r = extractorSnapshotSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  throw new Error(`extractor snapshot: field ${where}: ${issue.message}`);
}
