/**
 * Posts high-severity incidents to an HTTP endpoint: the fallback when Kibana Cases is unavailable (standalone
 * host, Cases plugin disabled, no privileges), or a sink of its own for ticketing systems.
 *
 * Each request is signed: `x-apt-signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the configured
 * secret, plus `x-apt-timestamp`, so the receiver can check the sender and refuse replays of old requests.
 * `x-apt-delivery` is the incident id, for de-duplication on the receiving side. The secret is never logged.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import { backoffDelay, sleep, type BackoffOptions } from './retry';
import {
  atLeast,
  emptyResult,
  errorMessage,
  type AlertSink,
  type Severity,
  type SinkBatch,
  type SinkIncident,
  type SinkLogger,
  type SinkWriteResult,
} from './types';

export const SIGNATURE_HEADER = 'x-apt-signature';
export const TIMESTAMP_HEADER = 'x-apt-timestamp';
export const DELIVERY_HEADER = 'x-apt-delivery';

export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Constant-time check of a received signature (for receivers and tests). */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body));
  const got = Buffer.from(signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** The JSON body of one delivery. */
export interface WebhookPayload {
  type: 'apt-detection.incident';
  sentAt: string;
  incident: Omit<SinkIncident, 'doc'> & { doc: Record<string, unknown> };
}

export interface WebhookSinkOptions {
  url: string;
  secret: string;
  logger: SinkLogger;
  minSeverity?: Severity;
  timeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Incident ids remembered as delivered (oldest forgotten first). */
  rememberLimit?: number;
  http?: AxiosInstance;
}

class PermanentHttpError extends Error {}

export class WebhookSink implements AlertSink {
  readonly name = 'webhook';
  private readonly url: string;
  private readonly secret: string;
  private readonly logger: SinkLogger;
  private readonly minSeverity: Severity;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly rememberLimit: number;
  private readonly http: AxiosInstance;
  private readonly delivered = new Set<string>();

  constructor(opts: WebhookSinkOptions) {
    if (opts.secret.length < 16) throw new Error('the webhook secret must be at least 16 characters');
    this.url = opts.url;
    this.secret = opts.secret;
    this.logger = opts.logger;
    this.minSeverity = opts.minSeverity ?? 'high';
    this.timeoutMs = opts.timeoutMs ?? 10000;
    this.backoff = { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 8000, ...opts.backoff };
    this.rememberLimit = opts.rememberLimit ?? 10000;
    this.http = opts.http ?? axios.create();
  }

  /** Delivers the batch's incidents at or above the severity threshold, each once per process. Never throws. */
  async write(batch: SinkBatch): Promise<SinkWriteResult> {
    const started = Date.now();
    const incidents = batch.incidents ?? [];
    const result = emptyResult(this.name, incidents.length);
    for (const incident of incidents) {
      if (!atLeast(incident.severity, this.minSeverity) || this.delivered.has(incident.id)) {
        result.skipped++;
        continue;
      }
      try {
        await this.deliver(incident);
        this.remember(incident.id);
        result.written++;
      } catch (err) {
        result.failed++;
        result.errors.push({
          id: incident.id,
          type: 'webhook_failed',
          reason: errorMessage(err),
          retriable: !(err instanceof PermanentHttpError),
        });
        // The URL may carry a token in its query string: log the host only.
        this.logger.warn(
          `webhook delivery of incident ${incident.id} to ${safeHost(this.url)} failed: ${errorMessage(err)}`,
        );
      }
    }
    result.durationMs = Date.now() - started;
    return result;
  }

  private remember(id: string): void {
    this.delivered.add(id);
    if (this.delivered.size > this.rememberLimit) {
      const oldest = this.delivered.values().next().value;
      if (oldest !== undefined) this.delivered.delete(oldest);
    }
  }

  private async deliver(incident: SinkIncident): Promise<void> {
    const payload: WebhookPayload = {
      type: 'apt-detection.incident',
      sentAt: new Date().toISOString(),
      incident,
    };
    const body = JSON.stringify(payload);
    for (let attempt = 1; ; attempt++) {
      // Signed per attempt: the timestamp is the send time, so receivers can reject stale replays.
      const timestamp = String(Math.floor(Date.now() / 1000));
      let retriable: boolean;
      let reason: string;
      try {
        const res = await this.http.post(this.url, body, {
          timeout: this.timeoutMs,
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhookBody(this.secret, timestamp, body),
            [TIMESTAMP_HEADER]: timestamp,
            [DELIVERY_HEADER]: incident.id,
          },
          // Statuses are handled below; axios would otherwise throw an error object carrying the request config.
          validateStatus: () => true,
          maxRedirects: 0,
          // Send the string as is: it is exactly what was signed.
          transformRequest: [(data: unknown) => data],
        });
        if (res.status >= 200 && res.status < 300) return;
        retriable = res.status === 429 || res.status === 408 || res.status >= 500;
        reason = `HTTP ${res.status}`;
      } catch (err) {
        // Network errors and timeouts. Only the message is kept: axios errors carry the request headers.
        retriable = true;
        reason = errorMessage(err);
      }
      if (!retriable) throw new PermanentHttpError(`${reason} (not retried)`);
      if (attempt >= this.backoff.maxAttempts) throw new Error(`${reason} after ${attempt} attempts`);
      await sleep(backoffDelay(attempt, this.backoff));
    }
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}
