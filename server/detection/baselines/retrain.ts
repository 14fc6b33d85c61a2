import type { ElasticsearchClient } from '../../kibana_types';
import { FEATURE_SCHEMA_VERSION } from '../../../common/features/schema';
import {
  BASELINE_FEATURES,
  BASELINES_INDEX,
  ensureBaselineIndices,
  WINDOWS_INDEX,
  type BaselineDoc,
  type WindowDoc,
} from './baseline_store';
import { mulberry32 } from '../../../common/prng';
import { fitIsolationForest, scoreIsolationForest } from './isolation_forest';

/**
 * The scheduled retraining of behaviour baselines: reads the entity windows of the history period, trains one
 * Isolation Forest per entity type and one per entity with at least `minHistoryWindows` windows, and stores
 * each with a version (epoch ms of the run) and time. Older versions are replaced (the document id is the scope).
 *
 * The whole history period is read (point in time + search_after), not just its newest page: with 200 hosts a
 * 10,000-window page is half a day, and a baseline of half a day calls every other hour of the week unusual. Each
 * entity's forest learns from all its windows (newest `maxEntityWindows`); the entity-type forest from a seeded
 * uniform sample of the type's windows (`typeSample`), so it covers every day and every entity.
 *
 * Calibration keeps the training scores' p50, p99 and maximum: the scorer alerts only above the maximum, on a
 * window more unusual than anything in the history it learnt from (at the training p99 a 15-minute window
 * cadence would alert about once a day per entity).
 */

export interface RetrainOptions {
  es: ElasticsearchClient;
  now?: Date;
  /** History considered, ms (config models.baselines.historyWindow). */
  historyMs?: number;
  minHistoryWindows?: number;
  windowsIndex?: string;
  baselinesIndex?: string;
  nEstimators?: number;
  seed?: number;
  /** Most windows read per entity type over the history (default 300,000). */
  maxWindows?: number;
  /** Windows per entity forest, newest kept (default 2,000). */
  maxEntityWindows?: number;
  /** Windows in the entity-type forest's uniform sample (default 20,000). */
  typeSample?: number;
  /** Windows per page (default 5,000). */
  pageSize?: number;
}

export interface RetrainResult {
  version: number;
  windowsRead: number;
  trained: string[];
  skipped: Array<{ scope: string; windows: number }>;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function retrainBaselines(opts: RetrainOptions): Promise<RetrainResult> {
  const { es } = opts;
  const now = opts.now ?? new Date();
  const windowsIndex = opts.windowsIndex ?? WINDOWS_INDEX;
  const baselinesIndex = opts.baselinesIndex ?? BASELINES_INDEX;
  const minWindows = opts.minHistoryWindows ?? 48;
  const version = now.getTime();
  await ensureBaselineIndices(es, windowsIndex, baselinesIndex);
  const since = new Date(now.getTime() - (opts.historyMs ?? 7 * 86400000)).toISOString();
  const byScope = new Map<string, { type: 'host' | 'user'; entity?: string; rows: number[][] }>();
  const maxEntity = opts.maxEntityWindows ?? 2000;
  const typeSample = opts.typeSample ?? 20000;
  let read = 0;
  for (const type of ['host', 'user'] as const) {
    // Reservoir sample for the type forest (seeded: the same windows give the same forest).
    const rand = mulberry32((opts.seed ?? 42) + (type === 'host' ? 0 : 1));
    const sample: number[][] = [];
    let seen = 0;
    await readHistoryWindows(es, windowsIndex, type, since, now, opts, (d) => {
      read++;
      seen++;
      if (sample.length < typeSample) sample.push(d.features);
      else {
        const j = Math.floor(rand() * seen);
        if (j < typeSample) sample[j] = d.features;
      }
      const scope = `${type}:${d.entity}`;
      let s = byScope.get(scope);
      if (!s) byScope.set(scope, (s = { type, entity: d.entity, rows: [] }));
      // Newest first: an entity's first maxEntity windows are its newest.
      if (s.rows.length < maxEntity) s.rows.push(d.features);
    });
    if (sample.length) byScope.set(`type:${type}`, { type, rows: sample });
  }
  const result: RetrainResult = { version, windowsRead: read, trained: [], skipped: [] };
  const ops: unknown[] = [];
  for (const [scope, s] of [...byScope].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (s.rows.length < minWindows) {
      result.skipped.push({ scope, windows: s.rows.length });
      continue;
    }
    const forest = fitIsolationForest(s.rows, {
      nEstimators: opts.nEstimators ?? 100,
      seed: opts.seed ?? 42,
    });
    const scores = s.rows.map((r) => scoreIsolationForest(forest, r).score).sort((a, b) => a - b);
    const doc: BaselineDoc = {
      scope,
      entity_type: s.type,
      entity: s.entity,
      version,
      trained_at: now.toISOString(),
      schema_version: FEATURE_SCHEMA_VERSION,
      features: BASELINE_FEATURES,
      training_windows: s.rows.length,
      calibration: {
        p50: quantile(scores, 0.5),
        p99: quantile(scores, 0.99),
        max: scores[scores.length - 1],
      },
      model: JSON.stringify(forest),
    };
    ops.push({ index: { _index: baselinesIndex, _id: scope } }, doc);
    result.trained.push(scope);
  }
  if (ops.length) {
    const res = await es.bulk({ operations: ops, refresh: 'wait_for' });
    if (res.errors) {
      const first = res.items.find((i) => i.index?.error)?.index?.error;
      throw new Error(`retrainBaselines: storing baselines failed: ${first?.reason ?? 'unknown bulk error'}`);
    }
  }
  return result;
}

/**
 * Every window of one entity type in [since, now), newest first, through a point in time. Newest first so that
 * when `maxWindows` cuts the read short, it is the oldest history that is left out.
 */
async function readHistoryWindows(
  es: ElasticsearchClient,
  windowsIndex: string,
  type: 'host' | 'user',
  since: string,
  now: Date,
  opts: RetrainOptions,
  take: (d: WindowDoc) => void,
): Promise<void> {
  const max = opts.maxWindows ?? 300_000;
  const size = opts.pageSize ?? 5000;
  let pit = (await es.openPointInTime({ index: windowsIndex, keep_alive: '2m' })).id;
  try {
    let after: unknown[] | undefined;
    let n = 0;
    while (n < max) {
      const res = await es.search<WindowDoc>({
        pit: { id: pit, keep_alive: '2m' },
        size: Math.min(size, max - n),
        sort: [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }, { _shard_doc: 'desc' }],
        query: {
          bool: {
            filter: [
              { term: { entity_type: type } },
              { term: { schema_version: FEATURE_SCHEMA_VERSION } },
              { range: { '@timestamp': { gte: since, lt: now.toISOString() } } },
            ],
          },
        },
        ...(after ? { search_after: after as never } : {}),
        track_total_hits: false,
      });
      if (res.pit_id) pit = res.pit_id;
      const hits = res.hits.hits;
      for (const h of hits) {
        const d = h._source;
        if (d && Array.isArray(d.features) && d.features.length === BASELINE_FEATURES.length) take(d);
      }
      n += hits.length;
      if (hits.length < size) break;
      after = hits[hits.length - 1].sort as unknown[];
    }
  } finally {
    await es.closePointInTime({ id: pit }).catch(() => undefined);
  }
}
