import * as path from 'path';
import { WINDOW_FEATURES } from '../../common/features/schema';
import type { WindowRow } from '../../common/features/window_extractor';
import { datasetsDir } from '../lib/datasets';
import { listDevFiles } from '../lib/dev_split';
import { devRunName, devUnitRows, devWindowLabel } from './dev_rows';

function features(counts: Record<string, number>): number[] {
  return WINDOW_FEATURES.map((n) => counts[n] ?? 0);
}

describe('devWindowLabel', () => {
  it('labels sigma-regression windows positive and OTRF windows negative', () => {
    const row = { features: features({ count_proc: 1 }) };
    expect(devWindowLabel('sigma-regression', row)).toBe(1);
    expect(devWindowLabel('otrf', row)).toBe(0);
  });

  it('drops evtx-attack-samples windows of untyped events only, keeps typed ones positive', () => {
    expect(devWindowLabel('evtx-attack-samples', { features: features({ count_other: 3 }) })).toBeUndefined();
    expect(
      devWindowLabel('evtx-attack-samples', { features: features({ count_other: 3, count_share: 1 }) }),
    ).toBe(1);
  });

  it('names an unknown set', () => {
    expect(() => devWindowLabel('nope' as never, { features: features({}) })).toThrow(
      /unknown development set 'nope'/,
    );
  });
});

describe('devRunName', () => {
  it('is CSV-safe and names the set', () => {
    expect(devRunName({ set: 'evtx-attack-samples', relPath: 'Lateral Movement/a, b.evtx' }, 0xab)).toBe(
      'dev-evtx-000000ab',
    );
    expect(devRunName({ set: 'sigma-regression', relPath: 'x' }, 0xffffffff)).toBe('dev-sigma-ffffffff');
  });
});

let root: string | undefined;
try {
  root = datasetsDir();
} catch (err) {
  console.warn(`dev_rows.test: dataset checks skipped: ${(err as Error).message}`);
}

(root ? describe : describe.skip)('devUnitRows on development files', () => {
  const files = root ? listDevFiles(root) : [];

  it('turns a short evtx capture into positive windows and counts what it dropped', async () => {
    const f = files.find((u) => u.relPath.endsWith('sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx'));
    if (!f)
      throw new Error(
        `the lsass capture is not listed under ${path.join(root as string, 'evtx-attack-samples')}`,
      );
    const rows: WindowRow[] = [];
    const s = await devUnitRows(f, 'dev-evtx-test', (r) => void rows.push(r));
    expect(s.events).toBeGreaterThan(0);
    expect(rows.length).toBe(s.rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.label === 1)).toBe(true);
    expect(s.positiveRows).toBe(s.rows);
  });

  it('labels every window of an OTRF archive as background', async () => {
    const f = files
      .filter((u) => u.set === 'otrf')
      .sort((a, b) => a.relPath.localeCompare(b.relPath))
      .find((u) => u.relPath.includes('/discovery/'));
    if (!f) throw new Error('no OTRF discovery archive is listed');
    const rows: WindowRow[] = [];
    const s = await devUnitRows(f, 'dev-otrf-test', (r) => void rows.push(r));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.label === 0)).toBe(true);
    expect(s.positiveRows).toBe(0);
  });
});
