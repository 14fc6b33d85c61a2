/**
 * Bundles the browser plugin for the standalone host with esbuild (React, EUI and Charts included). Inside Kibana,
 * @kbn/plugin-helpers builds `public/` with Kibana's optimizer instead and EUI/Charts/React come from Kibana's
 * shared bundles.
 */
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';

export const PUBLIC_OUT_DIR = path.resolve(__dirname, '..', 'target', 'public_standalone');
const ENTRY = path.resolve(__dirname, 'host', 'browser', 'bootstrap.ts');

const EUI_ICON_DIR = path.resolve(
  __dirname,
  '..',
  'node_modules',
  '@elastic',
  'eui',
  'es',
  'components',
  'icon',
);

/**
 * EUI loads each icon with a dynamic `import('./assets/' + name)`. Kibana's webpack splits those into chunks; esbuild
 * cannot resolve an extension-less computed path, so every icon would fail at run time ("Module not found in
 * bundle"). This virtual module imports all icon files statically and registers them with EUI's icon cache.
 */
const euiIconsPlugin: esbuild.Plugin = {
  name: 'eui-icons',
  setup(build) {
    build.onResolve({ filter: /^apt-eui-icons$/ }, () => ({ path: 'apt-eui-icons', namespace: 'eui-icons' }));
    build.onLoad({ filter: /.*/, namespace: 'eui-icons' }, () => {
      const files = fs.readdirSync(path.join(EUI_ICON_DIR, 'assets')).filter((f) => f.endsWith('.js'));
      const lines = [
        `import { appendIconComponentCache } from '@elastic/eui/es/components/icon/icon';`,
        `import { typeToPathMap } from '@elastic/eui/es/components/icon/icon_map';`,
        ...files.map(
          (f, i) => `import { icon as i${i} } from '@elastic/eui/es/components/icon/assets/${f}';`,
        ),
        `const byFile = {${files.map((f, i) => `${JSON.stringify(f.slice(0, -3))}: i${i}`).join(',')}};`,
        'const cache = {};',
        'for (const [type, file] of Object.entries(typeToPathMap)) if (byFile[file]) cache[type] = byFile[file];',
        'appendIconComponentCache(cache);',
      ];
      return { contents: lines.join('\n'), resolveDir: path.resolve(__dirname, '..'), loader: 'js' };
    });
  },
};

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(ts|tsx)$/.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds unless the bundle is newer than every source file it depends on. */
export async function buildPublic(opts: { force?: boolean; minify?: boolean } = {}): Promise<string> {
  const out = path.join(PUBLIC_OUT_DIR, 'apt_detection.js');
  const root = path.resolve(__dirname, '..');
  const srcTime = Math.max(
    ...['public', 'common', 'scripts/host/browser'].map((d) => newestMtime(path.join(root, d))),
  );
  if (!opts.force && fs.existsSync(out) && fs.statSync(out).mtimeMs > srcTime) return out;
  await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    outfile: out,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    jsx: 'automatic',
    minify: opts.minify ?? true,
    sourcemap: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
    legalComments: 'none',
    plugins: [euiIconsPlugin],
  });
  return out;
}

if (require.main === module) {
  const t0 = Date.now();
  buildPublic({ force: true }).then(
    (out) =>
      console.log(`built ${out} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB) in ${Date.now() - t0} ms`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
