import { buildCasePayload, CASE_LIMITS, CasesSink, incidentTag, type CasesClientLike } from './cases_sink';
import type { AlertSink, SinkIncident, SinkLogger } from './types';

const logger: SinkLogger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };

function incident(id: string, over: Partial<SinkIncident> = {}): SinkIncident {
  return {
    id,
    doc: {},
    title: 'Lateral movement from ws-1',
    description: 'SMB admin share use after credential dumping.',
    severity: 'high',
    riskScore: 80,
    alertIds: ['a1'],
    hosts: ['ws-1', 'dc-1'],
    users: ['alice'],
    techniqueIds: ['T1021.002'],
    firstSeen: '2024-05-01T10:00:00Z',
    lastSeen: '2024-05-01T11:00:00Z',
    ...over,
  };
}

describe('buildCasePayload', () => {
  it('fills every required CasePostRequest field, with no external connector', () => {
    const p = buildCasePayload(incident('i1'), 'securitySolution');
    expect(p).toMatchObject({
      owner: 'securitySolution',
      severity: 'high',
      connector: { id: 'none', name: 'none', type: '.none', fields: null },
      settings: { syncAlerts: false },
    });
    expect(p.tags).toEqual([
      'apt-detection',
      incidentTag('i1'),
      'attack:T1021.002',
      'host:ws-1',
      'host:dc-1',
    ]);
    expect(p.description).toContain('`dc-1`');
  });

  it('stays within the Cases API limits for huge incidents', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `alert-${i}-${'x'.repeat(20)}`);
    const p = buildCasePayload(
      incident('i2', { title: 't'.repeat(500), alertIds: many, techniqueIds: many.slice(0, 400) }),
      'o',
    );
    expect(p.title.length).toBeLessThanOrEqual(CASE_LIMITS.title);
    expect(p.description.length).toBeLessThanOrEqual(CASE_LIMITS.description);
    expect(p.tags.length).toBeLessThanOrEqual(CASE_LIMITS.tags);
    expect(p.tags).toContain(incidentTag('i2'));
  });
});

describe('CasesSink', () => {
  it('falls back to `find` on clients without `search` (Kibana 8.x) and reuses the found case', async () => {
    const find = jest.fn(async () => ({ cases: [{ id: 'existing' }], total: 1 }));
    const create = jest.fn();
    const client: CasesClientLike = { cases: { create, find } };
    const sink = new CasesSink({ getClient: async () => client, logger });
    const out = await sink.write({ alerts: [], incidents: [incident('i3')] });
    expect(out).toMatchObject({ written: 0, skipped: 1, caseIds: { i3: 'existing' } });
    expect(find).toHaveBeenCalledWith({ tags: [incidentTag('i3')], owner: 'securitySolution', perPage: 1 });
    expect(create).not.toHaveBeenCalled();
  });

  it('sends incidents whose case creation failed to the fallback, and only those', async () => {
    const client: CasesClientLike = {
      cases: {
        search: async () => ({ cases: [], total: 0 }),
        create: async (d) => {
          if (d.tags.includes(incidentTag('bad'))) throw new Error('403 unauthorized owner');
          return { id: 'c-ok' };
        },
      },
    };
    const fallbackWrite = jest.fn(async () => ({
      sink: 'webhook',
      attempted: 1,
      written: 1,
      failed: 0,
      skipped: 0,
      errors: [],
      durationMs: 0,
    }));
    const fallback: AlertSink = { name: 'webhook', write: fallbackWrite };
    const sink = new CasesSink({ getClient: async () => client, logger, fallback });
    const out = await sink.write({ alerts: [], incidents: [incident('ok'), incident('bad')] });
    expect(out).toMatchObject({ written: 1, failed: 1, caseIds: { ok: 'c-ok' } });
    expect(out.errors[0]).toMatchObject({ id: 'bad', reason: '403 unauthorized owner' });
    expect(fallbackWrite).toHaveBeenCalledWith({
      alerts: [],
      incidents: [expect.objectContaining({ id: 'bad' })],
    });
  });

  it('skips incidents below the severity threshold without asking Cases', async () => {
    const getClient = jest.fn();
    const sink = new CasesSink({ getClient, logger, minSeverity: 'critical' });
    const out = await sink.write({ alerts: [], incidents: [incident('i4', { severity: 'high' })] });
    expect(out).toMatchObject({ skipped: 1, written: 0 });
    expect(getClient).not.toHaveBeenCalled();
  });
});
