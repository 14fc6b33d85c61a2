import { Client } from '@elastic/elasticsearch';
import { API_PATHS } from '../../common/api';
import type { StandaloneHost } from '../../scripts/host/standalone_host';
import type { AptDetectionConfig } from '../../server/config';
import { winlogbeatLogon } from '../fixtures/winlogbeat_docs';
import { stackUrls } from '../stack_env';
import { ADMIN_TOKEN, bruteForceLines, startTestHost, VIEWER_TOKEN } from './host_helpers';

describe('standalone host API on the real stack', () => {
  let host: StandaloneHost;
  let config: AptDetectionConfig;
  let es: Client;

  beforeAll(async () => {
    ({ host, config } = await startTestHost());
    es = new Client({ node: stackUrls().esUrl });
  });
  afterAll(async () => {
    await host.stop();
    await es.close();
  });

  const post = (path: string, body: string | Uint8Array, token?: string, type = 'application/x-ndjson') =>
    fetch(`${host.url}${path}`, {
      method: 'POST',
      body: typeof body === 'string' ? body : new Blob([body as Uint8Array<ArrayBuffer>]),
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  it('answers 401 without a token and 401 with an unknown one', async () => {
    expect((await post(API_PATHS.ingestEvents, '{}')).status).toBe(401);
    expect((await post(API_PATHS.ingestEvents, '{}', 'x'.repeat(40))).status).toBe(401);
    expect((await fetch(`${host.url}${API_PATHS.status}`)).status).toBe(401);
  });

  it('answers 403 when the token lacks the route privilege, and 200 for a read route it has', async () => {
    const res = await post(API_PATHS.ingestEvents, JSON.stringify(winlogbeatLogon(1)), VIEWER_TOKEN);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/aptDetection_write/);
    const status = await fetch(`${host.url}${API_PATHS.status}`, {
      headers: { authorization: `Bearer ${VIEWER_TOKEN}` },
    });
    expect(status.status).toBe(200);
  });

  it('accepts 1,000 documents with 202 only once all 1,000 are in the intake index', async () => {
    const body = Array.from({ length: 1000 }, (_, i) => JSON.stringify(winlogbeatLogon(i))).join('\n');
    const res = await post(API_PATHS.ingestEvents, body, ADMIN_TOKEN);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1000, rejected: 0, errors: [] });
    await es.indices.refresh({ index: `${config.intake.index}-*` });
    expect((await es.count({ index: `${config.intake.index}-*` })).count).toBe(1000);
  });

  it('rejects 10 bad lines by line number with reasons, keeps the rest, and dead-letters the bad ones', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify(winlogbeatLogon(5000 + i)));
    const badAt = [3, 17, 40, 41, 77, 100, 123, 150, 199, 200];
    badAt.forEach((n, k) => {
      lines[n - 1] =
        k % 3 === 0
          ? '{"@timestamp": "2024-05-01T00:00:00Z", broken'
          : k % 3 === 1
            ? JSON.stringify({ ...winlogbeatLogon(n), '@timestamp': 'not a date' })
            : '[1,2,3]';
    });
    const before = (await es.count({ index: `${config.intake.index}-*` })).count;
    const res = await post(API_PATHS.ingestEvents, lines.join('\n'), ADMIN_TOKEN);
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      accepted: number;
      rejected: number;
      errors: Array<{ line: number; reason: string; field: string }>;
    };
    expect(body.accepted).toBe(190);
    expect(body.errors.map((e) => e.line)).toEqual(badAt);
    expect(body.errors.every((e) => e.reason.length > 0)).toBe(true);
    expect(body.errors.find((e) => e.line === 17)?.field).toBe('@timestamp');
    await es.indices.refresh({ index: [`${config.intake.index}-*`, config.intake.deadLetterIndex] });
    expect((await es.count({ index: `${config.intake.index}-*` })).count).toBe(before + 190);
    expect((await es.count({ index: config.intake.deadLetterIndex })).count).toBe(10);
  });

  it('refuses a 50 MB body with 413 before reading it', async () => {
    const big = new Uint8Array(new ArrayBuffer(50 * 1024 * 1024)).fill(0x20);
    const res = await post(API_PATHS.ingestEvents, big, ADMIN_TOKEN);
    expect(res.status).toBe(413);
  });

  it('refuses more documents than the per-request limit with 413', async () => {
    const body = Array.from({ length: config.ingest.maxDocuments + 1 }, () => '{}').join('\n');
    const res = await post(API_PATHS.ingestEvents, body, ADMIN_TOKEN);
    expect(res.status).toBe(413);
  });

  it('turns ingested events into an ATT&CK-tagged alert the alerts API returns (ingest -> intake task -> alert)', async () => {
    const lines = bruteForceLines('srv-files.corp.example');
    const res = await post(API_PATHS.ingestEvents, lines.join('\n'), ADMIN_TOKEN);
    expect(res.status).toBe(202);
    await host.taskManager.runSoon('aptDetection:detect-intake:1');
    const deadline = Date.now() + 60_000;
    let found: { ruleId: string; techniques: Array<{ id: string }>; explanation: string } | undefined;
    while (!found && Date.now() < deadline) {
      const r = await fetch(`${host.url}${API_PATHS.alerts}?host=srv-files.corp.example`, {
        headers: { authorization: `Bearer ${VIEWER_TOKEN}` },
      });
      const body = (await r.json()) as {
        alerts: Array<{ ruleId: string; techniques: Array<{ id: string }>; explanation: string }>;
      };
      // A just-created alerts index can answer 503 until its shard has started: keep polling.
      found = body.alerts?.find((a) => a.techniques.some((t) => t.id.startsWith('T1110')));
      if (!found) await new Promise((d) => setTimeout(d, 500));
    }
    expect(found).toBeDefined();
    expect(found!.explanation.length).toBeGreaterThan(20);
  });

  it('reports connections in the status API', async () => {
    const res = await fetch(`${host.url}${API_PATHS.status}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const body = (await res.json()) as { connections: Array<{ name: string; reachable: boolean }> };
    const byName = Object.fromEntries(body.connections.map((c) => [c.name, c.reachable]));
    expect(byName.elasticsearch).toBe(true);
    expect(byName.redis).toBe(true);
  });
});
