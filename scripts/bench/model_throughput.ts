/**
 * Hybrid model inference throughput on one core: the 1,000 fixed test windows of the ONNX parity fixture,
 * repeated into batches, scored by both ONNX sessions (intra-op threads 1) plus the combiner. Also times the
 * feature extraction that produces the windows, on the golden events. Target: >= 20,000 windows/s.
 *
 *   npx tsx scripts/bench/model_throughput.ts [--batch 1024] [--windows 200000] [--models models]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { FeatureEvent } from '../../common/features/feature_event';
import { FEATURE_COUNT, SEQ_LEN, SEQ_NUMERIC } from '../../common/features/schema';
import { WindowFeatureExtractor } from '../../common/features/window_extractor';
import { HybridModel } from '../../server/detection/models/hybrid_model';
import { benchArgs } from './bench_args';

const ROOT = path.resolve(__dirname, '..', '..');

function unpack(b64: string): Buffer {
  return zlib.gunzipSync(Buffer.from(b64, 'base64'));
}

function repeat<T extends Float32Array | BigInt64Array>(
  src: T,
  n: number,
  stride: number,
  make: (len: number) => T,
): T {
  const out = make(n * stride);
  const srcRows = src.length / stride;
  for (let i = 0; i < n; i++)
    out.set(src.subarray((i % srcRows) * stride, ((i % srcRows) + 1) * stride) as never, i * stride);
  return out;
}

async function main(): Promise<void> {
  const { values } = benchArgs(
    { options: { batch: { type: 'string' }, windows: { type: 'string' }, models: { type: 'string' } } },
    'model_throughput.ts [--batch 1024] [--windows 200000] [--models DIR]',
  );
  const batch = Number(values.batch ?? 1024);
  const total = Number(values.windows ?? 200_000);
  const model = await HybridModel.load({
    directory: values.models ?? path.join(ROOT, 'models'),
    intraOpThreads: 1,
  });
  const fx = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'server/detection/models/fixtures/onnx_parity.json'), 'utf8'),
  );
  const f = unpack(fx.features);
  const t = unpack(fx.tokens);
  const s = unpack(fx.numeric);
  const stride = SEQ_LEN * SEQ_NUMERIC.length;
  const features = repeat(
    new Float32Array(f.buffer, f.byteOffset, f.byteLength / 4),
    batch,
    FEATURE_COUNT,
    (n) => new Float32Array(n),
  );
  const tokens = repeat(
    new BigInt64Array(t.buffer.slice(t.byteOffset, t.byteOffset + t.byteLength)),
    batch,
    SEQ_LEN,
    (n) => new BigInt64Array(n),
  );
  const numeric = repeat(
    new Float32Array(s.buffer, s.byteOffset, s.byteLength / 4),
    batch,
    stride,
    (n) => new Float32Array(n),
  );
  const input = { n: batch, features, tokens, numeric };
  for (let i = 0; i < 3; i++) await model.score(input); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let done = 0;
  while (done < total) {
    await model.score(input);
    done += batch;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const lat = model.latency.summary();
  console.log(
    `hybrid inference: ${done} windows in batches of ${batch}: ${Math.round(done / wall)} windows/s wall, ` +
      `${Math.round(done / ((cpu.user + cpu.system) / 1e6))} windows per CPU-second; batch latency p50 ${lat.p50Ms} ms, p95 ${lat.p95Ms} ms`,
  );
  // Feature extraction on the golden events (what produces the windows).
  const events = zlib
    .gunzipSync(fs.readFileSync(path.join(ROOT, 'common/features/fixtures/golden_events.ndjson.gz')))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FeatureEvent);
  const e0 = performance.now();
  let rows = 0;
  for (let k = 0; k < 5; k++) {
    const ex = new WindowFeatureExtractor();
    for (const e of events) rows += ex.add(e).length;
    rows += ex.flush().length;
  }
  const es = (performance.now() - e0) / 1000;
  console.log(
    `feature extraction: ${Math.round((events.length * 5) / es)} events/s, ${Math.round(rows / es)} windows/s`,
  );
  await model.release();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
