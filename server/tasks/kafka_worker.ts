/**
 * The Kafka host of the detection pipeline: a long-running consumer (not a Task Manager task, because a consumer
 * group member must stay connected) that feeds each batch through the same pipeline and sinks as the tasks. Offsets
 * are committed by the source only after the handler resolved, i.e. after the batch's alerts are in Elasticsearch;
 * dead letters go to the dead-letter topic before that. Detector state is saved after every batch, so a restarted
 * worker continues its windows. When no batch has come for `IDLE_RELEASE_MS`, alerts still waiting for repeats of
 * themselves go out (no event may come to move event time past them); batches and that release never overlap.
 */
import type { Kafka, Producer } from 'kafkajs';
import type { AptDetectionConfig } from '../config';
import { DetectionPipeline, type ModelScorer } from '../detection/pipeline';
import type { Rule } from '../detection/rules/schema';
import { processAndWrite, releaseWaitingAndWrite } from '../detection/run_batches';
import { PipelineStateStore } from '../detection/state_store';
import type { ElasticsearchClient, Logger } from '../kibana_types';
import type { CompositeAlertSink } from '../sinks/composite_sink';
import { KafkaDeadLetterSink } from '../sources/dead_letter';
import { KafkaEventSource } from '../sources/kafka';

export interface KafkaWorkerDeps {
  config: AptDetectionConfig;
  kafka: Kafka;
  es: ElasticsearchClient;
  sinks: CompositeAlertSink;
  rules: readonly Rule[];
  logger: Logger;
  modelScorers?: ModelScorer[];
  /** Builds the scorers when `modelScorers` is not given. */
  createModelScorers?: () => Promise<ModelScorer[]>;
}

export interface KafkaWorkerStats {
  batches: number;
  events: number;
  rejected: number;
  alerts: number;
  lastBatchAt?: string;
  lastError?: string;
}

const STREAM = 'kafka';
/** A stream quiet this long (wall clock) lets the alerts that wait for repeats go. */
const IDLE_RELEASE_MS = 5000;
const IDLE_CHECK_MS = 1000;

export class KafkaDetectionWorker {
  private source?: KafkaEventSource;
  private producer?: Producer;
  private deadLetters?: KafkaDeadLetterSink;
  private idleTimer?: NodeJS.Timeout;
  /** Batches and the idle release run one after the other: both use the pipeline and save its state. */
  private turn: Promise<unknown> = Promise.resolve();
  private lastBatchMs = Date.now();
  readonly stats: KafkaWorkerStats = { batches: 0, events: 0, rejected: 0, alerts: 0 };

  constructor(private readonly deps: KafkaWorkerDeps) {}

  async start(): Promise<void> {
    const { config, kafka, es, logger } = this.deps;
    const states = new PipelineStateStore(es, config.state.index);
    await states.ensureIndex();
    const pipeline = new DetectionPipeline({
      config: config.detection,
      rules: this.deps.rules,
      modelScorers: this.deps.modelScorers ?? (await this.deps.createModelScorers?.()),
    });
    pipeline.restoreState((await states.load(STREAM)) as unknown);
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.deadLetters = new KafkaDeadLetterSink({
      producer: this.producer,
      topic: config.kafka.topics.deadLetter,
      source: STREAM,
    });
    this.source = new KafkaEventSource({
      kafka,
      groupId: config.kafka.groupId,
      topics: { winlogbeat: config.kafka.topics.winlogbeat, wazuh: config.kafka.topics.wazuh },
      batchSize: config.sources.batchSize,
      deadLetter: this.deadLetters,
      logger,
    });
    await this.source.run((batch) =>
      this.inTurn(async () => {
        try {
          // The source already stored the rejections in the dead-letter topic; only count them here.
          const out = await processAndWrite(pipeline, this.deps.sinks, undefined, batch);
          await states.save(STREAM, pipeline.getState());
          this.stats.batches++;
          this.stats.events += out.events;
          this.stats.rejected += out.rejected;
          this.stats.alerts += out.alerts;
          this.stats.lastBatchAt = new Date().toISOString();
          this.lastBatchMs = Date.now();
        } catch (e) {
          this.stats.lastError = e instanceof Error ? e.message : String(e);
          logger.error(`Kafka batch not acknowledged (it will be retried): ${this.stats.lastError}`);
          throw e;
        }
      }),
    );
    this.idleTimer = setInterval(() => {
      if (Date.now() - this.lastBatchMs < IDLE_RELEASE_MS) return;
      this.inTurn(async () => {
        // Written before the state that no longer holds them: a crash in between writes the same ids again.
        const released = await releaseWaitingAndWrite(pipeline, this.deps.sinks);
        if (released === 0) return;
        await states.save(STREAM, pipeline.getState());
        this.stats.alerts += released;
      }).catch((e: unknown) => {
        // Still held, in memory and in the saved state: the next batch or the next quiet spell tries again.
        this.stats.lastError = e instanceof Error ? e.message : String(e);
        logger.error(`Kafka worker could not write the alerts waiting for repeats: ${this.stats.lastError}`);
      });
    }, IDLE_CHECK_MS);
    this.idleTimer.unref();
    logger.info(
      `Kafka worker consuming ${config.kafka.topics.winlogbeat}, ${config.kafka.topics.wazuh} as group ${config.kafka.groupId}`,
    );
  }

  deadLetterCounts(): Record<string, number> {
    return this.deadLetters?.counts() ?? {};
  }

  async stop(): Promise<void> {
    clearInterval(this.idleTimer);
    await this.source?.stop();
    await this.turn.catch(() => undefined);
    await this.producer?.disconnect();
  }

  /** Runs `work` after whatever batch or release is running; its result or failure is the caller's. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const next = this.turn.then(work, work);
    this.turn = next.catch(() => undefined);
    return next;
  }
}
