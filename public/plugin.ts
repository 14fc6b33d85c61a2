/**
 * Kibana browser plugin: registers the APT Detection app (tabs for alerts, attack timeline, entities, model status
 * and connections, each reachable by URL) in the Security category. The app code loads lazily on mount.
 */
import { PLUGIN_ID, PLUGIN_NAME } from '../common/api';
import {
  SECURITY_APP_CATEGORY,
  type CoreSetup,
  type CoreStart,
  type Plugin,
  type PluginInitializerContext,
} from './kibana_types';

export interface BrowserConfig {
  ui: { refreshIntervalSeconds: number };
}

export class AptDetectionPublicPlugin implements Plugin {
  constructor(private readonly ctx: PluginInitializerContext) {}

  setup(core: CoreSetup): void {
    const config = this.ctx.config.get<BrowserConfig>();
    core.application.register({
      id: PLUGIN_ID,
      title: PLUGIN_NAME,
      category: SECURITY_APP_CATEGORY,
      euiIconType: 'securityAnalyticsApp',
      order: 8100,
      mount: async (params) => {
        const [{ renderApp }, [coreStart]] = await Promise.all([
          import('./application'),
          core.getStartServices(),
        ]);
        return renderApp(coreStart, params, config);
      },
    });
  }

  start(_core: CoreStart): void {}
}
