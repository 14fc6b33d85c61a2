/** Behaviour baselines (Isolation Forest per entity type and per entity): public surface. */
export { BaselineScorer, type BaselineScorerOptions } from './baseline_scorer';
export {
  BASELINE_FEATURES,
  BASELINES_INDEX,
  ensureBaselineIndices,
  loadBaselines,
  WINDOWS_INDEX,
  type BaselineDoc,
} from './baseline_store';
export { fitIsolationForest, scoreIsolationForest, type IsolationForestModel } from './isolation_forest';
export { retrainBaselines, type RetrainOptions, type RetrainResult } from './retrain';
