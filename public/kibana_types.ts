/**
 * The narrow slice of Kibana's browser platform types this plugin uses, declared once here because `@kbn/*`
 * packages are not published. Each names the Kibana source it mirrors. The standalone host's browser bootstrap
 * (scripts/host/browser) provides exactly these.
 */
import type { History } from 'history';

// src/core/packages/application/browser/src/app_mount.ts (AppMountParameters, AppUnmount)
export interface AppMountParameters {
  element: HTMLElement;
  /** Kibana's ScopedHistory is a history v4 History scoped to the app's base path. */
  history: History;
  appBasePath?: string;
}
export type AppUnmount = () => void;

// src/core/packages/application/common/src/app_category.ts (AppCategory) and
// src/core/packages/application/common/src/default_app_categories.ts (DEFAULT_APP_CATEGORIES.security)
export interface AppCategory {
  id: string;
  label: string;
  order?: number;
  euiIconType?: string;
}
export const SECURITY_APP_CATEGORY: AppCategory = {
  id: 'securitySolution',
  label: 'Security',
  order: 3000,
  euiIconType: 'logoSecurity',
};

// src/core/packages/application/browser/src/application.ts (App)
export interface App {
  id: string;
  title: string;
  category?: AppCategory;
  euiIconType?: string;
  order?: number;
  mount(params: AppMountParameters): Promise<AppUnmount> | AppUnmount;
}

// src/core/packages/http/browser/src/types.ts (HttpSetup / HttpFetchOptions), narrowed
export interface HttpFetchOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: string;
  signal?: AbortSignal;
  version?: string;
}
export interface HttpSetup {
  get<T = unknown>(path: string, options?: HttpFetchOptions): Promise<T>;
  post<T = unknown>(path: string, options?: HttpFetchOptions): Promise<T>;
}

// src/core/packages/lifecycle/browser (CoreSetup / CoreStart), narrowed
export interface CoreStart {
  http: HttpSetup;
}
export interface CoreSetup {
  application: { register(app: App): void };
  getStartServices(): Promise<[CoreStart, unknown, unknown]>;
}

// src/core/packages/plugins/browser/src/plugin.ts (Plugin, PluginInitializerContext)
export interface PluginInitializerContext {
  config: { get<T>(): T };
}
export interface Plugin {
  setup(core: CoreSetup): void;
  start(core: CoreStart): void;
  stop?(): void;
}
