/** The simulator's Winlogbeat 8 documents as an NDJSON file: the input the scan and rule benchmarks share. */
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
