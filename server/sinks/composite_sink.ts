/**
 * Writes one batch to every enabled sink, in order: Elasticsearch first and mandatory, then the best-effort
 * sinks (Redis, Kafka, Cases/webhook). Elasticsearch being unreachable is the only failure that throws, because
 * then nothing is stored and the caller must not move its cursor. Everything else is reported per sink, for the
 * status API, and counted.
 */
import type { ElasticsearchAlertSink } from './elasticsearch_sink';
import {
  emptyResult,
  errorMessage,
  type AlertSink,
  type SinkBatch,
  type SinkLogger,
  type SinkWriteResult,
} from './types';

export interface CompositeWriteResult {
  /** True when Elasticsearch accepted every alert and incident. */
  stored: boolean;
  /** One result per sink, Elasticsearch first, in write order. */
  results: SinkWriteResult[];
  durationMs: number;
}

/** Running totals per sink since start, for the connector health view. */
export interface SinkHealth {
  sink: string;
  batches: number;
  written: number;
  failed: number;
  skipped: number;
  lastWriteAt?: string;
  lastError?: string;
  lastErrorAt?: string;
}

/** The part of the Elasticsearch sink the composite needs (so tests can use the real one or a stand-in). */
export type PrimarySink = Pick<ElasticsearchAlertSink, 'name' | 'writeDetailed'> & {
  close?(): Promise<void>;
};

export interface CompositeAlertSinkOptions {
  primary: PrimarySink;
  /** Best-effort sinks, written in this order after the primary. */
  secondary: AlertSink[];
  logger: SinkLogger;
}

export class CompositeAlertSink {
  private readonly primary: PrimarySink;
  private readonly secondary: AlertSink[];
  private readonly logger: SinkLogger;
  private readonly healthBySink = new Map<string, SinkHealth>();

  constructor(opts: CompositeAlertSinkOptions) {
    this.primary = opts.primary;
    this.secondary = opts.secondary;
    this.logger = opts.logger;
    for (const name of [opts.primary.name, ...opts.secondary.map((s) => s.name)]) {
      this.healthBySink.set(name, { sink: name, batches: 0, written: 0, failed: 0, skipped: 0 });
    }
  }

  get sinkNames(): string[] {
    return [...this.healthBySink.keys()];
  }

  /**
   * Throws (ElasticsearchSinkUnavailableError) only when Elasticsearch could not be written at all. Alerts that
   * Elasticsearch rejected are not forwarded to the other sinks, so the live view never shows an alert that is
   * not stored.
   */
  async write(batch: SinkBatch): Promise<CompositeWriteResult> {
    const started = Date.now();
    let primary;
    try {
      primary = await this.primary.writeDetailed(batch);
    } catch (err) {
      const failed = emptyResult(this.primary.name, batch.alerts.length + (batch.incidents?.length ?? 0));
      failed.failed = failed.attempted;
      failed.errors.push({ type: 'unavailable', reason: errorMessage(err), retriable: true });
      this.record(failed);
      throw err;
    }
    this.record(primary.result);
    const stored: SinkBatch = {
      alerts: batch.alerts.filter((a) => !primary.failedAlertIds.has(a.id)),
      incidents: batch.incidents?.filter((i) => !primary.failedIncidentIds.has(i.id)),
    };
    const results: SinkWriteResult[] = [primary.result];
    for (const sink of this.secondary) {
      let result: SinkWriteResult;
      try {
        result = await sink.write(stored);
      } catch (err) {
        // Sinks are written not to throw; one that does anyway must not stop the others.
        result = emptyResult(sink.name, stored.alerts.length);
        result.failed = result.attempted;
        result.errors.push({ type: 'sink_threw', reason: errorMessage(err), retriable: true });
        this.logger.warn(`alert sink ${sink.name} failed: ${errorMessage(err)}`);
      }
      this.record(result);
      results.push(result);
    }
    return { stored: primary.result.failed === 0, results, durationMs: Date.now() - started };
  }

  health(): SinkHealth[] {
    return [...this.healthBySink.values()].map((h) => ({ ...h }));
  }

  private record(result: SinkWriteResult): void {
    const h = this.healthBySink.get(result.sink) ?? {
      sink: result.sink,
      batches: 0,
      written: 0,
      failed: 0,
      skipped: 0,
    };
    const now = new Date().toISOString();
    h.batches++;
    h.written += result.written;
    h.failed += result.failed;
    h.skipped += result.skipped;
    h.lastWriteAt = now;
    if (result.errors.length > 0) {
      h.lastError = result.errors[0]?.reason;
      h.lastErrorAt = now;
    }
    this.healthBySink.set(result.sink, h);
  }

  async close(): Promise<void> {
    for (const sink of [this.primary, ...this.secondary]) {
      try {
        await sink.close?.();
      } catch (err) {
        this.logger.warn(`closing alert sink ${sink.name} failed: ${errorMessage(err)}`);
      }
    }
  }
}
