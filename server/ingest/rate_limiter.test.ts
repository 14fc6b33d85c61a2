import { RateLimiter } from './rate_limiter';

describe('RateLimiter', () => {
  it('allows the per-minute budget, refuses the next call, and refills over time per caller', () => {
    let now = 0;
    const rl = new RateLimiter(3, () => now);
    expect([1, 2, 3].map(() => rl.take('a').allowed)).toEqual([true, true, true]);
    const refused = rl.take('a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(rl.take('b').allowed).toBe(true); // other callers have their own bucket
    now += 20000; // one token per 20 s at 3/min
    expect(rl.take('a').allowed).toBe(true);
    expect(rl.take('a').allowed).toBe(false);
  });
});
