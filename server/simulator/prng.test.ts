import { hashSeed, Prng } from './prng';

describe('Prng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const sa = Array.from({ length: 50 }, () => a.nextUint32());
    expect(Array.from({ length: 50 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('keeps int() inside its inclusive bounds and reaches both ends', () => {
    const r = new Prng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(3, 7);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(7);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('derives independent sub-streams by name', () => {
    expect(Prng.derive(5, 'window', 1).nextUint32()).not.toBe(Prng.derive(5, 'window', 2).nextUint32());
    expect(hashSeed('ab', 'c')).not.toBe(hashSeed('a', 'bc'));
  });

  it('draws Poisson counts whose mean is close to the requested mean', () => {
    const r = new Prng(9);
    let sum = 0;
    for (let i = 0; i < 5000; i++) sum += r.poisson(2.5);
    expect(sum / 5000).toBeGreaterThan(2.3);
    expect(sum / 5000).toBeLessThan(2.7);
  });

  it('renders lower-case braced GUIDs', () => {
    expect(new Prng(3).guid()).toMatch(/^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/);
  });
});
