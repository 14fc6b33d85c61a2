import type { AlertDoc } from '../../common/alert';
import type { Incident } from '../detection/correlation/incident';
import { incidentDocument, toSinkAlert, toSinkIncident } from './adapters';

const alertDoc = {
  '@timestamp': '2024-05-01T10:00:05Z',
  message: 'lsass read',
  event: {
    kind: 'alert',
    module: 'apt_detection',
    dataset: 'apt_detection.alert',
    severity: 73,
    risk_score: 72,
    start: '2024-05-01T10:00:00Z',
    end: '2024-05-01T10:00:05Z',
  },
  rule: { id: 'r1', name: 'LSASS access', ruleset: 'apt-detection', category: 'rule' },
  host: { name: 'ws-1' },
  user: { name: 'alice' },
  related: { hosts: ['ws-1'], user: ['alice'] },
  risk_score: 72,
  apt: {
    alert_id: 'abc123',
    detector: 'rule',
    severity: 'high',
    explanation: 'lsass read',
    technique_ids: ['T1003.001'],
    tactic_ids: ['TA0006'],
    incident_id: 'inc-1',
    first_seen: '2024-05-01T10:00:00Z',
    last_seen: '2024-05-01T10:00:05Z',
    evidence: [],
    evidence_count: 0,
    attack_version: '17.1',
  },
} satisfies AlertDoc;

const incident: Incident = {
  id: 'inc-1',
  entity: { type: 'host', name: 'ws-1' },
  hosts: ['ws-1', 'dc-1'],
  users: ['alice'],
  firstSeen: '2024-05-01T10:00:00Z',
  lastSeen: '2024-05-01T11:00:00Z',
  firstEvidence: { id: 'e1', location: 'winlogbeat-x', timestamp: '2024-05-01T10:00:00Z' },
  lastEvidence: { id: 'e9', location: 'winlogbeat-x', timestamp: '2024-05-01T11:00:00Z' },
  chain: [
    {
      tacticId: 'TA0006',
      tacticName: 'Credential Access',
      firstSeen: '2024-05-01T10:00:00Z',
      ruleIds: ['r1'],
      techniqueIds: ['T1003.001'],
    },
    {
      tacticId: 'TA0008',
      tacticName: 'Lateral Movement',
      firstSeen: '2024-05-01T10:30:00Z',
      ruleIds: ['r2'],
      techniqueIds: ['T1021.002'],
    },
  ],
  techniqueIds: ['T1003.001', 'T1021.002'],
  findingCount: 3,
  findings: [
    {
      alertId: 'a1',
      ruleId: 'r1',
      ruleName: 'LSASS',
      techniqueIds: [],
      tacticIds: [],
      severity: 'high',
      riskScore: 70,
      firstSeen: '',
      lastSeen: '',
    },
    {
      alertId: 'a2',
      ruleId: 'r2',
      ruleName: 'SMB',
      techniqueIds: [],
      tacticIds: [],
      severity: 'high',
      riskScore: 80,
      firstSeen: '',
      lastSeen: '',
    },
    {
      alertId: 'a2',
      ruleId: 'r2',
      ruleName: 'SMB',
      techniqueIds: [],
      tacticIds: [],
      severity: 'high',
      riskScore: 80,
      firstSeen: '',
      lastSeen: '',
    },
  ],
  riskScore: 88,
  severity: 'critical',
  title: 'Credential access then lateral movement on ws-1',
};

describe('adapters', () => {
  it('takes the alert id, severity, risk and entities from the alert document', () => {
    expect(toSinkAlert(alertDoc)).toMatchObject({
      id: 'abc123',
      severity: 'high',
      riskScore: 72,
      timestamp: '2024-05-01T10:00:05Z',
      incidentId: 'inc-1',
      host: 'ws-1',
      user: 'alice',
      doc: { rule: { name: 'LSASS access' } },
    });
  });

  it('turns an incident into a case-ready summary and an ECS-style incident document', () => {
    const s = toSinkIncident(incident);
    expect(s).toMatchObject({
      id: 'inc-1',
      severity: 'critical',
      alertIds: ['a1', 'a2'],
      hosts: ['ws-1', 'dc-1'],
    });
    expect(s.description).toBe(
      '3 findings about host ws-1 along the chain Credential Access → Lateral Movement.',
    );
    expect(incidentDocument(incident)).toMatchObject({
      '@timestamp': '2024-05-01T11:00:00Z',
      event: { severity: 99, risk_score: 88 },
      host: { name: ['ws-1', 'dc-1'] },
      apt: { incident: { id: 'inc-1', alert_count: 3, tactic_ids: ['TA0006', 'TA0008'] } },
    });
  });
});
