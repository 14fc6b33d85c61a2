/**
 * Every ATT&CK technique id written anywhere in the project (source, rules, scenarios, model cards, docs) must be
 * a current id of the catalog's ATT&CK version: not unknown, not revoked, not deprecated. Alerts carry these ids to
 * analysts and to Elastic Security, so a stale id is a visible bug.
 *
 * A file that has to mention old ids on purpose (tests of the revoked-id mapping) opts out with the marker
 * `attack-id-check: allow-revoked` in its text.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ATTACK_VERSION, techniqueStatus } from '../common/attack/catalog';

const ROOT = path.resolve(__dirname, '..');
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'build',
  'target',
  '.stack',
  'output',
  '.venv',
  '__pycache__',
]);
const SKIP_FILES = new Set([path.join('common', 'attack', 'catalog_data.json'), 'package-lock.json']);
const TEXT_EXT = /\.(ts|tsx|js|mjs|cjs|json|ndjson|ya?ml|md|toml|txt|py|sh)$/i;
const OPT_OUT = 'attack-id-check: ' + 'allow-revoked';
const ID = /\bT\d{4}(?:\.\d{3})?\b/g;

function* projectFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* projectFiles(path.join(dir, entry.name));
    } else if (entry.isFile() && TEXT_EXT.test(entry.name)) {
      const full = path.join(dir, entry.name);
      if (!SKIP_FILES.has(path.relative(ROOT, full))) yield full;
    }
  }
}

describe(`ATT&CK technique ids used in the project are current in ATT&CK ${ATTACK_VERSION}`, () => {
  it('finds no unknown, revoked or deprecated technique id', () => {
    const problems: string[] = [];
    let filesWithIds = 0;
    for (const file of projectFiles(ROOT)) {
      if (fs.statSync(file).size > 5_000_000) continue;
      const text = fs.readFileSync(file, 'utf8');
      if (text.includes(OPT_OUT)) continue;
      const lines = text.split('\n');
      let found = false;
      lines.forEach((line, i) => {
        for (const m of line.matchAll(ID)) {
          found = true;
          const s = techniqueStatus(m[0]);
          if (s.status === 'active') continue;
          const why =
            s.status === 'revoked'
              ? `revoked, use ${s.replacement ?? '(no replacement)'}`
              : s.status === 'deprecated'
                ? `deprecated (${s.name})`
                : 'unknown';
          problems.push(`${path.relative(ROOT, file)}:${i + 1}: ${m[0]} is ${why}`);
        }
      });
      if (found) filesWithIds++;
    }
    // The rules alone carry dozens of ids; finding none means the walk is broken, not that all is well.
    expect(filesWithIds).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});
