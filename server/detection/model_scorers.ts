/**
 * The model scorers a streaming host adds to its pipeline, built from `models.*`: the hybrid LightGBM + Bi-LSTM
 * (ONNX) and the per-entity Isolation Forest baselines. Neither ever stops detection: a missing or mismatched model
 * leaves an inert scorer and a warning, and baselines start empty until the training task has run.
 */
import type { AptDetectionConfig } from '../config';
import type { ElasticsearchClient } from '../kibana_types';
import { BaselineScorer } from './baselines';
import { createHybridScorer } from './models';
import type { ModelScorer } from './pipeline';

export interface BuiltModelScorers {
  scorers: ModelScorer[];
  baselines?: BaselineScorer;
  close(): Promise<void>;
}

export async function createModelScorers(
  models: AptDetectionConfig['models'],
  es: ElasticsearchClient,
  logger: { warn(msg: string): void },
): Promise<BuiltModelScorers> {
  const hybrid = await createHybridScorer(models, logger);
  let baselines: BaselineScorer | undefined;
  if (models.baselines.enabled) {
    baselines = await BaselineScorer.create({ es, logger }).catch((e: Error) => {
      logger.warn(`behaviour baselines not loaded (detectors keep running): ${e.message}`);
      return undefined;
    });
  }
  const scorers: ModelScorer[] = [];
  if (hybrid) scorers.push(hybrid);
  if (baselines) scorers.push(baselines);
  return { scorers, baselines, close: async () => hybrid?.close() };
}
