/**
 * A token bucket per caller: `perMinute` requests, refilled continuously. In-process on purpose: each Kibana
 * instance (or host) limits what reaches it; a shared limit would need Redis and a round trip per request.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `caller`; returns false (and the seconds to wait) when the bucket is empty. */
  take(caller: string): { allowed: boolean; retryAfterSeconds: number } {
    const t = this.now();
    const rate = this.perMinute / 60000;
    const b = this.buckets.get(caller) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + (t - b.at) * rate);
    b.at = t;
    this.buckets.set(caller, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.ceil((1 - b.tokens) / rate / 1000) };
  }
}
