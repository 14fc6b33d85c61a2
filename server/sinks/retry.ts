/**
 * Retry with exponential backoff and full jitter, and a timeout that does not leave timers behind. Used at the
 * transport edge of each sink only (architecture: "retries with backoff at the transport edge only").
 */

export interface BackoffOptions {
  /** Total attempts including the first. */
  maxAttempts: number;
  /** Delay before the second attempt; doubles each time up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1). Full jitter spreads the retries of many
 * workers that failed together (e.g. after a 429 from a busy cluster) instead of having them return in step.
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const cap = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Resolves or rejects like `promise`, or rejects with a TimeoutError after `ms`; the timer is always cleared. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `fn` until it succeeds, `isRetriable(err)` says no, or attempts run out; rethrows the last error.
 * `onRetry` sees each error that will be retried (for counting and logging).
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: BackoffOptions & {
    isRetriable?: (err: unknown) => boolean;
    onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
    signal?: AbortSignal;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const retriable = opts.isRetriable ? opts.isRetriable(err) : true;
      if (!retriable || attempt >= opts.maxAttempts) throw err;
      const delay = backoffDelay(attempt, opts);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
