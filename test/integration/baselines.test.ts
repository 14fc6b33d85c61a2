/**
 * Behaviour baselines against the real Elasticsearch: entity windows (from the committed golden simulator
 * events) are stored, `retrainBaselines` trains per entity type and per entity with enough history and stores the
 * forests with version and time, and the baseline scorer loads them and scores windows in [0, 1].
 */
import { Client } from '@elastic/elasticsearch';
import { BaselineScorer } from '../../server/detection/baselines/baseline_scorer';
import {
  BASELINE_FEATURES,
  ensureBaselineIndices,
  windowDoc,
  type BaselineDoc,
  type WindowDoc,
} from '../../server/detection/baselines/baseline_store';
import { FEATURE_SCHEMA_VERSION } from '../../common/features/schema';
import { retrainBaselines } from '../../server/detection/baselines/retrain';
import { makeEvent } from '../../server/detection/detectors/test_events';
import { goldenWindowRows } from '../fixtures/golden_feature_events';
import { stackUrls, uniqueName } from '../stack_env';

const es = new Client({ node: stackUrls().esUrl });
const windowsIndex = uniqueName('apt-test-windows');
const baselinesIndex = uniqueName('apt-test-baselines');

afterAll(async () => {
  await es.indices.delete({ index: [windowsIndex, baselinesIndex], ignore_unavailable: true });
  await es.close();
});

describe('baselines in Elasticsearch', () => {
  const rows = goldenWindowRows();
  const day = rows[rows.length - 1].windowStart;

  it('retrains per entity type and per entity with enough history, storing version and time', async () => {
    await ensureBaselineIndices(es, windowsIndex, baselinesIndex);
    const ops = rows.flatMap((r) => {
      const { id, doc } = windowDoc(r);
      return [{ index: { _index: windowsIndex, _id: id } }, doc];
    });
    const bulk = await es.bulk({ operations: ops, refresh: 'wait_for' });
    expect(bulk.errors).toBe(false);
    const now = new Date(day + 3600_000);
    const res = await retrainBaselines({
      es,
      now,
      windowsIndex,
      baselinesIndex,
      minHistoryWindows: 40,
      nEstimators: 50,
    });
    expect(res.windowsRead).toBe(rows.length);
    expect(res.trained).toEqual(expect.arrayContaining(['type:host', 'type:user']));
    expect(res.trained.some((s) => s.startsWith('host:'))).toBe(true);
    expect(res.skipped.length).toBeGreaterThan(0); // users with little history get no own baseline
    const stored = await es.get<BaselineDoc>({ index: baselinesIndex, id: 'type:host' });
    expect(stored._source?.version).toBe(now.getTime());
    expect(stored._source?.trained_at).toBe(now.toISOString());
    expect(stored._source?.features).toEqual(BASELINE_FEATURES);

    const scorer = await BaselineScorer.create({ es, windowsIndex, baselinesIndex });
    const scores = rows.map((r) => scorer.score(r.entityType, r.entity, r.features)?.score ?? NaN);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    // Windows holding attack events look more anomalous on average than the rest.
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const pos = scores.filter((_, i) => rows[i].label === 1);
    const neg = scores.filter((_, i) => rows[i].label === 0);
    expect(mean(pos)).toBeGreaterThan(mean(neg));
    const top = scorer.score(rows[0].entityType, rows[0].entity, rows[0].features)?.top ?? [];
    expect(top).toHaveLength(3);
    expect(BASELINE_FEATURES).toEqual(expect.arrayContaining(top.map((t) => t.feature)));
  });

  it('reads the whole history across pages, and the window caps leave out the oldest history, not the newest', async () => {
    // One host whose behaviour changed: 30 older windows around 0, then 30 newer ones around 5.
    const index = uniqueName('apt-test-windows-shift');
    const store = uniqueName('apt-test-baselines-shift');
    await ensureBaselineIndices(es, index, store);
    const t0 = Date.parse('2026-05-01T00:00:00Z');
    const ops = Array.from({ length: 60 }, (_, i) => {
      const level = i < 30 ? 0 : 5;
      const features = BASELINE_FEATURES.map((_, j) => level + ((i * 7 + j * 3) % 10) / 10);
      const doc: WindowDoc = {
        '@timestamp': new Date(t0 + i * 900_000).toISOString(),
        entity_type: 'host',
        entity: 'shifted',
        schema_version: FEATURE_SCHEMA_VERSION,
        features,
      };
      return [{ index: { _index: index, _id: `w${i}` } }, doc];
    }).flat();
    expect((await es.bulk({ operations: ops, refresh: 'wait_for' })).errors).toBe(false);
    try {
      const now = new Date(t0 + 60 * 900_000);
      const common = {
        es,
        now,
        windowsIndex: index,
        baselinesIndex: store,
        minHistoryWindows: 10,
        nEstimators: 50,
      };
      const paged = await retrainBaselines({ ...common, pageSize: 7 });
      expect(paged.windowsRead).toBe(60);
      // Keep 30 windows per entity (and read at most 30): the forest must have learnt the newer behaviour.
      await retrainBaselines({ ...common, pageSize: 7, maxEntityWindows: 30, maxWindows: 30 });
      const scorer = await BaselineScorer.create({ es, windowsIndex: index, baselinesIndex: store });
      const stored = await es.get<BaselineDoc>({ index: store, id: 'host:shifted' });
      expect(stored._source?.training_windows).toBe(30);
      const like = (level: number): number[] => BASELINE_FEATURES.map(() => level + 0.5);
      const score = (level: number): number => scorer.score('host', 'shifted', like(level))?.score ?? NaN;
      expect(score(5)).toBeLessThan(score(0));
    } finally {
      await es.indices.delete({ index: [index, store], ignore_unavailable: true });
    }
  });

  it('writes the windows of scored events for the next retraining', async () => {
    const scorer = await BaselineScorer.create({ es, windowsIndex, baselinesIndex });
    const t0 = Date.parse('2030-01-01T10:00:00Z');
    const events = [0, 60, 120].map((s) =>
      makeEvent({
        time: new Date(t0 + s * 1000).toISOString(),
        host: 'bench01',
        eventId: 4624,
        data: { TargetUserName: 'zoe', LogonType: '3' },
      }),
    );
    events.push(
      makeEvent({
        time: new Date(t0 + 40 * 60_000).toISOString(),
        host: 'bench01',
        eventId: 4634,
        data: { TargetUserName: 'zoe' },
      }),
    );
    await scorer.scoreBatch(events);
    await es.indices.refresh({ index: windowsIndex });
    const got = await es.get({
      index: windowsIndex,
      id: `host:bench01:${Date.parse('2030-01-01T10:00:00Z')}`,
    });
    expect(got.found).toBe(true);
  });
});
