/**
 * Throughput of the rule engine alone: every shipped rule over events already read and normalized (in memory), with
 * and without rule gates (server/detection/rules/gate.ts), after one untimed warm-up pass of each, interleaved so
 * machine drift hits both sides alike. It prints the best run of each side and fails (exit 1) if the two produce
 * different findings.
 *
 *   npx tsx scripts/bench/rules_throughput.ts [--events 250000] [--file existing.ndjson] [--runs 5]
 */
import type { Event } from '../../common/event';
import { loadRules, RuleEngine } from '../../server/detection/rules/engine';
import { readEventFiles } from '../../server/sources/files';
import { benchArgs, runBench } from './bench_args';
import { benchInput } from './simulated_file';

const USAGE = 'rules_throughput.ts [--events 250000] [--file existing.ndjson] [--runs 5]';

async function readEvents(file: string, limit: number): Promise<Event[]> {
  const events: Event[] = [];
  for await (const batch of readEventFiles(file, { readWorkers: 0 })) {
    for (const e of batch.events) if (events.length < limit) events.push(e);
    if (events.length >= limit) break;
  }
  return events;
}

/** One pass: milliseconds and a fingerprint of the findings (rule, time, evidence) to compare the two sides. */
function pass(engine: RuleEngine, events: Event[]): { ms: number; findings: string[] } {
  const findings: string[] = [];
  const t0 = performance.now();
  for (const e of events)
    for (const f of engine.evaluate(e))
      findings.push(`${f.ruleId} ${f.firstSeen} ${f.evidence.map((x) => x.id).join(',')}`);
  const ms = performance.now() - t0;
  engine.flush();
  return { ms, findings };
}

async function main(): Promise<number> {
  const { values } = benchArgs(
    {
      options: {
        events: { type: 'string', default: '250000' },
        file: { type: 'string' },
        runs: { type: 'string', default: '5' },
      },
    },
    USAGE,
  );
  const limit = Number(values.events);
  const runs = Number(values.runs);
  if (!Number.isInteger(limit) || limit <= 0 || !Number.isInteger(runs) || runs <= 0) {
    console.error(`--events and --runs must be positive integers\nusage: ${USAGE}`);
    return 2;
  }
  const input = await benchInput(values.file, limit, 'apt-rules-bench-');
  try {
    const events = await readEvents(input.file, limit);
    const rules = loadRules();
    const best = { gated: Infinity, ungated: Infinity };
    let gatedFindings: string[] = [];
    let ungatedFindings: string[] = [];
    // One untimed pass of each first: otherwise whichever side runs first also pays for compiling the shared code.
    pass(new RuleEngine(rules), events);
    pass(new RuleEngine(rules, { gates: false }), events);
    for (let r = 0; r < runs; r++) {
      const g = pass(new RuleEngine(rules), events);
      const u = pass(new RuleEngine(rules, { gates: false }), events);
      best.gated = Math.min(best.gated, g.ms);
      best.ungated = Math.min(best.ungated, u.ms);
      gatedFindings = g.findings;
      ungatedFindings = u.findings;
    }
    const same = JSON.stringify(gatedFindings) === JSON.stringify(ungatedFindings);
    const rate = (ms: number): string =>
      `${Math.round(events.length / (ms / 1000)).toLocaleString('en-US')} events/s`;
    const rows: Array<[string, string]> = [
      ['events (normalized, in memory)', String(events.length)],
      ['rules', String(rules.length)],
      ['with gates (best of runs)', `${best.gated.toFixed(0)} ms, ${rate(best.gated)}`],
      ['without gates (best of runs)', `${best.ungated.toFixed(0)} ms, ${rate(best.ungated)}`],
      ['time saved by gates', `${(100 * (1 - best.gated / best.ungated)).toFixed(0)}%`],
      [
        'findings',
        `${gatedFindings.length} with gates, ${ungatedFindings.length} without, ${same ? 'identical' : 'DIFFERENT'}`,
      ],
      [
        'command',
        `npx tsx scripts/bench/rules_throughput.ts --events ${limit} --runs ${runs}${values.file ? ` --file ${values.file}` : ''}`,
      ],
    ];
    for (const [k, v] of rows) console.log(`${k.padEnd(32)}${v}`);
    return same ? 0 : 1;
  } finally {
    input.dispose();
  }
}

runBench(main);
