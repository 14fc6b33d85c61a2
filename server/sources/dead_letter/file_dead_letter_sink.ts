/**
 * Dead letters appended to an NDJSON file (offline CLI scans, the standalone host without Elasticsearch). One
 * DeadLetter per line plus its deterministic `id`, so a reader can drop the copies a retried batch appended.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import type { Rejection } from '../../../common/event';
import {
  DeadLetterCounter,
  deadLetterId,
  originalAsJson,
  toDeadLetter,
  type DeadLetterSink,
} from './dead_letter';

export class FileDeadLetterSink implements DeadLetterSink {
  private readonly counter = new DeadLetterCounter();
  private dirReady?: Promise<unknown>;
  /** Appends are chained so concurrent writes never interleave their lines. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly filePath: string,
    private readonly source = 'file',
  ) {
    if (!filePath) throw new Error('FileDeadLetterSink: `path` must be a non-empty file path');
  }

  counts(): Record<string, number> {
    return this.counter.snapshot();
  }

  write(rejections: Rejection[]): Promise<void> {
    if (rejections.length === 0) return Promise.resolve();
    const at = new Date();
    const text = rejections
      .map((r) => {
        const dl = toDeadLetter(r, at);
        return `{"id":${JSON.stringify(deadLetterId(dl.origin))},"reason":${JSON.stringify(dl.reason)},"field":${JSON.stringify(
          dl.field,
        )},"origin":${JSON.stringify(dl.origin)},"original":${originalAsJson(dl.original)},"at":${JSON.stringify(dl.at)}}\n`;
      })
      .join('');
    const run = this.tail.then(async () => {
      this.dirReady ??= fs.mkdir(path.dirname(this.filePath), { recursive: true });
      await this.dirReady;
      await fs.appendFile(this.filePath, text, 'utf8');
      this.counter.add(this.source, rejections.length);
    });
    // A failed append fails this write only; the next write tries again.
    this.tail = run.catch(() => undefined);
    return run;
  }
}
