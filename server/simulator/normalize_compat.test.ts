/**
 * Everything the simulator writes must normalize without a single rejection. The normalizer
 * (server/normalize/index.ts, `normalizeDocument(raw, origin)`) is written separately; until it exists this suite
 * is skipped with a note rather than passing vacuously.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { EventOrigin, NormalizeResult } from '../../common/event';
import { DocKind, simulate } from './generator';
import { resolveScenarios } from './scenarios';
import { indexFor, indexedSource } from './targets/elasticsearch';

type Normalize = (raw: unknown, origin: EventOrigin) => NormalizeResult;

const NORMALIZER = path.join(__dirname, '..', 'normalize', 'index.ts');
const available = fs.existsSync(NORMALIZER);
if (!available) console.warn(`normalize_compat: ${NORMALIZER} does not exist yet; skipping`);

const FORMAT: Record<DocKind, EventOrigin['format']> = {
  winlogbeat: 'winlogbeat_ecs',
  'winlogbeat-raw': 'winlogbeat_raw',
  wazuh: 'wazuh_alert',
};

(available ? describe : describe.skip)('simulator output through the normalizer', () => {
  it.each(['winlogbeat', 'winlogbeat-raw', 'wazuh'] as DocKind[])(
    'normalizes every %s document with zero rejections',
    (kind) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(NORMALIZER) as { normalizeDocument?: Normalize };
      expect(typeof mod.normalizeDocument).toBe('function');
      const normalize = mod.normalizeDocument as Normalize;
      const sim = simulate({
        seed: 8,
        hosts: 20,
        days: 2,
        start: Date.parse('2025-03-03T00:00:00Z'),
        scenarios: resolveScenarios('all'),
        format: kind,
      });
      const rejections: string[] = [];
      let n = 0;
      for (const d of sim.documents) {
        n++;
        const raw = kind === 'winlogbeat-raw' ? d.doc : indexedSource(d);
        const r = normalize(raw, {
          kind: 'simulator',
          format: FORMAT[kind],
          location: indexFor(d),
          id: d.id,
        });
        if ('rejected' in r && r.rejected) rejections.push(`${d.channel}:${d.code} ${r.field}: ${r.reason}`);
      }
      expect(n).toBeGreaterThan(kind === 'wazuh' ? 300 : 10000);
      expect(rejections.slice(0, 20)).toEqual([]);
    },
  );
});
