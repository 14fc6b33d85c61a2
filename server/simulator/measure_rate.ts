/**
 * Measures the simulator's end-to-end rate to an NDJSON file (generation, rendering, JSON, disk), the path the
 * `simulate --to file` command takes. Target: >= 20,000 documents/s.
 * Run: `npx tsx server/simulator/measure_rate.ts [--hosts 200] [--days 1] [--format winlogbeat]`
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { asAsync, OutputFormat, simulate } from './generator';
import { resolveScenarios } from './scenarios';
import { writeNdjson } from './targets/file';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string' },
      days: { type: 'string' },
      format: { type: 'string' },
      runs: { type: 'string' },
    },
  });
  const hosts = Number(values.hosts ?? 200);
  const days = Number(values.days ?? 1);
  const format = (values.format ?? 'winlogbeat') as OutputFormat;
  const runs = Number(values.runs ?? 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-rate-'));
  const out = path.join(dir, 'events.ndjson');
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage();
    const sim = simulate({
      seed: 42,
      hosts,
      days,
      start: Date.parse('2025-03-03T00:00:00Z'),
      scenarios: resolveScenarios('all'),
      format,
    });
    const s = await writeNdjson(asAsync(sim.documents), out, { labelsPath: `${out}.labels.ndjson` });
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const mb = fs.statSync(out).size / 1048576;
    rates.push(s.perSecond);
    // The CPU-time rate is what one free core sustains; wall-clock drops when other processes share the cores.
    console.log(
      `run ${i + 1}: ${s.documents} ${format} documents, ${mb.toFixed(0)} MiB in ${(s.elapsedMs / 1000).toFixed(2)} s wall = ${s.perSecond}/s; ` +
        `${cpuSeconds.toFixed(2)} s CPU = ${Math.round(s.documents / cpuSeconds)}/s per CPU-second`,
    );
  }
  rates.sort((a, b) => a - b);
  console.log(
    `median ${rates[Math.floor(rates.length / 2)]}/s over ${runs} runs (hosts ${hosts}, days ${days}, load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cpus)`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
