import { backoffDelay, retry, TimeoutError, withTimeout } from './retry';

const opts = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, with jitter in the upper half', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });
});

describe('retry', () => {
  it('retries retriable errors and returns the first success', async () => {
    let n = 0;
    const seen: number[] = [];
    const out = await retry(
      async () => {
        n++;
        if (n < 3) throw new Error('busy');
        return 'ok';
      },
      { ...opts, initialDelayMs: 1, maxDelayMs: 2, onRetry: (_e, attempt) => seen.push(attempt) },
    );
    expect(out).toBe('ok');
    expect(seen).toEqual([1, 2]);
  });

  it('does not retry errors the predicate calls permanent, and gives up after maxAttempts', async () => {
    let n = 0;
    const permanent = retry(
      async () => {
        n++;
        throw new Error('bad request');
      },
      { ...opts, isRetriable: () => false },
    );
    await expect(permanent).rejects.toThrow('bad request');
    expect(n).toBe(1);

    let m = 0;
    const flaky = retry(
      async () => {
        m++;
        throw new Error('down');
      },
      { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 },
    );
    await expect(flaky).rejects.toThrow('down');
    expect(m).toBe(3);
  });
});

describe('withTimeout', () => {
  it('rejects a promise that takes too long and passes a fast one through', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withTimeout(never, 10, 'test op')).rejects.toBeInstanceOf(TimeoutError);
    await expect(withTimeout(Promise.resolve(5), 1000, 'fast')).resolves.toBe(5);
  });
});
