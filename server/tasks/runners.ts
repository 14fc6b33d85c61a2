/**
 * What each scheduled task does, built once in `start` from the config and the clients. The detection tasks share
 * one shape: read the source from its cursor, run the pipeline batch by batch, write alerts, and move the cursor only
 * after the writes succeeded (`processAndWrite` throws otherwise, and Task Manager retries the run from the old
 * cursor; alert ids are deterministic, so a retry overwrites instead of duplicating).
 */
import type { TaskStatus } from '../../common/api';
import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { AptDetectionConfig } from '../config';
import { durationMs } from '../config';
import { DetectionPipeline, type ModelScorer } from '../detection/pipeline';
import { loadRules } from '../detection/rules/engine';
import { retrainBaselines } from '../detection/baselines';
import { createModelScorers, type BuiltModelScorers } from '../detection/model_scorers';
import { processAndWrite, releaseWaitingAndWrite } from '../detection/run_batches';
import { findingsKeptOut } from '../detection/correlation/suppression';
import { PipelineStateStore } from '../detection/state_store';
import type { ElasticsearchClient, Logger } from '../kibana_types';
import type { TaskRunner, TaskState } from '../services';
import { buildAlertSinks } from '../sinks/build_alert_sinks';
import { ElasticsearchDeadLetterSink } from '../sources/dead_letter';
import {
  dropExpiredSeenIndices,
  ElasticsearchEventSource,
  parseEsSourceState,
  writeSeen,
  type EsSourceState,
  type SeenMarker,
} from '../sources/elasticsearch';
import { unwrapIntakeDocument } from '../ingest/intake';
import type { StatusStore } from '../status/status_store';
import { KafkaDetectionWorker } from './kafka_worker';
import { TASK_TYPES } from './task_definitions';

export interface TaskRunnerDeps {
  config: AptDetectionConfig;
  es: ElasticsearchClient;
  redis?: Redis;
  kafka?: Kafka;
  logger: Logger;
  status: StatusStore;
  modelScorers?: ModelScorer[];
}

export interface BuiltTaskRunners {
  runners: Record<string, TaskRunner>;
  /** The Kafka consumer, when `kafka.enabled`; started by `start`. */
  kafkaWorker?: KafkaDetectionWorker;
  /** Starts the long-running parts (the Kafka worker); failures are logged, not thrown. */
  start(): Promise<void>;
  close(): Promise<void>;
}

interface StreamSpec {
  taskType: string;
  /** Names the cursor, the seen markers, the pipeline state and the dead letters' source. */
  stream: string;
  indexPatterns: string[];
  lookbackMs: number;
  lateArrivalMs: number;
  unwrap?: (source: unknown) => unknown;
}

export function buildTaskRunners(deps: TaskRunnerDeps): BuiltTaskRunners {
  const { config, es, logger } = deps;
  const rules = loadRules();
  const sinks = buildAlertSinks({ config, es, logger, redis: deps.redis, kafka: deps.kafka });
  const states = new PipelineStateStore(es, config.state.index);
  const src = config.sources;
  const streams: StreamSpec[] = [
    {
      taskType: TASK_TYPES.detectWinlogbeat,
      stream: 'winlogbeat',
      indexPatterns: src.winlogbeat.indexPatterns,
      lookbackMs: durationMs(src.winlogbeat.lookback),
      lateArrivalMs: durationMs(src.winlogbeat.lateArrivalWindow),
    },
    {
      taskType: TASK_TYPES.detectWazuh,
      stream: 'wazuh',
      indexPatterns: src.wazuh.indexPatterns,
      lookbackMs: durationMs(src.wazuh.lookback),
      lateArrivalMs: durationMs(src.wazuh.lateArrivalWindow),
    },
    {
      taskType: TASK_TYPES.detectIntake,
      stream: 'intake',
      indexPatterns: [`${config.intake.index}-*`],
      // Intake documents carry the time they were accepted, so nothing older than the retention can be waiting.
      lookbackMs: durationMs(config.intake.retention),
      lateArrivalMs: durationMs(src.winlogbeat.lateArrivalWindow),
      unwrap: unwrapIntakeDocument,
    },
  ];

  // One set of model scorers per stream, built on first use: their entity windows must not mix streams.
  const built = new Map<string, Promise<BuiltModelScorers>>();
  const scorersFor = async (stream: string): Promise<ModelScorer[]> => {
    if (deps.modelScorers) return deps.modelScorers;
    let b = built.get(stream);
    if (!b) built.set(stream, (b = createModelScorers(config.models, es, logger)));
    return (await b).scorers;
  };

  /** Status of one run, as the status API shows it (task ids are `<type>:1`, see task_definitions). */
  const recordRun = (
    taskType: string,
    started: number,
    outcome: NonNullable<TaskStatus['lastOutcome']>,
    extra: Partial<
      Pick<
        TaskStatus,
        | 'lastError'
        | 'cursor'
        | 'documentsRead'
        | 'documentsRejected'
        | 'alertsWritten'
        | 'findingsSuppressed'
      >
    > = {},
  ): Promise<void> =>
    deps.status.recordRun({
      taskId: `${taskType}:1`,
      taskType,
      lastRunAt: new Date(started).toISOString(),
      lastDurationMs: Date.now() - started,
      lastOutcome: outcome,
      documentsRead: 0,
      documentsRejected: 0,
      alertsWritten: 0,
      ...extra,
    });

  const detectionRunner =
    (spec: StreamSpec): TaskRunner =>
    async (state: TaskState, signal: AbortSignal): Promise<TaskState> => {
      const started = Date.now();
      const counts = { read: 0, rejected: 0, alerts: 0 };
      let cursor: EsSourceState | undefined = parseEsSourceState(state.cursor);
      try {
        await states.ensureIndex();
        const pipeline = new DetectionPipeline({
          config: config.detection,
          rules,
          modelScorers: await scorersFor(spec.stream),
        });
        const saved = asSavedStream(await states.load(spec.stream));
        pipeline.restoreState(saved.pipeline);
        const suppressedBefore = suppressedSoFar(pipeline);
        // Write-ahead: the saved detector state already includes the last batch; if the run died before that
        // batch's seen markers were written, write them now so the batch is not counted twice.
        if (Array.isArray(saved.pending) && saved.pending.length > 0) await writeSeen(es, saved.pending);
        // Task Manager stores the returned state only when a run ends; after a crash mid-run the per-batch saved
        // cursor is further along (its documents are also marked seen, so either cursor is safe, this one is faster).
        cursor = newerCursor(cursor, parseEsSourceState(saved.cursor));
        const source = new ElasticsearchEventSource({
          es,
          name: spec.stream,
          indexPatterns: spec.indexPatterns,
          batchSize: src.batchSize,
          lookbackMs: spec.lookbackMs,
          lateArrivalMs: spec.lateArrivalMs,
          unwrap: spec.unwrap,
          logger,
        });
        const deadLetters = new ElasticsearchDeadLetterSink({
          es,
          index: config.intake.deadLetterIndex,
          source: spec.stream,
        });
        for await (const batch of source.read(cursor, signal)) {
          const out = await processAndWrite(pipeline, sinks.composite, deadLetters, batch);
          counts.read += out.events + out.rejected;
          counts.rejected += out.rejected;
          counts.alerts += out.alerts;
          // Detector state, the batch's cursor and its pending seen markers are saved in one document before the
          // markers are written (commit); a restart re-applies the markers, so state and markers never disagree.
          const next: EsSourceState = {
            v: 1,
            cursor: [...batch.checkpoint.cursor],
            committedAt: new Date().toISOString(),
          };
          await states.save(spec.stream, {
            pipeline: pipeline.getState(),
            cursor: next,
            pending: batch.checkpoint.markers,
          });
          cursor = await source.commit(batch.checkpoint);
          if (signal.aborted) break;
        }
        // The run has read what it will read (all there was, or it was cancelled): alerts still waiting a few seconds
        // for repeats of themselves go out now (the next run may find nothing new to move event time past them). Written before the state that no longer
        // holds them is saved: a crash in between writes the same alert ids again.
        const released = await releaseWaitingAndWrite(pipeline, sinks.composite);
        if (released > 0) {
          counts.alerts += released;
          await states.save(spec.stream, { pipeline: pipeline.getState(), cursor, pending: [] });
        }
        await recordRun(spec.taskType, started, signal.aborted ? 'cancelled' : 'success', {
          cursor,
          documentsRead: counts.read,
          documentsRejected: counts.rejected,
          alertsWritten: counts.alerts,
          findingsSuppressed: suppressedSoFar(pipeline) - suppressedBefore,
        });
        return { cursor };
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        logger.error(`${spec.taskType} failed after ${counts.read} documents: ${message}`);
        await recordRun(spec.taskType, started, 'failure', {
          lastError: message,
          cursor,
          documentsRead: counts.read,
          documentsRejected: counts.rejected,
          alertsWritten: counts.alerts,
        }).catch(() => undefined);
        // Task Manager retries a failed run with the state it had before this run started.
        throw e;
      }
    };

  const housekeeping: TaskRunner = async () => {
    const started = Date.now();
    const dropped: string[] = [];
    for (const spec of streams) {
      // Markers must outlive any re-read: a lost cursor re-reads `lookback`, plus the late window, plus a day's margin.
      const keepMs = spec.lookbackMs + spec.lateArrivalMs + 86_400_000;
      dropped.push(...(await dropExpiredSeenIndices(es, spec.stream, keepMs)));
    }
    dropped.push(
      ...(await dropExpiredDailyIndices(es, `${config.intake.index}-`, durationMs(config.intake.retention))),
    );
    logger.info(`housekeeping dropped ${dropped.length} expired indices`);
    await recordRun(TASK_TYPES.housekeeping, started, 'success');
    return { dropped };
  };

  const trainBaselines: TaskRunner = async () => {
    const started = Date.now();
    const result = await retrainBaselines({
      es,
      historyMs: durationMs(config.models.baselines.historyWindow),
      minHistoryWindows: config.models.baselines.minHistoryWindows,
    });
    for (const b of built.values()) await (await b).baselines?.reload();
    logger.info(`behaviour baselines retrained: ${JSON.stringify(result)}`);
    await recordRun(TASK_TYPES.trainBaselines, started, 'success');
    return {};
  };

  const runners: Record<string, TaskRunner> = {
    [TASK_TYPES.housekeeping]: housekeeping,
    [TASK_TYPES.trainBaselines]: trainBaselines,
  };
  for (const spec of streams) runners[spec.taskType] = detectionRunner(spec);
  const kafkaWorker =
    config.kafka.enabled && deps.kafka
      ? new KafkaDetectionWorker({
          config,
          kafka: deps.kafka,
          es,
          sinks: sinks.composite,
          rules,
          logger,
          modelScorers: deps.modelScorers,
          createModelScorers: () => scorersFor('kafka'),
        })
      : undefined;
  return {
    runners,
    kafkaWorker,
    start: async () => {
      await kafkaWorker
        ?.start()
        .catch((e: Error) =>
          logger.error(
            `Kafka worker did not start: ${e.message} (brokers ${config.kafka.brokers.join(',')})`,
          ),
        );
    },
    close: async () => {
      await kafkaWorker?.stop().catch((e: Error) => logger.warn(`stopping the Kafka worker: ${e.message}`));
      await sinks.composite.close();
      for (const b of built.values()) await (await b).close();
    },
  };
}

interface SavedStream {
  pipeline?: unknown;
  cursor?: unknown;
  /** Seen markers of the last saved batch (re-applied at start; writing them twice is harmless). */
  pending?: SeenMarker[];
}

function asSavedStream(v: unknown): SavedStream {
  return typeof v === 'object' && v !== null ? (v as SavedStream) : {};
}

function newerCursor(a: EsSourceState | undefined, b: EsSourceState | undefined): EsSourceState | undefined {
  if (!a) return b;
  if (!b) return a;
  const [ta, ka] = a.cursor;
  const [tb, kb] = b.cursor;
  return tb > ta || (tb === ta && kb > ka) ? b : a;
}

/** Drops `<prefix>YYYY.MM.DD` indices whose whole day is older than `olderThanMs`. Returns the dropped names. */
export async function dropExpiredDailyIndices(
  es: ElasticsearchClient,
  prefix: string,
  olderThanMs: number,
  now = Date.now(),
): Promise<string[]> {
  const res = await es.indices.get({ index: `${prefix}*`, ignore_unavailable: true, allow_no_indices: true });
  const expired = Object.keys(res).filter((name) => {
    const day = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(name.slice(prefix.length));
    if (!day) return false;
    const end = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) + 86_400_000;
    return end < now - olderThanMs;
  });
  if (expired.length > 0) await es.indices.delete({ index: expired.join(',') });
  return expired;
}

/** The pipeline's count of findings kept out of alerts by suppression (a run records the difference). */
function suppressedSoFar(pipeline: DetectionPipeline): number {
  const s = pipeline.stats().suppression;
  return s ? findingsKeptOut(s) : 0;
}
