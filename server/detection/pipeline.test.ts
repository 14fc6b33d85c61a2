import type { Event } from '../../common/event';
import { at, logon, makeEvent } from './detectors/test_events';
import { DetectionPipeline, type ModelScorer, type RuleEvaluator } from './pipeline';
import type { Finding } from './types';

const T0 = '2024-03-01T10:00:00.000Z';
const NO_REPEAT_WAIT = { suppression: { repeats: { enabled: false } } };

/** A stand-in rule engine: flags every Sysmon 10 access to lsass (the real engine is tested with its rules). */
const lsassRule: RuleEvaluator = {
  evaluate(ev: Event): Finding[] {
    if (
      ev.winlog.event_id !== 10 ||
      !(ev.winlog.event_data?.TargetImage ?? '').toLowerCase().endsWith('lsass.exe')
    )
      return [];
    return [
      {
        ruleId: 'test.lsass',
        ruleName: 'LSASS access',
        detector: 'rule',
        techniqueIds: ['T1003.001'],
        severity: 'high',
        riskScore: 70,
        explanation: `Process accessed LSASS on ${ev.host.name}.`,
        host: ev.host.name,
        firstSeen: ev['@timestamp'],
        lastSeen: ev['@timestamp'],
        evidence: [{ id: ev.origin.id, location: ev.origin.location, timestamp: ev['@timestamp'] }],
        events: [ev],
      },
    ];
  },
};

function scenario(): Event[][] {
  const events: Event[] = [];
  for (let i = 0; i < 12; i++)
    events.push(logon(at(T0, i), { host: 'ws01', user: 'admin', ip: '10.0.0.66', code: 4625 }));
  events.push(logon(at(T0, 20), { host: 'ws01', user: 'admin', ip: '10.0.0.66', type: 3 }));
  events.push(
    makeEvent({
      time: at(T0, 300),
      host: 'ws01',
      channel: 'Microsoft-Windows-Sysmon/Operational',
      eventId: 10,
      data: {
        SourceImage: 'C:\\tmp\\m.exe',
        TargetImage: 'C:\\Windows\\System32\\lsass.exe',
        GrantedAccess: '0x1010',
      },
      extra: { process: { executable: 'C:\\tmp\\m.exe', name: 'm.exe' } },
    }),
  );
  // Stable origin ids so two runs see the same evidence ids.
  events.forEach((e, i) => (e.origin = { ...e.origin, id: `case.evtx#${i + 1}`, location: 'case.evtx' }));
  return [events.slice(0, 7), events.slice(7)];
}

describe('DetectionPipeline', () => {
  it('turns rule and behaviour findings into ECS alerts linked into one incident', async () => {
    const p = new DetectionPipeline({ rules: lsassRule });
    const [a, b] = scenario();
    const r1 = await p.processBatch(a);
    const r2 = await p.processBatch(b);
    // The last finding waits a few seconds of event time for repeats (correlation/repeats.ts): the end flushes it.
    const r3 = await p.flush();
    const alerts = [...r1.alerts, ...r2.alerts, ...r3.alerts];
    expect(alerts.map((x) => x.rule.id)).toEqual([
      'apt.behaviour.brute_force',
      'apt.behaviour.brute_force_success',
      'test.lsass',
    ]);
    for (const alert of alerts) {
      expect(alert.event.kind).toBe('alert');
      expect(alert.message.length).toBeGreaterThan(10);
      expect(alert.threat?.technique.id.length).toBeGreaterThan(0);
      expect(alert.apt.alert_id).toMatch(/^[0-9a-f]{40}$/);
      expect(alert.log?.file.path).toEqual(['case.evtx']);
    }
    expect(new Set(alerts.map((x) => x.apt.incident_id)).size).toBe(1);
    const lsass = alerts[2];
    expect(lsass.threat?.tactic.name).toEqual(['Credential Access']);
    expect(lsass.process?.executable).toBe('C:\\tmp\\m.exe');
    expect(lsass.event.severity).toBe(73);
    const incident = r3.incidents.find((i) => i.id === lsass.apt.incident_id);
    expect(incident?.findingCount).toBe(3);
    expect(incident?.firstEvidence.id).toBe('case.evtx#1');
    expect(incident?.lastEvidence.id).toBe('case.evtx#14');
  });

  it('produces identical alert ids on a re-run and after a restore in the middle', async () => {
    const [a, b] = scenario();
    const whole = new DetectionPipeline({ rules: lsassRule });
    const ids1 = [...(await whole.processBatch(a)).alerts, ...(await whole.processBatch(b)).alerts].map(
      (x) => x.apt.alert_id,
    );

    const first = new DetectionPipeline({ rules: lsassRule });
    const part1 = (await first.processBatch(a)).alerts;
    const second = new DetectionPipeline({ rules: lsassRule });
    second.restoreState(JSON.parse(JSON.stringify(first.getState())));
    const part2 = (await second.processBatch(b)).alerts;
    expect([...part1, ...part2].map((x) => x.apt.alert_id)).toEqual(ids1);
    expect(new Set([...part1, ...part2].map((x) => x.apt.incident_id)).size).toBe(1);
  });

  it('runs model scorers on each batch and alerts on their findings', async () => {
    const scorer: ModelScorer = {
      id: 'test.model',
      async scoreBatch(events) {
        return events.length > 5
          ? [
              {
                ruleId: 'model.hybrid',
                ruleName: 'Hybrid model',
                detector: 'model',
                techniqueIds: ['T1021.002'],
                severity: 'medium',
                riskScore: 40,
                explanation: 'The sequence model scored this host high.',
                host: 'ws01',
                firstSeen: events[0]['@timestamp'],
                lastSeen: events[events.length - 1]['@timestamp'],
                evidence: events
                  .slice(0, 3)
                  .map((e) => ({ id: e.origin.id, location: e.origin.location, timestamp: e['@timestamp'] })),
              },
            ]
          : [];
      },
    };
    // Findings straight out of the batch: no wait for repeats.
    const p = new DetectionPipeline({ modelScorers: [scorer], detectors: [], config: NO_REPEAT_WAIT });
    const r = await p.processBatch(scenario()[0]);
    expect(r.alerts.map((x) => x.rule.id)).toEqual(['model.hybrid']);
    expect(r.alerts[0].apt.detector).toBe('model');
  });

  it('starts scorers before the rules of a batch, and still lists their findings after the rule findings', async () => {
    const order: string[] = [];
    const finding = (ruleId: string, e: Event): Finding => ({
      ruleId,
      ruleName: ruleId,
      detector: ruleId === 'model.late' ? 'model' : 'rule',
      techniqueIds: ['T1021.002'],
      severity: 'medium',
      riskScore: 40,
      explanation: `${ruleId} fired`,
      host: 'ws01',
      firstSeen: e['@timestamp'],
      lastSeen: e['@timestamp'],
      evidence: [{ id: e.origin.id, location: e.origin.location, timestamp: e['@timestamp'] }],
    });
    const rules: RuleEvaluator = {
      evaluate(e) {
        order.push('rule');
        return [finding('rule.each', e)];
      },
    };
    const scorer: ModelScorer = {
      id: 'test.late',
      async scoreBatch(events) {
        order.push('scorer');
        // Resolves after the rules ran: an inference thread answering while the batch's rules run.
        await new Promise((r) => setImmediate(r));
        return [finding('model.late', events[0])];
      },
    };
    const p = new DetectionPipeline({ rules, modelScorers: [scorer], detectors: [], config: NO_REPEAT_WAIT });
    const events = scenario()[0].slice(0, 3);
    const r = await p.processBatch(events);
    expect(order).toEqual(['scorer', 'rule', 'rule', 'rule']);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['rule.each', 'rule.each', 'rule.each', 'model.late']);
  });

  it('ignores a malformed state instead of failing', () => {
    const p = new DetectionPipeline();
    expect(() =>
      p.restoreState({ version: 1, detectors: { 'apt.behaviour.dns_tunnel': 'nonsense' }, correlation: 7 }),
    ).not.toThrow();
    expect(p.openIncidents()).toEqual([]);
  });

  it('closes incidents on flush once the horizon has passed', async () => {
    const p = new DetectionPipeline({ rules: lsassRule });
    const [a, b] = scenario();
    await p.processBatch([...a, ...b]);
    expect(p.openIncidents()).toHaveLength(1);
    const r = await p.flush('2024-03-03T00:00:00.000Z');
    expect(r.incidents).toHaveLength(1);
    expect(p.openIncidents()).toHaveLength(0);
  });
});
