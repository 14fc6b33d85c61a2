/**
 * mulberry32: a tiny seedable PRNG, identical on every platform. For reproducible numbers that do not need the
 * simulator's sub-stream derivation (server/simulator/prng.ts): Isolation Forest sampling, benchmark and test data.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
