/**
 * What every target shares: a token-bucket rate limit, the running summary, and the labels writer.
 */
import * as fs from 'fs';
import { labelLine, SimDoc } from '../generator';

/** Token bucket: `take(n)` resolves once n more events fit under `perSecond`. */
export class RateLimiter {
  private readonly started = Date.now();
  private taken = 0;

  constructor(private readonly perSecond: number) {
    if (!(perSecond > 0))
      throw new Error(`rate must be a positive number of events per second (got ${perSecond})`);
  }

  async take(n: number): Promise<void> {
    this.taken += n;
    const due = this.started + (this.taken / this.perSecond) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

export interface SinkSummary {
  documents: number;
  byKind: Record<string, number>;
  byCode: Record<string, number>;
  labelled: { malicious: number; trap: number };
  firstTs?: string;
  lastTs?: string;
  elapsedMs: number;
  perSecond: number;
}

export class SummaryCounter {
  private readonly t0 = Date.now();
  readonly s: SinkSummary = {
    documents: 0,
    byKind: {},
    byCode: {},
    labelled: { malicious: 0, trap: 0 },
    elapsedMs: 0,
    perSecond: 0,
  };
  private first?: number;
  private last?: number;

  add(d: SimDoc): void {
    const s = this.s;
    s.documents++;
    s.byKind[d.kind] = (s.byKind[d.kind] ?? 0) + 1;
    const code = `${d.channel === 'Security' ? 'security' : d.channel === 'System' ? 'system' : d.channel.includes('Sysmon') ? 'sysmon' : 'powershell'}:${d.code}`;
    s.byCode[code] = (s.byCode[code] ?? 0) + 1;
    if (d.label?.kind === 'campaign') s.labelled.malicious++;
    else if (d.label?.kind === 'trap') s.labelled.trap++;
    this.first ??= d.ts;
    this.last = d.ts;
  }

  finish(): SinkSummary {
    this.s.elapsedMs = Date.now() - this.t0;
    this.s.perSecond = Math.round(this.s.documents / Math.max(0.001, this.s.elapsedMs / 1000));
    if (this.first !== undefined) this.s.firstTs = new Date(this.first).toISOString();
    if (this.last !== undefined) this.s.lastTs = new Date(this.last).toISOString();
    return this.s;
  }
}

/** Buffered line writer that respects stream backpressure. */
export class LineWriter {
  private readonly stream: fs.WriteStream;
  private buf: string[] = [];
  private size = 0;

  constructor(path: string) {
    this.stream = fs.createWriteStream(path, { encoding: 'utf8' });
  }

  /** Buffers a line; returns true when the caller should `await flush()` (keeps the hot path free of awaits). */
  push(line: string): boolean {
    this.buf.push(line);
    this.size += line.length;
    return this.size >= 1 << 20;
  }

  async write(line: string): Promise<void> {
    if (this.push(line)) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.buf.length) return;
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((r) => this.stream.once('drain', () => r()));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) =>
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
}

export class LabelsWriter {
  private readonly w: LineWriter;
  constructor(path: string) {
    this.w = new LineWriter(path);
  }
  async add(d: SimDoc): Promise<void> {
    if (!d.label) return;
    const line = labelLine(d);
    if (line) await this.w.write(JSON.stringify(line));
  }
  close(): Promise<void> {
    return this.w.close();
  }
}

export interface SinkOptions {
  /** Events per second; unlimited when absent. */
  rate?: number;
  /** Labels file; none written when absent. */
  labelsPath?: string;
  /** Called every `progressEvery` documents. */
  onProgress?: (s: SinkSummary) => void;
  progressEvery?: number;
}
