/**
 * Reads Winlogbeat / Elastic Agent indices or Wazuh `wazuh-alerts-4.x-*` indices in time order, batch by batch,
 * with a cursor small enough for Task Manager state, and hands every document out exactly once across runs,
 * crashes and late arrivals.
 *
 * Design
 * - A run reads the window `[cursor - lateArrivalMs, now]` (first run: `[now - lookbackMs, now]`; `now` is fixed
 *   when the run starts) through a point in time (PIT), sorted by `@timestamp` then `_shard_doc`, paged with
 *   `search_after`. The PIT gives a consistent snapshot, so paging never skips or repeats inside a run.
 * - Re-reading `lateArrivalMs` behind the cursor catches documents indexed up to that long after their
 *   @timestamp. What makes the re-read safe is the seen markers (seen_markers.ts): every page's hits are checked
 *   with one real-time mget and documents with a marker are dropped before normalization.
 * - `commit(checkpoint)` first writes the markers of that batch's documents (bulk, acknowledged), then returns the
 *   new state. Once it returns, those documents are skipped by every later run, even if the caller crashes before
 *   saving the returned state: markers, not the cursor, are the record of what was processed. The cursor only
 *   bounds how far back a run looks. A batch that was yielded but never committed (the reader was killed) has no
 *   markers and is read again by the next run.
 * - Failures: 429, 5xx, timeouts, connection errors and shard failures are retried with exponential backoff. A
 *   200 answer with `_shards.failed > 0` counts as a failure (Elasticsearch returns partial hits, e.g. when an
 *   index was closed under the PIT; taking them would lose documents). After a failure the PIT is dropped and the
 *   run resumes with a fresh PIT from the last @timestamp it reached, skipping the documents at exactly that
 *   timestamp it already passed (`_shard_doc` values of one PIT mean nothing in another).
 * - Missing indices are not an error (`ignore_unavailable`, wildcard with no match): the read is empty.
 * - Cancellation (`signal`) is checked between pages and during backoff waits; an aborted read ends quietly after
 *   the last batch it yielded.
 *
 * Contract: commit the batches of one read in the order they were yielded (each commit moves the cursor to the end
 * of its batch); skipping a commit and committing a later batch throws.
 */
import { randomUUID } from 'crypto';
import type { Event, Rejection } from '../../../common/event';
import { isRejection } from '../../../common/event';
import type { ElasticsearchClient } from '../../kibana_types';
import { normalizeDocument } from '../../normalize';
import { DEFAULT_RETRY, errorText, ShardFailureError, withEsRetry, type RetryPolicy } from './es_retry';
import {
  ensureSeenTemplate,
  findSeen,
  markerId,
  seenIndexFor,
  seenKey,
  validateSourceName,
  writeSeen,
  type SeenMarker,
} from './seen_markers';

export interface SourceLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** Durable reader state (Task Manager task state): small JSON. */
export interface EsSourceState {
  v: 1;
  /** `[@timestamp epoch ms, "<index>/<_id>"]` of the furthest committed document, in read order. */
  cursor: [number, string];
  /** When this state was committed (ISO-8601), for the status page. */
  committedAt: string;
}

/** Handed back to `commit` once a batch is processed. Not for storing: `commit` returns what to store. */
export interface EsCheckpoint {
  readonly source: string;
  readonly runId: string;
  /** 1, 2, 3... within one read. */
  readonly seq: number;
  readonly cursor: [number, string];
  readonly markers: readonly SeenMarker[];
}

export interface EsSourceBatch {
  events: Event[];
  rejections: Rejection[];
  checkpoint: EsCheckpoint;
}

export interface ElasticsearchEventSourceOptions {
  es: ElasticsearchClient;
  /** 'winlogbeat' | 'wazuh' | ...: names the seen-marker indices and the log lines. */
  name: string;
  indexPatterns: string[];
  batchSize: number;
  lookbackMs: number;
  lateArrivalMs: number;
  keepOriginal?: boolean;
  logger?: SourceLogger;
  now?: () => number;
  retry?: RetryPolicy;
  /** Takes the raw document out of a wrapper before normalization (the intake index stores `{document: ...}`). */
  unwrap?: (source: unknown) => unknown;
  /** PIT keep-alive between pages; must outlast processing one batch. */
  pitKeepAlive?: string;
}

interface EsHit {
  _index: string;
  _id?: string;
  _source?: unknown;
  sort?: unknown[];
}

const noop = (): void => undefined;
const silentLogger: SourceLogger = { info: noop, warn: noop, error: noop, debug: noop };

function positiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${field}: must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${field}: must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks a state read back from Task Manager; a malformed one is an error naming the field, never a silent reset. */
export function parseEsSourceState(state: unknown): EsSourceState | undefined {
  if (state === undefined || state === null) return undefined;
  const s = state as Partial<EsSourceState>;
  if (typeof state !== 'object') throw new Error(`state: must be an object, got ${JSON.stringify(state)}`);
  if (s.v !== 1) throw new Error(`state.v: unsupported state version ${JSON.stringify(s.v)} (expected 1)`);
  const c = s.cursor;
  if (!Array.isArray(c) || c.length !== 2 || !Number.isFinite(c[0]) || typeof c[1] !== 'string') {
    throw new Error(`state.cursor: must be [epoch milliseconds, string], got ${JSON.stringify(c)}`);
  }
  return { v: 1, cursor: [c[0], c[1]], committedAt: String(s.committedAt ?? '') };
}

function laterCursor(a: [number, string] | undefined, b: [number, string]): [number, string] {
  return a && a[0] > b[0] ? a : b;
}

export class ElasticsearchEventSource {
  readonly name: string;
  private readonly es: ElasticsearchClient;
  private readonly indexPatterns: string[];
  private readonly batchSize: number;
  private readonly lookbackMs: number;
  private readonly lateArrivalMs: number;
  private readonly logger: SourceLogger;
  private readonly now: () => number;
  private readonly retry: RetryPolicy;
  private readonly keepAlive: string;
  private templateReady?: Promise<void>;
  /** Last committed seq per run, to refuse out-of-order commits. */
  private readonly committedSeq = new Map<string, number>();

  constructor(private readonly opts: ElasticsearchEventSourceOptions) {
    this.name = validateSourceName(opts.name);
    if (!opts.es) throw new Error('es: an Elasticsearch client is required');
    if (
      !Array.isArray(opts.indexPatterns) ||
      opts.indexPatterns.length === 0 ||
      opts.indexPatterns.some((p) => !p)
    ) {
      throw new Error(
        `indexPatterns: must be a non-empty list of index patterns, got ${JSON.stringify(opts.indexPatterns)}`,
      );
    }
    this.es = opts.es;
    this.indexPatterns = opts.indexPatterns;
    this.batchSize = positiveInt(opts.batchSize, 'batchSize');
    this.lookbackMs = nonNegative(opts.lookbackMs, 'lookbackMs');
    this.lateArrivalMs = nonNegative(opts.lateArrivalMs, 'lateArrivalMs');
    this.logger = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    positiveInt(this.retry.attempts, 'retry.attempts');
    nonNegative(this.retry.baseDelayMs, 'retry.baseDelayMs');
    this.keepAlive = opts.pitKeepAlive ?? '5m';
  }

  /** Batches of new documents from `state` on. Stop iterating at any time; uncommitted batches come again. */
  async *read(state: EsSourceState | undefined, signal?: AbortSignal): AsyncGenerator<EsSourceBatch> {
    const base = parseEsSourceState(state);
    const runId = randomUUID();
    const to = this.now();
    const from = base ? base.cursor[0] - this.lateArrivalMs : to - this.lookbackMs;
    const what = `${this.name} source [${this.indexPatterns.join(',')}]`;
    this.logger.debug(`${what}: reading ${new Date(from).toISOString()} .. ${new Date(to).toISOString()}`);

    let pit: string | undefined;
    let searchAfter: unknown[] | undefined;
    /** Highest @timestamp passed so far, and the documents at exactly that timestamp (for resuming). */
    let lastTs: number | undefined;
    let lastKey = '';
    const atLastTs = new Set<string>();
    let seq = 0;
    const onRetry = async (err: unknown, attempt: number, delayMs: number): Promise<void> => {
      this.logger.warn(`${what}: attempt ${attempt} failed (${errorText(err)}); retrying in ${delayMs} ms`);
      // The failure may have invalidated the PIT (closed index, lost node): resume from a fresh one.
      await this.closePit(pit);
      pit = undefined;
      searchAfter = undefined;
    };

    try {
      await this.ensureTemplate();
      for (;;) {
        if (signal?.aborted) {
          this.logger.info(`${what}: cancelled after ${seq} batches`);
          return;
        }
        const page = await withEsRetry(
          async () => {
            if (!pit) pit = await this.openPit();
            // Resuming after a failure: from the last timestamp reached, inclusive.
            const gte = searchAfter === undefined && lastTs !== undefined ? lastTs : from;
            return this.searchPage(pit, gte, to, searchAfter, what);
          },
          this.retry,
          onRetry,
          signal,
        );
        pit = page.pitId ?? pit;
        const hits = page.hits;
        if (hits.length === 0) return;
        searchAfter = hits[hits.length - 1].sort;

        const fresh: Array<{ hit: EsHit; ts: number; marker: SeenMarker }> = [];
        for (const hit of hits) {
          const ts = Number(hit.sort?.[0]);
          const key = `${hit._index}/${hit._id}`;
          if (ts === lastTs && atLastTs.has(key)) continue; // passed before a resume
          if (lastTs === undefined || ts > lastTs) {
            lastTs = ts;
            atLastTs.clear();
          }
          atLastTs.add(key);
          lastKey = key;
          fresh.push({
            hit,
            ts,
            marker: { index: seenIndexFor(this.name, ts), id: markerId(hit._index, String(hit._id)), ts },
          });
        }
        const seen =
          fresh.length === 0
            ? new Set<string>()
            : await withEsRetry(
                () =>
                  findSeen(
                    this.es,
                    fresh.map((f) => f.marker),
                  ),
                this.retry,
                (err, attempt, delayMs) =>
                  this.logger.warn(
                    `${what}: seen-marker lookup failed (${errorText(err)}); retry ${attempt} in ${delayMs} ms`,
                  ),
                signal,
              );
        const unseen = fresh.filter((f) => !seen.has(seenKey(f.marker)));
        if (unseen.length > 0 && lastTs !== undefined) {
          const events: Event[] = [];
          const rejections: Rejection[] = [];
          for (const { hit } of unseen) {
            const res = this.normalize(hit);
            if (isRejection(res)) rejections.push(res);
            else events.push(res);
          }
          seq++;
          yield {
            events,
            rejections,
            checkpoint: {
              source: this.name,
              runId,
              seq,
              cursor: laterCursor(base?.cursor, [lastTs, lastKey]),
              markers: unseen.map((u) => u.marker),
            },
          };
        }
        if (hits.length < this.batchSize) return;
      }
    } catch (err) {
      if (signal?.aborted) {
        this.logger.info(`${what}: cancelled after ${seq} batches`);
        return;
      }
      throw err;
    } finally {
      await this.closePit(pit);
    }
  }

  /** Makes a batch durable: its documents are never yielded again. Returns the state to store. */
  async commit(checkpoint: EsCheckpoint): Promise<EsSourceState> {
    if (!checkpoint || checkpoint.source !== this.name) {
      throw new Error(
        `checkpoint.source: this is the ${this.name} source, got a checkpoint of ${checkpoint?.source}`,
      );
    }
    const previous = this.committedSeq.get(checkpoint.runId) ?? 0;
    if (checkpoint.seq > previous + 1) {
      throw new Error(
        `checkpoint.seq: batch ${checkpoint.seq} committed before batch ${previous + 1} of the same read; ` +
          'commit batches in the order they were read',
      );
    }
    await this.ensureTemplate();
    await withEsRetry(
      () => writeSeen(this.es, checkpoint.markers),
      this.retry,
      (err, attempt, delayMs) =>
        this.logger.warn(
          `${this.name} source: storing seen markers failed (${errorText(err)}); retry ${attempt} in ${delayMs} ms`,
        ),
    );
    this.committedSeq.set(checkpoint.runId, Math.max(previous, checkpoint.seq));
    return { v: 1, cursor: checkpoint.cursor, committedAt: new Date(this.now()).toISOString() };
  }

  private normalize(hit: EsHit) {
    const raw = this.opts.unwrap ? this.opts.unwrap(hit._source) : hit._source;
    const origin = { kind: 'elasticsearch' as const, location: hit._index, id: String(hit._id) };
    try {
      return normalizeDocument(raw, origin, { keepOriginal: this.opts.keepOriginal });
    } catch (err) {
      // A normalizer bug on one document must not stop the stream forever: that document becomes a dead letter.
      const rejection: Rejection = {
        rejected: true,
        reason: `normalizer failed: ${errorText(err)}`,
        field: '',
        origin: { ...origin, format: 'ecs' },
        original: raw,
      };
      return rejection;
    }
  }

  private ensureTemplate(): Promise<void> {
    this.templateReady ??= withEsRetry(() => ensureSeenTemplate(this.es), this.retry, noop).catch(
      (err: unknown) => {
        this.templateReady = undefined;
        throw err;
      },
    );
    return this.templateReady;
  }

  private async openPit(): Promise<string> {
    const res = await this.es.openPointInTime({
      index: this.indexPatterns.join(','),
      keep_alive: this.keepAlive,
      ignore_unavailable: true,
    });
    return res.id;
  }

  private async closePit(id: string | undefined): Promise<void> {
    if (!id) return;
    // Best effort: an unclosed PIT expires by itself after the keep-alive.
    await this.es.closePointInTime({ id }).catch(noop);
  }

  private async searchPage(
    pit: string,
    gte: number,
    lte: number,
    searchAfter: unknown[] | undefined,
    what: string,
  ): Promise<{ hits: EsHit[]; pitId?: string }> {
    const res = await this.es.search({
      pit: { id: pit, keep_alive: this.keepAlive },
      size: this.batchSize,
      sort: [
        { '@timestamp': { order: 'asc', unmapped_type: 'date', numeric_type: 'date' } },
        { _shard_doc: 'asc' },
      ],
      query: { range: { '@timestamp': { gte, lte, format: 'epoch_millis' } } },
      ...(searchAfter ? { search_after: searchAfter as never } : {}),
      track_total_hits: false,
      allow_partial_search_results: false,
    });
    const shards = res._shards;
    if (res.timed_out || (shards && shards.failed > 0)) {
      const reason = shards?.failures?.[0]?.reason;
      throw new ShardFailureError(
        `search of ${what}`,
        shards?.failed ?? 0,
        shards?.total ?? 0,
        reason ? `${reason.type}: ${reason.reason}` : 'unknown',
        res.timed_out,
      );
    }
    return { hits: res.hits.hits as EsHit[], pitId: res.pit_id };
  }
}
