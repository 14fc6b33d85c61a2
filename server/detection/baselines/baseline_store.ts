import type { WindowRow } from '../../../common/features/window_extractor';
import { FEATURE_SCHEMA_VERSION, WINDOW_FEATURES } from '../../../common/features/schema';
import type { estypes } from '@elastic/elasticsearch';
import type { ElasticsearchClient } from '../../kibana_types';
import { compactForest, type IsolationForestModel } from './isolation_forest';

/**
 * Elasticsearch persistence for behaviour baselines: the entity-window feature rows they are trained on, and the
 * trained forests (one document per entity type and per entity with enough history, with version and time).
 */

export const WINDOWS_INDEX = 'apt-detection-entity-windows';
export const BASELINES_INDEX = 'apt-detection-baselines';

/** Features the baselines use: the window features minus the two that describe when and what, not behaviour. */
export const BASELINE_FEATURES = WINDOW_FEATURES.filter((f) => f !== 'is_user' && f !== 'hour_of_day');
const BASELINE_COLUMNS = BASELINE_FEATURES.map((f) => WINDOW_FEATURES.indexOf(f));

export function baselineVector(features: readonly number[]): number[] {
  return BASELINE_COLUMNS.map((j) => features[j]);
}

export interface WindowDoc {
  '@timestamp': string;
  entity_type: 'host' | 'user';
  entity: string;
  schema_version: string;
  features: number[];
}

export function windowDoc(r: WindowRow): { id: string; doc: WindowDoc } {
  return {
    id: `${r.entityType}:${r.entity}:${r.windowStart}`,
    doc: {
      '@timestamp': new Date(r.windowStart).toISOString(),
      entity_type: r.entityType,
      entity: r.entity,
      schema_version: FEATURE_SCHEMA_VERSION,
      features: baselineVector(r.features),
    },
  };
}

export interface BaselineDoc {
  /** `type:host`, `type:user`, `host:<name>` or `user:<name>`. */
  scope: string;
  entity_type: 'host' | 'user';
  entity?: string;
  version: number;
  trained_at: string;
  schema_version: string;
  features: string[];
  training_windows: number;
  /** Score quantiles on the training windows (p50, p99): scores are reported relative to them. */
  /** Training-window scores; `max` is absent in baselines trained before it was kept (then p99 stands in). */
  calibration: { p50: number; p99: number; max?: number };
  /** The forest as JSON text (not indexed). */
  model: string;
}

export async function ensureBaselineIndices(
  es: ElasticsearchClient,
  windowsIndex = WINDOWS_INDEX,
  baselinesIndex = BASELINES_INDEX,
): Promise<void> {
  const defs: Array<[string, Record<string, estypes.MappingProperty>]> = [
    [
      windowsIndex,
      {
        '@timestamp': { type: 'date' },
        entity_type: { type: 'keyword' },
        entity: { type: 'keyword' },
        schema_version: { type: 'keyword' },
        features: { type: 'float', index: false },
      },
    ],
    [
      baselinesIndex,
      {
        scope: { type: 'keyword' },
        entity_type: { type: 'keyword' },
        entity: { type: 'keyword' },
        version: { type: 'long' },
        trained_at: { type: 'date' },
        schema_version: { type: 'keyword' },
        training_windows: { type: 'long' },
        model: { type: 'text', index: false },
      },
    ],
  ];
  for (const [index, properties] of defs) {
    if (await es.indices.exists({ index })) continue;
    try {
      await es.indices.create({ index, mappings: { dynamic: false, properties } });
      // Searching a shard that has not started yet fails (no_shard_available); wait until it is usable.
      await es.cluster.health({ index, wait_for_status: 'yellow', timeout: '30s' });
    } catch (err) {
      // Another worker created it first.
      if (!/resource_already_exists_exception/.test(String((err as Error).message))) throw err;
    }
  }
}

export async function loadBaselines(
  es: ElasticsearchClient,
  baselinesIndex = BASELINES_INDEX,
): Promise<Map<string, BaselineDoc & { forest: IsolationForestModel }>> {
  const out = new Map<string, BaselineDoc & { forest: IsolationForestModel }>();
  if (!(await es.indices.exists({ index: baselinesIndex }))) return out;
  const res = await es.search<BaselineDoc>({
    index: baselinesIndex,
    size: 10000,
    query: { term: { schema_version: FEATURE_SCHEMA_VERSION } },
  });
  for (const h of res.hits.hits) {
    if (!h._source) continue;
    // The forest replaces its JSON text (`model` emptied): hundreds of per-entity forests stay resident.
    const forest = compactForest(JSON.parse(h._source.model) as IsolationForestModel);
    out.set(h._source.scope, { ...h._source, model: '', forest });
  }
  return out;
}
