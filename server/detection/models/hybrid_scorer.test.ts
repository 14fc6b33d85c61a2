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
    const findings = [];
    for (let i = 0; i < events.length; i += 5000) findings.push(...(await scorer.scoreBatch(events.slice(i, i + 5000))));
    findings.push(...(await scorer.flush()));
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.detector).toBe('model');
      expect(f.contributions?.length).toBe(3);
      expect(f.explanation).toMatch(/top contributing features: \w+=/);
      expect(f.evidence.length).toBeGreaterThan(0);
    }
    const onAttack = findings.filter((f) => (f.events ?? []).some((e) => malicious.has(e.origin.id)));
    console.log(`hybrid scorer: ${findings.length} findings, ${onAttack.length} hold attack events`);
    expect(onAttack.length / findings.length).toBeGreaterThan(0.5);
    const st = scorer.status();
    expect(st.windowsScored).toBeGreaterThan(500);
    expect(st.latency?.p50Ms).not.toBeNull();
    expect(Object.keys(st.drift?.psi ?? {}).length).toBeGreaterThan(40);
  });
});
