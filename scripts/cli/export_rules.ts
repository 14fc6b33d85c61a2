/**
 * `apt-detect export-rules --format elastic|sigma|all --out DIR [--rules DIR]`: export the detection rules to
 * Elastic Security rule NDJSON (for `POST /api/detection_engine/rules/_import`) and/or Sigma YAML files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_RULES_DIR, loadRules } from '../../server/detection/rules/engine';
import { toElasticNdjson } from '../../server/detection/export/elastic';
import { toSigmaYaml } from '../../server/detection/export/sigma';

export const summary = 'export detection rules to Elastic Security NDJSON and Sigma YAML';

const USAGE = [
  'usage: apt-detect export-rules --format elastic|sigma|all --out DIR [--rules DIR]',
  '',
  '  --format   elastic: DIR/elastic/apt_detection_rules.ndjson (import with Kibana rules _import)',
  '             sigma:   DIR/sigma/<rule id>.yml (one file per rule)',
  '             all:     both',
  '  --out      output directory (created if missing)',
  `  --rules    rules directory (default ${path.relative(process.cwd(), DEFAULT_RULES_DIR) || '.'})`,
].join('\n');

interface Options {
  format: 'elastic' | 'sigma' | 'all';
  out: string;
  rules: string;
}

function parseArgs(argv: string[]): Options | string {
  const opts: Partial<Options> = { rules: DEFAULT_RULES_DIR };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--format') {
      const v = value();
      if (v !== 'elastic' && v !== 'sigma' && v !== 'all')
        return `--format must be elastic, sigma or all (got ${v})`;
      opts.format = v;
    } else if (flag === '--out') {
      const v = value();
      if (!v) return '--out needs a directory';
      opts.out = v;
    } else if (flag === '--rules') {
      const v = value();
      if (!v) return '--rules needs a directory';
      opts.rules = v;
    } else {
      return `unknown option ${a}`;
    }
  }
  if (!opts.format) return '--format is required';
  if (!opts.out) return '--out is required';
  return opts as Options;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const opts = parseArgs(argv);
  if (typeof opts === 'string') {
    console.error(`export-rules: ${opts}\n\n${USAGE}`);
    return 2;
  }
  const rules = loadRules(opts.rules);
  if (opts.format === 'elastic' || opts.format === 'all') {
    const dir = path.join(opts.out, 'elastic');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'apt_detection_rules.ndjson');
    fs.writeFileSync(file, toElasticNdjson(rules));
    console.log(`elastic: ${rules.length} rules -> ${file}`);
  }
  if (opts.format === 'sigma' || opts.format === 'all') {
    const dir = path.join(opts.out, 'sigma');
    fs.mkdirSync(dir, { recursive: true });
    for (const r of rules)
      fs.writeFileSync(path.join(dir, `${r.id.replace(/\./g, '_')}.yml`), toSigmaYaml(r));
    console.log(`sigma: ${rules.length} rules -> ${dir}`);
  }
  return 0;
}
