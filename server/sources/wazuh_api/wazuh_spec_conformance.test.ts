import * as fs from 'fs';
import axios from 'axios';
import { datasetPath } from '../../../scripts/lib/datasets';
import { startValidatedFake } from '../../../test/fakes/wazuh_api/harness';
import { WazuhSpecValidator } from '../../../test/fakes/wazuh_api/spec_validator';

/**
 * The fake Wazuh API is only useful if it answers like the real one. These tests pin the validator itself
 * (it accepts Wazuh's own examples and rejects bodies that break the spec) and the fake's error answers.
 */
const spec = WazuhSpecValidator.load();

function example(...parts: string[]): unknown {
  return JSON.parse(fs.readFileSync(datasetPath('wazuh', 'api', 'example-responses', ...parts), 'utf8'));
}

describe('Wazuh OpenAPI spec validator', () => {
  it('loads the 4.14.7 spec from the shared datasets', () => {
    expect(spec.version).toBe('4.14.7');
  });

  it("accepts Wazuh's own example responses the fake is seeded from", () => {
    expect(
      spec.validateResponse(
        'GET',
        '/agents',
        200,
        'application/json',
        example('agents', 'agent', 'agents.json'),
      ),
    ).toEqual({ ok: true, errors: [] });
    expect(
      spec.validateResponse('GET', '/manager/info', 200, 'application/json', example('manager', 'info.json'))
        .ok,
    ).toBe(true);
  });

  it('rejects an agent list whose ids are numbers (agents/group.json of the Wazuh mock)', () => {
    const check = spec.validateResponse(
      'GET',
      '/agents',
      200,
      'application/json',
      example('agents', 'group.json'),
    );
    expect(check.ok).toBe(false);
    expect(check.errors).toContain('/data/affected_items/0/id must be string');
  });

  it('rejects the raw api_info fixture (revision is a number, the spec says string)', () => {
    const check = spec.validateResponse(
      'GET',
      '/',
      200,
      'application/json',
      example('api-info', 'api_info.json'),
    );
    expect(check.errors).toEqual(['/data/revision must be string']);
  });

  it('rejects envelopes with missing counters, unknown statuses and malformed failed items', () => {
    const body = {
      data: { affected_items: [{ id: '001', status: 'sleeping' }], failed_items: [{ id: ['002'] }] },
      error: 0,
    };
    const check = spec.validateResponse('GET', '/agents', 200, 'application/json', body);
    expect(check.ok).toBe(false);
    expect(check.errors.join('\n')).toMatch(/total_affected_items/);
    expect(check.errors.join('\n')).toMatch(/status must be equal to one of the allowed values/);
    expect(check.errors.join('\n')).toMatch(/failed_items\/0 must have required property 'error'/);
  });

  it('rejects problem bodies without detail and undocumented statuses', () => {
    expect(
      spec.validateResponse('GET', '/agents', 401, 'application/problem+json', { title: 'Unauthorized' }).ok,
    ).toBe(false);
    expect(spec.validateResponse('GET', '/agents', 418, 'application/json', {}).errors).toEqual([
      'GET /agents: status 418 is not documented',
    ]);
  });

  it('checks client requests: body, query types, enums and undocumented parameters', () => {
    expect(spec.validateRequestBody('PUT', '/active-response', { arguments: [] }).ok).toBe(false);
    expect(spec.validateRequestBody('PUT', '/active-response', { command: '!../../sh' }).ok).toBe(false);
    expect(spec.validateRequestBody('PUT', '/active-response', { command: 'firewall-drop0' }).ok).toBe(true);
    expect(spec.validateQuery('GET', '/agents', new URLSearchParams('limit=0')).ok).toBe(false);
    expect(spec.validateQuery('GET', '/agents', new URLSearchParams('status=sleeping')).ok).toBe(false);
    expect(spec.validateQuery('GET', '/agents', new URLSearchParams('agents_list=1,002')).ok).toBe(false);
    expect(spec.validateQuery('GET', '/agents', new URLSearchParams('os_platform=windows')).errors).toEqual([
      "query parameter 'os_platform' is not documented for GET /agents",
    ]);
    expect(
      spec.validateQuery('GET', '/agents', new URLSearchParams('offset=500&limit=500&status=active,pending'))
        .ok,
    ).toBe(true);
  });
});

describe('fake Wazuh API answers like the spec says', () => {
  it('serves spec-conforming 200, 400 and 401 answers', async () => {
    const { fake, violations, exchanges } = await startValidatedFake();
    try {
      const http = axios.create({ baseURL: fake.url, validateStatus: () => true, proxy: false });
      expect((await http.get('/agents')).status).toBe(401); // no token
      expect((await http.get('/agents', { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
      expect(
        (await http.post('/security/user/authenticate', null, { auth: { username: 'wazuh', password: 'x' } }))
          .status,
      ).toBe(401);
      const login = await http.post('/security/user/authenticate', null, {
        auth: { username: 'wazuh', password: 'wazuh' },
      });
      const headers = { Authorization: `Bearer ${String(login.data.data.token)}` };
      const raw = await http.post('/security/user/authenticate?raw=true', null, {
        auth: { username: 'wazuh', password: 'wazuh' },
      });
      expect(raw.headers['content-type']).toBe('text/plain');
      expect((await http.get('/agents?limit=0', { headers })).status).toBe(400);
      const windows = await http.get('/agents?select=name,os.platform&sort=-name&q=os.platform=windows', {
        headers,
      });
      expect(windows.data.data.affected_items).toEqual([
        { id: '010', name: 'disconnected-agent-2', os: { platform: 'windows' } },
        { id: '003', name: 'Windows-agent', os: { platform: 'windows' } },
      ]);
      expect((await http.get('/', { headers })).status).toBe(200);
      expect((await http.get('/manager/info', { headers })).status).toBe(200);
      const ar = await http.put(
        '/active-response?agents_list=001,999',
        { command: 'restart-wazuh0' },
        { headers },
      );
      expect(ar.data).toMatchObject({ error: 2, data: { total_failed_items: 1 } });
      expect(exchanges.length).toBe(10);
      // The only violation is the deliberately invalid request; every answer body matched the spec.
      expect(violations).toEqual(["GET /agents 400: query 'limit': (root) must be >= 1"]);
    } finally {
      await fake.close();
    }
  });
});
