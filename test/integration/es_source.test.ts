/**
 * ElasticsearchEventSource against the real development Elasticsearch: exactly-once delivery across killed and
 * restarted readers with late arrivals, empty reads of missing indices, a shard failure retried, cancellation,
 * and housekeeping of the seen-marker indices.
 */
import { Client } from '@elastic/elasticsearch';
import {
  dropExpiredSeenIndices,
  ElasticsearchEventSource,
  type EsSourceBatch,
  type EsSourceState,
} from '../../server/sources/elasticsearch';
import { winlogbeatLogon } from '../fixtures/winlogbeat_docs';
import { stackUrls, uniqueName } from '../stack_env';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const D0 = Date.UTC(2024, 4, 1); // 2024-05-01T00:00Z

const es = new Client({ node: stackUrls().esUrl, requestTimeout: 60_000 });

function dayOf(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10).replace(/-/g, '.');
}

interface TestDoc {
  id: string;
  ts: number;
  index: string;
}

async function indexDocs(docs: TestDoc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 5000) {
    const chunk = docs.slice(i, i + 5000);
    const res = await es.bulk({
      refresh: i + 5000 >= docs.length,
      operations: chunk.flatMap((d) => [
        { index: { _index: d.index, _id: d.id } },
        winlogbeatLogon(Number(d.id.slice(4)), new Date(d.ts)),
      ]),
    });
    if (res.errors) throw new Error(`bulk failed: ${JSON.stringify(res.items.find((x) => x.index?.error))}`);
  }
}

async function createIndices(names: string[]): Promise<void> {
  for (const index of names) {
    await es.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '1s' },
      mappings: { properties: { '@timestamp': { type: 'date' } } },
    });
  }
}

const ids = (b: EsSourceBatch): string[] => [
  ...b.events.map((e) => e.origin.id),
  ...b.rejections.map((r) => r.origin.id),
];

const logger = (sink: string[]) => ({
  info: () => undefined,
  debug: () => undefined,
  warn: (m: string) => void sink.push(m),
  error: (m: string) => void sink.push(m),
});

// 100k documents on a 2-core machine: generous, so a loaded CI box does not turn slowness into a failure.
jest.setTimeout(300_000);

describe('ElasticsearchEventSource (real Elasticsearch)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanup) await c().catch(() => undefined);
  });

  it('yields 100,000 events exactly once across three killed readers and 1% late arrivals', async () => {
    const base = uniqueName('es-src-wl');
    const name = base.replace(/^es-src-/, 's');
    const days = [0, 1, 2].map((d) => `${base}-${dayOf(D0 + d * DAY)}`);
    cleanup.push(() => es.indices.delete({ index: days.join(','), ignore_unavailable: true }));
    cleanup.push(() => dropExpiredSeenIndices(es, name, 0, D0 + 365 * DAY));
    await createIndices(days);

    // 100,000 documents over three days, four to a timestamp; every 100th arrives late.
    const N = 100_000;
    const step = (3 * DAY) / (N / 4);
    const docs: TestDoc[] = Array.from({ length: N }, (_, i) => {
      const ts = D0 + Math.floor(i / 4) * step;
      return { id: `doc-${i}`, ts, index: `${base}-${dayOf(ts)}` };
    });
    const late = new Set(docs.filter((_, i) => i % 100 === 37).map((d) => d.id));
    expect(late.size).toBe(1000);

    // The reader runs every 6 h of simulated time. An on-time document is indexed before the first run after its
    // @timestamp; a late one only before the run after that (so a reader already passed it), at most 12 h late.
    const clocks = Array.from({ length: 12 }, (_, k) => D0 + (k + 1) * 6 * HOUR);
    clocks.push(D0 + 3 * DAY + HOUR);
    const killAt = new Map([
      [2, 2],
      [6, 5],
      [11, 1],
    ]); // run index -> batches after which the reader dies
    const indexed = new Set<string>();
    const committed = new Map<string, number>();
    const discarded: string[] = [];
    let yielded = 0;
    let state: EsSourceState | undefined;
    let restarts = 0;
    let tIndex = 0;
    let tRead = 0;
    const warnings: string[] = [];

    for (let k = 0; k < clocks.length; k++) {
      const now = clocks[k];
      const previous = k > 0 ? clocks[k - 1] : -Infinity;
      const due = docs.filter((d) => !indexed.has(d.id) && (late.has(d.id) ? d.ts <= previous : d.ts <= now));
      due.forEach((d) => indexed.add(d.id));
      const t0 = Date.now();
      await indexDocs(due);
      tIndex += Date.now() - t0;
      const t1 = Date.now();

      const kills = killAt.get(k);
      const attempts = kills === undefined ? [Infinity] : [kills, Infinity];
      for (const killAfter of attempts) {
        if (killAfter === Infinity && kills !== undefined) restarts++;
        const source = new ElasticsearchEventSource({
          es,
          name,
          indexPatterns: [`${base}-*`],
          batchSize: 1000,
          lookbackMs: 4 * DAY,
          lateArrivalMs: 13 * HOUR,
          now: () => now,
          logger: logger(warnings),
        });
        let n = 0;
        for await (const batch of source.read(state)) {
          yielded += ids(batch).length;
          expect(batch.rejections).toEqual([]);
          if (n === killAfter) {
            // Killed while processing: no commit, the object is dropped.
            discarded.push(...ids(batch));
            break;
          }
          state = await source.commit(batch.checkpoint);
          for (const id of ids(batch)) committed.set(id, (committed.get(id) ?? 0) + 1);
          n++;
        }
      }
      tRead += Date.now() - t1;
    }
    console.log(
      `es_source: indexed ${N} documents in ${tIndex} ms; ${clocks.length} runs + ${restarts} restarts read them in ${tRead} ms`,
    );

    expect(indexed.size).toBe(N);
    expect(restarts).toBe(3);
    const duplicates = [...committed].filter(([, c]) => c !== 1);
    expect(duplicates).toEqual([]);
    expect(committed.size).toBe(N);
    expect(docs.every((d) => committed.has(d.id))).toBe(true);
    // The only repeats were the batches that were never committed, and each of those came again.
    expect(discarded.length).toBeGreaterThan(0);
    expect(discarded.every((id) => committed.has(id))).toBe(true);
    expect(yielded).toBe(N + discarded.length);
    expect(state?.cursor[0]).toBe(docs[N - 1].ts);
    expect(warnings).toEqual([]);

    // A run with nothing new yields nothing (everything in the late window has a marker).
    const again = new ElasticsearchEventSource({
      es,
      name,
      indexPatterns: [`${base}-*`],
      batchSize: 1000,
      lookbackMs: 4 * DAY,
      lateArrivalMs: 13 * HOUR,
      now: () => D0 + 3 * DAY + 2 * HOUR,
    });
    let extra = 0;
    for await (const b of again.read(state)) extra += ids(b).length;
    expect(extra).toBe(0);

    // Housekeeping: markers live in one hidden index per document day; dropping is by whole days.
    const dropped = await dropExpiredSeenIndices(es, name, DAY, D0 + 4 * DAY);
    expect(dropped).toEqual([
      `.apt-detection-seen-${name}-2024.05.01`,
      `.apt-detection-seen-${name}-2024.05.02`,
    ]);
    expect(await dropExpiredSeenIndices(es, name, DAY, D0 + 4 * DAY + 1)).toEqual([
      `.apt-detection-seen-${name}-2024.05.03`,
    ]);
  });

  it('reads nothing, without error, when the indices do not exist', async () => {
    const missing = uniqueName('es-src-missing');
    const source = new ElasticsearchEventSource({
      es,
      name: 'missing-test',
      indexPatterns: [`${missing}-*`, `${missing}-concrete`],
      batchSize: 100,
      lookbackMs: DAY,
      lateArrivalMs: HOUR,
    });
    const batches: EsSourceBatch[] = [];
    for await (const b of source.read(undefined)) batches.push(b);
    expect(batches).toEqual([]);
  });

  it('retries a page that failed on a shard (index closed and reopened under the PIT) and loses nothing', async () => {
    const base = uniqueName('es-src-shard');
    const name = base.replace(/^es-src-/, 's');
    const [a, b] = [`${base}-2024.05.01`, `${base}-2024.05.02`];
    cleanup.push(() => es.indices.delete({ index: `${a},${b}`, ignore_unavailable: true }));
    cleanup.push(() => dropExpiredSeenIndices(es, name, 0, D0 + 365 * DAY));
    await createIndices([a, b]);
    const docs: TestDoc[] = Array.from({ length: 3000 }, (_, i) => {
      const ts = D0 + i * 50_000; // ~1.7 days
      return { id: `doc-${i}`, ts, index: `${base}-${dayOf(ts)}` };
    });
    await indexDocs(docs);

    const warnings: string[] = [];
    const source = new ElasticsearchEventSource({
      es,
      name,
      indexPatterns: [`${base}-*`],
      batchSize: 500,
      lookbackMs: 3 * DAY,
      lateArrivalMs: HOUR,
      now: () => D0 + 2 * DAY,
      logger: logger(warnings),
      retry: { attempts: 5, baseDelayMs: 200 },
    });
    const seen = new Map<string, number>();
    let batches = 0;
    for await (const batch of source.read(undefined)) {
      for (const id of ids(batch)) seen.set(id, (seen.get(id) ?? 0) + 1);
      await source.commit(batch.checkpoint);
      if (++batches === 1) {
        // The PIT's search contexts on this index are gone after close + open: the next page fails on that shard.
        await es.indices.close({ index: b });
        await es.indices.open({ index: b, wait_for_active_shards: 1 });
      }
    }
    expect(warnings.some((w) => /attempt 1 failed .*(shard|search_context_missing)/.test(w))).toBe(true);
    expect(seen.size).toBe(3000);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
  });

  it('stops between batches when cancelled, and the next run continues after the committed batch', async () => {
    const base = uniqueName('es-src-cancel');
    const name = base.replace(/^es-src-/, 's');
    const index = `${base}-2024.05.01`;
    cleanup.push(() => es.indices.delete({ index, ignore_unavailable: true }));
    cleanup.push(() => dropExpiredSeenIndices(es, name, 0, D0 + 365 * DAY));
    await createIndices([index]);
    await indexDocs(Array.from({ length: 1000 }, (_, i) => ({ id: `doc-${i}`, ts: D0 + i * 1000, index })));

    const opts = {
      es,
      name,
      indexPatterns: [`${base}-*`],
      batchSize: 100,
      lookbackMs: DAY,
      lateArrivalMs: HOUR,
      now: () => D0 + DAY,
    };
    const source = new ElasticsearchEventSource(opts);
    const ac = new AbortController();
    let state: EsSourceState | undefined;
    const first: string[] = [];
    let batches = 0;
    for await (const batch of source.read(undefined, ac.signal)) {
      batches++;
      first.push(...ids(batch));
      state = await source.commit(batch.checkpoint);
      ac.abort(); // Task Manager cancels while this batch is being processed
    }
    expect(batches).toBe(1);
    expect(first).toHaveLength(100);

    const rest: string[] = [];
    const next = new ElasticsearchEventSource(opts);
    for await (const batch of next.read(state)) {
      rest.push(...ids(batch));
      await next.commit(batch.checkpoint);
    }
    expect(rest).toHaveLength(900);
    expect(new Set([...first, ...rest]).size).toBe(1000);
  });

  it('refuses out-of-order commits and malformed state, naming the field', async () => {
    const source = new ElasticsearchEventSource({
      es,
      name: 'state-test',
      indexPatterns: ['x-*'],
      batchSize: 10,
      lookbackMs: DAY,
      lateArrivalMs: HOUR,
    });
    await expect(
      source.commit({ source: 'state-test', runId: 'r', seq: 2, cursor: [0, 'a'], markers: [] }),
    ).rejects.toThrow(/^checkpoint\.seq: /);
    const bad = { v: 1, cursor: ['yesterday', 1] } as unknown as EsSourceState;
    await expect(source.read(bad).next()).rejects.toThrow(/^state\.cursor: /);
    expect(
      () =>
        new ElasticsearchEventSource({
          es,
          name: 'state-test',
          indexPatterns: [],
          batchSize: 10,
          lookbackMs: DAY,
          lateArrivalMs: HOUR,
        }),
    ).toThrow(/^indexPatterns: /);
  });
});
