/**
 * The standalone host's HTTP router: implements Kibana's IRouter for the plugin's route definitions and serves them
 * with the same semantics — validation functions, body options (raw body, byte limit -> 413), and
 * `security.authz.requiredPrivileges` checked against the privileges a bearer token (or the session made from it)
 * maps to through the registered Kibana feature.
 */
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import type * as http from 'http';
import type {
  IKibanaResponse,
  IRouter,
  KibanaFeatureConfig,
  KibanaRequest,
  KibanaResponseFactory,
  RequestHandler,
  RequestHandlerContext,
  RouteConfig,
  RouteValidationFunction,
  RouteValidationResultFactory,
} from '../../server/kibana_types';
import type { AptDetectionConfig } from '../../server/config';

type Method = 'get' | 'post' | 'put' | 'delete';

export interface RegisteredRoute {
  method: Method;
  config: RouteConfig<unknown, unknown, unknown>;
  handler: RequestHandler<unknown, unknown, unknown>;
  pattern: RegExp;
  paramNames: string[];
}

export interface Principal {
  name: string;
  apiPrivileges: Set<string>;
  viaSession: boolean;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
export const SESSION_COOKIE = 'apt_session';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function compile(path: string): { pattern: RegExp; paramNames: string[] } {
  const paramNames: string[] = [];
  const re = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\??\}/g, (_m, name: string) => {
    paramNames.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${re}$`), paramNames };
}

const validationResult: RouteValidationResultFactory = {
  ok: (value) => ({ value }),
  badRequest: (error) => ({ error: typeof error === 'string' ? new Error(error) : error }),
};

function runValidation<T>(fn: RouteValidationFunction<T> | undefined, data: unknown, where: string): T {
  if (!fn) return {} as T;
  const r = fn(data, validationResult);
  if (r.error) throw new HttpError(400, `[request ${where}]: ${r.error.message}`);
  return r.value as T;
}

const responseFactory: KibanaResponseFactory = {
  ok: (o = {}) => ({ status: 200, payload: o.body, options: o }),
  accepted: (o = {}) => ({ status: 202, payload: o.body, options: o }),
  badRequest: (o = {}) => ({ status: 400, payload: o.body, options: o }),
  notFound: (o = {}) => ({ status: 404, payload: o.body, options: o }),
  customError: (o) => ({ status: o.statusCode, payload: o.body, options: o }),
  custom: (o) => ({ status: o.statusCode, payload: o.body, options: o }),
};

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export class HostRouter implements IRouter {
  readonly routes: RegisteredRoute[] = [];
  private readonly sessions = new Map<
    string,
    { name: string; privileges: Array<'read' | 'all'>; expires: number }
  >();
  private feature?: KibanaFeatureConfig;

  constructor(
    private readonly tokens: AptDetectionConfig['ingest']['tokens'],
    private readonly contextFactory: () => RequestHandlerContext,
  ) {}

  setFeature(feature: KibanaFeatureConfig): void {
    this.feature = feature;
  }

  get: IRouter['get'] = (config, handler) => this.add('get', config, handler);
  post: IRouter['post'] = (config, handler) => this.add('post', config, handler);
  put: IRouter['put'] = (config, handler) => this.add('put', config, handler);
  delete: IRouter['delete'] = (config, handler) => this.add('delete', config, handler);

  private add<P, Q, B>(method: Method, config: RouteConfig<P, Q, B>, handler: RequestHandler<P, Q, B>): void {
    const { pattern, paramNames } = compile(config.path);
    this.routes.push({
      method,
      config: config as RouteConfig<unknown, unknown, unknown>,
      handler: handler as RequestHandler<unknown, unknown, unknown>,
      pattern,
      paramNames,
    });
  }

  /** Finds the token a presented secret belongs to, comparing in constant time against every configured token. */
  authenticateToken(presented: string): AptDetectionConfig['ingest']['tokens'][number] | undefined {
    const p = digest(presented);
    let found: AptDetectionConfig['ingest']['tokens'][number] | undefined;
    for (const t of this.tokens) {
      if (timingSafeEqual(p, digest(t.token))) found = t;
    }
    return found;
  }

  /** Creates a browser session (HttpOnly cookie) from a valid token; returns the cookie value or undefined. */
  createSession(presented: string): string | undefined {
    const t = this.authenticateToken(presented);
    if (!t) return undefined;
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, { name: t.name, privileges: t.privileges, expires: Date.now() + 8 * 3600 * 1000 });
    return id;
  }

  private apiPrivilegesFor(privileges: Array<'read' | 'all'>): Set<string> {
    const out = new Set<string>();
    for (const p of privileges) for (const api of this.feature?.privileges[p].api ?? []) out.add(api);
    return out;
  }

  principalOf(req: http.IncomingMessage): Principal | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const t = this.authenticateToken(auth.slice(7).trim());
      return t
        ? { name: t.name, apiPrivileges: this.apiPrivilegesFor(t.privileges), viaSession: false }
        : undefined;
    }
    const cookie = req.headers.cookie
      ?.split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))
      ?.slice(SESSION_COOKIE.length + 1);
    if (cookie) {
      const s = this.sessions.get(cookie);
      if (s && s.expires > Date.now()) {
        return { name: s.name, apiPrivileges: this.apiPrivilegesFor(s.privileges), viaSession: true };
      }
    }
    return undefined;
  }

  match(
    method: string,
    pathname: string,
  ): { route: RegisteredRoute; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method.toLowerCase()) continue;
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.paramNames.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    return undefined;
  }

  /** Serves one request if a route matches; returns false when none does (the caller answers 404). */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> {
    const found = this.match(req.method ?? 'GET', url.pathname);
    if (!found) return false;
    const { route, params } = found;
    try {
      const principal = this.principalOf(req);
      if (!principal) {
        throw new HttpError(401, 'authentication required: send "Authorization: Bearer <token>"', {
          'www-authenticate': 'Bearer realm="apt-detection"',
        });
      }
      const missing = route.config.security.authz.requiredPrivileges.filter(
        (p) => !principal.apiPrivileges.has(p),
      );
      if (missing.length) {
        throw new HttpError(
          403,
          `${principal.name} lacks the API privilege(s) ${missing.join(', ')} for ${route.config.path}`,
        );
      }
      // A browser session may only change things when the page's own script says so (Kibana's kbn-xsrf rule).
      if (principal.viaSession && route.method !== 'get' && !req.headers['kbn-xsrf']) {
        throw new HttpError(400, 'request must contain a kbn-xsrf header');
      }
      const body = route.method === 'get' ? undefined : await this.readBody(req, route);
      // The rate limiter keys on this; a client-supplied value is replaced by the authenticated name.
      req.headers['x-apt-caller'] = principal.name;
      const request: KibanaRequest<unknown, unknown, unknown> = {
        params: runValidation(route.config.validate.params, params, 'params'),
        query: runValidation(route.config.validate.query, Object.fromEntries(url.searchParams), 'query'),
        body: runValidation(route.config.validate.body, body, 'body'),
        headers: req.headers,
        url,
        route: { path: route.config.path, method: route.method },
        auth: { isAuthenticated: true },
      };
      const response = await route.handler(this.contextFactory(), request, responseFactory);
      send(res, response);
    } catch (e) {
      if (e instanceof HttpError) {
        sendJson(
          res,
          e.status,
          { statusCode: e.status, error: httpReason(e.status), message: e.message },
          e.headers,
        );
      } else {
        const message = e instanceof Error ? e.message : String(e);
        const status =
          (e as Error)?.name === 'ServiceUnavailableError' || /not started yet/.test(message) ? 503 : 500;
        sendJson(res, status, { statusCode: status, error: httpReason(status), message });
      }
    }
    return true;
  }

  private readBody(req: http.IncomingMessage, route: RegisteredRoute): Promise<unknown> {
    const opts = route.config.options?.body ?? {};
    const max = opts.maxBytes ?? DEFAULT_MAX_BODY;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      req.resume();
      return Promise.reject(new HttpError(413, `request body is ${declared} bytes; the limit is ${max}`));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      req.on('data', (c: Buffer) => {
        if (failed) return;
        size += c.length;
        if (size > max) {
          failed = true;
          reject(new HttpError(413, `request body exceeds the limit of ${max} bytes`));
          req.resume();
          return;
        }
        chunks.push(c);
      });
      req.on('error', reject);
      req.on('end', () => {
        if (failed) return;
        const buf = Buffer.concat(chunks);
        if (opts.parse === false) return resolve(buf);
        if (!buf.length) return resolve(undefined);
        try {
          resolve(JSON.parse(buf.toString('utf8')));
        } catch (e) {
          reject(new HttpError(400, `request body is not valid JSON: ${(e as Error).message}`));
        }
      });
    });
  }
}

function httpReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    413: 'Payload Too Large',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return reasons[status] ?? 'Error';
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function send(res: http.ServerResponse, r: IKibanaResponse): void {
  sendJson(res, r.status, r.payload ?? {}, r.options.headers ?? {});
}
