import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { AptDetectionConfig } from './config';

/** kafkajs client options from the plugin config (one place, so workers, sinks and status agree). */
export function kafkaClientConfig(cfg: AptDetectionConfig['kafka'], suffix = ''): KafkaConfig {
  return {
    clientId: `${cfg.clientId}${suffix}`,
    brokers: cfg.brokers,
    ssl: cfg.ssl,
    // kafkajs types SASL as a union keyed by mechanism; our schema already restricts the mechanism to those three.
    sasl: cfg.sasl as SASLOptions | undefined,
    logLevel: logLevel.NOTHING,
  };
}

export function createKafka(cfg: AptDetectionConfig['kafka'], suffix = ''): Kafka {
  return new Kafka(kafkaClientConfig(cfg, suffix));
}
