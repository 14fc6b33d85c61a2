/**
 * Dead letters on a Kafka topic, for deployments that replay or inspect them with Kafka tooling. The message key
 * is the deterministic dead-letter id, so a compacted topic keeps one copy of a rejection however often a batch is
 * retried; the value is the DeadLetter as JSON.
 *
 * The producer is the caller's (connected by the caller and shared with other writers); `write` resolves only
 * after every in-sync replica acknowledged (acks -1), so a dead letter is durable before its batch is committed.
 */
import type { Producer } from 'kafkajs';
import type { Rejection } from '../../../common/event';
import {
  DeadLetterCounter,
  deadLetterId,
  originalAsJson,
  toDeadLetter,
  type DeadLetterSink,
} from './dead_letter';

export interface KafkaDeadLetterSinkOptions {
  producer: Producer;
  topic: string;
  /** Source name the counters are kept under. */
  source: string;
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  private readonly counter = new DeadLetterCounter();

  constructor(private readonly opts: KafkaDeadLetterSinkOptions) {
    if (!opts.topic) throw new Error('KafkaDeadLetterSink: `topic` must be a non-empty topic name');
    if (!opts.source) throw new Error('KafkaDeadLetterSink: `source` must be a non-empty source name');
  }

  counts(): Record<string, number> {
    return this.counter.snapshot();
  }

  async write(rejections: Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    const at = new Date();
    await this.opts.producer.send({
      topic: this.opts.topic,
      acks: -1,
      messages: rejections.map((r) => {
        const dl = toDeadLetter(r, at);
        const id = deadLetterId(dl.origin);
        // Serialized by hand so an unserializable original still produces a message (as text).
        const value = `{"reason":${JSON.stringify(dl.reason)},"field":${JSON.stringify(dl.field)},"origin":${JSON.stringify(
          dl.origin,
        )},"original":${originalAsJson(dl.original)},"at":${JSON.stringify(dl.at)},"source":${JSON.stringify(
          this.opts.source,
        )}}`;
        return { key: id, value, headers: { 'dead-letter-id': id, source: this.opts.source } };
      }),
    });
    this.counter.add(this.opts.source, rejections.length);
  }
}
