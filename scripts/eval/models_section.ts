/**
 * What the hybrid model adds beyond the rules and behaviour detectors, on the development sets: per evtx-attack-samples
 * tactic folder, the files where the model raised an alert and those where only the model did; on the OTRF subset,
 * model alerts per million events (its false-positive pressure on mostly-benign recordings). The Isolation Forest
 * baselines need days of per-entity history stored in Elasticsearch, which single recordings do not have, so they
 * are evaluated on the simulator instead (see the model cards and scripts/eval/simulated_campaigns.ts).
 *
 * The model trains and tunes on the development sets' train and validation files, so only the files of the
 * development TEST split (scripts/lib/dev_split.ts, the split training uses) are scanned here.
 * APT_EVAL_MODELS_DIR points the section at another models folder (e.g. a previous model, for before/after).
 */
import * as path from 'path';
import type { AlertDoc } from '../../common/alert';
import { getTactic } from '../../common/attack/catalog';
import { createHybridScorer } from '../../server/detection/models';
import { DetectionPipeline } from '../../server/detection/pipeline';
import { readEventFiles } from '../../server/sources/files';
import { devFilesIn, listDevFiles } from '../lib/dev_split';
import { log, mdTable, pct, rules } from './lib';
import type { Section } from './sets';

const MODEL_RULE = 'apt.model.hybrid';
const MODELS_DIR = path.resolve(
  process.env.APT_EVAL_MODELS_DIR ?? path.join(__dirname, '..', '..', 'models'),
);

async function scanWithModel(paths: string[]): Promise<{ alerts: AlertDoc[]; events: number }> {
  const hybrid = await createHybridScorer({
    directory: MODELS_DIR,
    intraOpThreads: 1,
    hybrid: { enabled: true },
  });
  if (!hybrid?.loaded) throw new Error(`the hybrid model in ${MODELS_DIR} could not be loaded`);
  const pipeline = new DetectionPipeline({ rules: rules(), modelScorers: [hybrid] });
  const alerts: AlertDoc[] = [];
  let events = 0;
  for await (const batch of readEventFiles(paths, {})) {
    events += batch.events.length;
    alerts.push(...(await pipeline.processBatch(batch.events)).alerts);
  }
  alerts.push(...(await pipeline.flush()).alerts);
  await hybrid.close();
  return { alerts, events };
}

export async function evalModels(): Promise<Section> {
  const all = listDevFiles();
  const test = devFilesIn('test');
  const perTactic = new Map<string, { files: number; model: number; modelOnly: number }>();
  const evtx = test.filter((f) => f.set === 'evtx-attack-samples');
  let n = 0;
  for (const f of evtx) {
    if (++n % 25 === 0) log(`  models: evtx ${n}/${evtx.length}`);
    const { alerts } = await scanWithModel(f.paths);
    const tactic = f.tacticIds.join(',');
    const slot = perTactic.get(tactic) ?? { files: 0, model: 0, modelOnly: 0 };
    slot.files++;
    const model = alerts.some((a) => a.rule.id === MODEL_RULE);
    const other = alerts.some((a) => a.rule.id !== MODEL_RULE);
    if (model) slot.model++;
    if (model && !other) slot.modelOnly++;
    perTactic.set(tactic, slot);
  }
  let sigmaModel = 0;
  const sigma = test.filter((f) => f.set === 'sigma-regression');
  for (const f of sigma) {
    const { alerts } = await scanWithModel(f.paths);
    if (alerts.some((a) => a.rule.id === MODEL_RULE)) sigmaModel++;
  }
  let otrfEvents = 0;
  let otrfModel = 0;
  const otrf = test.filter((f) => f.set === 'otrf');
  for (const f of otrf) {
    const { alerts, events } = await scanWithModel(f.paths);
    otrfEvents += events;
    otrfModel += alerts.filter((a) => a.rule.id === MODEL_RULE).length;
  }
  const count = (set: string): string =>
    `${test.filter((f) => f.set === set).length} of ${all.filter((f) => f.set === set).length}`;
  const body = [
    `Models from \`${path.relative(process.cwd(), MODELS_DIR) || MODELS_DIR}\`. Development TEST split only ` +
      `(scripts/lib/dev_split.ts; the train and validation files trained and tuned the model): evtx-attack-samples ` +
      `${count('evtx-attack-samples')} tactic-labelled files, sigma-regression ${count('sigma-regression')} ` +
      `cases, OTRF ${count('otrf')} archives.`,
    '',
    mdTable(
      ['tactic folder', 'test files', 'files with a model alert', 'files where only the model alerted'],
      [...perTactic.entries()]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([t, s]) => [
          getTactic(t)?.name ?? t,
          s.files,
          `${s.model} (${pct(s.model, s.files)})`,
          s.modelOnly,
        ]),
    ),
    '',
    mdTable(
      ['sigma-regression test cases', 'cases with a model alert'],
      [[sigma.length, `${sigmaModel} (${pct(sigmaModel, sigma.length)})`]],
    ),
    '',
    mdTable(
      ['OTRF test events', 'model alerts', 'model alerts per million events'],
      [[otrfEvents, otrfModel, otrfEvents ? Math.round((otrfModel / otrfEvents) * 1e6) : 0]],
    ),
  ].join('\n');
  return {
    title: 'hybrid model: what it adds beyond rules and detectors (dev test split)',
    body,
    targets: [],
    alerts: [],
  };
}
