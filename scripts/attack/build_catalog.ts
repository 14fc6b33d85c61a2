/**
 * Generates `common/attack/catalog_data.json` from the ATT&CK Enterprise STIX bundle in the shared datasets.
 * The output keeps only what lookups and ECS `threat.*` need (ids, names, tactics, URLs, revocations), so the
 * isomorphic catalog stays small enough to ship to the browser.
 *
 * Usage: `npx tsx scripts/attack/build_catalog.ts [bundle.json] [out.json]`
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { datasetPath } from '../lib/datasets';
import {
  techniqueUrl,
  type CatalogData,
  type CatalogTactic,
  type CatalogTechniqueRow,
} from '../../common/attack/catalog_types';

const externalRef = z.object({
  source_name: z.string(),
  external_id: z.string().optional(),
  url: z.string().optional(),
});

const stixObject = z
  .object({
    type: z.string(),
    id: z.string(),
    name: z.string().optional(),
    revoked: z.boolean().optional(),
    x_mitre_deprecated: z.boolean().optional(),
    x_mitre_shortname: z.string().optional(),
    tactic_refs: z.array(z.string()).optional(),
    external_references: z.array(externalRef).optional(),
    kill_chain_phases: z.array(z.object({ kill_chain_name: z.string(), phase_name: z.string() })).optional(),
    relationship_type: z.string().optional(),
    source_ref: z.string().optional(),
    target_ref: z.string().optional(),
  })
  .passthrough();
type StixObject = z.infer<typeof stixObject>;

const bundleSchema = z.object({ type: z.literal('bundle'), objects: z.array(stixObject) });

function attackRef(o: StixObject): { id: string; url: string } | undefined {
  const ref = o.external_references?.find((r) => r.source_name === 'mitre-attack');
  if (!ref?.external_id) return undefined;
  return { id: ref.external_id, url: ref.url ?? '' };
}

export function buildCatalog(bundleJson: unknown, version: string): CatalogData {
  const bundle = bundleSchema.parse(bundleJson);
  const byStixId = new Map(bundle.objects.map((o) => [o.id, o]));

  const matrix = bundle.objects.find((o) => o.type === 'x-mitre-matrix');
  if (!matrix?.tactic_refs)
    throw new Error('bundle has no x-mitre-matrix with tactic_refs (kill-chain order)');
  const tactics: CatalogTactic[] = matrix.tactic_refs.map((ref) => {
    const t = byStixId.get(ref);
    const ext = t && attackRef(t);
    if (!t || !ext || !t.name || !t.x_mitre_shortname)
      throw new Error(`matrix tactic ${ref} is missing from bundle`);
    return { id: ext.id, name: t.name, shortname: t.x_mitre_shortname, url: ext.url };
  });
  const tacticIdByShortname = new Map(tactics.map((t) => [t.shortname, t.id]));

  // revoked-by can chain (A revoked by B, B later revoked by C): follow it to the live object.
  const revokedBy = new Map<string, string>();
  for (const o of bundle.objects) {
    if (o.type === 'relationship' && o.relationship_type === 'revoked-by' && o.source_ref && o.target_ref) {
      revokedBy.set(o.source_ref, o.target_ref);
    }
  }
  const finalReplacement = (stixId: string): StixObject | undefined => {
    let cur = stixId;
    for (let hops = 0; hops < 10; hops++) {
      const next = revokedBy.get(cur);
      if (!next) break;
      cur = next;
    }
    const o = byStixId.get(cur);
    return o && !o.revoked && !o.x_mitre_deprecated ? o : undefined;
  };

  const techniques: CatalogTechniqueRow[] = [];
  const revoked: Record<string, string | null> = {};
  const deprecated: Record<string, string> = {};
  for (const o of bundle.objects) {
    if (o.type !== 'attack-pattern') continue;
    const ext = attackRef(o);
    if (!ext || !o.name) continue;
    if (o.revoked) {
      const repl = finalReplacement(o.id);
      revoked[ext.id] = repl ? (attackRef(repl)?.id ?? null) : null;
      continue;
    }
    if (o.x_mitre_deprecated) {
      deprecated[ext.id] = o.name;
      continue;
    }
    const tacticIds = (o.kill_chain_phases ?? [])
      .filter((p) => p.kill_chain_name === 'mitre-attack')
      .map((p) => tacticIdByShortname.get(p.phase_name))
      .filter((id): id is string => id !== undefined);
    // URLs follow one pattern; store none and check the pattern so a change upstream fails the build loudly.
    if (ext.url.replace(/\/$/, '') !== techniqueUrl(ext.id).replace(/\/$/, '')) {
      throw new Error(
        `technique ${ext.id} has URL ${ext.url}, not ${techniqueUrl(ext.id)}: update techniqueUrl`,
      );
    }
    techniques.push([ext.id, o.name, tacticIds]);
  }
  techniques.sort((a, b) => a[0].localeCompare(b[0]));
  const sortedKeys = <T>(r: Record<string, T>): Record<string, T> =>
    Object.fromEntries(
      Object.keys(r)
        .sort()
        .map((k) => [k, r[k]]),
    );

  return {
    attribution:
      '© 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE ' +
      'Corporation. MITRE ATT&CK and ATT&CK are registered trademarks of The MITRE Corporation.',
    framework: 'MITRE ATT&CK',
    domain: 'enterprise-attack',
    version,
    tactics,
    techniques,
    revoked: sortedKeys(revoked),
    deprecated: sortedKeys(deprecated),
  };
}

/** One line per tactic/technique keeps the committed file short and its diffs readable across ATT&CK releases. */
async function formatCatalog(catalog: CatalogData): Promise<string> {
  const lines = (items: unknown[]): string => items.map((i) => '    ' + JSON.stringify(i)).join(',\n');
  const raw = [
    '{',
    `  "attribution": ${JSON.stringify(catalog.attribution)},`,
    `  "framework": ${JSON.stringify(catalog.framework)},`,
    `  "domain": ${JSON.stringify(catalog.domain)},`,
    `  "version": ${JSON.stringify(catalog.version)},`,
    `  "tactics": [\n${lines(catalog.tactics)}\n  ],`,
    `  "techniques": [\n${lines(catalog.techniques)}\n  ],`,
    `  "revoked": ${JSON.stringify(catalog.revoked)},`,
    `  "deprecated": ${JSON.stringify(catalog.deprecated)}`,
    '}',
  ].join('\n');
  // Format with the project's prettier settings so `prettier --check` passes on the generated file.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(__filename)) ?? {};
  return prettier.format(raw, { ...options, parser: 'json' });
}

async function main(argv: string[]): Promise<number> {
  const input = argv[0] ?? datasetPath('attack', 'enterprise-attack-18.1.json');
  const out = argv[1] ?? path.resolve(__dirname, '..', '..', 'common', 'attack', 'catalog_data.json');
  const version = /enterprise-attack-(\d+(?:\.\d+)*)\.json$/.exec(input)?.[1];
  if (!version) {
    console.error(
      `cannot read the ATT&CK version from the file name ${input} (expected enterprise-attack-X.Y.json)`,
    );
    return 2;
  }
  const catalog = buildCatalog(JSON.parse(fs.readFileSync(input, 'utf8')), version);
  fs.writeFileSync(out, await formatCatalog(catalog));
  console.log(
    `ATT&CK ${version}: ${catalog.tactics.length} tactics, ${catalog.techniques.length} techniques, ` +
      `${Object.keys(catalog.revoked).length} revoked, ${Object.keys(catalog.deprecated).length} deprecated -> ${out}`,
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
