/**
 * `npm run bench [-- names...]`: runs the benchmarks one after another, each in its own process so one's heap does
 * not weigh on the next. Names: scan, normalize, model, rules (default: all). Each prints its own numbers and command.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const BENCHES: Record<string, string[]> = {
  normalize: ['normalize_throughput.ts'],
  scan: ['scan_throughput.ts', '--lines', '1000000'],
  model: ['model_throughput.ts'],
  rules: ['rules_throughput.ts'],
};

function main(argv: string[]): number {
  const names = argv.length ? argv : Object.keys(BENCHES);
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length) {
    console.error(
      `unknown benchmark(s) ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`,
    );
    return 2;
  }
  for (const name of names) {
    const [file, ...args] = BENCHES[name];
    console.log(`\n::: bench ${name}: npx tsx scripts/bench/${[file, ...args].join(' ')}`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, file), ...args], {
      stdio: 'inherit',
    });
    if (r.status !== 0) return r.status ?? 1;
  }
  return 0;
}

process.exit(main(process.argv.slice(2)));
