/**
 * Persisting a model scorer's per-entity windows between task runs and across restarts. The pipeline puts each
 * scorer's `snapshot()` next to the detector state (server/detection/state_store.ts) and hands it back to
 * `restore()` when a run starts. A snapshot from another feature-schema version, or one that fails validation, is
 * logged and ignored: the scorer starts empty, exactly like a detector given bad state, and never fails the run.
 */
import { z } from 'zod';
import type { Event } from '../../../common/event';
import { parseExtractorSnapshot, type ExtractorSnapshotLimits } from '../../../common/features/extractor_snapshot';
import { FEATURE_SCHEMA_VERSION } from '../../../common/features/schema';
import { WindowFeatureExtractor } from '../../../common/features/window_extractor';

export const SCORER_SNAPSHOT_VERSION = 1;

const scorerSnapshotSchema = z.object({
  v: z.literal(SCORER_SNAPSHOT_VERSION),
  scorer: z.string(),
  featureSchemaVersion: z.string(),
  extractor: z.unknown(),
  /** Per entity: the latest window that scored high but could not be tied to a technique. */
  pending: z
    .array(z.tuple([z.string(), z.object({ windowStart: z.number().finite(), score: z.number().finite() })]))
    .default([]),
});

export interface PendingAnomaly {
  windowStart: number;
  score: number;
}

/** Evidence events as kept in a snapshot: what alerts read from them, not the original document. */
const eventRefSchema = z
  .object({
    '@timestamp': z.string(),
    event: z.object({}).passthrough(),
    host: z.object({}).passthrough(),
    winlog: z.object({}).passthrough(),
    origin: z.object({ kind: z.string(), format: z.string(), location: z.string(), id: z.string() }).passthrough(),
  })
  .passthrough();

export function encodeEventRef(ev: Event): unknown {
  // The original document can be many kilobytes and alerts never read it from model evidence.
  if (ev.original === undefined) return ev;
  const { original: _dropped, ...rest } = ev;
  return rest;
}

export function decodeEventRef(raw: unknown): Event | undefined {
  const r = eventRefSchema.safeParse(raw);
  return r.success ? (r.data as unknown as Event) : undefined;
}

export interface ScorerStateOptions {
  limits?: ExtractorSnapshotLimits;
  /** Entities with a pending unattributed anomaly kept (oldest dropped). */
  maxPending?: number;
}

export interface RestoredScorerState {
  extractor: WindowFeatureExtractor<Event>;
  pending: Map<string, PendingAnomaly>;
}

export function scorerSnapshot(
  scorer: string,
  extractor: WindowFeatureExtractor<Event>,
  pending: ReadonlyMap<string, PendingAnomaly>,
  opts: ScorerStateOptions = {},
): unknown {
  return {
    v: SCORER_SNAPSHOT_VERSION,
    scorer,
    featureSchemaVersion: FEATURE_SCHEMA_VERSION,
    extractor: extractor.snapshot(encodeEventRef, opts.limits),
    pending: [...pending.entries()].slice(-(opts.maxPending ?? 1000)),
  };
}

/**
 * A fresh extractor and pending map from `state`: empty for undefined (nothing saved yet), empty plus a warning
 * for anything that does not validate.
 */
export function restoreScorerState(
  scorer: string,
  state: unknown,
  logger?: { warn(msg: string): void },
): RestoredScorerState {
  const extractor = new WindowFeatureExtractor<Event>();
  const pending = new Map<string, PendingAnomaly>();
  if (state === undefined || state === null) return { extractor, pending };
  try {
    const parsed = scorerSnapshotSchema.safeParse(state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const s = parsed.data;
    if (s.scorer !== scorer) throw new Error(`field scorer: snapshot of '${s.scorer}', expected '${scorer}'`);
    if (s.featureSchemaVersion !== FEATURE_SCHEMA_VERSION)
      throw new Error(
        `field featureSchemaVersion: ${s.featureSchemaVersion}, serving uses ${FEATURE_SCHEMA_VERSION}`,
      );
    extractor.restore(parseExtractorSnapshot(s.extractor), decodeEventRef);
    for (const [k, v] of s.pending) pending.set(k, v);
    return { extractor, pending };
  } catch (e) {
    logger?.warn(
      `${scorer} scorer: saved window state ignored, starting empty: ${e instanceof Error ? e.message : String(e)}`,
    );
    return { extractor: new WindowFeatureExtractor<Event>(), pending: new Map() };
  }
}
