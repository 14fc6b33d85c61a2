/**
 * Baseline findings carry the ATT&CK techniques of the features that made the window anomalous: a forest trained on
 * ordinary host windows (the committed golden feature events), then a window with an LSASS-access burst, gets
 * T1003.001 and an explanation naming count_proc_access. Pure logic: the forest is fitted here, nothing is written.
 */
import type { Event } from '../../../common/event';
import { FEATURE_SCHEMA_VERSION, WINDOW_FEATURES } from '../../../common/features/schema';
import type { WindowRow } from '../../../common/features/window_extractor';
import type { ElasticsearchClient } from '../../kibana_types';
import { goldenWindowRows } from '../../../test/fixtures/golden_feature_events';
import { makeEvent } from '../detectors/test_events';
import { BaselineScorer } from './baseline_scorer';
import { BASELINE_FEATURES, baselineVector, type BaselineDoc } from './baseline_store';
import { fitIsolationForest, scoreIsolationForest } from './isolation_forest';

const PROC_ACCESS = WINDOW_FEATURES.indexOf('count_proc_access');

function hostRows(): WindowRow[] {
  return goldenWindowRows().filter((r) => r.entityType === 'host' && r.label === 0);
}

function scorerFor(rows: WindowRow[]): BaselineScorer {
  // An Isolation Forest never splits on a feature that is constant in training. Real hosts see the odd benign
  // LSASS access (AV, EDR, WerFault), which the simulated golden day lacks: every tenth window gets one.
  const training = rows.map((r, i) => {
    const x = [...r.features];
    if (i % 10 === 0) x[PROC_ACCESS] = Math.log1p(1);
    return baselineVector(x);
  });
  const forest = fitIsolationForest(training, { nEstimators: 100, seed: 7 });
  const train = training.map((x) => scoreIsolationForest(forest, x).score).sort((a, b) => a - b);
  const doc: BaselineDoc & { forest: typeof forest } = {
    scope: 'type:host',
    entity_type: 'host',
    version: 1,
    trained_at: '2026-05-01T00:00:00.000Z',
    schema_version: FEATURE_SCHEMA_VERSION,
    features: [...BASELINE_FEATURES],
    training_windows: rows.length,
    calibration: {
      p50: train[Math.floor(train.length / 2)],
      p99: train[Math.floor(train.length * 0.99)],
      max: train[train.length - 1],
    },
    model: '',
    forest,
  };
  // The Elasticsearch client is only used to store windows (handle), which these tests do not reach.
  return new BaselineScorer(
    { es: undefined as unknown as ElasticsearchClient },
    new Map([['type:host', doc]]),
  );
}

describe('BaselineScorer findings', () => {
  const rows = hostRows();
  const scorer = scorerFor(rows);
  const evidence: Event = makeEvent({
    time: '2026-05-04T10:01:00.000Z',
    host: 'ws0042',
    channel: 'Microsoft-Windows-Sysmon/Operational',
    eventId: 10,
    data: { TargetImage: 'C:\\Windows\\System32\\lsass.exe' },
  });

  it('gives a window driven by LSASS access T1003.001 and names the feature', () => {
    expect(rows.length).toBeGreaterThan(100);
    const base = rows.find((r) => r.features[PROC_ACCESS] === 0) as WindowRow;
    const features = [...base.features];
    features[PROC_ACCESS] = Math.log1p(40);
    // The window's evidence opened lsass.exe (the extractor marks such windows).
    const row: WindowRow<Event> = {
      ...base,
      entity: 'ws0042',
      features,
      refs: [evidence],
      facts: ['lsass_access'],
    };
    const s = scorer.score('host', 'ws0042', features);
    expect(s?.ranked[0]).toMatchObject({ feature: 'count_proc_access', high: true });
    const f = scorer.finding(row, { ...(s as NonNullable<typeof s>), score: Math.max(s?.score ?? 0, 0.99) });
    // Ordered by contribution: LSASS access leads; lesser top contributors may add their own techniques.
    expect(f?.techniqueIds[0]).toBe('T1003.001');
    expect(f?.techniqueIds.length).toBeLessThanOrEqual(3);
    expect(f?.explanation).toMatch(
      /above all \d+ training windows \(highest 0\.\d+\); top features: count_proc_access=40/,
    );
    expect(f?.explanation).toMatch(/ATT&CK T1003\.001 LSASS Memory.*\(evidenced by count_proc_access/);
    expect(f?.contributions?.[0]).toEqual({
      feature: 'count_proc_access',
      value: 40,
      weight: expect.any(Number),
    });
    expect(f?.evidence.map((e) => e.id)).toEqual([evidence.origin.id]);
  });

  it('holds a window with no mappable contributor as context for the entity, not as an alert', () => {
    const base = rows[0];
    const unmapped = {
      score: 0.99,
      baseline: (scorer.score('host', 'x', base.features) as NonNullable<ReturnType<BaselineScorer['score']>>)
        .baseline,
      ranked: [
        { feature: 'events_log', value: 6, weight: 0.6, high: true },
        { feature: 'count_proc', value: 5, weight: 0.3, high: true },
      ],
      top: [],
    };
    const row: WindowRow<Event> = { ...base, entity: 'ws0077', refs: [evidence] };
    expect(scorer.finding(row, unmapped)).toBeUndefined();
    expect(scorer.unattributed).toBe(1);
    const mapped = {
      ...unmapped,
      ranked: [{ feature: 'count_log_clear', value: 1, weight: 0.5, high: true }],
    };
    const later = scorer.finding({ ...row, windowStart: row.windowStart + 900_000 }, mapped);
    expect(later?.techniqueIds).toEqual(['T1070.001']);
    expect(later?.explanation).toMatch(
      /context: the window starting .* also scored 0\.990 but no contributing feature/,
    );
  });

  it('does not call a process-access burst LSASS dumping when the window never opened lsass.exe', () => {
    const base = rows.find((r) => r.features[PROC_ACCESS] === 0) as WindowRow;
    const features = [...base.features];
    features[PROC_ACCESS] = Math.log1p(40);
    const s = scorer.score('host', 'ws0043', features) as NonNullable<ReturnType<BaselineScorer['score']>>;
    const row: WindowRow<Event> = { ...base, entity: 'ws0043', features, refs: [evidence], facts: [] };
    const f = scorer.finding(row, { ...s, score: Math.max(s.score, 0.99) });
    expect(f?.techniqueIds ?? []).not.toContain('T1003.001');
  });

  it('raises nothing under the forest p99', () => {
    const s = scorer.score('host', rows[1].entity, rows[1].features);
    const row: WindowRow<Event> = { ...rows[1], refs: [evidence] };
    expect(scorer.finding(row, { ...(s as NonNullable<typeof s>), score: 0.01 })).toBeUndefined();
  });

  it('raises nothing above the p99 as long as some training window scored as high (one a day per entity otherwise)', () => {
    const s = scorer.score('host', rows[1].entity, rows[1].features) as NonNullable<
      ReturnType<BaselineScorer['score']>
    >;
    const { p99, max } = s.baseline.calibration as { p99: number; max: number };
    expect(max).toBeGreaterThan(p99);
    const lsass = [{ feature: 'count_proc_access', value: 40, weight: 0.5, high: true }];
    const row: WindowRow<Event> = { ...rows[1], refs: [evidence], facts: ['lsass_access'] };
    expect(
      scorer.finding(row, { ...s, ranked: lsass, score: Math.max(0.61, (p99 + max) / 2) }),
    ).toBeUndefined();
    expect(scorer.finding(row, { ...s, ranked: lsass, score: Math.max(0.61, max + 0.001) })).toBeDefined();
  });
});
