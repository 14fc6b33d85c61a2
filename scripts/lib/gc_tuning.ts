/**
 * Heap tuning for the bulk readers (scan, simulate, benchmarks).
 *
 * Old generation: with V8's default heap growing factor a long scan's RSS kept climbing (455 MB peak for 600k
 * compact events, 559 MB for 1.2M) while the live state stayed near 100 MB: the heap limit after each full GC grew
 * to a multiple of the live size. A growing factor of 1.5 (`--heap-growing-percent=50`) keeps the peak near 270 MB
 * for the same run at the same speed (`npx tsx scripts/bench/scan_throughput.ts --docs compact`), with no hard cap
 * that could turn a large live state into an out-of-memory crash. V8 reads this flag whenever it sizes the heap
 * after a full collection, so setting it at run time works (`npx apt-detect` needs no node flags); an explicit flag in
 * NODE_OPTIONS or on the command line wins.
 *
 * Young generation: not set here. `--max-semi-space-size` set at run time does not resize the running isolate's
 * young generation (V8 sizes it when the heap is created: `v8.getHeapSpaceStatistics()` still shows a 32 MB new
 * space afterwards); it only reached worker threads started later, whose heaps it made larger. Given on the node
 * command line for the main thread it measured 13.7 s instead of 14.6 s (median of 3, 250k simulator documents, 32 MB
 * semi-spaces) for 40 MB more RSS, and 64 MB no better: within this machine's run-to-run noise, so not worth a
 * re-launch of the CLI with node flags.
 */
import * as v8 from 'v8';

export const HEAP_GROWING_PERCENT = 50;

export function tuneHeapForBulkReading(): void {
  const given = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`;
  if (!given.includes('--heap-growing-percent'))
    v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
