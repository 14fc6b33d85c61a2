/**
 * Issue 7: the hybrid scorer's open entity windows survive a task restart. A pipeline runs the first half of a
 * simulated day batch by batch, saving its state to the real Elasticsearch state index after every batch exactly as
 * the detection task does (server/tasks/runners.ts); then a new process is simulated (new scorer, new pipeline,
 * state loaded from Elasticsearch) and runs the rest. Its model alerts must equal those of an uninterrupted run:
 * same ids (same evidence), same explanations (same scores and contributions), same techniques.
 */
import * as path from 'path';
import { Client } from '@elastic/elasticsearch';
import type { AlertDoc } from '../../common/alert';
import type { Event } from '../../common/event';
import { HybridScorer } from '../../server/detection/models/hybrid_scorer';
import { DetectionPipeline } from '../../server/detection/pipeline';
import { PipelineStateStore } from '../../server/detection/state_store';
import type { ElasticsearchClient } from '../../server/kibana_types';
import { simulate } from '../../server/simulator/generator';
import { resolveScenarios } from '../../server/simulator/scenarios';
import { indexedSource, indexFor } from '../../server/simulator/targets/elasticsearch';
import { stackUrls, uniqueName } from '../stack_env';

const MODELS = path.resolve(__dirname, '..', '..', 'models');
const es = new Client({ node: stackUrls().esUrl });
const stateIndex = uniqueName('apt-test-model-state');
const BATCH = 2000;

function simulatedDay(): Event[] {
  const sim = simulate({
    seed: 4242,
    hosts: 15,
    days: 1,
    start: Date.parse('2026-05-06T00:00:00Z'),
    scenarios: resolveScenarios('all'),
    format: 'winlogbeat',
  });
  return [...sim.documents].map((d) => ({
    ...(indexedSource(d) as unknown as Event),
    origin: { kind: 'simulator', format: 'winlogbeat_ecs', location: indexFor(d), id: d.id },
  }));
}

async function newPipeline(): Promise<{ pipeline: DetectionPipeline; scorer: HybridScorer }> {
  // A threshold well under the card's makes many windows alert, so equality covers more than a handful of scores.
  const scorer = await HybridScorer.create({ directory: MODELS, threshold: 0.5 });
  return { pipeline: new DetectionPipeline({ modelScorers: [scorer] }), scorer };
}

const modelAlerts = (alerts: AlertDoc[]): Array<[string, string, string[]]> =>
  alerts
    .filter((a) => a.apt.detector === 'model')
    .map((a): [string, string, string[]] => [a.apt.alert_id, a.message, a.apt.technique_ids])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));

afterAll(async () => {
  await es.indices.delete({ index: stateIndex, ignore_unavailable: true });
  await es.close();
});

describe('hybrid scorer state across a restart (real Elasticsearch)', () => {
  it('continues the same windows: model alerts equal those of an uninterrupted run', async () => {
    const events = simulatedDay();
    const batches: Event[][] = [];
    for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
    const cut = Math.floor(batches.length / 2);

    const straight = await newPipeline();
    const expected: AlertDoc[] = [];
    for (const b of batches) expected.push(...(await straight.pipeline.processBatch(b)).alerts);
    expected.push(...(await straight.pipeline.flush()).alerts);

    const store = new PipelineStateStore(es as unknown as ElasticsearchClient, stateIndex);
    await store.ensureIndex();
    const before = await newPipeline();
    const got: AlertDoc[] = [];
    for (const b of batches.slice(0, cut)) {
      got.push(...(await before.pipeline.processBatch(b)).alerts);
      await store.save('winlogbeat', before.pipeline.getState());
    }
    const saved = (await store.load('winlogbeat')) as {
      models?: { hybrid?: { extractor?: { windows?: unknown[] } } };
    };
    expect(saved.models?.hybrid?.extractor?.windows?.length).toBeGreaterThan(10);
    const bytes = JSON.stringify(saved).length;
    console.log(
      `pipeline state after ${cut} of ${batches.length} batches: ${bytes} bytes, of which hybrid scorer ` +
        `${JSON.stringify(saved.models?.hybrid).length}`,
    );
    const firstHalf = [...got];
    await before.scorer.close();

    const after = await newPipeline();
    after.pipeline.restoreState(await store.load('winlogbeat'));
    for (const b of batches.slice(cut)) got.push(...(await after.pipeline.processBatch(b)).alerts);
    got.push(...(await after.pipeline.flush()).alerts);

    const want = modelAlerts(expected);
    expect(want.length).toBeGreaterThan(20);
    console.log(`${want.length} model alerts, identical after the restart`);
    expect(modelAlerts(got)).toEqual(want);
    for (const [, , techniques] of want) expect(techniques.length).toBeGreaterThan(0);
    for (const a of expected.filter((x) => x.apt.detector === 'model'))
      expect(a.threat?.technique.id.length).toBeGreaterThan(0);

    // The restart is what makes them equal: a cold second half loses the windows open at the cut.
    const cold = await newPipeline();
    const coldAlerts: AlertDoc[] = [];
    for (const b of batches.slice(cut)) coldAlerts.push(...(await cold.pipeline.processBatch(b)).alerts);
    coldAlerts.push(...(await cold.pipeline.flush()).alerts);
    expect(modelAlerts([...firstHalf, ...coldAlerts])).not.toEqual(want);
    for (const p of [straight, after, cold]) await p.scorer.close();
  });
});
