import * as crypto from 'crypto';
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import jwt from 'jsonwebtoken';
import { seedAgents, seedApiInfo, seedManagerInfo, type WireAgent } from './seed';

/**
 * An in-process fake of the Wazuh 4.x server API on 127.0.0.1 (random port), for tests: JWT login with basic
 * auth, 401 on missing/expired/revoked tokens, offset/limit paging and filters on GET /agents, GET /manager/info,
 * PUT /active-response with Wazuh's per-agent results, and switches for partial failures and transient errors.
 * Data is seeded from Wazuh's own example responses (./seed.ts). Every exchange is reported to `onExchange`, so
 * tests can validate it against Wazuh's OpenAPI spec (./spec_validator.ts).
 */

export interface FakeExchange {
  method: string;
  /** The spec path template that served the request, e.g. `/agents`; undefined for unknown paths. */
  pathTemplate?: string;
  query: URLSearchParams;
  requestBody: unknown;
  status: number;
  contentType: string;
  body: unknown;
  /** True when the answer was forced by `failNext` (the spec does not document 5xx answers). */
  injected: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  auth: 'basic' | 'bearer' | 'none';
  body: unknown;
}

export interface ArExecution {
  command: string;
  agentIds: string[];
  arguments?: unknown;
  alert?: unknown;
}

export interface FakeWazuhApiOptions {
  /** user -> password; default `{ wazuh: 'wazuh' }` (Wazuh's default API user). */
  users?: Record<string, string>;
  /** auth_token_exp_timeout in seconds (Wazuh default 900). */
  tokenLifetimeSeconds?: number;
  agents?: WireAgent[];
  /** Command names defined in the manager's ar.conf (name + timeout suffix). */
  arCommands?: string[];
  /** Serve HTTPS with this key/certificate instead of plain HTTP. */
  tls?: { key: string; cert: string };
  /** Clock in epoch ms (shared with the client in tests to move time without sleeping). */
  now?: () => number;
  onExchange?: (exchange: FakeExchange) => void;
}

interface WireFailedItem {
  error: { code: number; message: string; remediation?: string };
  id: string[];
}

/** Stock ar.conf entries of a manager (wazuh:etc/ossec-server.conf), with the timeout suffix ar.conf adds. */
const DEFAULT_AR_COMMANDS = [
  'disable-account0',
  'restart-wazuh0',
  'firewall-drop0',
  'host-deny0',
  'route-null0',
];

const AGENT_STATUSES = ['active', 'pending', 'never_connected', 'disconnected'];

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly wazuhCode?: number,
  ) {
    super(detail);
  }
}

export class FakeWazuhApi {
  readonly requests: RecordedRequest[] = [];
  readonly arExecutions: ArExecution[] = [];
  loginCount = 0;
  agents: WireAgent[];
  tokenLifetimeSeconds: number;
  /** When true, every bearer token is rejected with 401 (a server that keeps revoking tokens). */
  rejectAllTokens = false;
  /**
   * When true, injected failures echo the request's Authorization header in `detail`, like a misbehaving proxy or
   * debug endpoint would; used to prove the client scrubs secrets it did not put into messages itself.
   */
  echoAuthorizationInErrors = false;
  private readonly users: Record<string, string>;
  private readonly arCommands: Set<string>;
  private readonly now: () => number;
  private readonly keys = crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
  private readonly revoked = new Set<string>();
  private readonly issued = new Set<string>();
  private faults: { remaining: number; status: number; includeLogin: boolean } = {
    remaining: 0,
    status: 500,
    includeLogin: false,
  };
  private partial?: { pathTemplate: string; failedItems: WireFailedItem[] };
  private server?: http.Server;
  url = '';

  private constructor(private readonly options: FakeWazuhApiOptions) {
    this.users = options.users ?? { wazuh: 'wazuh' };
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 900;
    this.agents = options.agents ?? seedAgents();
    this.arCommands = new Set(options.arCommands ?? DEFAULT_AR_COMMANDS);
    this.now = options.now ?? Date.now;
  }

  static async start(options: FakeWazuhApiOptions = {}): Promise<FakeWazuhApi> {
    const fake = new FakeWazuhApi(options);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      void fake.handle(req, res);
    };
    const server = options.tls ? https.createServer({ ...options.tls }, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.server = server;
    const { port } = server.address() as AddressInfo;
    fake.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return fake;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answer the next `count` requests (login excluded unless asked) with `status` (a transient failure). */
  failNext(count: number, status = 500, options: { includeLogin?: boolean } = {}): void {
    this.faults = { remaining: count, status, includeLogin: options.includeLogin ?? false };
  }

  /** Add these failed items (and so `error: 2`) to the next answer of `pathTemplate`. */
  partialNext(pathTemplate: string, failedItems: WireFailedItem[]): void {
    this.partial = { pathTemplate, failedItems };
  }

  /** Revoke every token issued so far, as Wazuh does after a security configuration change. */
  revokeTokens(): void {
    for (const t of this.issued) this.revoked.add(t);
  }

  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  // ---- request handling -------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    let requestBody: unknown;
    const authHeader = req.headers.authorization ?? '';
    const auth = /^basic /i.test(authHeader) ? 'basic' : /^bearer /i.test(authHeader) ? 'bearer' : 'none';
    let pathTemplate: string | undefined;
    let status = 200;
    let contentType = 'application/json';
    let body: unknown;
    let injected = false;
    try {
      requestBody = raw.length > 0 ? parseJson(raw) : undefined;
      this.requests.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        auth,
        body: requestBody,
      });
      pathTemplate = routeTemplate(url.pathname);
      const isLogin = pathTemplate === '/security/user/authenticate';
      if (this.faults.remaining > 0 && (!isLogin || this.faults.includeLogin)) {
        this.faults.remaining -= 1;
        injected = true;
        const echo = this.echoAuthorizationInErrors ? ` (received Authorization: ${authHeader})` : '';
        throw new HttpProblem(
          this.faults.status,
          'Internal Server Error',
          `injected transient failure${echo}`,
        );
      }
      if (isLogin) {
        const token = this.login(method, authHeader);
        if (url.searchParams.get('raw') === 'true') {
          contentType = 'text/plain';
          body = token;
        } else {
          body = { data: { token }, error: 0 };
        }
      } else {
        this.authorize(authHeader);
        body = this.route(method, pathTemplate, url.searchParams, requestBody);
      }
    } catch (err) {
      const problem =
        err instanceof HttpProblem
          ? err
          : new HttpProblem(500, 'Internal Server Error', 'fake Wazuh API error');
      status = problem.status;
      contentType = 'application/problem+json';
      body = {
        title: problem.title,
        detail: problem.detail,
        ...(problem.wazuhCode !== undefined ? { error: problem.wazuhCode } : {}),
      };
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    this.options.onExchange?.({
      method,
      pathTemplate,
      query: url.searchParams,
      requestBody,
      status,
      contentType,
      body,
      injected,
    });
  }

  private login(method: string, authHeader: string): string {
    if (method !== 'POST' && method !== 'GET') {
      throw new HttpProblem(405, 'Method Not Allowed', 'Specified method is invalid for this resource');
    }
    const match = /^basic (.+)$/i.exec(authHeader);
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    const user = sep >= 0 ? decoded.slice(0, sep) : '';
    const password = sep >= 0 ? decoded.slice(sep + 1) : '';
    const expected = Object.prototype.hasOwnProperty.call(this.users, user) ? this.users[user] : undefined;
    if (expected === undefined || expected !== password) {
      throw new HttpProblem(401, 'Unauthorized', 'Invalid credentials');
    }
    this.loginCount += 1;
    const nowSeconds = Math.floor(this.now() / 1000);
    // Claims as in wazuh:api/api/authentication.py generate_token (ES512).
    const token = jwt.sign(
      {
        iss: 'wazuh',
        aud: 'Wazuh API REST',
        nbf: nowSeconds,
        iat: nowSeconds,
        exp: nowSeconds + this.tokenLifetimeSeconds,
        sub: user,
        run_as: false,
        rbac_roles: [1],
        rbac_mode: 'white',
        // Not a Wazuh claim: makes two tokens issued in the same second distinct, so revocation is exact.
        jti: crypto.randomUUID(),
      },
      this.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { algorithm: 'ES512' },
    );
    this.issued.add(token);
    return token;
  }

  private authorize(authHeader: string): void {
    const match = /^bearer (.+)$/i.exec(authHeader);
    if (!match) throw new HttpProblem(401, 'Unauthorized', 'No authorization token provided');
    const token = match[1];
    if (this.rejectAllTokens || this.revoked.has(token))
      throw new HttpProblem(401, 'Unauthorized', 'Invalid token');
    try {
      jwt.verify(token, this.keys.publicKey.export({ type: 'spki', format: 'pem' }), {
        algorithms: ['ES512'],
        audience: 'Wazuh API REST',
        issuer: 'wazuh',
        clockTimestamp: Math.floor(this.now() / 1000),
      });
    } catch {
      throw new HttpProblem(401, 'Unauthorized', 'Invalid token');
    }
  }

  private route(
    method: string,
    template: string | undefined,
    query: URLSearchParams,
    body: unknown,
  ): unknown {
    if (template === undefined) throw new HttpProblem(404, 'Not Found', '404: Not Found');
    const allowed: Record<string, string> = {
      '/': 'GET',
      '/agents': 'GET',
      '/manager/info': 'GET',
      '/active-response': 'PUT',
    };
    if (allowed[template] !== method) {
      throw new HttpProblem(405, 'Method Not Allowed', 'Specified method is invalid for this resource');
    }
    switch (template) {
      case '/':
        return { data: seedApiInfo(), error: 0 };
      case '/manager/info':
        return this.itemsResult('/manager/info', [seedManagerInfo()], [], {
          ok: 'Basic information was successfully read in specified node',
        });
      case '/agents':
        return this.listAgents(query);
      case '/active-response':
        return this.activeResponse(query, body);
      default:
        throw new HttpProblem(404, 'Not Found', '404: Not Found');
    }
  }

  private listAgents(query: URLSearchParams): unknown {
    const offset = intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(query, 'limit', 500, 1, 100_000);
    let agents = this.agents.slice();
    const failed: WireFailedItem[] = [];
    const list = query.get('agents_list');
    if (list !== null) {
      const ids = list.split(',');
      const missing = ids.filter((id) => !agents.some((a) => a.id === id));
      if (missing.length > 0)
        failed.push({ error: { code: 1701, message: 'Agent does not exist' }, id: missing });
      agents = agents.filter((a) => ids.includes(a.id));
    }
    const statuses = query.get('status');
    if (statuses !== null) {
      const wanted = statuses.split(',');
      if (wanted.some((s) => !AGENT_STATUSES.includes(s))) {
        throw new HttpProblem(400, 'Bad Request', `'${statuses}' is not a valid agent status`);
      }
      agents = agents.filter((a) => wanted.includes(String(a.status)));
    }
    for (const field of [
      'group',
      'name',
      'ip',
      'os.platform',
      'os.name',
      'os.version',
      'node_name',
      'version',
    ]) {
      const wanted = query.get(field);
      if (wanted === null) continue;
      agents = agents.filter((a) =>
        field === 'group' ? asArray(a.group).includes(wanted) : String(getPath(a, field)) === wanted,
      );
    }
    const q = query.get('q');
    if (q !== null) agents = agents.filter(compileQuery(q));
    const search = query.get('search');
    if (search !== null) {
      const negate = search.startsWith('-');
      const needle = (negate ? search.slice(1) : search).toLowerCase();
      agents = agents.filter((a) => JSON.stringify(a).toLowerCase().includes(needle) !== negate);
    }
    agents.sort(compileSort(query.get('sort') ?? '+id'));
    const page = agents.slice(offset, offset + limit);
    const select = query.get('select');
    const items = select === null ? page : page.map((a) => project(a, select.split(',')));
    return this.itemsResult('/agents', items, failed, {
      ok: 'All selected agents information was returned',
      partial: 'Some agents information was not returned',
      none: 'No agent information was returned',
      total: agents.length,
    });
  }

  private activeResponse(query: URLSearchParams, body: unknown): unknown {
    if (
      typeof body !== 'object' ||
      body === null ||
      typeof (body as { command?: unknown }).command !== 'string'
    ) {
      throw new HttpProblem(400, 'Bad Request', "'command' is a required property");
    }
    const {
      command,
      arguments: args,
      alert,
    } = body as { command: string; arguments?: unknown; alert?: unknown };
    // framework/wazuh/core/active_response.py validate_command: non-'!' commands must exist in ar.conf.
    if (!command.startsWith('!') && !this.arCommands.has(command)) {
      throw new HttpProblem(
        400,
        'Bad Request',
        'The command used is not defined in the configuration.',
        1652,
      );
    }
    const list = query.get('agents_list');
    // As the real API: without agents_list the command goes to ALL agents. The client must never rely on that.
    const targets = list === null ? this.agents.map((a) => a.id) : list.split(',');
    const sent: string[] = [];
    const missing: string[] = [];
    const inactive: string[] = [];
    for (const id of targets) {
      const agent = this.agents.find((a) => a.id === id);
      if (!agent) missing.push(id);
      else if (agent.status !== 'active') inactive.push(id);
      else sent.push(id);
    }
    const failed: WireFailedItem[] = [];
    if (missing.length) failed.push({ error: { code: 1701, message: 'Agent does not exist' }, id: missing });
    if (inactive.length) {
      failed.push({
        error: {
          code: 1707,
          message: 'Cannot send request, agent is not active',
          remediation: 'Please, check non-active agents connection and try again',
        },
        id: inactive,
      });
    }
    if (sent.length) this.arExecutions.push({ command, agentIds: sent, arguments: args, alert });
    return this.itemsResult('/active-response', sent, failed, {
      ok: 'AR command was sent to all agents',
      partial: 'AR command was not sent to some agents',
      none: 'AR command was not sent to any agent',
    });
  }

  /** AffectedItemsWazuhResult.render: error 0 all ok, 1 nothing affected but failures, 2 some of both. */
  private itemsResult(
    template: string,
    items: unknown[],
    failed: WireFailedItem[],
    messages: { ok: string; partial?: string; none?: string; total?: number },
  ): unknown {
    const allFailed = failed.slice();
    if (this.partial && this.partial.pathTemplate === template) {
      allFailed.push(...this.partial.failedItems);
      this.partial = undefined;
    }
    const failedCount = allFailed.reduce((n, f) => n + f.id.length, 0);
    const error = failedCount === 0 ? 0 : items.length === 0 ? 1 : 2;
    const message =
      error === 0
        ? messages.ok
        : error === 2
          ? (messages.partial ?? messages.ok)
          : (messages.none ?? messages.ok);
    return {
      data: {
        affected_items: items,
        total_affected_items: messages.total ?? items.length,
        total_failed_items: failedCount,
        failed_items: allFailed,
      },
      message,
      error,
    };
  }
}

// ---- helpers ------------------------------------------------------------------------------------------------

function routeTemplate(pathname: string): string | undefined {
  const p = pathname.replace(/\/+$/, '') || '/';
  return ['/', '/agents', '/manager/info', '/active-response', '/security/user/authenticate'].includes(p)
    ? p
    : undefined;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpProblem(400, 'Bad Request', 'Request body is not valid JSON');
  }
}

function intParam(query: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new HttpProblem(400, 'Bad Request', `${raw} is not valid for '${name}' (${min}..${max})`);
  }
  return n;
}

function asArray(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[part] : undefined;
  }
  return cur;
}

function project(agent: WireAgent, fields: string[]): WireAgent {
  const out: Record<string, unknown> = { id: agent.id };
  for (const field of fields) {
    const value = getPath(agent, field);
    if (value === undefined) continue;
    const parts = field.split('.');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      target[part] = typeof target[part] === 'object' && target[part] !== null ? target[part] : {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]] = value;
  }
  return out as WireAgent;
}

/** Subset of Wazuh's `q` language: `field<op>value` with op in = != < > ~, `;` = AND, `,` = OR, no parentheses. */
function compileQuery(q: string): (agent: WireAgent) => boolean {
  const orGroups = q.split(',').map((group) =>
    group.split(';').map((term) => {
      const m = /^([\w.-]+)(!=|=|<|>|~)(.*)$/.exec(term);
      if (!m) throw new HttpProblem(400, 'Bad Request', `Invalid query term '${term}'`);
      return { field: m[1], op: m[2], value: m[3] };
    }),
  );
  return (agent) =>
    orGroups.some((terms) =>
      terms.every(({ field, op, value }) => {
        const actual = getPath(agent, field);
        const text = Array.isArray(actual) ? actual.join(',') : String(actual ?? '');
        switch (op) {
          case '=':
            return Array.isArray(actual) ? actual.map(String).includes(value) : text === value;
          case '!=':
            return text !== value;
          case '~':
            return text.toLowerCase().includes(value.toLowerCase());
          case '<':
            return text < value;
          default:
            return text > value;
        }
      }),
    );
}

function compileSort(sort: string): (a: WireAgent, b: WireAgent) => number {
  const keys = sort.split(',').map((k) => ({
    desc: k.startsWith('-'),
    field: k.replace(/^[+\-\s]/, ''),
  }));
  return (a, b) => {
    for (const { desc, field } of keys) {
      const x = String(getPath(a, field) ?? '');
      const y = String(getPath(b, field) ?? '');
      if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
    }
    return 0;
  };
}
