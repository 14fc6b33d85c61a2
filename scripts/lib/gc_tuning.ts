/**
 * Heap tuning for the bulk readers (scan, simulate, benchmarks). Reading a file parses ~2 KB documents
 * at tens of thousands per second; with V8's default 16 MB semi-space the scavenger runs every few hundred
 * documents and copies each batch of live events several times before it is consumed. A 64 MB semi-space
 * measured +15-30% events per CPU-second for read + normalize (and +15% for the whole scan) for about 60 MB more RSS
 * (`npx tsx scripts/bench/normalize_throughput.ts`).
 *
 * Old generation: with V8's default heap growing factor a long scan's RSS kept climbing (455 MB peak for 600k
 * compact events, 559 MB for 1.2M) while the live state stayed near 100 MB: the heap limit after each full GC grew
 * to a multiple of the live size. A growing factor of 1.5 (`--heap-growing-percent=50`) keeps the peak near 270 MB
 * for the same run at the same speed (`npx tsx scripts/bench/scan_throughput.ts --docs compact`), with no hard cap
 * that could turn a large live state into an out-of-memory crash.
 *
 * Applied at run time so `npx apt-detect` needs no node flags; an explicit flag in NODE_OPTIONS or on the command
 * line wins.
 */
import * as v8 from 'v8';

export const SEMI_SPACE_MB = 64;
export const HEAP_GROWING_PERCENT = 50;

export function tuneHeapForBulkReading(): void {
  const given = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`;
  if (!given.includes('--max-semi-space-size'))
    v8.setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
  if (!given.includes('--heap-growing-percent'))
    v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
