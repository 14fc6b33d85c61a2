import { parseDetectionConfig } from '../config';
import type { Finding } from '../types';
import { Correlator, incidentRisk } from './correlator';

const cfg = parseDetectionConfig().correlation;

function finding(
  over: Partial<Finding> & { ruleId: string; techniqueIds: string[]; firstSeen: string },
): Finding {
  return {
    ruleName: over.ruleId,
    detector: 'behaviour',
    severity: 'high',
    riskScore: 60,
    explanation: 'x',
    lastSeen: over.firstSeen,
    evidence: [{ id: `${over.ruleId}-${over.firstSeen}`, location: 'f.evtx', timestamp: over.firstSeen }],
    ...over,
  };
}

describe('Correlator', () => {
  it('links findings on one host into one incident ordered along the kill chain', () => {
    const c = new Correlator(cfg);
    // Arrive out of kill-chain order: exfiltration first, then credential access, then execution.
    const a = c.add(
      finding({
        ruleId: 'exfil',
        techniqueIds: ['T1567.002'],
        firstSeen: '2024-01-01T12:00:00Z',
        host: 'WS1.corp',
      }),
      'a1',
    );
    const b = c.add(
      finding({
        ruleId: 'lsass',
        techniqueIds: ['T1003.001'],
        firstSeen: '2024-01-01T10:00:00Z',
        host: 'ws1',
      }),
      'a2',
    );
    const d = c.add(
      finding({ ruleId: 'ps', techniqueIds: ['T1059.001'], firstSeen: '2024-01-01T09:00:00Z', host: 'ws1' }),
      'a3',
    );
    expect(a?.id).toBeDefined();
    expect(b?.id).toBe(a?.id);
    expect(d?.id).toBe(a?.id);
    const inc = c.openIncidents()[0];
    expect(inc.chain.map((s) => s.tacticName)).toEqual(['Execution', 'Credential Access', 'Exfiltration']);
    expect(inc.firstEvidence.id).toBe('ps-2024-01-01T09:00:00Z');
    expect(inc.lastEvidence.id).toBe('exfil-2024-01-01T12:00:00Z');
    expect(inc.findingCount).toBe(3);
    expect(inc.riskScore).toBeGreaterThan(60);
  });

  it('joins host and user: a finding about the user lands in the host incident that user appeared in', () => {
    const c = new Correlator(cfg);
    const a = c.add(
      finding({
        ruleId: 'r1',
        techniqueIds: ['T1059.001'],
        firstSeen: '2024-01-01T09:00:00Z',
        host: 'ws1',
        user: 'CORP\\alice',
      }),
      'a1',
    );
    const b = c.add(
      finding({
        ruleId: 'r2',
        techniqueIds: ['T1558.003'],
        firstSeen: '2024-01-01T09:30:00Z',
        user: 'alice@corp.local',
      }),
      'a2',
    );
    expect(b?.id).toBe(a?.id);
    expect(b?.users).toEqual(['alice']);
  });

  it('opens a new incident once the horizon has passed', () => {
    const c = new Correlator(cfg);
    const a = c.add(
      finding({ ruleId: 'r1', techniqueIds: ['T1059.001'], firstSeen: '2024-01-01T09:00:00Z', host: 'ws1' }),
      'a1',
    );
    const b = c.add(
      finding({ ruleId: 'r1', techniqueIds: ['T1059.001'], firstSeen: '2024-01-03T09:00:00Z', host: 'ws1' }),
      'a2',
    );
    expect(b?.id).not.toBe(a?.id);
    expect(c.expire('2024-01-03T10:00:00Z').map((i) => i.id)).toEqual([a?.id]);
  });

  it('derives the same incident id from the same input', () => {
    const run = () => {
      const c = new Correlator(cfg);
      return c.add(
        finding({
          ruleId: 'r1',
          techniqueIds: ['T1059.001'],
          firstSeen: '2024-01-01T09:00:00Z',
          host: 'ws1',
        }),
        'a1',
      )?.id;
    };
    expect(run()).toBe(run());
    expect(run()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('raises risk with tactic diversity and volume', () => {
    expect(incidentRisk(50, 3, 1)).toBeGreaterThan(incidentRisk(50, 1, 1));
    expect(incidentRisk(50, 1, 8)).toBeGreaterThan(incidentRisk(50, 1, 1));
    expect(incidentRisk(95, 6, 100)).toBe(100);
  });

  it('does not count a re-added alert twice', () => {
    const c = new Correlator(cfg);
    const f = finding({
      ruleId: 'r1',
      techniqueIds: ['T1059.001'],
      firstSeen: '2024-01-01T09:00:00Z',
      host: 'ws1',
    });
    c.add(f, 'a1');
    expect(c.add(f, 'a1')?.findingCount).toBe(1);
  });

  it('round-trips its state through JSON and keeps linking', () => {
    const c = new Correlator(cfg);
    const a = c.add(
      finding({ ruleId: 'r1', techniqueIds: ['T1059.001'], firstSeen: '2024-01-01T09:00:00Z', host: 'ws1' }),
      'a1',
    );
    const restored = Correlator.fromJSON(JSON.parse(JSON.stringify(c.toJSON())), cfg);
    const b = restored.add(
      finding({ ruleId: 'r2', techniqueIds: ['T1021.002'], firstSeen: '2024-01-01T10:00:00Z', host: 'ws1' }),
      'a2',
    );
    expect(b?.id).toBe(a?.id);
    expect(b?.findingCount).toBe(2);
    expect(Correlator.fromJSON({ garbage: true }, cfg).openIncidents()).toEqual([]);
  });

  it('keeps at most maxOpenIncidents', () => {
    const c = new Correlator({ ...cfg, maxOpenIncidents: 5 });
    for (let i = 0; i < 20; i++)
      c.add(
        finding({
          ruleId: 'r',
          techniqueIds: ['T1059.001'],
          firstSeen: `2024-01-01T09:${String(i).padStart(2, '0')}:00Z`,
          host: `h${i}`,
        }),
        `a${i}`,
      );
    expect(c.openIncidents().map((i) => i.entity.name)).toEqual(['h15', 'h16', 'h17', 'h18', 'h19']);
  });
});
