/**
 * The one loop every streaming host runs (Kibana task, Kafka worker, standalone host): a batch of normalized events
 * goes through the pipeline, its alerts and incidents are written (Elasticsearch first and mandatory), its
 * rejections go to the dead letters, and only then is the batch reported done so the caller may move its cursor or
 * commit its offsets. A batch whose alerts were not stored throws, so nothing is acknowledged that could be lost.
 */
import type { Event, Rejection } from '../../common/event';
import type { CompositeAlertSink } from '../sinks/composite_sink';
import { toSinkAlert, toSinkIncident } from '../sinks/adapters';
import type { DetectionPipeline, PipelineResult } from './pipeline';

export interface RejectionSink {
  write(rejections: Rejection[]): Promise<void>;
}

export interface BatchOutcome {
  events: number;
  rejected: number;
  alerts: number;
  incidents: number;
}

export class AlertsNotStoredError extends Error {
  constructor(detail: string) {
    super(`alerts were not stored in Elasticsearch, the batch is not acknowledged: ${detail}`);
  }
}

/** Writes a pipeline result; throws when Elasticsearch did not take every alert. */
export async function writeResult(sinks: CompositeAlertSink, result: PipelineResult): Promise<void> {
  if (result.alerts.length === 0 && result.incidents.length === 0) return;
  const written = await sinks.write({
    alerts: result.alerts.map(toSinkAlert),
    incidents: result.incidents.map(toSinkIncident),
  });
  if (!written.stored) {
    const es = written.results[0];
    throw new AlertsNotStoredError(es?.errors[0]?.reason ?? `${es?.failed ?? '?'} failed`);
  }
}

/**
 * Alerts still waiting for repeats of themselves (DetectionPipeline.releaseWaiting) written now, for a host whose
 * source has gone quiet or whose run is over; returns how many. If the write fails the pipeline is put back as it was,
 * so it still holds them (the caller saves its state only after this resolves).
 */
export async function releaseWaitingAndWrite(
  pipeline: DetectionPipeline,
  sinks: CompositeAlertSink,
): Promise<number> {
  if (!pipeline.hasWaiting()) return 0;
  const before: unknown = JSON.parse(JSON.stringify(pipeline.getState()));
  const waiting = pipeline.releaseWaiting();
  try {
    await writeResult(sinks, waiting);
  } catch (e) {
    pipeline.restoreState(before);
    throw e;
  }
  return waiting.alerts.length;
}

export async function processAndWrite(
  pipeline: DetectionPipeline,
  sinks: CompositeAlertSink,
  deadLetters: RejectionSink | undefined,
  batch: { events: Event[]; rejections: Rejection[] },
): Promise<BatchOutcome> {
  // Dead letters first: a rejection that is acknowledged must already be somewhere an analyst can find it.
  if (batch.rejections.length > 0 && deadLetters) await deadLetters.write(batch.rejections);
  const result = await pipeline.processBatch(batch.events);
  await writeResult(sinks, result);
  return {
    events: batch.events.length,
    rejected: batch.rejections.length,
    alerts: result.alerts.length,
    incidents: result.incidents.length,
  };
}
