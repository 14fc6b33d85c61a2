/**
 * Kibana server entry: `config` (schema + keys exposed to the browser) and the plugin initializer.
 */
import { parseConfig, exposeToBrowser, type AptDetectionConfig } from './config';
import type { PluginConfigDescriptor, PluginInitializerContext } from './kibana_types';

/**
 * Kibana's config service calls `schema.validate(value)`; ours is zod behind that one method, so the same schema
 * validates kibana.yml, the standalone host's YAML/env and the CLI. Errors name the key.
 */
export const config: PluginConfigDescriptor<AptDetectionConfig> = {
  schema: { validate: (value: unknown) => parseConfig(value) },
  exposeToBrowser,
};

export async function plugin(ctx: PluginInitializerContext) {
  const { AptDetectionPlugin } = await import('./plugin');
  return new AptDetectionPlugin(ctx);
}
