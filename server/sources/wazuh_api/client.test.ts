import * as http from 'http';
import type { AddressInfo } from 'net';
import { inspect } from 'util';
import { WazuhClient, type WazuhLogger } from './client';
import {
  WazuhApiError,
  WazuhAuthError,
  WazuhPartialFailureError,
  WazuhRefusedError,
  WazuhRequestFailedError,
  WazuhTransportError,
} from './errors';
import type { WazuhFailedItem } from './types';
import { startValidatedFake, type ValidatedFake } from '../../../test/fakes/wazuh_api/harness';
import { expandAgents, seedAgents } from '../../../test/fakes/wazuh_api/seed';
import { selfSignedCertificate } from '../../../test/fakes/wazuh_api/tls';
import type { FakeWazuhApiOptions } from '../../../test/fakes/wazuh_api/fake_server';

const PASSWORD = 'Sup3r-S3cret-Passw0rd';

interface Harness extends ValidatedFake {
  client: WazuhClient;
  logs: string[];
  clock: { now: number };
}

const running: ValidatedFake[] = [];

function captureLogger(logs: string[]): WazuhLogger {
  return {
    debug: (m) => logs.push(`debug ${m}`),
    info: (m) => logs.push(`info ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  };
}

async function setup(
  fakeOptions: FakeWazuhApiOptions = {},
  clientOptions: Record<string, unknown> = {},
): Promise<Harness> {
  const clock = { now: Date.UTC(2025, 0, 1, 12, 0, 0) };
  const validated = await startValidatedFake({
    users: { wazuh: PASSWORD },
    now: () => clock.now,
    ...fakeOptions,
  });
  running.push(validated);
  const logs: string[] = [];
  const client = new WazuhClient(
    {
      url: validated.fake.url,
      username: 'wazuh',
      password: PASSWORD,
      retries: { max: 2, baseDelayMs: 1 },
      ...clientOptions,
    },
    { logger: captureLogger(logs), now: () => clock.now },
  );
  return { ...validated, client, logs, clock };
}

afterEach(async () => {
  // Every response the fake sent, and every request the client made, must match Wazuh's OpenAPI spec.
  const all = running.splice(0);
  await Promise.all(all.map((v) => v.fake.close()));
  for (const v of all) expect(v.violations).toEqual([]);
});

function expectNoSecrets(text: string, extra: string[] = []): void {
  expect(text).not.toContain(PASSWORD);
  for (const secret of extra) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('WazuhClient login and token lifetime', () => {
  it('logs in with basic auth once and uses the JWT as a bearer token for later calls', async () => {
    const h = await setup();
    const page = await h.client.listAgents();
    await h.client.getManagerInfo();
    expect(h.fake.loginCount).toBe(1);
    expect(h.fake.requestsTo('POST', '/security/user/authenticate')[0].auth).toBe('basic');
    expect(h.fake.requestsTo('GET', '/agents')[0].auth).toBe('bearer');
    expect(page.items.map((a) => a.id)).toEqual(seedAgents().map((a) => a.id));
    expect(page.items.find((a) => a.id === '003')).toMatchObject({
      name: 'Windows-agent',
      os: { platform: 'windows' },
    });
    expect(page.partial).toBe(false);
  });

  it('renews the token before the 900 s expiry instead of waiting for a 401', async () => {
    const h = await setup();
    await h.client.listAgents();
    h.clock.now += 800_000; // 800 s: still outside the 60 s renewal margin
    await h.client.listAgents();
    expect(h.fake.loginCount).toBe(1);
    h.clock.now += 50_000; // 850 s after login: inside the margin
    await h.client.listAgents();
    expect(h.fake.loginCount).toBe(2);
    expect(h.exchanges.filter((e) => e.status === 401)).toHaveLength(0);
  });

  it('renews short-lived tokens too (auth_token_exp_timeout lowered to 30 s)', async () => {
    const h = await setup({ tokenLifetimeSeconds: 30 });
    await h.client.listAgents();
    h.clock.now += 20_000;
    await h.client.listAgents();
    expect(h.fake.loginCount).toBe(2);
    expect(h.exchanges.filter((e) => e.status === 401)).toHaveLength(0);
  });

  it('logs in again and retries once when a token is rejected with 401', async () => {
    const h = await setup();
    await h.client.listAgents();
    h.fake.revokeTokens();
    const page = await h.client.listAgents();
    expect(page.items.length).toBe(10);
    expect(h.fake.loginCount).toBe(2);
    expect(h.exchanges.filter((e) => e.status === 401)).toHaveLength(1);
  });

  it('fails with a clear WazuhAuthError when the retry after re-login is rejected again', async () => {
    const h = await setup();
    h.fake.rejectAllTokens = true;
    const err = await caught(h.client.listAgents());
    expect(err).toBeInstanceOf(WazuhAuthError);
    expect((err as WazuhAuthError).status).toBe(401);
    expect((err as Error).message).toMatch(/GET \/agents was rejected with 401 even after a fresh login/);
    expect(h.fake.requestsTo('GET', '/agents')).toHaveLength(2); // exactly one retry
    expect(h.fake.loginCount).toBe(2);
  });

  it('reports rejected credentials without echoing the password', async () => {
    const h = await setup({ users: { wazuh: 'another-password' } });
    const err = await caught(h.client.listAgents());
    expect(err).toBeInstanceOf(WazuhAuthError);
    expect((err as Error).message).toContain("login to the Wazuh API as 'wazuh' was rejected: Unauthorized");
    expectNoSecrets((err as Error).message);
    expectNoSecrets(inspect(err, { depth: 10 }));
    expect(h.fake.requestsTo('POST', '/security/user/authenticate')).toHaveLength(1); // wrong password: no retry
  });
});

describe('WazuhClient envelopes', () => {
  it('returns partial results (error 2) with the failed items visible to the caller', async () => {
    const h = await setup();
    const page = await h.client.listAgents({ agentsList: ['003', '999'] });
    expect(page.partial).toBe(true);
    expect(page.items.map((a) => a.id)).toEqual(['003']);
    expect(page.failedItems).toEqual([{ code: 1701, message: 'Agent does not exist', ids: ['999'] }]);
    expect(page.totalFailedItems).toBe(1);
    expect(h.logs.some((l) => l.startsWith('warn') && l.includes('GET /agents partially failed: 1701'))).toBe(
      true,
    );
  });

  it('throws WazuhRequestFailedError carrying the failed items when everything failed (error 1)', async () => {
    const h = await setup();
    const err = await caught(h.client.runActiveResponse({ command: 'firewall-drop0', agentsList: ['009'] }));
    expect(err).toBeInstanceOf(WazuhRequestFailedError);
    expect((err as WazuhRequestFailedError).failedItems).toEqual([
      expect.objectContaining({ code: 1707, ids: ['009'] }),
    ]);
    expect((err as Error).message).toContain('AR command was not sent to any agent');
  });

  it('maps problem+json errors to WazuhApiError with the HTTP status and Wazuh code', async () => {
    const h = await setup();
    const err = await caught(h.client.runActiveResponse({ command: 'not-in-ar-conf0', agentsList: ['001'] }));
    expect(err).toBeInstanceOf(WazuhApiError);
    expect(err).toMatchObject({ status: 400, wazuhCode: 1652 });
    expect((err as Error).message).toContain('The command used is not defined in the configuration');
  });

  it('reads manager information leniently from the Wazuh mock fixture', async () => {
    const h = await setup();
    const info = await h.client.getManagerInfo();
    expect(info).toMatchObject({ version: 'v4.12.1', type: 'server', opensslSupport: true, tzOffset: '0' });
    const api = await h.client.getApiInfo();
    expect(api.title).toBe('Wazuh API REST');
  });
});

describe('WazuhClient paging', () => {
  it('collects every agent across pages with offset/limit', async () => {
    const seeded = seedAgents();
    const agents = [...seeded, ...expandAgents(seeded, 1195)];
    const h = await setup({ agents });
    const ids: string[] = [];
    for await (const agent of h.client.iterateAgents()) ids.push(agent.id);
    expect(ids).toHaveLength(1205);
    expect(new Set(ids).size).toBe(1205);
    expect(ids).toEqual(agents.map((a) => a.id).sort());
    const offsets = h.fake.requestsTo('GET', '/agents').map((r) => [r.query.offset, r.query.limit]);
    expect(offsets).toEqual([
      ['0', '500'],
      ['500', '500'],
      ['1000', '500'],
    ]);
  });

  it('pages small inventories with filters and a small page size', async () => {
    const h = await setup({}, { pageSize: 2 });
    const ids: string[] = [];
    for await (const agent of h.client.iterateAgents({ status: ['active'] })) ids.push(agent.id);
    const active = seedAgents().filter((a) => a.status === 'active');
    expect(ids).toEqual(active.map((a) => a.id));
    expect(h.fake.requestsTo('GET', '/agents')).toHaveLength(Math.ceil(active.length / 2));
  });

  it('throws the failed items after yielding all agents when no handler is given', async () => {
    const h = await setup({}, { pageSize: 4 });
    const failure = { error: { code: 1760, message: 'injected failure' }, id: ['555'] };
    h.fake.partialNext('/agents', [failure]);
    const ids: string[] = [];
    const err = await caught(
      (async () => {
        for await (const agent of h.client.iterateAgents()) ids.push(agent.id);
      })(),
    );
    expect(ids).toHaveLength(10);
    expect(err).toBeInstanceOf(WazuhPartialFailureError);
    expect((err as WazuhPartialFailureError).failedItems).toEqual([
      { code: 1760, message: 'injected failure', ids: ['555'] },
    ]);
  });

  it('hands failed items to onFailedItems instead of throwing when a handler is given', async () => {
    const h = await setup({}, { pageSize: 4 });
    h.fake.partialNext('/agents', [{ error: { code: 1760, message: 'injected failure' }, id: ['555'] }]);
    const seen: WazuhFailedItem[] = [];
    let count = 0;
    for await (const _agent of h.client.iterateAgents({}, { onFailedItems: (f) => seen.push(...f) }))
      count += 1;
    expect(count).toBe(10);
    expect(seen.map((f) => f.code)).toEqual([1760]);
  });
});

describe('WazuhClient retries', () => {
  it('retries idempotent reads after a transient 5xx', async () => {
    const h = await setup();
    h.fake.failNext(2, 503);
    const page = await h.client.listAgents();
    expect(page.items).toHaveLength(10);
    expect(h.fake.requestsTo('GET', '/agents')).toHaveLength(3);
  });

  it('gives up after the configured retries with the HTTP status', async () => {
    const h = await setup();
    h.fake.failNext(5, 500);
    const err = await caught(h.client.listAgents());
    expect(err).toMatchObject({ status: 500 });
    expect(h.fake.requestsTo('GET', '/agents')).toHaveLength(3);
  });

  it('never retries an active response (it must not run twice)', async () => {
    const h = await setup();
    h.fake.failNext(1, 500);
    const err = await caught(h.client.runActiveResponse({ command: 'firewall-drop0', agentsList: ['001'] }));
    expect(err).toBeInstanceOf(WazuhApiError);
    expect(h.fake.requestsTo('PUT', '/active-response')).toHaveLength(1);
  });

  it('times out on a server that never answers', async () => {
    const hanging = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hanging.address() as AddressInfo;
      const client = new WazuhClient({
        url: `http://127.0.0.1:${port}`,
        username: 'wazuh',
        password: PASSWORD,
        timeoutMs: 200,
        retries: { max: 0 },
      });
      const err = await caught(client.listAgents());
      expect(err).toBeInstanceOf(WazuhTransportError);
      expect((err as Error).message).toContain('timed out after 200 ms');
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });
});

describe('WazuhClient TLS', () => {
  it('refuses a self-signed certificate by default, accepts it with its CA or with verify=false', async () => {
    const pair = await selfSignedCertificate();
    const h = await setup({ tls: pair });
    expect(h.fake.url.startsWith('https://')).toBe(true);

    const err = await caught(h.client.listAgents());
    expect(err).toBeInstanceOf(WazuhTransportError);
    expect((err as Error).message).toMatch(/TLS verification .* failed/);
    expect(h.fake.requests).toHaveLength(0); // not even the login reached the server

    const withCa = new WazuhClient(
      { url: h.fake.url, username: 'wazuh', password: PASSWORD, tls: { verify: true, ca: pair.cert } },
      { now: () => h.clock.now },
    );
    expect((await withCa.listAgents()).items).toHaveLength(10);

    const logs: string[] = [];
    const unverified = new WazuhClient(
      { url: h.fake.url, username: 'wazuh', password: PASSWORD, tls: { verify: false } },
      { logger: captureLogger(logs), now: () => h.clock.now },
    );
    expect((await unverified.listAgents()).items).toHaveLength(10);
    expect(logs.some((l) => l.startsWith('warn') && l.includes('verification is DISABLED'))).toBe(true);
  });
});

describe('WazuhClient active response', () => {
  it.each([
    ['an empty agent list', []],
    ['a missing agent list', undefined],
    ['the "all" keyword', ['all']],
    ['malformed ids', ['1; rm -rf /']],
  ])('refuses %s before sending any request', async (_label, agentsList) => {
    const h = await setup();
    const request = { command: 'firewall-drop0', agentsList } as unknown as Parameters<
      WazuhClient['runActiveResponse']
    >[0];
    await expect(h.client.runActiveResponse(request)).rejects.toBeInstanceOf(WazuhRefusedError);
    expect(h.fake.requests).toHaveLength(0);
  });

  it('refuses commands with path traversal', async () => {
    const h = await setup();
    await expect(
      h.client.runActiveResponse({ command: '!../../bin/sh', agentsList: ['001'] }),
    ).rejects.toBeInstanceOf(WazuhRefusedError);
    expect(h.fake.requests).toHaveLength(0);
  });

  it('sends the command only to the listed agents and reports per-agent failures', async () => {
    const h = await setup();
    const result = await h.client.runActiveResponse({
      command: 'firewall-drop0',
      arguments: ['-', 'null'],
      alert: { data: { srcip: '203.0.113.7' } },
      agentsList: ['001', '003', '009'],
    });
    expect(result.items).toEqual(['001', '003']);
    expect(result.partial).toBe(true);
    expect(result.failedItems).toEqual([expect.objectContaining({ code: 1707, ids: ['009'] })]);
    const [put] = h.fake.requestsTo('PUT', '/active-response');
    expect(put.query).toEqual({ agents_list: '001,003,009' });
    expect(h.fake.arExecutions).toEqual([
      {
        command: 'firewall-drop0',
        agentIds: ['001', '003'],
        arguments: ['-', 'null'],
        alert: { data: { srcip: '203.0.113.7' } },
      },
    ]);
  });
});

describe('WazuhClient secrets', () => {
  it('keeps the password and tokens out of every log line and error across a full session', async () => {
    const h = await setup();
    await h.client.listAgents();
    const token = h.fake.requestsTo('GET', '/agents').length; // ensure a token was used
    expect(token).toBe(1);
    h.fake.revokeTokens();
    await h.client.listAgents({ agentsList: ['001', '999'] });
    h.fake.rejectAllTokens = true;
    const err = await caught(h.client.getManagerInfo());
    const badLogin = new WazuhClient(
      { url: h.fake.url, username: 'wazuh', password: `${PASSWORD}-wrong`, retries: { max: 0 } },
      { logger: captureLogger(h.logs) },
    );
    const loginErr = await caught(badLogin.listAgents());
    expect(h.logs.length).toBeGreaterThan(3);
    for (const text of [...h.logs, (err as Error).message, inspect(err, { depth: 10 }), inspect(loginErr)]) {
      expectNoSecrets(text);
    }
  });

  it('scrubs credentials a server echoes back in its error details', async () => {
    const h = await setup({}, { retries: { max: 0 } });
    h.fake.echoAuthorizationInErrors = true;
    h.fake.failNext(1, 500, { includeLogin: true });
    const loginErr = await caught(h.client.listAgents());
    await h.client.listAgents(); // logs in, so a bearer token exists
    h.fake.failNext(1, 500);
    const readErr = await caught(h.client.listAgents());
    const basic = Buffer.from(`wazuh:${PASSWORD}`).toString('base64');
    for (const err of [loginErr, readErr]) {
      expect((err as Error).message).toContain('received Authorization: ');
      expectNoSecrets((err as Error).message, [basic]);
    }
    expect((loginErr as Error).message).toContain('Basic [REDACTED]');
    expect((readErr as Error).message).toContain('Bearer [REDACTED]');
  });

  it('rejects configuration without echoing the password', () => {
    let message = '';
    try {
      new WazuhClient({ url: 'not a url', username: 'wazuh', password: PASSWORD });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/invalid Wazuh API configuration: url/);
    expectNoSecrets(message);
  });
});
