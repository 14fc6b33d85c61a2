import * as https from 'https';
import * as tls from 'tls';
import axios, { AxiosError, type AxiosInstance, type Method } from 'axios';
import { z } from 'zod';
import { parseWazuhApiConfig, type WazuhApiConfig } from './config';
import {
  WazuhApiError,
  WazuhAuthError,
  WazuhPartialFailureError,
  WazuhRefusedError,
  WazuhRequestFailedError,
  WazuhResponseShapeError,
  WazuhTransportError,
} from './errors';
import { redactSecrets } from './redact';
import { needsRenewal, tokenState, type TokenState } from './token';
import {
  affectedItemsEnvelopeSchema,
  agentWireSchema,
  envelopeCodeSchema,
  loginWireSchema,
  managerInfoWireSchema,
  problemWireSchema,
  toAgent,
  toFailedItem,
  toManagerInfo,
  type WazuhAgent,
  type WazuhAgentStatus,
  type WazuhFailedItem,
  type WazuhItemsResult,
  type WazuhManagerInfo,
} from './types';

/** Structurally compatible with Kibana's `Logger`, so the plugin can pass its own. */
export interface WazuhLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface WazuhClientDeps {
  logger?: WazuhLogger;
  /** Clock in epoch ms; injectable so token-renewal tests need not sleep 15 minutes. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Filters of `GET /agents` (spec parameters); lists are sent comma-separated as Wazuh expects. */
export interface AgentQuery {
  agentsList?: string[];
  status?: WazuhAgentStatus[];
  /** Wazuh filter query, e.g. `os.platform=windows;status=active`. */
  q?: string;
  search?: string;
  select?: string[];
  sort?: string;
  group?: string;
  name?: string;
  ip?: string;
  osPlatform?: string;
  offset?: number;
  limit?: number;
}

export interface ActiveResponseRequest {
  /** ar.conf command name with its timeout suffix (`firewall-drop0`) or `!script` run from the agent's bin dir. */
  command: string;
  arguments?: string[];
  /** Passed to the agent script as parameters.alert; firewall scripts read `alert.data.srcip`. */
  alert?: { data?: Record<string, unknown> } & Record<string, unknown>;
  /** Explicit target agents. Required and non-empty: Wazuh sends to ALL agents when agents_list is omitted. */
  agentsList: string[];
}

export interface WazuhApiInfo {
  title?: string;
  apiVersion?: string;
  hostname?: string;
}

export interface IterateAgentsOptions {
  /** Receives the failed items of each page. Without it, failures are thrown after the last agent is yielded. */
  onFailedItems?: (failed: WazuhFailedItem[]) => void;
}

const AGENT_ID = /^\d{3,}$/;
// Wazuh's own `active_response_command` format (api/api/validator.py): optional '!', then a safe path.
const AR_COMMAND = /^!?[\w\-.\\/:]+$/;
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const agentQuerySchema = z.object({
  agentsList: z
    .array(z.string().regex(AGENT_ID, 'agent ids are numeric strings like "001"'))
    .min(1)
    .optional(),
  status: z
    .array(z.enum(['active', 'pending', 'never_connected', 'disconnected']))
    .min(1)
    .optional(),
  q: z.string().min(1).optional(),
  search: z.string().min(1).optional(),
  select: z.array(z.string().min(1)).min(1).optional(),
  sort: z.string().min(1).optional(),
  group: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  ip: z.string().min(1).optional(),
  osPlatform: z.string().min(1).optional(),
  offset: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
});

const basicEnvelopeSchema = z.object({ error: envelopeCodeSchema, message: z.string().optional() });
const apiInfoWireSchema = z.object({
  data: z.object({
    title: z.string().optional(),
    api_version: z.string().optional(),
    hostname: z.string().optional(),
  }),
});

interface SendOptions {
  method: Method;
  path: string;
  params?: Record<string, string | number>;
  data?: unknown;
  /** Only idempotent requests are retried on 429/5xx/network errors; active response must never run twice. */
  idempotent: boolean;
}

/**
 * Client of the Wazuh 4.x server REST API: JWT login with renewal before expiry, one re-login on 401,
 * the `error` 0/1/2 envelope surfaced as typed results/errors, offset/limit paging, TLS verification on by default.
 */
export class WazuhClient {
  private readonly config: WazuhApiConfig;
  private readonly http: AxiosInstance;
  private readonly logger?: WazuhLogger;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private token?: TokenState;
  private login?: Promise<TokenState>;

  constructor(config: unknown, deps: WazuhClientDeps = {}) {
    this.config = parseWazuhApiConfig(config);
    this.logger = deps.logger;
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const { verify, ca } = this.config.tls;
    if (!verify) {
      this.log('warn', `TLS certificate verification is DISABLED for the Wazuh API at ${this.config.url}`);
    }
    this.http = axios.create({
      baseURL: this.config.url.replace(/\/+$/, ''),
      timeout: this.config.timeoutMs,
      // A redirect could carry the Basic credentials or the JWT to another host.
      maxRedirects: 0,
      // Environment proxies would silently route credentials through a third party; configure explicitly if needed.
      proxy: false,
      validateStatus: () => true,
      httpsAgent: new https.Agent({
        rejectUnauthorized: verify,
        // `ca` replaces Node's trust store, so keep the system roots and add the given CA.
        ...(ca !== undefined ? { ca: [...tls.rootCertificates, ca] } : {}),
      }),
    });
  }

  /** `GET /`: API title, version and host. A cheap connectivity and credentials check. */
  async getApiInfo(): Promise<WazuhApiInfo> {
    const body = await this.send({ method: 'GET', path: '/', idempotent: true });
    const parsed = apiInfoWireSchema.safeParse(body);
    if (!parsed.success) throw this.shapeError('GET /', parsed.error);
    return {
      title: parsed.data.data.title,
      apiVersion: parsed.data.data.api_version,
      hostname: parsed.data.data.hostname,
    };
  }

  /** One page of `GET /agents`. A partial result (`error: 2`) comes back with `partial` and `failedItems` set. */
  async listAgents(query: AgentQuery = {}): Promise<WazuhItemsResult<WazuhAgent>> {
    const q = agentQuerySchema.safeParse(query);
    if (!q.success) throw new WazuhRefusedError(`invalid agent query: ${summarizeIssues(q.error)}`);
    const body = await this.send({
      method: 'GET',
      path: '/agents',
      params: agentParams(q.data),
      idempotent: true,
    });
    const page = this.parseItems(body, agentWireSchema, 'GET /agents');
    return { ...page, items: page.items.map(toAgent) };
  }

  /** Every page of `GET /agents` for the query, walking offset/limit until `total_affected_items` is reached. */
  async *iterateAgentPages(query: AgentQuery = {}): AsyncGenerator<WazuhItemsResult<WazuhAgent>> {
    let offset = query.offset ?? 0;
    const limit = query.limit ?? this.config.pageSize;
    for (;;) {
      const page = await this.listAgents({ ...query, offset, limit });
      yield page;
      offset += page.items.length;
      // An empty page means the inventory shrank while we paged; stop instead of spinning.
      if (page.items.length === 0 || offset >= page.totalAffectedItems) return;
    }
  }

  /**
   * Every agent matching the query. Failed items of partial pages go to `onFailedItems`; without a handler they
   * are thrown as one WazuhPartialFailureError after all successful agents were yielded.
   */
  async *iterateAgents(
    query: AgentQuery = {},
    options: IterateAgentsOptions = {},
  ): AsyncGenerator<WazuhAgent> {
    const unhandled = new Map<string, WazuhFailedItem>();
    for await (const page of this.iterateAgentPages(query)) {
      yield* page.items;
      if (page.failedItems.length === 0) continue;
      if (options.onFailedItems) options.onFailedItems(page.failedItems);
      // Wazuh repeats the same failures on every page of the same query; report each once.
      else for (const f of page.failedItems) unhandled.set(`${f.code}:${f.ids.join(',')}`, f);
    }
    if (unhandled.size > 0) {
      const failed = [...unhandled.values()];
      throw new WazuhPartialFailureError(`GET /agents partially failed: ${summarizeFailed(failed)}`, failed);
    }
  }

  /** `GET /manager/info`: version, install type and path of the manager. */
  async getManagerInfo(): Promise<WazuhManagerInfo> {
    const body = await this.send({ method: 'GET', path: '/manager/info', idempotent: true });
    const result = this.parseItems(body, managerInfoWireSchema, 'GET /manager/info');
    const first = result.items[0];
    if (first === undefined)
      throw new WazuhResponseShapeError('GET /manager/info returned no manager information');
    return toManagerInfo(first);
  }

  /**
   * `PUT /active-response` to an explicit list of agents. Refuses, before any request, a missing or empty agent
   * list (Wazuh would run the command on every agent) and malformed ids or commands. Never retried.
   */
  async runActiveResponse(request: ActiveResponseRequest): Promise<WazuhItemsResult<string>> {
    const agents: unknown = (request as { agentsList?: unknown }).agentsList;
    if (!Array.isArray(agents) || agents.length === 0) {
      throw new WazuhRefusedError(
        'refusing active response without an explicit, non-empty agentsList (Wazuh would target ALL agents)',
      );
    }
    const bad = agents.filter((a) => typeof a !== 'string' || !AGENT_ID.test(a));
    if (bad.length > 0) {
      throw new WazuhRefusedError(
        `refusing active response: invalid agent ids ${JSON.stringify(bad.slice(0, 5))}`,
      );
    }
    const command = request.command;
    if (typeof command !== 'string' || !AR_COMMAND.test(command) || command.includes('..')) {
      throw new WazuhRefusedError(`refusing active response: invalid command ${JSON.stringify(command)}`);
    }
    const ids = [...new Set(agents as string[])];
    const body = await this.send({
      method: 'PUT',
      path: '/active-response',
      params: { agents_list: ids.join(',') },
      data: {
        command,
        ...(request.arguments !== undefined ? { arguments: request.arguments } : {}),
        ...(request.alert !== undefined ? { alert: request.alert } : {}),
      },
      idempotent: false,
    });
    return this.parseItems(body, z.union([z.string(), z.number()]).transform(String), 'PUT /active-response');
  }

  // ---- envelope ---------------------------------------------------------------------------------------------

  private parseItems<S extends z.ZodTypeAny>(
    body: unknown,
    item: S,
    what: string,
  ): WazuhItemsResult<z.output<S>> {
    const basic = basicEnvelopeSchema.safeParse(body);
    if (!basic.success) throw this.shapeError(what, basic.error);
    const parsed = affectedItemsEnvelopeSchema(item).safeParse(body);
    if (!parsed.success) {
      if (basic.data.error === 1) {
        throw new WazuhRequestFailedError(`${what} failed: ${basic.data.message ?? 'no message'}`, []);
      }
      throw this.shapeError(what, parsed.error);
    }
    const { data, error, message } = parsed.data;
    const failedItems = data.failed_items.map(toFailedItem);
    if (error === 1) {
      throw new WazuhRequestFailedError(
        this.redact(`${what} failed: ${message ?? 'no message'}; ${summarizeFailed(failedItems)}`),
        failedItems,
      );
    }
    if (error === 2) {
      this.log('warn', `${what} partially failed: ${summarizeFailed(failedItems)}`);
    }
    return {
      items: data.affected_items as z.output<S>[],
      totalAffectedItems: data.total_affected_items,
      totalFailedItems: data.total_failed_items,
      failedItems,
      partial: error === 2,
      ...(message !== undefined ? { message } : {}),
    };
  }

  private shapeError(what: string, error: z.ZodError): WazuhResponseShapeError {
    return new WazuhResponseShapeError(
      `${what} returned a body that does not match the Wazuh 4.x API: ${summarizeIssues(error)}`,
    );
  }

  // ---- transport --------------------------------------------------------------------------------------------

  private async send(options: SendOptions): Promise<unknown> {
    const label = `${options.method} ${options.path}`;
    let reloggedIn = false;
    let attempt = 0;
    for (;;) {
      const token = await this.ensureToken();
      const started = this.now();
      let status: number;
      let body: unknown;
      try {
        const res = await this.http.request({
          method: options.method,
          url: options.path,
          params: options.params,
          data: options.data,
          headers: { Authorization: `Bearer ${token.token}` },
        });
        status = res.status;
        body = res.data;
      } catch (err) {
        const failure = this.transportError(label, err);
        if (options.idempotent && !isTlsFailure(failure) && attempt < this.config.retries.max) {
          await this.backoff(label, ++attempt, failure.message);
          continue;
        }
        throw failure;
      }
      this.log('debug', `${label} -> ${status} in ${this.now() - started} ms`);
      if (status === 401) {
        if (!reloggedIn) {
          // The token was revoked (security config change, logout) or expired early: log in again, once.
          reloggedIn = true;
          this.token = undefined;
          this.log('info', `${label} answered 401; logging in to the Wazuh API again and retrying once`);
          continue;
        }
        throw new WazuhAuthError(
          this.redact(
            `${label} was rejected with 401 even after a fresh login (${problemText(body)}); ` +
              `check that user '${this.config.username}' is allowed this action and that tokens are not being revoked`,
          ),
          401,
        );
      }
      if (TRANSIENT_STATUS.has(status) && options.idempotent && attempt < this.config.retries.max) {
        await this.backoff(label, ++attempt, `HTTP ${status}`);
        continue;
      }
      if (status >= 400) throw this.httpError(label, status, body);
      return body;
    }
  }

  private async ensureToken(): Promise<TokenState> {
    if (!needsRenewal(this.token, this.now()) && this.token) return this.token;
    // Concurrent callers share one login instead of each hitting the (rate limited) authenticate endpoint.
    this.login ??= this.authenticate().finally(() => {
      this.login = undefined;
    });
    return this.login;
  }

  private async authenticate(): Promise<TokenState> {
    const label = 'POST /security/user/authenticate';
    let attempt = 0;
    for (;;) {
      let status: number;
      let body: unknown;
      try {
        const res = await this.http.request({
          method: 'POST',
          url: '/security/user/authenticate',
          auth: { username: this.config.username, password: this.config.password },
        });
        status = res.status;
        body = res.data;
      } catch (err) {
        const failure = this.transportError(label, err);
        if (!isTlsFailure(failure) && attempt < this.config.retries.max) {
          await this.backoff(label, ++attempt, failure.message);
          continue;
        }
        throw failure;
      }
      if (TRANSIENT_STATUS.has(status) && attempt < this.config.retries.max) {
        await this.backoff(label, ++attempt, `HTTP ${status}`);
        continue;
      }
      if (status === 401) {
        throw new WazuhAuthError(
          this.redact(
            `login to the Wazuh API as '${this.config.username}' was rejected: ${problemText(body)}`,
          ),
          401,
        );
      }
      if (status === 403) {
        throw new WazuhAuthError(
          this.redact(
            `login to the Wazuh API was refused (403: ${problemText(body)}); Wazuh blocks a client IP for ` +
              'block_time seconds after max_login_attempts failed logins',
          ),
          403,
        );
      }
      if (status >= 400) throw this.httpError(label, status, body);
      const parsed = loginWireSchema.safeParse(body);
      if (!parsed.success) throw this.shapeError(label, parsed.error);
      const issuedAt = this.now();
      this.token = tokenState(
        parsed.data.data.token,
        issuedAt,
        this.config.tokenLifetimeSeconds,
        this.config.refreshMarginSeconds,
      );
      this.log('debug', `logged in to the Wazuh API as '${this.config.username}'`);
      return this.token;
    }
  }

  private async backoff(label: string, attempt: number, reason: string): Promise<void> {
    const delay = this.config.retries.baseDelayMs * 2 ** (attempt - 1);
    this.log(
      'warn',
      `${label} failed (${reason}); retry ${attempt}/${this.config.retries.max} in ${delay} ms`,
    );
    await this.sleep(delay);
  }

  private httpError(label: string, status: number, body: unknown): WazuhApiError {
    const problem = problemWireSchema.safeParse(body);
    const code = problem.success ? problem.data.error : undefined;
    return new WazuhApiError(
      this.redact(`${label} failed with HTTP ${status}: ${problemText(body)}`),
      status,
      code,
    );
  }

  private transportError(label: string, err: unknown): WazuhTransportError {
    const code = err instanceof AxiosError ? err.code : undefined;
    const causeCode = err instanceof AxiosError ? codeOf(err.cause) : codeOf(err);
    const effective = causeCode ?? code;
    let text: string;
    if (effective !== undefined && TLS_ERROR_CODES.has(effective)) {
      text =
        `TLS verification of the Wazuh API certificate at ${this.config.url} failed (${effective}). ` +
        'Wazuh generates a self-signed certificate on first start: give its CA in tls.ca ' +
        '(or, in a lab only, set tls.verify: false)';
    } else if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || effective === 'ETIMEDOUT') {
      text = `${label} timed out after ${this.config.timeoutMs} ms`;
    } else {
      const message = err instanceof Error ? err.message : String(err);
      text = `${label} could not reach the Wazuh API at ${this.config.url}: ${message}`;
    }
    return new WazuhTransportError(this.redact(text), effective);
  }

  private redact(text: string): string {
    return redactSecrets(text, [this.config.password, this.token?.token]);
  }

  private log(level: keyof WazuhLogger, message: string): void {
    this.logger?.[level](this.redact(`[wazuh-api] ${message}`));
  }
}

function isTlsFailure(err: WazuhTransportError): boolean {
  return err.code !== undefined && TLS_ERROR_CODES.has(err.code);
}

function codeOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

function agentParams(q: z.output<typeof agentQuerySchema>): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  if (q.offset !== undefined) params.offset = q.offset;
  if (q.limit !== undefined) params.limit = q.limit;
  if (q.agentsList) params.agents_list = q.agentsList.join(',');
  if (q.status) params.status = q.status.join(',');
  if (q.q) params.q = q.q;
  if (q.search) params.search = q.search;
  if (q.select) params.select = q.select.join(',');
  if (q.sort) params.sort = q.sort;
  if (q.group) params.group = q.group;
  if (q.name) params.name = q.name;
  if (q.ip) params.ip = q.ip;
  if (q.osPlatform) params['os.platform'] = q.osPlatform;
  return params;
}

function problemText(body: unknown): string {
  const problem = problemWireSchema.safeParse(body);
  if (!problem.success) return typeof body === 'string' ? body.slice(0, 200) : 'no details';
  const { title, detail, error } = problem.data;
  return [title, detail, error !== undefined ? `Wazuh error ${error}` : undefined].filter(Boolean).join(': ');
}

function summarizeFailed(failed: WazuhFailedItem[]): string {
  if (failed.length === 0) return 'no failed items reported';
  return failed
    .slice(0, 5)
    .map((f) => `${f.code} ${f.message}${f.ids.length ? ` [${f.ids.join(',')}]` : ''}`)
    .join('; ');
}

function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
