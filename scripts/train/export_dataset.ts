/**
 * Training data export: runs the simulator over many seeds and organisation sizes, normalizes every document,
 * projects it onto the feature schema and writes
 *   <out>/events/<run>.ndjson   FeatureEvents with their label (Python recomputes the features from these)
 *   <out>/rows.csv              one line per entity window: run, split, meta, label, window features, sequence
 *   <out>/manifest.json         runs, schema, counts
 * Runs get consecutive, non-overlapping calendar periods; the split is by time (period), never by row.
 * Then the labelled development sets (scripts/train/dev_rows.ts for the label policy) add one "dev-*" run per
 * recording, split by file (scripts/lib/dev_split.ts, the split the model evaluation also uses); their FeatureEvents
 * are not written (the TS/Python parity check runs on a simulator run).
 *
 * Run: npx tsx scripts/train/export_dataset.ts --out <dir> [--quick] [--no-dev]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as zlib from 'zlib';
import type { Event, EventOrigin, NormalizeResult } from '../../common/event';
import { toFeatureEvent } from '../../common/features/feature_event';
import { schemaJson, SEQ_LEN, SEQ_NUMERIC, WINDOW_FEATURES } from '../../common/features/schema';
import { WindowFeatureExtractor, type WindowRow } from '../../common/features/window_extractor';
import { datasetsDir } from '../lib/datasets';
import { listDevFiles, splitKey } from '../lib/dev_split';
import { simulate, type SimDoc } from '../../server/simulator/generator';
import { resolveScenarios } from '../../server/simulator/scenarios';
import { indexedSource, indexFor } from '../../server/simulator/targets/elasticsearch';
import { devRunName, devUnitRows, TRAINING_DEV_SETS, type DevUnitSummary } from './dev_rows';

type Normalize = (raw: unknown, origin: EventOrigin) => NormalizeResult;

export interface RunSpec {
  name: string;
  seed: number;
  hosts: number;
  days: number;
  scenarios: string;
  start: number;
  split: 'train' | 'val' | 'test';
}

const DAY = 86400000;

/** Many seeds and organisation sizes; a few runs without any campaign (pure background noise). */
export function runPlan(quick: boolean): RunSpec[] {
  const sizes = quick ? [12, 20] : [15, 30, 50];
  const seedsPerSize = quick ? 4 : 4;
  const days = quick ? 2 : 3;
  const specs: Omit<RunSpec, 'start' | 'split' | 'name'>[] = [];
  let seed = 101;
  for (let i = 0; i < seedsPerSize; i++)
    for (const hosts of sizes) {
      specs.push({ seed: seed++, hosts, days, scenarios: i === 0 && hosts === sizes[0] ? 'none' : 'all' });
    }
  // Consecutive periods: the first 60% of the calendar trains, the next 20% validates, the last 20% tests.
  let start = Date.parse('2025-01-06T00:00:00Z');
  return specs.map((s, i) => {
    const frac = i / specs.length;
    const split = frac < 0.6 ? 'train' : frac < 0.8 ? 'val' : 'test';
    const spec = {
      ...s,
      start,
      split,
      name: `r${String(i).padStart(2, '0')}_s${s.seed}_h${s.hosts}`,
    } as RunSpec;
    start += s.days * DAY;
    return spec;
  });
}

function loadNormalizer(): { normalize?: Normalize; note: string } {
  const file = path.resolve(__dirname, '..', '..', 'server', 'normalize', 'index.ts');
  if (!fs.existsSync(file))
    return {
      note: `ecs-passthrough (${file} absent: the simulator's Winlogbeat ECS documents are used as Events)`,
    };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { normalizeDocument?: Normalize };
  if (typeof mod.normalizeDocument !== 'function')
    throw new Error(`${file} does not export normalizeDocument`);
  return { normalize: mod.normalizeDocument, note: 'server/normalize normalizeDocument (winlogbeat_ecs)' };
}

function toEvent(d: SimDoc, normalize: Normalize | undefined): Event | undefined {
  const origin: EventOrigin = {
    kind: 'simulator',
    format: 'winlogbeat_ecs',
    location: indexFor(d),
    id: d.id,
  };
  const raw = indexedSource(d);
  if (!normalize) return { ...(raw as unknown as Event), origin };
  const r = normalize(raw, origin);
  return 'rejected' in r && r.rejected ? undefined : (r as Event);
}

const HEADER = [
  'run',
  'split',
  'entity_type',
  'entity',
  'window_start',
  'event_count',
  'label',
  ...WINDOW_FEATURES,
  ...Array.from({ length: SEQ_LEN }, (_, i) => `tok_${i}`),
  ...Array.from({ length: SEQ_LEN }, (_, i) => SEQ_NUMERIC.map((n) => `seq_${i}_${n}`)).flat(),
];

function csvLine(run: Pick<RunSpec, 'name' | 'split'>, r: WindowRow): string {
  return [
    run.name,
    run.split,
    r.entityType,
    JSON.stringify(r.entity),
    r.windowStart,
    r.eventCount,
    r.label,
    ...r.features,
    ...r.tokens,
    ...r.seqNumeric,
  ].join(',');
}

/** A tiny run (12 hosts, 1 day, every scenario) whose FeatureEvents become the committed golden input. */
export async function writeGoldenEvents(file: string, normalize: Normalize | undefined): Promise<number> {
  const sim = simulate({
    seed: 5,
    hosts: 12,
    days: 1,
    start: Date.parse('2025-02-03T00:00:00Z'),
    scenarios: resolveScenarios('all'),
    format: 'winlogbeat',
  });
  const lines: string[] = [];
  for (const d of sim.documents) {
    const ev = toEvent(d, normalize);
    const fe = ev && toFeatureEvent(ev);
    if (fe) lines.push(JSON.stringify({ ...fe, y: d.label?.kind === 'campaign' ? 1 : 0 }));
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }));
  return lines.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      quick: { type: 'boolean' },
      'no-dev': { type: 'boolean' },
      'golden-events': { type: 'string' },
    },
  });
  if (values['golden-events']) {
    const n = await writeGoldenEvents(path.resolve(values['golden-events']), loadNormalizer().normalize);
    console.log(`export_dataset: ${n} golden events -> ${values['golden-events']}`);
    return;
  }
  if (!values.out) throw new Error('--out <dir> is required');
  const out = path.resolve(values.out);
  fs.mkdirSync(path.join(out, 'events'), { recursive: true });
  const { normalize, note } = loadNormalizer();
  console.log(`export_dataset: events via ${note}`);
  const plan = runPlan(values.quick === true);
  const rowsOut = fs.createWriteStream(path.join(out, 'rows.csv'));
  rowsOut.write(HEADER.join(',') + '\n');
  const manifest: Record<string, unknown>[] = [];
  for (const run of plan) {
    const t0 = Date.now();
    const sim = simulate({
      seed: run.seed,
      hosts: run.hosts,
      days: run.days,
      start: run.start,
      scenarios: resolveScenarios(run.scenarios),
      format: 'winlogbeat',
    });
    const ex = new WindowFeatureExtractor();
    const evOut = fs.createWriteStream(path.join(out, 'events', `${run.name}.ndjson`));
    let docs = 0;
    let rejected = 0;
    let malicious = 0;
    let rows = 0;
    let positives = 0;
    const writeRows = (rs: WindowRow[]): void => {
      for (const r of rs) {
        rows++;
        positives += r.label;
        rowsOut.write(csvLine(run, r) + '\n');
      }
    };
    let buf: string[] = [];
    for (const d of sim.documents) {
      docs++;
      const ev = toEvent(d, normalize);
      const fe = ev && toFeatureEvent(ev);
      if (!fe) {
        rejected++;
        continue;
      }
      const tag = d.label?.kind === 'campaign' ? 1 : 0;
      malicious += tag;
      buf.push(JSON.stringify({ ...fe, y: tag }));
      if (buf.length >= 5000) {
        if (!evOut.write(buf.join('\n') + '\n'))
          await new Promise<void>((r) => evOut.once('drain', () => r()));
        buf = [];
      }
      writeRows(ex.add(fe, tag));
    }
    writeRows(ex.flush());
    if (buf.length) evOut.write(buf.join('\n') + '\n');
    await new Promise<void>((r) => evOut.end(() => r()));
    const info = {
      ...run,
      docs,
      rejected,
      maliciousEvents: malicious,
      rows,
      positiveRows: positives,
      lateDropped: ex.stats().lateDropped,
    };
    manifest.push(info);
    console.log(
      `export_dataset: ${run.name} ${run.split} docs=${docs} rows=${rows} positive=${positives} ${Date.now() - t0}ms`,
    );
  }
  const dev = values['no-dev'] ? { note: 'disabled (--no-dev)', units: [] } : await exportDev(rowsOut);
  await new Promise<void>((r) => rowsOut.end(() => r()));
  fs.writeFileSync(
    path.join(out, 'manifest.json'),
    JSON.stringify({ events: note, schema: schemaJson(), runs: manifest, dev }, null, 2),
  );
}

/** Appends the development-set rows; skips (with the missing path named) when the datasets are absent. */
async function exportDev(rowsOut: fs.WriteStream): Promise<{ note: string; units: DevUnitSummary[] }> {
  let root: string;
  try {
    root = datasetsDir();
  } catch (err) {
    const note = `skipped: ${(err as Error).message}`;
    console.log(`export_dataset: development sets ${note}`);
    return { note, units: [] };
  }
  const units: DevUnitSummary[] = [];
  const t0 = Date.now();
  for (const f of listDevFiles(root).filter((u) => TRAINING_DEV_SETS.includes(u.set))) {
    const name = devRunName(f, splitKey(f.set, f.relPath));
    const write = (r: WindowRow): void | Promise<void> => {
      if (!rowsOut.write(csvLine({ name, split: f.split }, r) + '\n'))
        return new Promise<void>((res) => rowsOut.once('drain', () => res()));
    };
    units.push(await devUnitRows(f, name, write));
  }
  const by = (set: string, split: string): DevUnitSummary[] =>
    units.filter((u) => u.set === set && u.split === split);
  for (const set of new Set(units.map((u) => u.set)))
    for (const split of ['train', 'val', 'test']) {
      const us = by(set, split);
      const rows = us.reduce((a, u) => a + u.rows, 0);
      const pos = us.reduce((a, u) => a + u.positiveRows, 0);
      console.log(`export_dataset: dev ${set} ${split} files=${us.length} rows=${rows} positive=${pos}`);
    }
  console.log(`export_dataset: development sets from ${root} in ${Date.now() - t0}ms`);
  return { note: `labelled development sets ${TRAINING_DEV_SETS.join(', ')} from ${root}`, units };
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
