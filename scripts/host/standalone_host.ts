/**
 * The standalone host: a small stand-in for the few Kibana services the plugin uses (HTTP router with privilege
 * checks, Task Manager, logger, Elasticsearch clients, feature registry), running the very same server plugin and
 * serving the same browser app. Used by `npm start`, demos, end-to-end tests and Kibana-less pilots.
 */
import { Client } from '@elastic/elasticsearch';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { PLUGIN_ID, PLUGIN_NAME } from '../../common/api';
import { redactConfig, type AptDetectionConfig } from '../../server/config';
import type {
  CoreSetup,
  CoreStart,
  ElasticsearchClientConfigLike,
  KibanaFeatureConfig,
  Logger,
  RequestHandlerContext,
} from '../../server/kibana_types';
import { AptDetectionPlugin } from '../../server/plugin';
import { buildPublic } from '../build_public';
import { HostRouter, SESSION_COOKIE, sendJson } from './router';
import { HostTaskManager, type SchedulerOptions } from './scheduler';

export interface HostOptions {
  config: AptDetectionConfig;
  esUrl: string;
  host?: string;
  port?: number;
  logger: Logger;
  scheduler?: SchedulerOptions;
  /** Build the browser bundle if it is missing or stale (default true). */
  buildUi?: boolean;
}

function esClientFrom(cfg: ElasticsearchClientConfigLike | undefined, fallbackUrl: string): Client {
  return new Client({
    node: cfg?.hosts?.[0] ?? fallbackUrl,
    auth: cfg?.username && cfg.password ? { username: cfg.username, password: cfg.password } : undefined,
    headers: cfg?.customHeaders,
    requestTimeout: cfg?.requestTimeout ?? 60000,
    tls: cfg?.ssl?.verificationMode === 'none' ? { rejectUnauthorized: false } : undefined,
  });
}

export class StandaloneHost {
  readonly router: HostRouter;
  readonly taskManager: HostTaskManager;
  readonly es: Client;
  private readonly extraClients: Client[] = [];
  private readonly plugin: AptDetectionPlugin;
  private server?: http.Server;
  private features: KibanaFeatureConfig[] = [];
  private bundlePath?: string;
  url = '';

  constructor(private readonly opts: HostOptions) {
    this.es = esClientFrom(undefined, opts.esUrl);
    const context = (): RequestHandlerContext => ({
      // The host has one identity towards Elasticsearch; Kibana would use the signed-in user here.
      core: Promise.resolve({ elasticsearch: { client: { asCurrentUser: this.es } } }),
    });
    this.router = new HostRouter(opts.config.ingest.tokens, context);
    this.taskManager = new HostTaskManager(this.es, opts.logger.get('taskManager'), opts.scheduler);
    this.plugin = new AptDetectionPlugin({
      logger: { get: (...parts) => opts.logger.get('plugins', PLUGIN_ID, ...parts) },
      config: { get: <T>() => opts.config as T },
      env: { packageInfo: { version: readVersion() } },
    });
  }

  get config(): AptDetectionConfig {
    return this.opts.config;
  }

  registeredFeatures(): KibanaFeatureConfig[] {
    return this.features;
  }

  async start(): Promise<string> {
    const log = this.opts.logger;
    log.info(`configuration: ${JSON.stringify(redactConfig(this.opts.config))}`);
    const coreSetup: CoreSetup = { http: { createRouter: () => this.router } };
    this.plugin.setup(coreSetup, {
      taskManager: this.taskManager,
      features: {
        registerKibanaFeature: (f) => {
          this.features.push(f);
          this.router.setFeature(f);
        },
      },
    });
    await this.taskManager.ensureIndex();
    const coreStart: CoreStart = {
      elasticsearch: {
        client: { asInternalUser: this.es },
        createClient: (_type, cfg) => {
          const c = esClientFrom({ ...cfg, hosts: cfg?.hosts ?? [this.opts.esUrl] }, this.opts.esUrl);
          this.extraClients.push(c);
          return { asInternalUser: c, close: () => c.close() };
        },
      },
    };
    this.plugin.start(coreStart, { taskManager: this.taskManager });
    this.taskManager.start();
    if (this.opts.buildUi !== false) this.bundlePath = await buildPublic();
    this.server = http.createServer((req, res) => {
      this.serve(req, res).catch((e: Error) => {
        log.error(`request ${req.method} ${req.url} failed: ${e.message}`);
        sendJson(res, 500, { statusCode: 500, error: 'Internal Server Error', message: e.message });
      });
    });
    // A 50 MB upload must be refused early, not buffered: the router checks content-length before reading.
    this.server.requestTimeout = 120000;
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port ?? 5601, host, () => resolve());
    });
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    this.url = `http://${host}:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
    await this.taskManager.stop();
    await this.plugin.stop();
    await Promise.all([this.es, ...this.extraClients].map((c) => c.close()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      if (!(await this.router.handle(req, res, url))) {
        sendJson(res, 404, {
          statusCode: 404,
          error: 'Not Found',
          message: `no route ${req.method} ${url.pathname}`,
        });
      }
      return;
    }
    if (url.pathname === '/login') return this.login(req, res, url);
    if (url.pathname === '/' || url.pathname === '/app') return redirect(res, `/app/${PLUGIN_ID}`);
    if (url.pathname === '/bundles/apt_detection.js' && this.bundlePath) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
      fs.createReadStream(this.bundlePath).pipe(res);
      return;
    }
    if (url.pathname === '/bundles/apt_detection.css' && this.bundlePath) {
      // esbuild writes the CSS the bundle imports (Elastic Charts' theme) next to the script.
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' });
      fs.createReadStream(this.bundlePath.replace(/\.js$/, '.css')).pipe(res);
      return;
    }
    if (url.pathname === `/app/${PLUGIN_ID}` || url.pathname.startsWith(`/app/${PLUGIN_ID}/`)) {
      if (!this.router.principalOf(req))
        return redirect(res, `/login?next=${encodeURIComponent(url.pathname)}`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-frame-options': 'DENY' });
      res.end(appPage(this.opts.config));
      return;
    }
    sendJson(res, 404, { statusCode: 404, error: 'Not Found', message: `nothing at ${url.pathname}` });
  }

  /** GET /login?token=... (the link `npm start` prints) or a POSTed form turns a token into a session cookie. */
  private async login(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    let token = url.searchParams.get('token') ?? undefined;
    if (req.method === 'POST') {
      const body = await new Promise<string>((resolve) => {
        let s = '';
        req.on('data', (c: Buffer) => (s.length < 4096 ? (s += c.toString()) : undefined));
        req.on('end', () => resolve(s));
      });
      token = new URLSearchParams(body).get('token') ?? undefined;
    }
    const next = safeNext(url.searchParams.get('next'));
    if (token) {
      const session = this.router.createSession(token);
      if (session) {
        res.writeHead(302, {
          location: next,
          'set-cookie': `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        });
        res.end();
        return;
      }
    }
    res.writeHead(token ? 401 : 200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(loginPage(next, !!token));
  }
}

function safeNext(next: string | null): string {
  // Only same-app relative paths: no open redirects.
  return next && /^\/app\/[A-Za-z0-9_/-]*$/.test(next) ? next : `/app/${PLUGIN_ID}`;
}

function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(302, { location });
  res.end();
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function appPage(config: AptDetectionConfig): string {
  const boot = JSON.stringify({ basePath: '', appId: PLUGIN_ID, config: { ui: config.ui } }).replace(
    /</g,
    '\\u003c',
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${PLUGIN_NAME}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/bundles/apt_detection.css"></head>
<body><div id="apt-app"></div><script>window.__APT_HOST__=${boot};</script>
<script src="/bundles/apt_detection.js"></script></body></html>`;
}

function loginPage(next: string, failed: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${PLUGIN_NAME} - sign in</title></head>
<body style="font-family: sans-serif; max-width: 30em; margin: 4em auto">
<h1>${PLUGIN_NAME}</h1>
${failed ? '<p style="color:#bd271e">That token is not valid.</p>' : ''}
<form method="post" action="/login?next=${encodeURIComponent(escapeHtml(next))}">
<label>Access token <input name="token" type="password" autocomplete="off" style="width:100%"></label>
<p><button type="submit">Sign in</button></p></form>
<p>The token is printed by <code>npm start</code>, or configured under <code>aptDetection.ingest.tokens</code>.</p>
</body></html>`;
}

function readVersion(): string {
  try {
    return (
      JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return '0.0.0';
  }
}
