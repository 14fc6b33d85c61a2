export {
  DeadLetterCounter,
  deadLetterId,
  originalAsJson,
  toDeadLetter,
  type DeadLetter,
  type DeadLetterSink,
} from './dead_letter';
export {
  DeadLetterWriteError,
  deadLetterMappings,
  ElasticsearchDeadLetterSink,
  MAX_ORIGINAL_CHARS,
  type ElasticsearchDeadLetterSinkOptions,
} from './elasticsearch_dead_letter_sink';
export { FileDeadLetterSink } from './file_dead_letter_sink';
export { KafkaDeadLetterSink, type KafkaDeadLetterSinkOptions } from './kafka_dead_letter_sink';
