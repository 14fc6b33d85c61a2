/**
 * Young-generation sizing for the bulk readers (scan, simulate, benchmarks). Reading a file parses ~2 KB documents
 * at tens of thousands per second; with V8's default 16 MB semi-space the scavenger runs every few hundred
 * documents and copies each batch of live events several times before it is consumed. A 64 MB semi-space
 * measured +15-30% events per CPU-second for read + normalize (and +15% for the whole scan) for about 60 MB more RSS
 * (`npx tsx scripts/bench/normalize_throughput.ts`). Applied at run time so `npx apt-detect` needs no node flags;
 * an explicit `--max-semi-space-size` in NODE_OPTIONS or on the command line wins.
 */
import * as v8 from 'v8';

export const SEMI_SPACE_MB = 64;

export function tuneYoungGeneration(): void {
  const given = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`;
  if (given.includes('--max-semi-space-size')) return;
  v8.setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
}
