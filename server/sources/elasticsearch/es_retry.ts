/**
 * Which Elasticsearch failures are worth retrying, and the retry loop the sources use. Retries live here, at the
 * transport edge, so the reader above sees either a complete page or an error that retrying will not fix.
 */
import { backoffDelay, sleep } from '../../sinks/retry';

export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  /** Delay before the second attempt; doubles each attempt (with jitter) up to 30 s. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500 };

/**
 * A search answered 200 but not every shard took part (`_shards.failed > 0`, or `timed_out`). Elasticsearch returns
 * the partial hits with it; accepting them would silently skip the failed shards' documents, so the page is retried.
 */
export class ShardFailureError extends Error {
  constructor(
    readonly what: string,
    readonly failed: number,
    readonly total: number,
    readonly firstReason: string,
    readonly timedOut = false,
  ) {
    super(
      timedOut
        ? `${what} timed out on some shards (partial results refused)`
        : `${what} failed on ${failed} of ${total} shards: ${firstReason}`,
    );
    this.name = 'ShardFailureError';
  }
}

const RETRIABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRIABLE_NAMES = new Set([
  'ConnectionError',
  'TimeoutError',
  'NoLivingConnectionsError',
  'ShardFailureError',
]);
/** 404s that mean "the point in time is gone", which a fresh point in time fixes. */
const RETRIABLE_TYPES = new Set(['search_context_missing_exception', 'no_shard_available_action_exception']);

function errorType(err: { meta?: { body?: unknown } }): string | undefined {
  const body = err.meta?.body as
    { error?: { type?: string; root_cause?: Array<{ type?: string }> } } | undefined;
  return body?.error?.root_cause?.[0]?.type ?? body?.error?.type;
}

export function isRetriableEsError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: string; meta?: { statusCode?: number; body?: unknown } };
  if (e.name && RETRIABLE_NAMES.has(e.name)) return true;
  const status = e.meta?.statusCode;
  if (status !== undefined && RETRIABLE_STATUS.has(status)) return true;
  const type = errorType(e);
  return type !== undefined && RETRIABLE_TYPES.has(type);
}

/** One-line description of an error (Elasticsearch messages span lines; log lines should not). */
export function errorText(err: unknown): string {
  let text = String(err);
  if (err instanceof Error) {
    const type = errorType(err as { meta?: { body?: unknown } });
    text = type && !err.message.includes(type) ? `${err.message} (${type})` : err.message;
  }
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Runs `fn` until it succeeds, a failure is not retriable, or attempts run out (then the last error is thrown).
 * `onRetry` runs before each wait; it is where a caller drops state the failure made stale (a point in time).
 * An abort during a wait ends the loop with the abort reason.
 */
export async function withEsRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (err: unknown, attempt: number, delayMs: number) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetriableEsError(err) || attempt >= policy.attempts) throw err;
      const delay = backoffDelay(attempt, {
        maxAttempts: policy.attempts,
        initialDelayMs: policy.baseDelayMs,
        maxDelayMs: 30_000,
      });
      await onRetry(err, attempt, delay);
      await sleep(delay, signal);
    }
  }
}
