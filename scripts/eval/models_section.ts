/**
 * What the hybrid model adds beyond the rules and behaviour detectors, on the development sets: per evtx-attack-samples
 * tactic folder, the files where the model raised an alert and those where only the model did; on the OTRF subset,
 * model alerts per million events (its false-positive pressure on mostly-benign recordings). The Isolation Forest
 * baselines need days of per-entity history stored in Elasticsearch, which single recordings do not have, so they
 * are evaluated on the simulator instead (see the model cards and scripts/eval/simulated_campaigns.ts).
 */
import * as path from 'path';
import type { AlertDoc } from '../../common/alert';
import { getTactic } from '../../common/attack/catalog';
import { createHybridScorer } from '../../server/detection/models';
import { DetectionPipeline } from '../../server/detection/pipeline';
import { readEventFiles } from '../../server/sources/files';
import { datasetPath } from '../lib/datasets';
import { log, mdTable, pct, readTsv, rules } from './lib';
import type { Section } from './sets';

const MODEL_RULE = 'apt.model.hybrid';
const MODELS_DIR = path.resolve(__dirname, '..', '..', 'models');

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
  const evtxRoot = datasetPath('evtx-attack-samples');
  const perTactic = new Map<string, { files: number; model: number; modelOnly: number }>();
  const rows = readTsv(path.join(evtxRoot, 'labels.tsv')).filter((r) => r.tactic_ids !== '');
  let n = 0;
  for (const row of rows) {
    if (++n % 50 === 0) log(`  models: evtx ${n}/${rows.length}`);
    const { alerts } = await scanWithModel([path.join(evtxRoot, row.path)]);
    const slot = perTactic.get(row.tactic_ids) ?? { files: 0, model: 0, modelOnly: 0 };
    slot.files++;
    const model = alerts.some((a) => a.rule.id === MODEL_RULE);
    const other = alerts.some((a) => a.rule.id !== MODEL_RULE);
    if (model) slot.model++;
    if (model && !other) slot.modelOnly++;
    perTactic.set(row.tactic_ids, slot);
  }
  const otrfRoot = datasetPath('otrf');
  let otrfEvents = 0;
  let otrfModel = 0;
  for (const row of readTsv(path.join(otrfRoot, 'labels.tsv'))) {
    const { alerts, events } = await scanWithModel([path.join(otrfRoot, row.path)]);
    otrfEvents += events;
    otrfModel += alerts.filter((a) => a.rule.id === MODEL_RULE).length;
  }
  const body = [
    mdTable(
      ['tactic folder', 'files', 'files with a model alert', 'files where only the model alerted'],
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
      ['OTRF events', 'model alerts', 'model alerts per million events'],
      [[otrfEvents, otrfModel, otrfEvents ? Math.round((otrfModel / otrfEvents) * 1e6) : 0]],
    ),
  ].join('\n');
  return { title: 'hybrid model: what it adds beyond rules and detectors', body, targets: [], alerts: [] };
}
