/**
 * Field-path comparison between simulator output and the real documents in the shared datasets
 * (winlogbeat-golden post- and pre-pipeline files, wazuh/windows-alerts.ndjson), per event code.
 * Run: `npx tsx server/simulator/shape_report.ts` (prints the per-code diff; exit 1 on unexplained gaps).
 */
import * as fs from 'fs';
import { datasetPath } from '../../scripts/lib/datasets';
import { DocKind, simulate } from './generator';
import { resolveScenarios } from './scenarios';

type PathSet = Set<string>;

/** Dotted field paths; arrays are transparent (objects inside arrays contribute their paths). */
export function fieldPaths(doc: unknown, prefix = '', out: PathSet = new Set()): PathSet {
  if (Array.isArray(doc)) {
    if (doc.length === 0 || doc.every((x) => x === null || typeof x !== 'object')) out.add(prefix);
    for (const x of doc) if (x && typeof x === 'object') fieldPaths(x, prefix, out);
  } else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc as Record<string, unknown>))
      if (v !== undefined) fieldPaths(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out.add(prefix);
  return out;
}

function readJsonDocs(file: string): unknown[] {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (Array.isArray(parsed)) return parsed;
  const obj = parsed as { expected?: unknown[] };
  return obj.expected ?? [parsed];
}

function codeKey(doc: Record<string, unknown>): string | undefined {
  const winlog = doc.winlog as { channel?: string; event_id?: string | number } | undefined;
  if (winlog?.event_id === undefined) return undefined;
  const ch = winlog.channel ?? '';
  return `${ch.includes('Sysmon') ? 'sysmon' : ch === 'Security' ? 'security' : ch === 'System' ? 'system' : 'powershell'}:${winlog.event_id}`;
}

function wazuhKey(doc: Record<string, unknown>): string | undefined {
  const sys = (doc.data as { win?: { system?: { channel?: string; eventID?: string } } } | undefined)?.win
    ?.system;
  if (!sys?.eventID) return undefined;
  const ch = sys.channel ?? '';
  return `${ch.includes('Sysmon') ? 'sysmon' : ch === 'Security' ? 'security' : ch === 'System' ? 'system' : ch.includes('PowerShell') ? 'powershell' : ch}:${sys.eventID}`;
}

function addTo(map: Map<string, PathSet>, key: string | undefined, doc: unknown): void {
  if (!key) return;
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  fieldPaths(doc, '', set);
}

export interface GoldenShapes {
  enriched: Map<string, PathSet>;
  raw: Map<string, PathSet>;
  wazuh: Map<string, PathSet>;
}

export function loadGoldenShapes(): GoldenShapes {
  const golden = datasetPath('winlogbeat-golden');
  const enriched = new Map<string, PathSet>();
  const raw = new Map<string, PathSet>();
  for (const dir of ['security', 'sysmon', 'powershell', 'integrations']) {
    for (const f of fs.readdirSync(`${golden}/${dir}`)) {
      if (!f.endsWith('.json')) continue;
      const target = f.endsWith('.evtx.golden.json') ? raw : enriched;
      for (const d of readJsonDocs(`${golden}/${dir}/${f}`))
        addTo(target, codeKey(d as Record<string, unknown>), d);
    }
  }
  const wazuh = new Map<string, PathSet>();
  for (const line of fs.readFileSync(datasetPath('wazuh', 'windows-alerts.ndjson'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const d = JSON.parse(line) as Record<string, unknown>;
    addTo(wazuh, wazuhKey(d), d);
  }
  return { enriched, raw, wazuh };
}

/** Field paths of a sample of simulator output, per code, for one format. */
export function generatedShapes(
  kind: DocKind,
  opts = { seed: 42, hosts: 40, days: 7 },
): Map<string, PathSet> {
  const sim = simulate({
    seed: opts.seed,
    hosts: opts.hosts,
    days: opts.days,
    start: Date.parse('2025-03-03T00:00:00Z'),
    scenarios: resolveScenarios('all'),
    format: kind,
  });
  const out = new Map<string, PathSet>();
  const seenPerCode = new Map<string, number>();
  for (const d of sim.documents) {
    const key = kind === 'wazuh' ? wazuhKey(d.doc) : codeKey(d.doc);
    if (!key) continue;
    // Enough documents per code to cover the variants; the rest add nothing new.
    const n = (seenPerCode.get(key) ?? 0) + 1;
    seenPerCode.set(key, n);
    if (n > 3000) continue;
    addTo(out, key, d.doc);
  }
  return out;
}

export interface CodeDiff {
  code: string;
  /** In the real documents, never in ours. */
  missing: string[];
  /** In ours, never in the real documents of that code. */
  extra: string[];
}

export function diffShapes(
  golden: Map<string, PathSet>,
  ours: Map<string, PathSet>,
): { diffs: CodeDiff[]; noGolden: string[]; notGenerated: string[] } {
  const diffs: CodeDiff[] = [];
  for (const [code, g] of golden) {
    const o = ours.get(code);
    if (!o) continue;
    diffs.push({
      code,
      missing: [...g].filter((p) => !o.has(p)).sort(),
      extra: [...o].filter((p) => !g.has(p)).sort(),
    });
  }
  return {
    diffs: diffs.sort((a, b) => a.code.localeCompare(b.code)),
    noGolden: [...ours.keys()].filter((c) => !golden.has(c)).sort(),
    notGenerated: [...golden.keys()].filter((c) => !ours.has(c)).sort(),
  };
}

function print(title: string, r: ReturnType<typeof diffShapes>): void {
  console.log(`\n=== ${title}`);
  for (const d of r.diffs) {
    console.log(`${d.code}: ${d.missing.length} missing, ${d.extra.length} extra`);
    if (d.missing.length) console.log(`  missing: ${d.missing.join(', ')}`);
    if (d.extra.length) console.log(`  extra:   ${d.extra.join(', ')}`);
  }
  console.log(`codes we generate without a golden: ${r.noGolden.join(', ') || '-'}`);
  console.log(`golden codes we never generate: ${r.notGenerated.join(', ') || '-'}`);
}

if (require.main === module) {
  const g = loadGoldenShapes();
  print(
    'Winlogbeat enriched (ingest goldens) vs --format winlogbeat',
    diffShapes(g.enriched, generatedShapes('winlogbeat')),
  );
  print(
    'Winlogbeat collection (evtx goldens) vs --format winlogbeat-raw',
    diffShapes(g.raw, generatedShapes('winlogbeat-raw')),
  );
  print(
    'Wazuh alerts (windows-alerts.ndjson) vs --format wazuh',
    diffShapes(g.wazuh, generatedShapes('wazuh')),
  );
}
