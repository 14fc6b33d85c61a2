/** The simulator's Winlogbeat 8 documents as an NDJSON file: the input the scan and rule benchmarks share. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { asAsync, simulate } from '../../server/simulator/generator';
import { resolveScenarios } from '../../server/simulator/scenarios';
import { writeNdjson } from '../../server/simulator/targets/file';

/** Writes `lines` documents of a 200-host organisation (seed 42, every scenario) to `file`. */
export async function writeSimulatedNdjson(file: string, lines: number): Promise<void> {
  const sim = simulate({
    seed: 42,
    hosts: 200,
    // 200 hosts make roughly 35k events a day: enough days that `lines` is reached.
    days: Math.max(30, Math.ceil(lines / 25_000)),
    start: Date.parse('2025-03-03T00:00:00Z'),
    scenarios: resolveScenarios('all'),
    format: 'winlogbeat',
    maxEvents: lines,
  });
  await writeNdjson(asAsync(sim.documents), file);
}

/** A benchmark's input: the file the user gave, or one generated into a fresh temp dir that `dispose` removes. */
export interface BenchInput {
  file: string;
  /** Removes a generated file (unless `keep`, which prints where it stays); a given file is left alone. */
  dispose(keep?: boolean): void;
}

export async function benchInput(
  given: string | undefined,
  lines: number,
  prefix: string,
  generate: (file: string, lines: number) => Promise<void> = writeSimulatedNdjson,
): Promise<BenchInput> {
  if (given) return { file: given, dispose: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, `winlogbeat-${lines}.ndjson`);
  const t0 = Date.now();
  await generate(file, lines);
  console.error(
    `generated ${lines} events (${(fs.statSync(file).size / 1048576).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return {
    file,
    dispose: (keep = false) => {
      if (keep) console.error(`kept ${file}`);
      else fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
