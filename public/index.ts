import type { PluginInitializerContext } from './kibana_types';
import { AptDetectionPublicPlugin } from './plugin';

export function plugin(ctx: PluginInitializerContext) {
  return new AptDetectionPublicPlugin(ctx);
}
