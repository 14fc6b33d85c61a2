/**
 * NDJSON file target: one document per line (Winlogbeat documents, or Wazuh alerts exactly as alerts.json holds
 * them), and the labels next to it.
 */
import type { SimDoc } from '../generator';
import {
  LabelsWriter,
  LineWriter,
  RateLimiter,
  SinkOptions,
  SinkSummary,
  SummaryCounter,
} from './sink_common';

export async function writeNdjson(
  docs: AsyncIterable<SimDoc>,
  outPath: string,
  opts: SinkOptions = {},
): Promise<SinkSummary> {
  const out = new LineWriter(outPath);
  const labels = opts.labelsPath ? new LabelsWriter(opts.labelsPath) : undefined;
  const limiter = opts.rate ? new RateLimiter(opts.rate) : undefined;
  const counter = new SummaryCounter();
  const every = opts.progressEvery ?? 50000;
  try {
    for await (const d of docs) {
      if (limiter) await limiter.take(1);
      if (out.push(JSON.stringify(d.doc))) await out.flush();
      if (labels && d.label) await labels.add(d);
      counter.add(d);
      if (opts.onProgress && counter.s.documents % every === 0) opts.onProgress(counter.s);
    }
  } finally {
    await out.close();
    if (labels) await labels.close();
  }
  return counter.finish();
}
