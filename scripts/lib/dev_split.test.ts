import { createHash } from 'crypto';
import * as fs from 'fs';
import { datasetsDirOrWarn } from './datasets';
import {
  assignSplits,
  DEV_SETS,
  listDevFiles,
  splitAt,
  splitKey,
  type DevFile,
  type DevSet,
} from './dev_split';

function unit(set: DevSet, relPath: string, stratum = 'a'): Omit<DevFile, 'split'> {
  return { set, relPath, paths: [relPath], stratum, tacticIds: [], techniqueIds: [] };
}

describe('splitAt', () => {
  it('gives 60 / 20 / 20 within a stratum, by position', () => {
    expect(Array.from({ length: 5 }, (_, i) => splitAt(i, 5))).toEqual([
      'train',
      'train',
      'train',
      'val',
      'test',
    ]);
    const ten = Array.from({ length: 10 }, (_, i) => splitAt(i, 10));
    expect(ten.filter((s) => s === 'train')).toHaveLength(6);
    expect(ten.filter((s) => s === 'val')).toHaveLength(2);
    expect(ten.filter((s) => s === 'test')).toHaveLength(2);
  });

  it('rejects an index outside the stratum', () => {
    expect(() => splitAt(3, 3)).toThrow(/index 3 is outside 0..2/);
    expect(() => splitAt(-1, 3)).toThrow(/index -1/);
  });
});

describe('splitKey', () => {
  it('is the first 32 bits of sha256("<set>/<relPath>")', () => {
    const want = parseInt(createHash('sha256').update('otrf/a/b.zip').digest('hex').slice(0, 8), 16);
    expect(splitKey('otrf', 'a/b.zip')).toBe(want);
    expect(splitKey('evtx-attack-samples', 'a/b.zip')).not.toBe(want);
  });
});

describe('assignSplits', () => {
  const units = [
    ...Array.from({ length: 20 }, (_, i) => unit('otrf', `x/${i}.zip`, 'TA0008')),
    ...Array.from({ length: 7 }, (_, i) => unit('otrf', `y/${i}.zip`, 'TA0007')),
  ];

  it('does not depend on the order the units are listed in', () => {
    const a = new Map(assignSplits(units).map((u) => [u.relPath, u.split]));
    const b = new Map(assignSplits([...units].reverse()).map((u) => [u.relPath, u.split]));
    expect(b).toEqual(a);
  });

  it('balances every stratum and orders units by their hash', () => {
    const out = assignSplits(units);
    const x = out.filter((u) => u.stratum === 'TA0008');
    expect(x.filter((u) => u.split === 'test')).toHaveLength(4);
    expect(
      out
        .filter((u) => u.stratum === 'TA0007')
        .map((u) => u.split)
        .sort(),
    ).toEqual(['test', 'train', 'train', 'train', 'train', 'val', 'val']);
    const rank = { train: 0, val: 1, test: 2 } as const;
    const sorted = [...x].sort((p, q) => splitKey(p.set, p.relPath) - splitKey(q.set, q.relPath));
    for (let i = 1; i < sorted.length; i++)
      expect(rank[sorted[i].split]).toBeGreaterThanOrEqual(rank[sorted[i - 1].split]);
  });
});

const root = datasetsDirOrWarn('dev_split.test: dataset checks');
(root ? describe : describe.skip)('the development sets', () => {
  const files = root ? listDevFiles(root) : [];

  it('lists every set, each unit once, with files that exist', () => {
    expect(new Set(files.map((f) => f.set))).toEqual(new Set(DEV_SETS));
    expect(new Set(files.map((f) => `${f.set}/${f.relPath}`)).size).toBe(files.length);
    for (const f of files) for (const p of f.paths) expect(fs.existsSync(p)).toBe(true);
  });

  it('puts at least one file of every tactic folder into the test split', () => {
    const strata = new Set(files.map((f) => `${f.set}:${f.stratum}`));
    for (const s of strata) {
      const inS = files.filter((f) => `${f.set}:${f.stratum}` === s);
      expect({ s, test: inS.some((f) => f.split === 'test') }).toEqual({ s, test: true });
    }
  });

  it('leaves out evtx-attack-samples files without a tactic folder', () => {
    const evtx = files.filter((f) => f.set === 'evtx-attack-samples');
    expect(evtx.every((f) => f.tacticIds.length > 0)).toBe(true);
    expect(evtx.some((f) => f.relPath.startsWith('AutomatedTestingTools/'))).toBe(false);
  });
});
