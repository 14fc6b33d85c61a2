/**
 * @jest-environment ./server/detection/models/ort_test_environment.js
 */
/**
 * The hybrid scorer in the pipeline's shape: simulated events in, findings out. Findings must name their top
 * contributing features, and most of them must be about windows that really hold attack events (the simulator's
 * labels), on a seed and period the model was not trained on.
 */
import * as path from 'path';
import type { Event } from '../../../common/event';
import { simulate } from '../../simulator/generator';
import { resolveScenarios } from '../../simulator/scenarios';
import { indexedSource, indexFor } from '../../simulator/targets/elasticsearch';
import { buildAlert } from '../alerts/build_alert';
import { at, makeEvent } from '../detectors/test_events';
import type { Finding } from '../types';
import { HybridScorer } from './hybrid_scorer';

const MODELS = path.resolve(__dirname, '..', '..', '..', 'models');

function simulatedEvents(): { events: Event[]; malicious: Set<string> } {
  const sim = simulate({
    seed: 9001,
    hosts: 15,
    days: 1,
    start: Date.parse('2026-05-04T00:00:00Z'),
    scenarios: resolveScenarios('all'),
    format: 'winlogbeat',
  });
  const events: Event[] = [];
  const malicious = new Set<string>();
  for (const d of sim.documents) {
    // The simulator's Winlogbeat documents are already ECS; the training export uses them the same way.
    events.push({ ...(indexedSource(d) as unknown as Event), origin: { kind: 'simulator', format: 'winlogbeat_ecs', location: indexFor(d), id: d.id } });
    if (d.label?.kind === 'campaign') malicious.add(d.id);
  }
  return { events, malicious };
}

describe('HybridScorer', () => {
  it('turns high-scoring windows into findings that name their top features', async () => {
    const scorer = await HybridScorer.create({ directory: MODELS });
    expect(scorer.loaded).toBe(true);
    const { events, malicious } = simulatedEvents();
    const findings: Finding[] = [];
    for (let i = 0; i < events.length; i += 5000) findings.push(...(await scorer.scoreBatch(events.slice(i, i + 5000))));
    findings.push(...(await scorer.flush()));
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.detector).toBe('model');
      expect(f.contributions?.length).toBeGreaterThanOrEqual(3);
      expect(f.techniqueIds.length).toBeGreaterThan(0);
      expect(f.explanation).toMatch(/ATT&CK T\d{4}/);
      expect(f.explanation).toMatch(/top contributing features \(TreeSHAP on LightGBM\): \w+=\S+ \(\+[0-9.]+ log-odds\)/);
      expect(f.evidence.length).toBeGreaterThan(0);
    }
    const onAttack = findings.filter((f) => (f.events ?? []).some((e) => malicious.has(e.origin.id)));
    console.log(
      `hybrid scorer: ${findings.length} findings, ${onAttack.length} hold attack events, ` +
        `${scorer.status().unattributed} high-scoring windows without a mapped technique (held as context)`,
    );
    expect(onAttack.length / findings.length).toBeGreaterThan(0.5);
    const st = scorer.status();
    expect(st.windowsScored).toBeGreaterThan(500);
    expect(st.latency?.p50Ms).not.toBeNull();
    expect(Object.keys(st.drift?.psi ?? {}).length).toBeGreaterThan(40);
  });
});

/** A quiet simulated day with a burst of Sysmon 10 (LSASS access) on one host inside one window. */
function lsassDay(): { events: Event[]; host: string; windowStart: number } {
  const sim = simulate({
    seed: 77,
    hosts: 12,
    days: 1,
    start: Date.parse('2026-05-04T00:00:00Z'),
    scenarios: [],
    format: 'winlogbeat',
  });
  const events: Event[] = [];
  for (const d of sim.documents)
    events.push({ ...(indexedSource(d) as unknown as Event), origin: { kind: 'simulator', format: 'winlogbeat_ecs', location: indexFor(d), id: d.id } });
  const host = 'bkp01.corp.example.com';
  const base = '2026-05-04T10:01:00.000Z';
  for (let i = 0; i < 12; i++)
    events.push(
      makeEvent({
        time: at(base, i * 20),
        host,
        channel: 'Microsoft-Windows-Sysmon/Operational',
        eventId: 10,
        data: { SourceImage: 'C:\\Users\\Public\\m.exe', TargetImage: 'C:\\Windows\\System32\\lsass.exe', GrantedAccess: '0x1010' },
      }),
    );
  events.sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : 0));
  return { events, host: 'bkp01', windowStart: Date.parse('2026-05-04T10:00:00Z') };
}

async function scoreAll(scorer: HybridScorer, events: Event[], batch = 1000): Promise<Finding[]> {
  const out: Finding[] = [];
  for (let i = 0; i < events.length; i += batch) out.push(...(await scorer.scoreBatch(events.slice(i, i + batch))));
  return out;
}

describe('HybridScorer ATT&CK attribution', () => {
  it('gives a window driven by LSASS access T1003.001, names the feature, and the alert carries threat.*', async () => {
    const { events, host, windowStart } = lsassDay();
    // Threshold 0: every window becomes a candidate, so the test pins the attribution, not the model's cut-off.
    const scorer = await HybridScorer.create({ directory: MODELS, threshold: 0 });
    const findings = [...(await scoreAll(scorer, events)), ...(await scorer.flush())];
    const f = findings.find((x) => x.host === host && x.firstSeen.startsWith('2026-05-04T10:'));
    expect(f).toBeDefined();
    expect(f?.techniqueIds).toContain('T1003.001');
    expect(f?.explanation).toMatch(/count_proc_access=\d/);
    expect(f?.explanation).toMatch(/T1003\.001 LSASS Memory \(evidenced by [^)]*count_proc_access/);
    expect(f?.contributions?.map((c) => c.feature)).toContain('count_proc_access');
    expect(Date.parse(f?.firstSeen ?? '')).toBeGreaterThanOrEqual(windowStart);
    const alert = buildAlert(f as Finding);
    expect(alert.threat?.technique.subtechnique?.id).toContain('T1003.001');
    expect(alert.threat?.tactic.name).toContain('Credential Access');
    // Every finding carries a technique; windows without one are counted, not alerted.
    for (const x of findings) expect(x.techniqueIds.length).toBeGreaterThan(0);
    expect((scorer.status().unattributed ?? 0) + findings.length).toBe(scorer.status().windowsScored);
    await scorer.close();
  });
});

describe('HybridScorer snapshot/restore', () => {
  it('continues the same windows after a restart: the findings equal those of an uninterrupted run', async () => {
    const { events } = lsassDay();
    const straight = await HybridScorer.create({ directory: MODELS, threshold: 0 });
    const expected = [...(await scoreAll(straight, events)), ...(await straight.flush())];

    const cut = Math.floor(events.length / 2) + 17;
    const first = await HybridScorer.create({ directory: MODELS, threshold: 0 });
    const got = await scoreAll(first, events.slice(0, cut));
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    await first.close();
    const second = await HybridScorer.create({ directory: MODELS, threshold: 0 });
    second.restore(saved);
    got.push(...(await scoreAll(second, events.slice(cut))), ...(await second.flush()));

    expect(expected.length).toBeGreaterThan(100);
    const view = (f: Finding): unknown => [f.explanation, f.riskScore, f.techniqueIds, f.evidence.map((e) => e.id)];
    expect(got.map(view)).toEqual(expected.map(view));
    // Without the restore the second half starts cold and the open windows' first halves are lost.
    const cold = await HybridScorer.create({ directory: MODELS, threshold: 0 });
    const coldFindings = [...(await scoreAll(cold, events.slice(cut))), ...(await cold.flush())];
    expect(coldFindings.map(view)).not.toEqual(expected.slice(expected.length - coldFindings.length).map(view));
    for (const s of [straight, second, cold]) await s.close();
  });

  it('logs and ignores a bad snapshot, and starts empty', async () => {
    const warnings: string[] = [];
    const scorer = await HybridScorer.create({ directory: MODELS, logger: { warn: (m) => warnings.push(m) } });
    const { events } = lsassDay();
    await scoreAll(scorer, events.slice(0, 2000));
    const good = scorer.snapshot() as { extractor: { windows: unknown[] } };
    expect(good.extractor.windows.length).toBeGreaterThan(0);
    expect(() => scorer.restore({ v: 1, scorer: 'hybrid', featureSchemaVersion: 'fs-0', extractor: {} })).not.toThrow();
    expect(warnings.pop()).toMatch(/hybrid scorer: saved window state ignored, starting empty: field featureSchemaVersion/);
    expect((scorer.snapshot() as { extractor: { windows: unknown[] } }).extractor.windows).toEqual([]);
    scorer.restore({ ...good, extractor: { ...good.extractor, windows: [{ type: 'host' }] } });
    expect(warnings.pop()).toMatch(/field windows\.0\.entity/);
    scorer.restore('garbage');
    expect(warnings.pop()).toMatch(/field \(root\)/);
    scorer.restore(undefined);
    expect(warnings).toEqual([]);
    await scorer.close();
  });

  it('bounds the snapshot: past the cap the least recently active windows are dropped', async () => {
    const scorer = await HybridScorer.create({
      directory: MODELS,
      state: { limits: { maxWindows: 3, maxHistoryEntities: 2, maxPairsPerEntity: 5, maxProcesses: 10 } },
    });
    await scoreAll(scorer, lsassDay().events.slice(0, 3000));
    const snap = scorer.snapshot() as { extractor: { windows: unknown[]; pairHistory: unknown[]; procWindows: unknown[] } };
    expect(snap.extractor.windows).toHaveLength(3);
    expect(snap.extractor.pairHistory.length).toBeLessThanOrEqual(2);
    expect(snap.extractor.procWindows.length).toBeLessThanOrEqual(10);
    await scorer.close();
  });
});
