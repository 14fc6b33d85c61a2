import type { Finding } from '../types';
import { alertId, buildAlert } from './build_alert';
import { alertIndexTemplate } from './index_template';

const finding: Finding = {
  ruleId: 'apt.behaviour.kerberoasting',
  ruleName: 'Kerberoasting',
  detector: 'behaviour',
  techniqueIds: ['T1558.003'],
  severity: 'high',
  riskScore: 66,
  explanation: 'Account x requested RC4 tickets for 6 services.',
  host: 'dc01',
  user: 'x',
  firstSeen: '2024-01-01T00:00:00.000Z',
  lastSeen: '2024-01-01T00:05:00.000Z',
  evidence: [
    { id: 'b.evtx#2', location: 'b.evtx', timestamp: '2024-01-01T00:05:00.000Z' },
    { id: 'a.evtx#1', location: 'a.evtx', timestamp: '2024-01-01T00:00:00.000Z' },
  ],
};

describe('buildAlert', () => {
  it('derives the id from the rule and the evidence set, whatever the evidence order', () => {
    expect(alertId('r', ['a', 'b'])).toBe(alertId('r', ['b', 'a']));
    expect(alertId('r', ['a', 'b'])).not.toBe(alertId('r2', ['a', 'b']));
    expect(alertId('r', ['a'])).not.toBe(alertId('r', ['a', 'b']));
  });

  it('writes the ECS fields Discover and Elastic Security read', () => {
    const doc = buildAlert(finding, { incidentId: 'inc1', isFileLocation: (l) => l.endsWith('.evtx') });
    expect(doc['@timestamp']).toBe(finding.lastSeen);
    expect(doc.event).toMatchObject({ kind: 'alert', severity: 73, risk_score: 66 });
    expect(doc.rule).toMatchObject({ id: finding.ruleId, name: finding.ruleName });
    expect(doc.threat).toMatchObject({
      framework: 'MITRE ATT&CK',
      tactic: { id: ['TA0006'], name: ['Credential Access'] },
      technique: { id: ['T1558'], subtechnique: { id: ['T1558.003'] } },
    });
    expect(doc.host?.name).toBe('dc01');
    expect(doc.user?.name).toBe('x');
    expect(doc.message).toBe(finding.explanation);
    expect(doc.apt.explanation).toBe(finding.explanation);
    expect(doc.apt.incident_id).toBe('inc1');
    expect(doc.log?.file.path).toEqual(['a.evtx', 'b.evtx']);
    expect(doc.apt.alert_id).toBe(alertId(finding.ruleId, ['a.evtx#1', 'b.evtx#2']));
  });
});

describe('alertIndexTemplate', () => {
  it('maps every field with core types only', () => {
    const allowed = new Set([
      'keyword',
      'text',
      'long',
      'float',
      'double',
      'ip',
      'date',
      'boolean',
      'object',
      'flattened',
    ]);
    const types: string[] = [];
    const walk = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      if (typeof n.type === 'string') types.push(n.type);
      for (const v of Object.values(n)) walk(v);
    };
    const t = alertIndexTemplate('apt-alerts');
    walk(t.body.template.mappings);
    expect(types.length).toBeGreaterThan(30);
    expect(types.filter((x) => !allowed.has(x))).toEqual([]);
    expect(t.body.index_patterns).toEqual(['apt-alerts*']);
  });

  it('has a mapping for every field an alert document carries', () => {
    const doc = buildAlert(
      { ...finding, contributions: [{ feature: 'f', value: 1, weight: 1 }] },
      { incidentId: 'i', isFileLocation: () => true },
    );
    const mapped = (path: string[]): boolean => {
      let node: unknown = alertIndexTemplate().body.template.mappings;
      for (const key of path) {
        const props = (node as { properties?: Record<string, unknown> }).properties;
        if (!props || !(key in props)) return false;
        node = props[key];
      }
      return true;
    };
    const missing: string[] = [];
    const walk = (value: unknown, path: string[]): void => {
      if (Array.isArray(value)) {
        for (const v of value) walk(v, path);
        return;
      }
      if (typeof value === 'object' && value !== null) {
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
        return;
      }
      if (!mapped(path)) missing.push(path.join('.'));
    };
    walk(doc, []);
    expect([...new Set(missing)]).toEqual([]);
  });
});
