/**
 * `npm run eval:simulated`: runs a simulated organisation (every scenario in server/simulator/scenarios plus the
 * background with its benign traps) through one detection pipeline and scores the alerts against the simulator's
 * ground truth. Issue 5's last acceptance item: every campaign detected with its techniques, and the benign traps
 * raising at most 1 alert per simulated day per 100 hosts.
 *
 * The simulation is generated, normalized and scanned in one stream (never all in memory); only the labelled
 * events' ids and one compact record per alert are kept. Prints a markdown report and writes it to
 * test/output/simulated_campaigns.md. Exit 0 when it ran (missed targets are reported, not a failure), 1 when not.
 *
 * Run: npx tsx scripts/eval/simulated_campaigns.ts [--hosts 200] [--days 7] [--seed 42] [--format winlogbeat]
 *      [--start 2025-03-03T00:00:00Z] [--batch 1000] [--out test/output/simulated_campaigns.md] [--models DIR]
 *      [--no-models] [--baselines [--history-days 7]]
 * The pipeline is the one `apt-detect scan` runs: rules, detectors, correlation and the hybrid model from --models
 * (default: the committed models/), whose findings count like any other (rows with detector "model");
 * --no-models leaves the model out. --baselines adds the Isolation Forest behaviour baselines, trained on the
 * organisation's quiet history before the period (baseline_history.ts); they live in Elasticsearch, so this needs
 * the development stack (ES_URL, or the stack is started as `npm start` does).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import type { AlertDoc } from '../../common/alert';
import type { Event, InputFormat } from '../../common/event';
import { normalizeDocument } from '../../server/normalize';
import type { CampaignPlan } from '../../server/simulator/campaigns';
import { DocKind, OUTPUT_FORMATS, OutputFormat, SimDoc, simulate } from '../../server/simulator/generator';
import { resolveScenarios } from '../../server/simulator/scenarios';
import { indexFor, indexedSource } from '../../server/simulator/targets/elasticsearch';
import { parseDetectionConfig } from '../../server/detection/config';
import { createHybridScorer } from '../../server/detection/models';
import { DetectionPipeline } from '../../server/detection/pipeline';
import { startStack } from '../stack/stack';
import {
  describeBaselineHistory,
  trainBaselinesOnHistory,
  type BaselineHistorySummary,
} from './baseline_history';
import { log, mdTable, newPipeline, parentOf, rules } from './lib';

export interface Options {
  hosts: number;
  days: number;
  seed: number;
  format: OutputFormat;
  start: number;
  batch: number;
  out: string;
  /** Folder of the hybrid model to add to the pipeline (none: rules and detectors only). */
  models?: string;
  /** Days of campaign-free history the Isolation Forest baselines learn from (undefined: no baselines). */
  baselineHistoryDays?: number;
}

/** Ground truth of one labelled event (campaign step or benign trap). */
export type Truth = { kind: 'campaign'; campaign: string; step: string } | { kind: 'trap'; trap: string };

/** What the evaluation keeps of an alert: enough to score it, nothing else. */
export interface AlertRecord {
  ruleId: string;
  ruleName: string;
  category: string;
  /** Simulated time of the last evidence event. */
  ts: number;
  techniques: string[];
  /** `campaign\tstep` of every labelled attack event in the evidence. */
  steps: Set<string>;
  campaigns: Set<string>;
  traps: Set<string>;
  explanation: string;
}

export interface StepTruth {
  campaign: string;
  step: string;
  techniques: string[];
  at: number;
  events: number;
  /** `channel:code` -> count, to say what the step left in the logs. */
  codes: Map<string, number>;
}

export interface RunResult {
  opts: Options;
  plans: CampaignPlan[];
  steps: Map<string, StepTruth>;
  alerts: AlertRecord[];
  events: number;
  rejected: number;
  rejectionSamples: string[];
  attackEvents: number;
  trapEvents: Map<string, number>;
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  /** Present when the Isolation Forest baselines ran (--baselines). */
  baselines?: BaselineHistorySummary;
}

const NORMALIZER_FORMAT: Record<DocKind, InputFormat> = {
  winlogbeat: 'winlogbeat_ecs',
  'winlogbeat-raw': 'winlogbeat_raw',
  wazuh: 'wazuh_alert',
};

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '200' },
      days: { type: 'string', default: '7' },
      seed: { type: 'string', default: '42' },
      format: { type: 'string', default: 'winlogbeat' },
      start: { type: 'string', default: '2025-03-03T00:00:00Z' },
      batch: { type: 'string', default: '1000' },
      out: { type: 'string', default: path.join('test', 'output', 'simulated_campaigns.md') },
      models: { type: 'string', default: 'models' },
      'no-models': { type: 'boolean', default: false },
      baselines: { type: 'boolean', default: false },
      'history-days': { type: 'string', default: '7' },
    },
  });
  const positive = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got "${v}"`);
    return n;
  };
  const format = values.format as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format))
    throw new Error(`--format: expected one of ${OUTPUT_FORMATS.join(', ')}, got "${values.format}"`);
  const start = Date.parse(values.start);
  if (Number.isNaN(start)) throw new Error(`--start: not an ISO date: "${values.start}"`);
  return {
    hosts: Math.floor(positive('hosts', values.hosts)),
    days: positive('days', values.days),
    seed: Math.floor(positive('seed', values.seed)),
    format,
    start,
    batch: Math.floor(positive('batch', values.batch)),
    out: values.out,
    models: values['no-models'] ? undefined : path.resolve(values.models),
    baselineHistoryDays: values.baselines ? positive('history-days', values['history-days']) : undefined,
  };
}

/** The development stack's Elasticsearch: ES_URL, or the stack started as `npm start` starts it. */
async function elasticsearchUrl(): Promise<string> {
  if (process.env.ES_URL) return process.env.ES_URL;
  log('--baselines: ES_URL is not set; starting the development stack');
  const { urls } = await startStack((m) => log(`stack: ${m}`));
  return urls.esUrl;
}

export function stepKey(campaign: string, step: string): string {
  return `${campaign}\t${step}`;
}

/** SimDoc -> normalized Event with the simulator origin the ES target would give it (index name, document id). */
function normalizeSimDoc(d: SimDoc): ReturnType<typeof normalizeDocument> {
  const raw = d.kind === 'winlogbeat-raw' ? d.doc : indexedSource(d);
  return normalizeDocument(raw, {
    kind: 'simulator',
    format: NORMALIZER_FORMAT[d.kind],
    location: indexFor(d),
    id: d.id,
  });
}

export function recordAlert(a: AlertDoc, truth: Map<string, Truth>): AlertRecord {
  const rec: AlertRecord = {
    ruleId: a.rule.id,
    ruleName: a.rule.name,
    category: a.rule.category,
    ts: Date.parse(a['@timestamp']),
    techniques: a.apt.technique_ids,
    steps: new Set(),
    campaigns: new Set(),
    traps: new Set(),
    explanation: a.apt.explanation,
  };
  for (const e of a.apt.evidence) {
    const t = truth.get(e.id);
    if (!t) continue;
    if (t.kind === 'campaign') {
      rec.campaigns.add(t.campaign);
      rec.steps.add(stepKey(t.campaign, t.step));
    } else rec.traps.add(t.trap);
  }
  return rec;
}

export async function runSimulatedEvaluation(opts: Options): Promise<RunResult> {
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const sim = simulate({
    seed: opts.seed,
    hosts: opts.hosts,
    days: opts.days,
    start: opts.start,
    scenarios: resolveScenarios('all'),
    format: opts.format,
  });
  const steps = new Map<string, StepTruth>();
  for (const p of sim.campaigns)
    for (const s of p.steps)
      steps.set(stepKey(p.instance, s.id), {
        campaign: p.instance,
        step: s.id,
        techniques: s.techniques,
        at: s.at,
        events: 0,
        codes: new Map(),
      });

  const hybrid = opts.models
    ? await createHybridScorer({ directory: opts.models, intraOpThreads: 1, hybrid: { enabled: true } })
    : undefined;
  if (opts.models && !hybrid?.loaded)
    throw new Error(`--models: the hybrid model in ${opts.models} could not be loaded`);
  const history =
    opts.baselineHistoryDays === undefined
      ? undefined
      : await trainBaselinesOnHistory({
          esUrl: await elasticsearchUrl(),
          seed: opts.seed,
          hosts: opts.hosts,
          format: opts.format,
          start: opts.start,
          historyDays: opts.baselineHistoryDays,
          batch: opts.batch,
          normalize: normalizeSimDoc,
        });
  const modelScorers = [...(hybrid ? [hybrid] : []), ...(history ? [history.scorer] : [])];
  const pipeline = modelScorers.length
    ? new DetectionPipeline({ config: parseDetectionConfig(), rules: rules(), modelScorers })
    : newPipeline();
  const truth = new Map<string, Truth>();
  const alerts = new Map<string, AlertRecord>();
  const keep = (list: AlertDoc[]): void => {
    for (const a of list) if (!alerts.has(a.apt.alert_id)) alerts.set(a.apt.alert_id, recordAlert(a, truth));
  };
  const res: Omit<RunResult, 'wallMs' | 'cpuMs' | 'peakRssMb' | 'alerts'> = {
    opts,
    plans: sim.campaigns,
    steps,
    events: 0,
    rejected: 0,
    rejectionSamples: [],
    attackEvents: 0,
    trapEvents: new Map(),
  };
  let peakRss = process.memoryUsage().rss;
  let batch: Event[] = [];
  let nextProgress = 500000;
  for (const d of sim.documents) {
    if (d.label?.kind === 'campaign') {
      truth.set(d.id, { kind: 'campaign', campaign: d.label.campaign, step: d.label.step });
      res.attackEvents++;
      const st = steps.get(stepKey(d.label.campaign, d.label.step));
      if (st) {
        st.events++;
        const code = `${d.channel.replace('Microsoft-Windows-', '').replace('/Operational', '')}:${d.code}`;
        st.codes.set(code, (st.codes.get(code) ?? 0) + 1);
      }
    } else if (d.label?.kind === 'trap') {
      truth.set(d.id, { kind: 'trap', trap: d.label.trap });
      res.trapEvents.set(d.label.trap, (res.trapEvents.get(d.label.trap) ?? 0) + 1);
    }
    const r = normalizeSimDoc(d);
    if ('rejected' in r && r.rejected) {
      res.rejected++;
      if (res.rejectionSamples.length < 5)
        res.rejectionSamples.push(`${d.channel}:${d.code} ${r.field}: ${r.reason}`);
      continue;
    }
    batch.push(r as Event);
    res.events++;
    if (batch.length >= opts.batch) {
      keep((await pipeline.processBatch(batch)).alerts);
      batch = [];
    }
    if (res.events >= nextProgress) {
      nextProgress += 500000;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const s = (Date.now() - t0) / 1000;
      log(
        `${res.events} events, ${alerts.size} alerts, sim time ${new Date(d.ts).toISOString().slice(0, 16)}, ` +
          `${s.toFixed(0)} s, ${Math.round(res.events / s)}/s, rss ${Math.round(peakRss / 1048576)} MiB`,
      );
    }
  }
  if (batch.length) keep((await pipeline.processBatch(batch)).alerts);
  keep((await pipeline.flush()).alerts);
  await hybrid?.close();
  await history?.close();
  const cpu = process.cpuUsage(cpu0);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    ...res,
    alerts: [...alerts.values()],
    wallMs: Date.now() - t0,
    baselines: history && {
      historyDays: history.historyDays,
      historyEvents: history.historyEvents,
      windowsIndex: history.windowsIndex,
      windowsRead: history.windowsRead,
      trained: history.trained,
      skipped: history.skipped,
    },
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb: Math.round(peakRss / 1048576),
  };
}

function duration(ms: number): string {
  if (ms < 60000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms < 3600000) return `${(ms / 60000).toFixed(1)} min`;
  return `${(ms / 3600000).toFixed(1)} h`;
}

function uniq(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort();
}

interface CampaignScore {
  plan: CampaignPlan;
  alerts: AlertRecord[];
  techniques: string[];
  alerted: string[];
  missed: string[];
  stepsDetected: number;
  stepsInStream: number;
  firstAlertMs?: number;
  firstRule?: string;
}

function scoreCampaign(
  plan: CampaignPlan,
  alerts: AlertRecord[],
  steps: Map<string, StepTruth>,
): CampaignScore {
  const mine = alerts.filter((a) => a.campaigns.has(plan.instance));
  // Steps scheduled past the end of a short period leave no events: their techniques cannot be expected.
  const inStream = plan.steps.filter((s) => (steps.get(stepKey(plan.instance, s.id))?.events ?? 0) > 0);
  const techniques = uniq(inStream.flatMap((s) => s.techniques.map(parentOf)));
  const alertedParents = new Set(mine.flatMap((a) => a.techniques.map(parentOf)));
  const alerted = techniques.filter((t) => alertedParents.has(t));
  const firstStep = Math.min(...plan.steps.map((s) => s.at));
  const first = mine.reduce<AlertRecord | undefined>(
    (f, a) => (f === undefined || a.ts < f.ts ? a : f),
    undefined,
  );
  const firstAlert = first?.ts;
  let stepsDetected = 0;
  for (const s of inStream) if (mine.some((a) => a.steps.has(stepKey(plan.instance, s.id)))) stepsDetected++;
  return {
    plan,
    alerts: mine,
    techniques,
    alerted,
    missed: techniques.filter((t) => !alertedParents.has(t)),
    stepsDetected,
    stepsInStream: inStream.length,
    firstAlertMs: firstAlert === undefined ? undefined : firstAlert - firstStep,
    firstRule: first?.ruleId,
  };
}

export function renderReport(r: RunResult): { text: string; met: boolean } {
  const { opts } = r;
  const hundreds = opts.hosts / 100;
  const perDay = (n: number): number => n / opts.days / hundreds;
  const scores = r.plans.map((p) => scoreCampaign(p, r.alerts, r.steps));
  const fps = r.alerts.filter((a) => a.campaigns.size === 0);
  const fpRate = perDay(fps.length);
  // The issue's wording counts the benign traps; every other false positive (ordinary background) is held to the
  // same limit in the row after it, which is the stricter test.
  const trapFps = fps.filter((a) => a.traps.size > 0);
  const trapRate = perDay(trapFps.length);
  const allDetected = scores.every((s) => s.alerts.length > 0);
  const allTechniques = scores.every((s) => s.missed.length === 0);
  const out: string[] = [];
  out.push(
    `# Simulated campaigns: ${opts.hosts} hosts x ${opts.days} days (seed ${opts.seed}, ${opts.format})`,
    '',
    mdTable(
      [
        'events',
        'rejected',
        'attack events',
        'trap events',
        'alerts',
        'wall time',
        'events/s',
        'CPU',
        'peak RSS',
      ],
      [
        [
          r.events,
          r.rejected,
          r.attackEvents,
          [...r.trapEvents.values()].reduce((a, b) => a + b, 0),
          r.alerts.length,
          duration(r.wallMs),
          Math.round(r.events / (r.wallMs / 1000)),
          duration(r.cpuMs),
          `${r.peakRssMb} MiB`,
        ],
      ],
    ),
    '',
    `Simulated period ${new Date(opts.start).toISOString()} + ${opts.days} d; ${os.cpus().length} CPUs, ` +
      `load average at the end ${os.loadavg()[0].toFixed(2)}. Command: \`npx tsx scripts/eval/simulated_campaigns.ts ` +
      `--hosts ${opts.hosts} --days ${opts.days} --seed ${opts.seed} --format ${opts.format}` +
      `${opts.models ? ` --models ${path.relative(process.cwd(), opts.models) || '.'}` : ' --no-models'}` +
      `${opts.baselineHistoryDays !== undefined ? ` --baselines --history-days ${opts.baselineHistoryDays}` : ''}\``,
  );
  if (r.baselines) out.push('', `Behaviour baselines: ${describeBaselineHistory(r.baselines)}.`);
  if (r.rejectionSamples.length)
    out.push('', `Rejections (first ${r.rejectionSamples.length}): ${r.rejectionSamples.join('; ')}`);

  out.push('', '## Targets', '');
  out.push(
    mdTable(
      ['target', 'measured', 'met'],
      [
        [
          'every campaign detected',
          `${scores.filter((s) => s.alerts.length > 0).length}/${scores.length}`,
          allDetected ? 'yes' : 'NO',
        ],
        [
          'every labelled technique alerted (parent level)',
          `${scores.reduce((n, s) => n + s.alerted.length, 0)}/${scores.reduce((n, s) => n + s.techniques.length, 0)}`,
          allTechniques ? 'yes' : 'NO',
        ],
        [
          'alerts on the benign traps <= 1 per simulated day per 100 hosts',
          `${trapRate.toFixed(2)} (${trapFps.length} alerts)`,
          trapRate <= 1 ? 'yes' : 'NO',
        ],
        [
          'all false-positive alerts (traps and ordinary background) <= 1 per simulated day per 100 hosts',
          `${fpRate.toFixed(2)} (${fps.length} alerts)`,
          fpRate <= 1 ? 'yes' : 'NO',
        ],
      ],
    ),
  );

  out.push('', '## Campaigns', '');
  out.push(
    mdTable(
      [
        'campaign',
        'first step',
        'alerts',
        'detected',
        'steps with an alert',
        'techniques alerted (parent)',
        'techniques missed',
        'time to first alert',
        'first alert',
      ],
      scores.map((s) => [
        s.plan.instance,
        new Date(Math.min(...s.plan.steps.map((x) => x.at))).toISOString().slice(0, 16),
        s.alerts.length,
        s.alerts.length > 0 ? 'yes' : 'NO',
        `${s.stepsDetected}/${s.stepsInStream}` +
          (s.stepsInStream < s.plan.steps.length
            ? ` (${s.plan.steps.length - s.stepsInStream} after the period)`
            : ''),
        `${s.alerted.length}/${s.techniques.length} ${s.alerted.join(' ')}`,
        s.missed.join(' ') || '-',
        s.firstAlertMs === undefined ? '-' : duration(s.firstAlertMs),
        s.firstRule ?? '-',
      ]),
    ),
  );

  // Per step: which rules have one of its events as evidence, and whether one of them names a step technique.
  const stepRows: Array<Array<string | number>> = [];
  for (const s of scores)
    for (const st of s.plan.steps) {
      const key = stepKey(s.plan.instance, st.id);
      const hits = s.alerts.filter((a) => a.steps.has(key));
      const truth = r.steps.get(key);
      const wanted = new Set(st.techniques.map(parentOf));
      const named = uniq(hits.flatMap((a) => a.techniques.map(parentOf)).filter((t) => wanted.has(t)));
      const rules = new Map<string, number>();
      for (const a of hits) rules.set(a.ruleId, (rules.get(a.ruleId) ?? 0) + 1);
      const codes = [...(truth?.codes ?? [])]
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${c} x${n}`)
        .join(', ');
      stepRows.push([
        s.plan.instance,
        st.id,
        st.techniques.join(' '),
        truth?.events ?? 0,
        [...rules].map(([id, n]) => (n > 1 ? `${id} x${n}` : id)).join(', ') ||
          (truth?.events ? '**none**' : 'none (scheduled after the end of the period)'),
        named.join(' ') || '-',
        hits.length ? '' : codes,
      ]);
    }
  out.push('', '## Campaign steps', '');
  out.push(
    mdTable(
      [
        'campaign',
        'step',
        'labelled techniques',
        'events',
        'alerts with a step event as evidence',
        'step techniques named (parent)',
        'event codes (steps without an alert)',
      ],
      stepRows,
    ),
  );

  // What each kind of detector contributes: especially whether the model and the baselines add steps the rules miss.
  const byKind = new Map<
    string,
    { alerts: number; attack: number; fp: number; steps: Set<string>; only: number }
  >();
  const kind = (
    c: string,
  ): { alerts: number; attack: number; fp: number; steps: Set<string>; only: number } => {
    let k = byKind.get(c);
    if (!k) byKind.set(c, (k = { alerts: 0, attack: 0, fp: 0, steps: new Set(), only: 0 }));
    return k;
  };
  for (const a of r.alerts) {
    const k = kind(a.category);
    k.alerts++;
    if (a.campaigns.size > 0) k.attack++;
    else k.fp++;
    for (const st of a.steps) k.steps.add(st);
  }
  for (const st of r.steps.keys()) {
    const kinds = new Set(r.alerts.filter((a) => a.steps.has(st)).map((a) => a.category));
    if (kinds.size === 1) kind([...kinds][0]).only++;
  }
  out.push('', '## Alerts by kind of detector', '');
  out.push(
    mdTable(
      [
        'detector',
        'alerts',
        'on campaign events',
        'false positives',
        'campaign steps alerted',
        'steps only it alerted',
      ],
      [...byKind]
        .sort((a, b) => b[1].alerts - a[1].alerts)
        .map(([c, k]) => [c, k.alerts, k.attack, k.fp, `${k.steps.size}/${r.steps.size}`, k.only]),
    ),
  );

  const byRule = new Map<string, AlertRecord[]>();
  for (const a of fps) byRule.set(a.ruleId, [...(byRule.get(a.ruleId) ?? []), a]);
  const fpRows = [...byRule]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([rule, list]) => {
      // Group by the traps in the evidence (none: ordinary background) and show an example of the largest group.
      const groups = new Map<string, AlertRecord[]>();
      for (const a of list) {
        const g = uniq(a.traps).join(' + ') || 'unlabelled background';
        groups.set(g, [...(groups.get(g) ?? []), a]);
      }
      const sorted = [...groups].sort((a, b) => b[1].length - a[1].length);
      const evidence = sorted.map(([g, as]) => `${g} (${as.length})`);
      return [
        rule,
        list[0].category,
        list.length,
        perDay(list.length).toFixed(2),
        evidence.join(', '),
        sorted[0][1][0].explanation.replace(/\|/g, '/').slice(0, 160),
      ];
    });
  out.push('', '## False positives by rule (alerts whose evidence holds no labelled attack event)', '');
  out.push(
    fpRows.length
      ? mdTable(
          ['rule id', 'detector', 'alerts', 'per day per 100 hosts', 'evidence', 'example explanation'],
          fpRows,
        )
      : 'No false-positive alerts.',
  );
  out.push(
    '',
    `Trap events in the stream: ${[...r.trapEvents].map(([t, n]) => `${t} ${n}`).join(', ') || 'none'}.`,
  );
  return { text: out.join('\n') + '\n', met: allDetected && allTechniques && fpRate <= 1 };
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  log(
    `simulating ${opts.hosts} hosts x ${opts.days} days (seed ${opts.seed}, ${opts.format}) through the pipeline`,
  );
  const r = await runSimulatedEvaluation(opts);
  const { text, met } = renderReport(r);
  process.stdout.write(text);
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, text);
  log(`wrote ${opts.out}; targets ${met ? 'met' : 'NOT met'}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
