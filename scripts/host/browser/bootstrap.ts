/**
 * Browser bootstrap for the standalone host: plays the part of Kibana's core for the plugin's public code —
 * `application.register`, an http client for the plugin's own API (same-origin, session cookie, kbn-xsrf header),
 * and a history scoped to the app's base path — then mounts the app.
 */
// Registers EUI's icons up front (see scripts/build_public.ts); must run before any EUI component renders.
import 'apt-eui-icons';
// Kibana loads Elastic Charts' theme CSS itself; the standalone page has to bring it (esbuild emits it as a .css file).
import '@elastic/charts/dist/theme_only_light.css';
import { createBrowserHistory } from 'history';
import { plugin } from '../../../public';
import type { App, CoreStart, HttpFetchOptions } from '../../../public/kibana_types';

declare global {
  interface Window {
    __APT_HOST__: { basePath: string; appId: string; config: unknown };
  }
}

async function request<T>(method: string, path: string, options: HttpFetchOptions = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) q.set(k, String(v));
  const url = q.toString() ? `${path}?${q}` : path;
  const res = await fetch(url, {
    method,
    body: options.body,
    signal: options.signal,
    credentials: 'same-origin',
    headers: { 'kbn-xsrf': 'apt-detection', ...(options.body ? { 'content-type': 'application/json' } : {}) },
  });
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new Error(body.message ?? `${method} ${path}: HTTP ${res.status}`);
  return body as T;
}

const coreStart: CoreStart = {
  http: {
    get: (path, options) => request('GET', path, options),
    post: (path, options) => request('POST', path, options),
  },
};

async function main(): Promise<void> {
  const { basePath, appId, config } = window.__APT_HOST__;
  const apps: App[] = [];
  const p = plugin({ config: { get: <T>() => config as T } });
  p.setup({
    application: { register: (app) => apps.push(app) },
    getStartServices: async () => [coreStart, {}, {}],
  });
  p.start(coreStart);
  const app = apps.find((a) => a.id === appId);
  const element = document.getElementById('apt-app')!;
  if (!app) {
    element.textContent = `app ${appId} is not registered`;
    return;
  }
  document.title = `${app.title} - Standalone`;
  const history = createBrowserHistory({ basename: `${basePath}/app/${appId}` });
  await app.mount({ element, history, appBasePath: `${basePath}/app/${appId}` });
}

main().catch((e: unknown) => {
  document.body.textContent = `failed to start the app: ${e instanceof Error ? e.message : String(e)}`;
});
