/**
 * A snapshot taken mid-stream and restored into a fresh extractor (through JSON, as the state store keeps it) must
 * produce exactly the rows an uninterrupted extractor produces; a damaged snapshot is refused naming the field.
 */
import { goldenFeatureEvents } from '../../test/fixtures/golden_feature_events';
import { parseExtractorSnapshot } from './extractor_snapshot';
import { WindowFeatureExtractor, type WindowRow } from './window_extractor';

const events = goldenFeatureEvents();

const run = (ex: WindowFeatureExtractor<number>, from: number, to: number): WindowRow<number>[] => {
  const rows: WindowRow<number>[] = [];
  for (let i = from; i < to; i++) rows.push(...ex.add(events[i], events[i].y, i));
  return rows;
};

describe('WindowFeatureExtractor snapshot/restore', () => {
  it('continues after a restore exactly as without one', () => {
    const straight = new WindowFeatureExtractor<number>();
    const expected = [...run(straight, 0, events.length), ...straight.flush()];

    const cut = Math.floor(events.length * 0.6);
    const before = new WindowFeatureExtractor<number>();
    const rows = run(before, 0, cut);
    const json = JSON.parse(JSON.stringify(before.snapshot((r) => r))) as unknown;
    const after = new WindowFeatureExtractor<number>();
    after.restore(parseExtractorSnapshot(json), (raw) => (typeof raw === 'number' ? raw : undefined));
    expect(after.stats()).toEqual(before.stats());
    rows.push(...run(after, cut, events.length), ...after.flush());

    expect(expected.length).toBeGreaterThan(500);
    expect(rows).toEqual(expected);
  });

  it('keeps only the most recently active windows and the most frequent processes past its limits', () => {
    const ex = new WindowFeatureExtractor<number>();
    run(ex, 0, Math.floor(events.length / 2));
    const full = ex.snapshot((r) => r);
    expect(full.windows.length).toBeGreaterThan(3);
    const small = ex.snapshot((r) => r, {
      maxWindows: 2,
      maxHistoryEntities: 1,
      maxPairsPerEntity: 1,
      maxProcesses: 2,
    });
    const last = (w: (typeof full.windows)[number]): number => w.steps[w.steps.length - 1][1];
    const recent = [...full.windows].sort((a, b) => last(b) - last(a)).slice(0, 2);
    expect(small.windows).toEqual(recent);
    expect(small.pairHistory).toHaveLength(1);
    expect(small.pairHistory[0][1].length).toBeLessThanOrEqual(1);
    const counts = full.procWindows.map(([, n]) => n).sort((a, b) => b - a);
    expect(small.procWindows.map(([, n]) => n)).toEqual(counts.slice(0, 2));
  });

  it('refuses a damaged snapshot, naming the field', () => {
    const ex = new WindowFeatureExtractor<number>();
    run(ex, 0, 2000);
    const snap = JSON.parse(JSON.stringify(ex.snapshot((r) => r))) as { windows: Array<{ counts: unknown }> };
    snap.windows[0].counts = [1, 2];
    expect(() => parseExtractorSnapshot(snap)).toThrow(/field windows\.0\.counts/);
    expect(() => parseExtractorSnapshot({ v: 2 })).toThrow(/field v/);
    expect(() => parseExtractorSnapshot('nonsense')).toThrow(/field \(root\)/);
  });
});
