import { WazuhClient, type WazuhLogger } from '../sources/wazuh_api/client';
import { startValidatedFake, type ValidatedFake } from '../../test/fakes/wazuh_api/harness';
import {
  WazuhActiveResponseSink,
  type ActiveResponseAuditRecord,
  type ResponseActionRequest,
} from './wazuh_active_response';

const PASSWORD = 'AR-sink-S3cret-pass';
const NOW = Date.UTC(2025, 2, 3, 4, 5, 6);

interface Harness extends ValidatedFake {
  sink: WazuhActiveResponseSink;
  audits: ActiveResponseAuditRecord[];
  logs: string[];
}

const running: ValidatedFake[] = [];

afterEach(async () => {
  const all = running.splice(0);
  await Promise.all(all.map((v) => v.fake.close()));
  for (const v of all) expect(v.violations).toEqual([]);
});

async function setup(
  config: unknown,
  options: { password?: string; audit?: () => void } = {},
): Promise<Harness> {
  const validated = await startValidatedFake({ users: { wazuh: PASSWORD } });
  running.push(validated);
  const logs: string[] = [];
  const logger: WazuhLogger = {
    debug: (m) => logs.push(`debug ${m}`),
    info: (m) => logs.push(`info ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  };
  const client = new WazuhClient(
    {
      url: validated.fake.url,
      username: 'wazuh',
      password: options.password ?? PASSWORD,
      retries: { max: 0 },
    },
    { logger },
  );
  const audits: ActiveResponseAuditRecord[] = [];
  const sink = new WazuhActiveResponseSink(config, {
    client,
    logger,
    now: () => NOW,
    audit: (record) => {
      options.audit?.();
      audits.push(record);
    },
  });
  return { ...validated, sink, audits, logs };
}

const block: ResponseActionRequest = {
  command: 'firewall-drop0',
  agentIds: ['001', '003'],
  alert: { data: { srcip: '203.0.113.7' } },
  requestedBy: 'rule:exfiltration-staging-upload',
  reason: 'staging followed by upload to 203.0.113.7',
  alertId: 'alert-1',
  incidentId: 'incident-9',
};

const live = { enabled: true, dryRun: false, allowedCommands: ['firewall-drop0'] };

describe('WazuhActiveResponseSink defaults', () => {
  it('is disabled and dry-run with an empty allow-list by default', () => {
    const sink = new WazuhActiveResponseSink(undefined, { audit: () => undefined });
    expect(sink.config).toMatchObject({
      enabled: false,
      dryRun: true,
      allowedCommands: [],
      allowManager: false,
    });
  });

  it('refuses when not enabled, audits the refusal and calls nothing', async () => {
    const h = await setup({});
    const outcome = await h.sink.respond(block);
    expect(outcome).toMatchObject({ decision: 'refused', refusalReason: 'disabled' });
    expect(h.fake.requests).toHaveLength(0);
    expect(h.audits).toEqual([
      expect.objectContaining({ decision: 'refused', refusalReason: 'disabled', who: block.requestedBy }),
    ]);
  });

  it('in dry-run logs and audits what it would do without calling the Wazuh API at all', async () => {
    const h = await setup({ enabled: true, allowedCommands: ['firewall-drop0'] });
    const outcome = await h.sink.respond(block);
    expect(outcome.decision).toBe('dry_run');
    expect(h.fake.requests).toHaveLength(0); // not even a login
    expect(h.audits).toEqual([
      {
        '@timestamp': '2025-03-03T04:05:06.000Z',
        action: 'wazuh.active_response',
        decision: 'dry_run',
        who: 'rule:exfiltration-staging-upload',
        what: { command: 'firewall-drop0', agentIds: ['001', '003'] },
        why: { reason: block.reason, alertId: 'alert-1', incidentId: 'incident-9' },
        dryRun: true,
      },
    ]);
    expect(h.logs.some((l) => l.includes("dry run: would run 'firewall-drop0' on agents 001,003"))).toBe(
      true,
    );
  });
});

describe('WazuhActiveResponseSink refusals', () => {
  it.each([
    ['a command outside the allow-list', { command: 'restart-wazuh0' }, 'command_not_allowed'],
    ['no agents', { agentIds: [] }, 'no_agents'],
    ['the all keyword', { agentIds: ['all'] }, 'invalid_agent_ids'],
    ['the manager', { agentIds: ['000'] }, 'manager_target'],
    [
      'too many agents',
      { agentIds: Array.from({ length: 11 }, (_, i) => String(i + 1).padStart(3, '0')) },
      'too_many_agents',
    ],
    ['a request without a reason', { reason: '' }, 'invalid_request'],
  ])('refuses %s, audits it and sends nothing', async (_label, change, reason) => {
    const h = await setup(live);
    const outcome = await h.sink.respond({ ...block, ...change });
    expect(outcome).toMatchObject({ decision: 'refused', refusalReason: reason });
    expect(h.fake.requests).toHaveLength(0);
    expect(h.audits).toHaveLength(1);
    expect(h.audits[0]).toMatchObject({ decision: 'refused', refusalReason: reason, dryRun: false });
  });

  it('rejects an allow-list entry that is not a valid command', () => {
    expect(
      () => new WazuhActiveResponseSink({ allowedCommands: ['!../../bin/sh'] }, { audit: () => undefined }),
    ).toThrow(/allowedCommands.0: path traversal/);
  });

  it('does not act when the approval cannot be audited', async () => {
    const h = await setup(live, {
      audit: () => {
        throw new Error('audit index unavailable');
      },
    });
    const outcome = await h.sink.respond(block);
    expect(outcome).toMatchObject({ decision: 'refused', refusalReason: 'audit_failed' });
    expect(h.fake.requestsTo('PUT', '/active-response')).toHaveLength(0);
  });
});

describe('WazuhActiveResponseSink live actions', () => {
  it('runs an allowed command on the named agents and audits approval and result', async () => {
    const h = await setup(live);
    const outcome = await h.sink.respond(block);
    expect(outcome).toEqual({ decision: 'executed', affectedAgents: ['001', '003'], failedItems: [] });
    expect(h.fake.arExecutions).toEqual([
      { command: 'firewall-drop0', agentIds: ['001', '003'], alert: { data: { srcip: '203.0.113.7' } } },
    ]);
    expect(h.audits.map((a) => a.decision)).toEqual(['approved', 'executed']);
    expect(h.audits[1].result).toMatchObject({ affectedAgents: ['001', '003'], failedItems: [] });
  });

  it('reports and audits per-agent failures of a partial run', async () => {
    const h = await setup(live);
    const outcome = await h.sink.respond({ ...block, agentIds: ['001', '009'] });
    expect(outcome.decision).toBe('partial');
    expect(outcome.failedItems).toEqual([expect.objectContaining({ code: 1707, ids: ['009'] })]);
    expect(h.audits[1]).toMatchObject({ decision: 'partial', result: { affectedAgents: ['001'] } });
  });

  it('audits a failed call with a redacted error and never retries it', async () => {
    const h = await setup(live);
    h.fake.failNext(1, 500);
    const outcome = await h.sink.respond(block);
    expect(outcome.decision).toBe('failed');
    expect(h.fake.requestsTo('PUT', '/active-response')).toHaveLength(1);
    expect(h.audits[1]).toMatchObject({ decision: 'failed', error: expect.stringContaining('HTTP 500') });
  });

  it('keeps credentials out of audit records and logs when the login is rejected', async () => {
    const h = await setup(live, { password: `${PASSWORD}-wrong` });
    const outcome = await h.sink.respond(block);
    expect(outcome.decision).toBe('failed');
    const text = JSON.stringify(h.audits) + h.logs.join('\n');
    expect(text).toContain('WazuhAuthError');
    expect(text).not.toContain(PASSWORD);
  });
});
