/**
 * The shapes every alert sink shares. Sinks see alerts and incidents through these small interfaces, not through
 * the detection code's document types, so the detection side can change its documents without touching the sinks:
 * the adapter that turns an `AlertDoc` into a `SinkAlert` is one function in the caller.
 */
import type { Severity } from '../detection/types';

export type { Severity };

/** One alert ready to leave the process. `doc` is the full ECS document that Elasticsearch stores. */
export interface SinkAlert {
  /** Deterministic id (rule + evidence), used as the Elasticsearch `_id`, the Kafka key and the stream field. */
  id: string;
  doc: Record<string, unknown>;
  severity: Severity;
  /** 0-100. */
  riskScore: number;
  /** ISO time of the alert; when absent, `doc['@timestamp']` is used. */
  timestamp?: string;
  incidentId?: string;
  host?: string;
  user?: string;
}

/** One incident (a correlated group of alerts) ready to leave the process. */
export interface SinkIncident {
  /** Deterministic incident id; a case or webhook delivery is keyed by it. */
  id: string;
  /** Full incident document stored in the incidents index. */
  doc: Record<string, unknown>;
  title: string;
  /** One paragraph an analyst reads first. */
  description: string;
  severity: Severity;
  riskScore: number;
  alertIds: string[];
  hosts: string[];
  users: string[];
  techniqueIds: string[];
  firstSeen: string;
  lastSeen: string;
}

export interface SinkBatch {
  alerts: SinkAlert[];
  incidents?: SinkIncident[];
}

/** Why one item did not reach a sink. `retriable` false means retrying the same item will not help. */
export interface SinkItemError {
  /** Alert or incident id; absent when the whole request failed. */
  id?: string;
  status?: number;
  type: string;
  reason: string;
  retriable: boolean;
}

/** What one sink did with one batch; the status API shows the last one per sink. */
export interface SinkWriteResult {
  sink: string;
  /** Items the sink tried to deliver (alerts, or incidents for the incident sinks). */
  attempted: number;
  written: number;
  failed: number;
  /** Items deliberately not sent (below the severity threshold, already delivered, sink disabled). */
  skipped: number;
  errors: SinkItemError[];
  durationMs: number;
}

export interface AlertSink {
  readonly name: string;
  write(batch: SinkBatch): Promise<SinkWriteResult>;
  close?(): Promise<void>;
}

/** The logger slice sinks use (Kibana's Logger satisfies it). */
export interface SinkLogger {
  debug(message: string, meta?: object): void;
  info(message: string, meta?: object): void;
  warn(message: string | Error, meta?: object): void;
  error(message: string | Error, meta?: object): void;
}

export const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

export function emptyResult(sink: string, attempted = 0): SinkWriteResult {
  return { sink, attempted, written: 0, failed: 0, skipped: 0, errors: [], durationMs: 0 };
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The alert's time: the explicit field, else the ECS document's `@timestamp`, else now. */
export function alertTimestamp(alert: SinkAlert): string {
  if (alert.timestamp) return alert.timestamp;
  const ts = alert.doc['@timestamp'];
  return typeof ts === 'string' ? ts : new Date().toISOString();
}
