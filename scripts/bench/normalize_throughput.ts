/**
 * Read + normalize throughput against the floor of plain line reading + JSON.parse, on the same file in one run.
 * Generates a 1,000,000-line Winlogbeat NDJSON file with the simulator (or takes a path), then measures:
 *   A: file -> lines -> JSON.parse                        (the floor any reader pays)
 *   B: readEventFiles (file -> lines -> JSON.parse -> normalizeDocument -> batches)
 * and prints events/s, MB/s and the ratio B/A (target >= 0.70).
 * Both sides are warmed up on the first --warmup lines first; runs alternate which side goes first; the median ratio
 * of the runs is the result.
 * B reads large files with readEventFiles' default worker threads (parallel_reader.ts); `--read-workers 0` measures
 * the single-thread reader. The CPU-time ratio (all threads) is printed next to the wall-clock one.
 * Run: npx tsx scripts/bench/normalize_throughput.ts [file.ndjson] [--lines 1000000] [--format winlogbeat|winlogbeat-raw|wazuh]
 *        [--runs 3] [--warmup 50000] [--read-workers N]
 */
import { once } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tuneHeapForBulkReading } from '../lib/gc_tuning';
import { readEventFiles } from '../../server/sources/files';
import { splitLines } from '../../server/sources/files/json_stream';
import { defaultReadWorkers } from '../../server/sources/files/parallel_reader';
import { asAsync, OutputFormat, simulate } from '../../server/simulator/generator';
import { resolveScenarios } from '../../server/simulator/scenarios';
import { writeNdjson } from '../../server/simulator/targets/file';
import { benchArgs } from './bench_args';

async function generate(file: string, lines: number, format: OutputFormat): Promise<void> {
  const sim = simulate({
    seed: 42,
    hosts: 200,
    days: 30,
    start: Date.parse('2025-03-03T00:00:00Z'),
    scenarios: resolveScenarios('all'),
    format,
    maxEvents: lines,
  });
  await writeNdjson(asAsync(sim.documents), file);
}

async function* decodedChunks(file: string): AsyncGenerator<string> {
  const s = fs.createReadStream(file, { highWaterMark: 1 << 20, encoding: 'utf8' });
  for await (const c of s) yield c as string;
}

/** The first `lines` lines of `file` in a temporary file. */
async function writePrefix(file: string, lines: number): Promise<string> {
  const out = path.join(os.tmpdir(), `norm-bench-warmup-${process.pid}.ndjson`);
  const w = fs.createWriteStream(out);
  let n = 0;
  for await (const group of splitLines(decodedChunks(file))) {
    for (const l of group) {
      if (n >= lines) break;
      if (!w.write(`${l.text}\n`)) await once(w, 'drain');
      n++;
    }
    if (n >= lines) break;
  }
  await new Promise<void>((resolve, reject) =>
    w.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return out;
}

async function plainParse(file: string): Promise<number> {
  let n = 0;
  for await (const group of splitLines(decodedChunks(file)))
    for (const l of group) {
      if (l.text.length === 0) continue;
      JSON.parse(l.text);
      n++;
    }
  return n;
}

async function readAndNormalize(
  file: string,
  readWorkers?: number,
): Promise<{ events: number; rejections: number }> {
  let events = 0;
  let rejections = 0;
  for await (const b of readEventFiles(file, { batchSize: 1000, readWorkers })) {
    events += b.events.length;
    rejections += b.rejections.length;
  }
  return { events, rejections };
}

/** Wall time and CPU time: on a shared machine the CPU-time rate is what one free core sustains. */
async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (c.user + c.system) / 1000, value };
}

async function main(): Promise<void> {
  const { values, positionals } = benchArgs(
    {
      allowPositionals: true,
      options: {
        lines: { type: 'string' },
        format: { type: 'string' },
        runs: { type: 'string' },
        warmup: { type: 'string' },
        'read-workers': { type: 'string' },
      },
    },
    'normalize_throughput.ts [file.ndjson] [--lines 1000000] [--format winlogbeat|winlogbeat-raw|wazuh] [--runs 3] [--warmup 50000] [--read-workers N]',
  );
  const readWorkers = values['read-workers'] !== undefined ? Number(values['read-workers']) : undefined;
  const lines = Number(values.lines ?? 1_000_000);
  const format = (values.format ?? 'winlogbeat') as OutputFormat;
  const runs = Number(values.runs ?? 3);
  const warmupLines = Number(values.warmup ?? 50_000);
  let file = positionals[0];
  let tmp: string | undefined;
  if (!file) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'norm-bench-'));
    file = path.join(tmp, 'events.ndjson');
    const g = await time(() => generate(file as string, lines, format));
    console.log(`generated ${lines} ${format} lines in ${(g.ms / 1000).toFixed(1)} s -> ${file}`);
  }
  const mb = fs.statSync(file).size / 1048576;
  try {
    // Warm both paths up (JIT, page cache, heap sizing) on a prefix of the same file, so run 1 compares compiled
    // code with compiled code rather than charging one side for its warm-up.
    const warm = await time(async () => {
      const prefix = await writePrefix(file as string, warmupLines);
      try {
        await plainParse(prefix);
        await readAndNormalize(prefix, readWorkers);
      } finally {
        fs.rmSync(prefix, { force: true });
      }
    });
    console.log(`warm-up on the first ${warmupLines} lines: ${(warm.ms / 1000).toFixed(1)} s (not counted)`);
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let r = 1; r <= runs; r++) {
      // Alternate the order so page cache and JIT warm-up favour neither side.
      const a = r % 2 === 1 ? await time(() => plainParse(file)) : undefined;
      const b = await time(() => readAndNormalize(file, readWorkers));
      const a2 = a ?? (await time(() => plainParse(file)));
      const aRate = a2.value / (a2.ms / 1000);
      const bRate = b.value.events / (b.ms / 1000);
      ratios.push(bRate / aRate);
      const aCpu = a2.value / (a2.cpuMs / 1000);
      const bCpu = b.value.events / (b.cpuMs / 1000);
      cpuRatios.push(bCpu / aCpu);
      console.log(
        `run ${r}: read+JSON.parse ${a2.value} lines in ${(a2.ms / 1000).toFixed(2)} s = ${Math.round(aRate)} events/s, ` +
          `${(mb / (a2.ms / 1000)).toFixed(1)} MB/s | readEventFiles ${b.value.events} events (+${b.value.rejections} rejected) in ` +
          `${(b.ms / 1000).toFixed(2)} s = ${Math.round(bRate)} events/s, ${(mb / (b.ms / 1000)).toFixed(1)} MB/s | ratio ${(bRate / aRate).toFixed(3)}` +
          ` | per CPU-second: ${Math.round(aCpu)} vs ${Math.round(bCpu)} events/s, ${(mb / (a2.cpuMs / 1000)).toFixed(1)} vs ` +
          `${(mb / (b.cpuMs / 1000)).toFixed(1)} MB/s, ratio ${(bCpu / aCpu).toFixed(3)}`,
      );
    }
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    console.log(
      `median ratio ${median(ratios).toFixed(3)} wall, ${median(cpuRatios).toFixed(3)} CPU time, over ${runs} runs ` +
        `(target >= 0.70); file ${mb.toFixed(0)} MB; ` +
        `reader threads ${readWorkers ?? `default (${defaultReadWorkers()})`}; ` +
        `node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0].toFixed(2)}`,
    );
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// Same heap tuning as `apt-detect` (both sides of the comparison run with it).
tuneHeapForBulkReading();
main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
});
