import { isRetriableEsError, ShardFailureError, withEsRetry } from './es_retry';

const responseError = (statusCode: number, type?: string) =>
  Object.assign(new Error(`status ${statusCode}`), {
    name: 'ResponseError',
    meta: { statusCode, body: type ? { error: { type, root_cause: [{ type }] } } : undefined },
  });

describe('isRetriableEsError', () => {
  it('retries busy, unavailable, timeouts and shard failures', () => {
    for (const s of [429, 500, 502, 503, 504]) expect(isRetriableEsError(responseError(s))).toBe(true);
    expect(isRetriableEsError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(isRetriableEsError(Object.assign(new Error('c'), { name: 'ConnectionError' }))).toBe(true);
    expect(isRetriableEsError(new ShardFailureError('search', 1, 3, 'x'))).toBe(true);
    expect(isRetriableEsError(responseError(404, 'search_context_missing_exception'))).toBe(true);
  });

  it('does not retry what a retry cannot fix', () => {
    expect(isRetriableEsError(responseError(400, 'parsing_exception'))).toBe(false);
    expect(isRetriableEsError(responseError(403, 'security_exception'))).toBe(false);
    expect(isRetriableEsError(responseError(404, 'index_not_found_exception'))).toBe(false);
    expect(isRetriableEsError(new Error('plain'))).toBe(false);
    expect(isRetriableEsError(undefined)).toBe(false);
  });
});

describe('withEsRetry', () => {
  it('retries retriable failures until success, calling onRetry before each wait', async () => {
    let calls = 0;
    const retried: number[] = [];
    const out = await withEsRetry(
      async () => {
        calls++;
        if (calls < 3) throw responseError(429);
        return 'ok';
      },
      { attempts: 5, baseDelayMs: 1 },
      (_e, attempt) => void retried.push(attempt),
    );
    expect(out).toBe('ok');
    expect(calls).toBe(3);
    expect(retried).toEqual([1, 2]);
  });

  it('gives up after the attempts and rethrows the last error; never retries a 400', async () => {
    let calls = 0;
    await expect(
      withEsRetry(
        async () => {
          calls++;
          throw responseError(503);
        },
        { attempts: 3, baseDelayMs: 1 },
        () => undefined,
      ),
    ).rejects.toThrow('status 503');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withEsRetry(
        async () => {
          calls++;
          throw responseError(400);
        },
        { attempts: 3, baseDelayMs: 1 },
        () => undefined,
      ),
    ).rejects.toThrow('status 400');
    expect(calls).toBe(1);
  });

  it('stops waiting when aborted', async () => {
    const ac = new AbortController();
    const p = withEsRetry(
      async () => {
        throw responseError(503);
      },
      { attempts: 10, baseDelayMs: 10_000 },
      () => void setTimeout(() => ac.abort(new Error('cancelled')), 5),
      ac.signal,
    );
    await expect(p).rejects.toThrow('cancelled');
  });
});
