/**
 * The narrow slice of Kibana's server platform types this plugin uses, declared once here because the `@kbn/*`
 * packages are not published to npm. Each declaration names the Kibana source file it mirrors (Kibana 8.19 /
 * main, paths as in `elastic/kibana`). Only the members the plugin calls are declared; the standalone host
 * (scripts/host) implements exactly these, so the same plugin object runs in both.
 */
import type { Client } from '@elastic/elasticsearch';

// ---- Logging: src/core/packages/logging/common-internal (Logger), packages/kbn-logging/src/logger.ts
export interface Logger {
  trace(message: string, meta?: object): void;
  debug(message: string, meta?: object): void;
  info(message: string, meta?: object): void;
  warn(message: string | Error, meta?: object): void;
  error(message: string | Error, meta?: object): void;
  fatal(message: string | Error, meta?: object): void;
  get(...childContextPaths: string[]): Logger;
}

// ---- src/core/packages/plugins/server/src/types.ts (PluginInitializerContext, Plugin, PluginConfigDescriptor)
export interface PluginInitializerContext<Config = unknown> {
  logger: { get(...contextParts: string[]): Logger };
  config: { get<T = Config>(): T };
  env?: { packageInfo?: { version: string } };
}

/**
 * Kibana validates plugin config with an `@kbn/config-schema` Type; the ConfigService calls only
 * `validate(value, context, namespace)` on it (src/core/packages/config/src/config_service.ts, `validateAtPath`).
 * Our schema is zod, wrapped by `kibanaConfigSchema` in server/index.ts to that method.
 */
export interface ConfigSchemaLike<T> {
  validate(value: unknown, context?: Record<string, unknown>, namespace?: string): T;
}

export interface PluginConfigDescriptor<T> {
  schema: ConfigSchemaLike<T>;
  exposeToBrowser?: Record<string, unknown>;
}

// ---- src/core/packages/elasticsearch/server/src/client/client.ts: ElasticsearchClient = Omit<Client, ...>
export type ElasticsearchClient = Omit<
  Client,
  'connectionPool' | 'serializer' | 'extend' | 'close' | 'diagnostic'
>;

// ---- src/core/packages/elasticsearch/server/src/client/cluster_client.ts and contracts.ts
export interface ICustomClusterClient {
  asInternalUser: ElasticsearchClient;
  close(): Promise<void>;
}
export interface ElasticsearchClientConfigLike {
  hosts?: string[];
  username?: string;
  password?: string;
  customHeaders?: Record<string, string>;
  requestTimeout?: number;
  ssl?: { verificationMode?: 'full' | 'certificate' | 'none'; certificateAuthorities?: string[] };
}

// ---- src/core/packages/http/server/src/router/request.ts (KibanaRequest)
export interface KibanaRequest<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
  headers: Record<string, string | string[] | undefined>;
  url: URL;
  route: { path: string; method: string };
  auth: { isAuthenticated: boolean };
}

// ---- src/core/packages/http/server/src/router/response_factory.ts (KibanaResponseFactory)
export interface HttpResponseOptions {
  body?: unknown;
  headers?: Record<string, string>;
}
export interface CustomHttpResponseOptions extends HttpResponseOptions {
  statusCode: number;
}
export interface IKibanaResponse {
  readonly status: number;
  readonly payload?: unknown;
  readonly options: HttpResponseOptions;
}
export interface KibanaResponseFactory {
  ok(options?: HttpResponseOptions): IKibanaResponse;
  accepted(options?: HttpResponseOptions): IKibanaResponse;
  badRequest(options?: { body?: unknown; headers?: Record<string, string> }): IKibanaResponse;
  notFound(options?: { body?: unknown }): IKibanaResponse;
  customError(options: {
    statusCode: number;
    body?: unknown;
    headers?: Record<string, string>;
  }): IKibanaResponse;
  custom(options: CustomHttpResponseOptions): IKibanaResponse;
}

// ---- src/core/packages/http/server/src/router/route_validator.ts (RouteValidationFunction)
export interface RouteValidationResultFactory {
  ok<T>(value: T): { value: T };
  badRequest(error: Error | string, path?: string[]): { error: Error };
}
export type RouteValidationFunction<T> = (
  data: unknown,
  validationResult: RouteValidationResultFactory,
) => { value: T; error?: never } | { value?: never; error: Error };

// ---- src/core/packages/http/server/src/router/route.ts (RouteConfig, RouteConfigOptions, RouteSecurity)
export interface RouteConfig<P, Q, B> {
  path: string;
  validate: {
    params?: RouteValidationFunction<P>;
    query?: RouteValidationFunction<Q>;
    body?: RouteValidationFunction<B>;
  };
  /** docs/extend/key-concepts/security/api-authorization.md: privileges from the feature's `api` lists. */
  security: { authz: { requiredPrivileges: string[] } };
  options?: {
    access?: 'public' | 'internal';
    description?: string;
    /** Pre-8.16 route gating; kept alongside `security` for older 8.x (api privilege names as `access:<name>`). */
    tags?: string[];
    body?: { maxBytes?: number; accepts?: string[]; parse?: boolean; output?: 'data' | 'stream' };
  };
}

// ---- src/core/packages/http/server/src/router/request_handler_context.ts (RequestHandlerContext)
export interface RequestHandlerContext {
  core: Promise<{ elasticsearch: { client: { asCurrentUser: ElasticsearchClient } } }>;
}

export type RequestHandler<P, Q, B> = (
  context: RequestHandlerContext,
  request: KibanaRequest<P, Q, B>,
  response: KibanaResponseFactory,
) => Promise<IKibanaResponse>;

// ---- src/core/packages/http/server/src/router/router.ts (IRouter)
export interface IRouter {
  get<P, Q, B>(config: RouteConfig<P, Q, B>, handler: RequestHandler<P, Q, B>): void;
  post<P, Q, B>(config: RouteConfig<P, Q, B>, handler: RequestHandler<P, Q, B>): void;
  put<P, Q, B>(config: RouteConfig<P, Q, B>, handler: RequestHandler<P, Q, B>): void;
  delete<P, Q, B>(config: RouteConfig<P, Q, B>, handler: RequestHandler<P, Q, B>): void;
}

// ---- src/core/packages/lifecycle/server (CoreSetup / CoreStart), narrowed
export interface CoreSetup {
  http: { createRouter(): IRouter };
}
export interface CoreStart {
  elasticsearch: {
    client: { asInternalUser: ElasticsearchClient };
    createClient(type: string, config?: ElasticsearchClientConfigLike): ICustomClusterClient;
  };
}

// ---- x-pack/platform/plugins/shared/task_manager/server/task.ts (8.x: x-pack/plugins/task_manager/server/task.ts)
export interface ConcreteTaskInstance {
  id: string;
  taskType: string;
  params: Record<string, unknown>;
  state: Record<string, unknown>;
  attempts: number;
  runAt: Date;
}
export interface RunResult {
  state: Record<string, unknown>;
  runAt?: Date;
}
export interface CancellableTask {
  run(): Promise<RunResult | void>;
  cancel?(): Promise<void>;
}
export interface TaskDefinition {
  title: string;
  description?: string;
  /** `{number}{s|m|h|d}`. */
  timeout?: string;
  maxAttempts?: number;
  maxConcurrency?: number;
  stateSchemaByVersion?: Record<
    number,
    {
      schema: ConfigSchemaLike<Record<string, unknown>>;
      up: (s: Record<string, unknown>) => Record<string, unknown>;
    }
  >;
  createTaskRunner(context: { taskInstance: ConcreteTaskInstance }): CancellableTask;
}
export interface TaskManagerSetupContract {
  registerTaskDefinitions(definitions: Record<string, TaskDefinition>): void;
}
export interface TaskInstanceToSchedule {
  id: string;
  taskType: string;
  schedule: { interval: string };
  params: Record<string, unknown>;
  state: Record<string, unknown>;
}
export interface TaskManagerStartContract {
  ensureScheduled(task: TaskInstanceToSchedule): Promise<unknown>;
}

// ---- x-pack/platform/plugins/shared/features/server/plugin.ts (FeaturesPluginSetup) and common/kibana_feature.ts
export interface FeaturePrivilege {
  app: string[];
  api: string[];
  savedObject: { all: string[]; read: string[] };
  ui: string[];
  catalogue?: string[];
  cases?: { all?: string[]; read?: string[] };
}
export interface KibanaFeatureConfig {
  id: string;
  name: string;
  category: { id: string; label: string };
  app: string[];
  catalogue?: string[];
  privileges: { all: FeaturePrivilege; read: FeaturePrivilege };
}
export interface FeaturesPluginSetup {
  registerKibanaFeature(feature: KibanaFeatureConfig): void;
}

// ---- x-pack/platform/plugins/shared/cases/server/types.ts (CasesServerStart), narrowed to what the sink needs
export interface CasesServerStartLike {
  getCasesClientWithRequest(request: KibanaRequest): Promise<unknown>;
}

// ---- src/core/packages/plugins/server/src/types.ts (Plugin)
export interface Plugin<TSetup, TStart, TPluginsSetup, TPluginsStart> {
  setup(core: CoreSetup, plugins: TPluginsSetup): TSetup;
  start(core: CoreStart, plugins: TPluginsStart): TStart;
  stop?(): Promise<void> | void;
}
