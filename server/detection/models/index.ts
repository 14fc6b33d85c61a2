/** The hybrid model's public surface: build the scorer from the plugin config (`models.*`). */
import { HybridScorer } from './hybrid_scorer';

export { HybridModel, combineScores, type HybridInputs, type HybridScores } from './hybrid_model';
export { HybridScorer, packInputs, type HybridScorerOptions } from './hybrid_scorer';
export { ModelLoadError } from './model_card';
export { liveModels, type LiveModelStatus } from './registry';

/**
 * The hybrid scorer for `cfg.models`, or undefined when `models.hybrid.enabled` is false. Never throws: a missing
 * or mismatched model gives an inert scorer and a warning, so the detectors keep running.
 */
export async function createHybridScorer(
  models: { directory: string; intraOpThreads: number; hybrid: { enabled: boolean }; inferenceThread?: boolean },
  logger?: { warn(msg: string): void },
): Promise<HybridScorer | undefined> {
  if (!models.hybrid.enabled) return undefined;
  return HybridScorer.create({
    directory: models.directory,
    intraOpThreads: models.intraOpThreads,
    inferenceThread: models.inferenceThread,
    logger,
  });
}
