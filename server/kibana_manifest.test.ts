import * as fs from 'fs';
import * as path from 'path';

/**
 * kibana.json against the rules of Kibana's manifest parser
 * (src/core/packages/plugins/server-internal/src/discovery/plugin_manifest_parser.ts).
 */
const KNOWN_KEYS = new Set([
  'id',
  'version',
  'kibanaVersion',
  'owner',
  'description',
  'server',
  'ui',
  'configPath',
  'requiredPlugins',
  'optionalPlugins',
  'requiredBundles',
  'runtimePluginDependencies',
  'type',
  'extraPublicDirs',
  'serviceFolders',
  'enabledOnAnonymousPages',
]);

const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'kibana.json'), 'utf8')) as Record<
  string,
  unknown
>;

describe('kibana.json', () => {
  it('has no keys the manifest parser would reject as unrecognized', () => {
    expect(Object.keys(manifest).filter((k) => !KNOWN_KEYS.has(k))).toEqual([]);
  });

  it('has a camelCase id without dots, a version and an owner name', () => {
    expect(manifest.id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(typeof manifest.version).toBe('string');
    expect((manifest.owner as { name?: unknown }).name).toEqual(expect.any(String));
  });

  it('declares server and ui as booleans with at least one true', () => {
    expect(typeof manifest.server).toBe('boolean');
    expect(typeof manifest.ui).toBe('boolean');
    expect(manifest.server || manifest.ui).toBe(true);
  });

  it('pins an exact Kibana version (or "kibana") and uses the product config path and plugin deps', () => {
    expect(manifest.kibanaVersion).toMatch(/^(kibana|\d+\.\d+\.\d+)$/);
    expect(manifest.configPath).toEqual(['aptDetection']);
    expect(manifest.requiredPlugins).toEqual(['taskManager', 'features']);
    expect(manifest.optionalPlugins).toEqual(['security', 'spaces', 'cases']);
    for (const key of ['requiredPlugins', 'optionalPlugins']) {
      for (const id of manifest[key] as string[]) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    }
  });

  it('is the flat manifest: there is no kibana.jsonc beside it', () => {
    expect(fs.existsSync(path.resolve(__dirname, '..', 'kibana.jsonc'))).toBe(false);
  });
});
