/**
 * The Kafka host of the detection pipeline: a long-running consumer (not a Task Manager task, because a consumer
 * group member must stay connected) that feeds each batch through the same pipeline and sinks as the tasks. Offsets
 * are committed by the source only after the handler resolved, i.e. after the batch's alerts are in Elasticsearch;
 * dead letters go to the dead-letter topic before that. Detector state is saved after every batch, so a restarted
 * worker continues its windows.
 */
import type { Kafka, Producer } from 'kafkajs';
import type { AptDetectionConfig } from '../config';
import { DetectionPipeline, type ModelScorer } from '../detection/pipeline';
import type { Rule } from '../detection/rules/schema';
import { processAndWrite } from '../detection/run_batches';
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

export class KafkaDetectionWorker {
  private source?: KafkaEventSource;
  private producer?: Producer;
  private deadLetters?: KafkaDeadLetterSink;
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
    await this.source.run(async (batch) => {
      try {
        // The source already stored the rejections in the dead-letter topic; only count them here.
        const out = await processAndWrite(pipeline, this.deps.sinks, undefined, batch);
        await states.save(STREAM, pipeline.getState());
        this.stats.batches++;
        this.stats.events += out.events;
        this.stats.rejected += out.rejected;
        this.stats.alerts += out.alerts;
        this.stats.lastBatchAt = new Date().toISOString();
      } catch (e) {
        this.stats.lastError = e instanceof Error ? e.message : String(e);
        logger.error(`Kafka batch not acknowledged (it will be retried): ${this.stats.lastError}`);
        throw e;
      }
    });
    logger.info(
      `Kafka worker consuming ${config.kafka.topics.winlogbeat}, ${config.kafka.topics.wazuh} as group ${config.kafka.groupId}`,
    );
  }

  deadLetterCounts(): Record<string, number> {
    return this.deadLetters?.counts() ?? {};
  }

  async stop(): Promise<void> {
    await this.source?.stop();
    await this.producer?.disconnect();
  }
}
