/**
 * Publishes alerts to a Kafka topic for downstream consumers (SOAR, data lakes). Optional and best-effort: the
 * alert of record is in Elasticsearch.
 *
 * The producer is idempotent (the broker drops a batch the producer resends after a lost acknowledgement), which
 * needs acks from all in-sync replicas and one request in flight. The message key is the alert id, so every copy
 * of an alert lands in the same partition and a compacted topic keeps one copy per alert.
 */
import type { Kafka, Producer } from 'kafkajs';
import { withTimeout } from './retry';
import {
  emptyResult,
  errorMessage,
  type AlertSink,
  type SinkBatch,
  type SinkLogger,
  type SinkWriteResult,
} from './types';

export interface KafkaAlertSinkOptions {
  kafka: Kafka;
  topic: string;
  logger: SinkLogger;
  /** Upper bound for connect + send, so a dead broker delays the pipeline by at most this much. */
  timeoutMs?: number;
}

export class KafkaAlertSink implements AlertSink {
  readonly name = 'kafka';
  readonly topic: string;
  private readonly producer: Producer;
  private readonly logger: SinkLogger;
  private readonly timeoutMs: number;
  private connected?: Promise<void>;

  constructor(opts: KafkaAlertSinkOptions) {
    this.topic = opts.topic;
    this.logger = opts.logger;
    this.timeoutMs = opts.timeoutMs ?? 15000;
    this.producer = opts.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Bounded: kafkajs' default for an idempotent producer is to retry (almost) forever.
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
    });
  }

  private connect(): Promise<void> {
    if (!this.connected) {
      this.connected = this.producer.connect().catch((err: unknown) => {
        this.connected = undefined;
        throw err;
      });
    }
    return this.connected;
  }

  /** Never throws: failures are in the result. Resolves when the brokers acknowledged every message. */
  async write(batch: SinkBatch): Promise<SinkWriteResult> {
    const started = Date.now();
    const result = emptyResult(this.name, batch.alerts.length);
    if (batch.alerts.length === 0) return result;
    try {
      await withTimeout(
        (async () => {
          await this.connect();
          await this.producer.send({
            topic: this.topic,
            acks: -1,
            messages: batch.alerts.map((a) => ({
              key: a.id,
              value: JSON.stringify(a.doc),
              headers: { 'alert-id': a.id, severity: a.severity },
            })),
          });
        })(),
        this.timeoutMs,
        `Kafka send to ${this.topic}`,
      );
      result.written = batch.alerts.length;
    } catch (err) {
      result.failed = batch.alerts.length;
      result.errors.push({ type: 'kafka_send_failed', reason: errorMessage(err), retriable: true });
      this.logger.warn(
        `Kafka alert topic [${this.topic}] skipped ${result.failed} alerts: ${errorMessage(err)}`,
      );
    }
    result.durationMs = Date.now() - started;
    return result;
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = undefined;
    await this.producer.disconnect();
  }
}
