export {
  ElasticsearchEventSource,
  parseEsSourceState,
  type ElasticsearchEventSourceOptions,
  type EsCheckpoint,
  type EsSourceBatch,
  type EsSourceState,
  type SourceLogger,
} from './elasticsearch_event_source';
export { DEFAULT_RETRY, isRetriableEsError, ShardFailureError, type RetryPolicy } from './es_retry';
export {
  dropExpiredSeenIndices,
  SEEN_INDEX_PREFIX,
  seenIndexFor,
  seenIndexTemplate,
  writeSeen,
  type SeenMarker,
} from './seen_markers';
