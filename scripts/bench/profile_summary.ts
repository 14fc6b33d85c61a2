/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`) by self time per function, and by inclusive time for
 * functions matching a filter, so a profile can be read without DevTools.
 *   npx tsx scripts/bench/profile_summary.ts <file.cpuprofile> [--top 40] [--inclusive regex] [--callers regex]
 */
import * as fs from 'fs';
import { frameLabel, type CallFrame } from './profile_frames';
import { benchArgs } from './bench_args';

const USAGE = 'profile_summary.ts <file.cpuprofile> [--top 40] [--inclusive regex] [--callers regex]';

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const { values, positionals } = benchArgs(
    {
      allowPositionals: true,
      options: {
        top: { type: 'string', default: '40' },
        inclusive: { type: 'string' },
        callers: { type: 'string' },
      },
    },
    USAGE,
  );
  if (positionals.length !== 1) {
    console.error(`usage: ${USAGE}`);
    process.exit(2);
  }
  const prof = JSON.parse(fs.readFileSync(positionals[0], 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + dt);
  }
  const selfByLabel = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const l = frameLabel(byId.get(id)!.callFrame);
    selfByLabel.set(l, (selfByLabel.get(l) ?? 0) + us);
  }
  const top = Number(values.top);
  const pct = (us: number): string => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`total ${(total / 1e6).toFixed(2)} s\n-- self time --`);
  for (const [l, us] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${l}`);
  if (values.callers) {
    // Self time of the matching functions, split by the function that called them.
    const re = new RegExp(values.callers);
    const byCaller = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const l = frameLabel(byId.get(id)!.callFrame);
      if (!re.test(l)) continue;
      const p = parent.get(id);
      const key = `${l}  <-  ${p === undefined ? '(root)' : frameLabel(byId.get(p)!.callFrame)}`;
      byCaller.set(key, (byCaller.get(key) ?? 0) + us);
    }
    console.log('-- callers --');
    for (const [l, us] of [...byCaller].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${l}`);
  }
  if (values.inclusive) {
    // Inclusive time: a sample counts once for each distinct matching label on its stack.
    const re = new RegExp(values.inclusive);
    const incl = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const l = frameLabel(byId.get(cur)!.callFrame);
        if (re.test(l)) seen.add(l);
      }
      for (const l of seen) incl.set(l, (incl.get(l) ?? 0) + us);
    }
    console.log('-- inclusive time --');
    for (const [l, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${l}`);
  }
}

main();
