/**
 * Consumes the Winlogbeat and Wazuh topics in a consumer group, at least once: a message's offset is committed
 * only after the handler resolved for the batch that contained it (and its dead letters were stored).
 *
 * How: `eachBatch` with auto-commit and auto-resolve off. Each fetched partition batch is cut into chunks of
 * `batchSize`; per chunk the handler runs, then the chunk's last offset is resolved and committed explicitly
 * (next offset = last + 1). A handler that throws leaves its chunk unresolved and uncommitted: kafkajs retries the
 * fetch from the last resolved offset and, once its retries are exhausted, restarts the consumer from the last
 * committed offset. A message is never skipped; after a crash or rebalance some may be handled twice, which is
 * harmless because event and alert ids derive from `topic:partition:offset`.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Event, Rejection } from '../../../common/event';
import { isRejection } from '../../../common/event';
import type { DeadLetterSink } from '../dead_letter';
import type { SourceLogger } from '../elasticsearch';
import { decodeKafkaMessage, type KafkaStreamKind } from './decode_message';

export interface KafkaEventSourceOptions {
  kafka: Kafka;
  groupId: string;
  topics: { winlogbeat?: string; wazuh?: string };
  /** Events per handler call (at most; a fetch may return fewer). Default 1000. */
  batchSize?: number;
  logger?: SourceLogger;
  /** Rejections are stored here before their offsets are committed (then also handed to the handler). */
  deadLetter?: DeadLetterSink;
  keepOriginal?: boolean;
  /** Where a group with no committed offset starts. Default true: nothing retained in the topic is missed. */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

export interface KafkaSourceBatch {
  events: Event[];
  rejections: Rejection[];
}

export type KafkaBatchHandler = (batch: KafkaSourceBatch) => Promise<void>;

const noop = (): void => undefined;

export class KafkaEventSource {
  private readonly consumer: Consumer;
  private readonly kindByTopic = new Map<string, KafkaStreamKind>();
  private readonly batchSize: number;
  private readonly logger: SourceLogger;
  private running = false;

  constructor(private readonly opts: KafkaEventSourceOptions) {
    if (!opts.groupId) throw new Error('groupId: must be a non-empty consumer group id');
    if (opts.topics.winlogbeat) this.kindByTopic.set(opts.topics.winlogbeat, 'winlogbeat');
    if (opts.topics.wazuh) {
      if (opts.topics.wazuh === opts.topics.winlogbeat) {
        throw new Error(`topics.wazuh: must differ from topics.winlogbeat (both are ${opts.topics.wazuh})`);
      }
      this.kindByTopic.set(opts.topics.wazuh, 'wazuh');
    }
    if (this.kindByTopic.size === 0) throw new Error('topics: set topics.winlogbeat and/or topics.wazuh');
    const size = opts.batchSize ?? 1000;
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`batchSize: must be a positive integer, got ${size}`);
    this.batchSize = size;
    this.logger = opts.logger ?? { info: noop, warn: noop, error: noop, debug: noop };
    this.consumer = opts.kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: opts.heartbeatIntervalMs ?? 3_000,
      // Restart after a crash (handler failures included): stopping would leave the topic unread.
      retry: { retries: 5, restartOnFailure: async () => true },
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      const err = e.payload.error;
      this.logger.warn(
        `Kafka source (group ${opts.groupId}) crashed: ${err.message}; ` +
          (e.payload.restart ? 'restarting from the committed offsets' : 'not restarting'),
      );
    });
  }

  /** Subscribes and starts consuming; resolves once the consumer has joined its group. */
  async run(handler: KafkaBatchHandler): Promise<void> {
    if (this.running) throw new Error('KafkaEventSource.run: already running');
    this.running = true;
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({
        topics: [...this.kindByTopic.keys()],
        fromBeginning: this.opts.fromBeginning ?? true,
      });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.eachBatch(payload, handler),
      });
    } catch (err) {
      this.running = false;
      await this.consumer.disconnect().catch(noop);
      throw err;
    }
  }

  /** Stops after the chunk being handled (its offsets committed if it succeeded) and leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.consumer.stop();
    await this.consumer.disconnect();
  }

  private async eachBatch(p: EachBatchPayload, handler: KafkaBatchHandler): Promise<void> {
    const { topic, partition, messages } = p.batch;
    const kind = this.kindByTopic.get(topic);
    if (!kind) throw new Error(`Kafka source: message from unsubscribed topic ${topic}`);
    for (let i = 0; i < messages.length; i += this.batchSize) {
      // Stopping or rebalancing: leave the rest for whoever owns the partition next (uncommitted, so re-read).
      if (!p.isRunning() || p.isStale()) return;
      const chunk = messages.slice(i, i + this.batchSize);
      const events: Event[] = [];
      const rejections: Rejection[] = [];
      for (const m of chunk) {
        const res = decodeKafkaMessage(m.value, { topic, partition, offset: m.offset }, kind, {
          keepOriginal: this.opts.keepOriginal,
        });
        if (isRejection(res)) rejections.push(res);
        else events.push(res);
      }
      if (rejections.length > 0 && this.opts.deadLetter) await this.opts.deadLetter.write(rejections);
      await handler({ events, rejections });
      const last = chunk[chunk.length - 1].offset;
      p.resolveOffset(last);
      await p.commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }],
      });
      await p.heartbeat();
    }
  }
}
