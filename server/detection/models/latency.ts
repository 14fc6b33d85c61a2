/** Recent inference latencies (a bounded ring), for p50/p95 on the status page. */
export class LatencyRecorder {
  private readonly samples: number[] = [];
  private next = 0;
  private total = 0;

  constructor(private readonly capacity = 1024) {}

  record(ms: number): void {
    if (this.samples.length < this.capacity) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  summary(): { count: number; p50Ms: number | null; p95Ms: number | null } {
    if (this.samples.length === 0) return { count: 0, p50Ms: null, p95Ms: null };
    const sorted = [...this.samples].sort((a, b) => a - b);
    const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    return { count: this.total, p50Ms: round3(q(0.5)), p95Ms: round3(q(0.95)) };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
