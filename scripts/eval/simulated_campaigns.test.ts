/**
 * @jest-environment ./server/detection/models/ort_test_environment.js
 */
import type { AlertDoc } from '../../common/alert';
import type { CampaignPlan } from '../../server/simulator/campaigns';
import {
  AlertRecord,
  parseOptions,
  recordAlert,
  renderReport,
  RunResult,
  runSimulatedEvaluation,
  stepKey,
  StepTruth,
  Truth,
} from './simulated_campaigns';

function alertDoc(ruleId: string, evidenceIds: string[], techniques: string[]): AlertDoc {
  // Only the fields the evaluation reads; the rest of the document does not matter here.
  return {
    '@timestamp': '2025-03-03T10:00:05.000Z',
    rule: { id: ruleId, name: ruleId, ruleset: 'apt-detection', category: 'rule' },
    apt: {
      alert_id: `${ruleId}-${evidenceIds.join(',')}`,
      technique_ids: techniques,
      explanation: `explanation of ${ruleId}`,
      evidence: evidenceIds.map((id) => ({ id, location: 'idx', timestamp: '2025-03-03T10:00:05.000Z' })),
    },
  } as unknown as AlertDoc;
}

const truth = new Map<string, Truth>([
  ['e1', { kind: 'campaign', campaign: 'c-1', step: 'exec' }],
  ['e2', { kind: 'campaign', campaign: 'c-1', step: 'dump' }],
  ['t1', { kind: 'trap', trap: 'admin-psexec' }],
]);

function runResult(alerts: AlertRecord[], hosts = 100, days = 1): RunResult {
  const plan = {
    scenario: 'c',
    instance: 'c-1',
    start: Date.parse('2025-03-03T10:00:00Z'),
    steps: [
      { id: 'exec', at: Date.parse('2025-03-03T10:00:00Z'), techniques: ['T1059.001'] },
      { id: 'dump', at: Date.parse('2025-03-03T11:00:00Z'), techniques: ['T1003.001'] },
      { id: 'late', at: Date.parse('2025-03-05T11:00:00Z'), techniques: ['T1041'] },
    ],
  } as unknown as CampaignPlan;
  const steps = new Map<string, StepTruth>();
  for (const [id, events] of [
    ['exec', 1],
    ['dump', 3],
    ['late', 0],
  ] as const)
    steps.set(stepKey('c-1', id), {
      campaign: 'c-1',
      step: id,
      techniques: [],
      at: 0,
      events,
      codes: new Map([['Sysmon:1', events]]),
    });
  return {
    opts: { hosts, days, seed: 1, format: 'winlogbeat', start: 0, batch: 10, out: '' },
    plans: [plan],
    steps,
    alerts,
    events: 1000,
    rejected: 0,
    rejectionSamples: [],
    attackEvents: 4,
    trapEvents: new Map([['admin-psexec', 1]]),
    wallMs: 1000,
    cpuMs: 900,
    peakRssMb: 100,
  };
}

describe('simulated campaigns evaluation', () => {
  it('maps alert evidence to campaigns, steps and traps', () => {
    const tp = recordAlert(alertDoc('apt.exec', ['e1', 'x9'], ['T1059.001']), truth);
    expect([...tp.campaigns]).toEqual(['c-1']);
    expect([...tp.steps]).toEqual([stepKey('c-1', 'exec')]);
    expect(tp.traps.size).toBe(0);
    const fp = recordAlert(alertDoc('apt.lm.psexec', ['t1', 'x1'], ['T1569.002']), truth);
    expect(fp.campaigns.size).toBe(0);
    expect([...fp.traps]).toEqual(['admin-psexec']);
    expect(tp.ts).toBe(Date.parse('2025-03-03T10:00:05.000Z'));
  });

  it('scores techniques at the parent level and ignores steps that left no events', () => {
    const alerts = [
      recordAlert(alertDoc('apt.exec', ['e1'], ['T1059.003']), truth),
      recordAlert(alertDoc('apt.lm.psexec', ['t1'], ['T1569.002']), truth),
    ];
    const { text, met } = renderReport(runResult(alerts));
    // T1059 (parent match of T1059.003) alerted, T1003 missed, T1041 not expected (its step has no events).
    expect(text).toContain('| 1/2 T1059 | T1003 | 5 s | apt.exec |');
    expect(text).toContain('1/2 (1 after the period)');
    expect(text).toContain('| dump | T1003.001 | 3 | **none** | - | Sysmon:1 x3 |');
    expect(text).toContain('| apt.lm.psexec | rule | 1 | 1.00 | admin-psexec (1) |');
    expect(met).toBe(false);
  });

  it('computes the false-positive rate per simulated day per 100 hosts', () => {
    const fp = (id: string): AlertRecord => recordAlert(alertDoc('apt.noise', [id], ['T1021']), truth);
    const oneFp = renderReport(runResult([fp('u1')], 200, 2)).text;
    expect(oneFp).toContain('| 0.25 (1 alerts) | yes |');
    const many = renderReport(runResult([fp('u1'), fp('u2'), fp('u3')], 100, 2)).text;
    expect(many).toContain('| 1.50 (3 alerts) | NO |');
    expect(many).toContain('unlabelled background (3)');
    // Those were ordinary background: the trap row stays at zero while the all-false-positives row fails.
    expect(many).toContain(
      '| alerts on the benign traps <= 1 per simulated day per 100 hosts | 0.00 (0 alerts) | yes |',
    );
  });

  it('counts alerts whose evidence is a benign trap in the trap row as well', () => {
    const trapFp = recordAlert(alertDoc('apt.lm.psexec', ['t1'], ['T1569.002']), truth);
    const text = renderReport(runResult([trapFp], 100, 1)).text;
    expect(text).toContain(
      '| alerts on the benign traps <= 1 per simulated day per 100 hosts | 1.00 (1 alerts) | yes |',
    );
    const two = renderReport(
      runResult([trapFp, recordAlert(alertDoc('apt.x', ['t1'], ['T1021']), truth)], 100, 1),
    );
    expect(two.text).toContain('| 2.00 (2 alerts) | NO |');
    expect(two.met).toBe(false);
  });

  it('rejects bad options with the offending flag', () => {
    expect(() => parseOptions(['--hosts', '0'])).toThrow(/--hosts/);
    expect(() => parseOptions(['--format', 'csv'])).toThrow(/--format/);
    expect(parseOptions([]).hosts).toBe(200);
  });

  it('runs a small simulation end to end with no rejections', async () => {
    const opts = { ...parseOptions(['--hosts', '12', '--days', '1', '--seed', '3']), out: '' };
    const r = await runSimulatedEvaluation(opts);
    expect(r.events).toBeGreaterThan(3000);
    expect(r.rejected).toBe(0);
    expect(r.attackEvents).toBeGreaterThan(0);
    expect(renderReport(r).text).toContain(`| ${r.events} | 0 | ${r.attackEvents} |`);
  });
});
