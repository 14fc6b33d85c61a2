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
import { fitIsolationForest, scoreIsolationForest } from './isolation_forest';

/**
 * The scheduled retraining of behaviour baselines: reads the entity windows of the history period, trains one
 * Isolation Forest per entity type and one per entity with at least `minHistoryWindows` windows, and stores
 * each with a version (epoch ms of the run) and time. Older versions are replaced (the document id is the scope).
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
  /** Most windows read per entity type (newest first). */
  maxWindows?: number;
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
  let read = 0;
  for (const type of ['host', 'user'] as const) {
    const res = await es.search<WindowDoc>({
      index: windowsIndex,
      size: opts.maxWindows ?? 10000,
      sort: [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }],
      query: {
        bool: {
          filter: [
            { term: { entity_type: type } },
            { term: { schema_version: FEATURE_SCHEMA_VERSION } },
            { range: { '@timestamp': { gte: since, lt: now.toISOString() } } },
          ],
        },
      },
    });
    for (const h of res.hits.hits) {
      const d = h._source;
      if (!d || !Array.isArray(d.features) || d.features.length !== BASELINE_FEATURES.length) continue;
      read++;
      for (const [scope, entity] of [
        [`type:${type}`, undefined],
        [`${type}:${d.entity}`, d.entity],
      ] as const) {
        let s = byScope.get(scope);
        if (!s) byScope.set(scope, (s = { type, entity, rows: [] }));
        s.rows.push(d.features);
      }
    }
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
      calibration: { p50: quantile(scores, 0.5), p99: quantile(scores, 0.99) },
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
