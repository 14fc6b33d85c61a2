export {
  decodeKafkaMessage,
  kafkaOriginId,
  type KafkaMessageRef,
  type KafkaStreamKind,
} from './decode_message';
export {
  KafkaEventSource,
  type KafkaBatchHandler,
  type KafkaEventSourceOptions,
  type KafkaSourceBatch,
} from './kafka_event_source';
