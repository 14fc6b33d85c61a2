/**
 * Durable "seen markers": one tiny document per source document that a reader has handed out and had committed,
 * in `.apt-detection-seen-<source>-YYYY.MM.DD` (the day of the source document's @timestamp, UTC). The reader
 * re-scans a window behind its cursor to catch late arrivals and skips every document that has a marker, so a
 * document is processed once however often the window is read.
 *
 * Marker ids are `<source index>/<source _id>`, checked with a real-time mget (sees a marker as soon as its bulk
 * write returned, no refresh needed). Daily indices let housekeeping drop whole days instead of deleting documents.
 * The indices are hidden, so they stay out of `*` searches and Discover.
 */
import { createHash } from 'crypto';
import type { ElasticsearchClient } from '../../kibana_types';

export const SEEN_INDEX_PREFIX = '.apt-detection-seen-';
const DAY_MS = 86_400_000;

/** Source names become part of index names: lower case letters, digits, `_` and `-` only. */
export function validateSourceName(name: unknown): string {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
    throw new Error(
      `name: must be 1-64 lower-case letters, digits, '_' or '-' (it names the seen-marker indices), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

export function seenIndexPrefix(name: string): string {
  return `${SEEN_INDEX_PREFIX}${name}-`;
}

/** The marker index of a document with this @timestamp (epoch ms). */
export function seenIndexFor(name: string, tsMs: number): string {
  const d = new Date(tsMs);
  const day = `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${seenIndexPrefix(name)}${day}`;
}

/** `_id` is limited to 512 bytes; index + id can exceed that, in which case the pair is hashed. */
export function markerId(index: string, id: string): string {
  const plain = `${index}/${id}`;
  return Buffer.byteLength(plain) <= 512
    ? plain
    : `sha256:${createHash('sha256').update(plain).digest('hex')}`;
}

export interface SeenMarker {
  /** Marker index (from the document's day). */
  index: string;
  /** Marker id (from the document's index and id). */
  id: string;
  /** The source document's @timestamp, epoch ms (stored for debugging). */
  ts: number;
}

export const SEEN_TEMPLATE_NAME = 'apt-detection-seen-markers';

export const seenIndexTemplate = {
  name: SEEN_TEMPLATE_NAME,
  index_patterns: [`${SEEN_INDEX_PREFIX}*`],
  template: {
    settings: { index: { hidden: true, number_of_shards: 1, auto_expand_replicas: '0-1' } },
    mappings: { dynamic: false as const, properties: { '@timestamp': { type: 'date' as const } } },
  },
  _meta: { description: 'APT Detection: which source documents a reader already processed' },
};

export async function ensureSeenTemplate(es: ElasticsearchClient): Promise<void> {
  await es.indices.putIndexTemplate(seenIndexTemplate);
}

/** The marker ids (of `markers`) that exist. A missing marker index means "none seen that day". */
export async function findSeen(es: ElasticsearchClient, markers: SeenMarker[]): Promise<Set<string>> {
  const seen = new Set<string>();
  if (markers.length === 0) return seen;
  const res = await es.mget({
    docs: markers.map((m) => ({ _index: m.index, _id: m.id })),
    _source: false,
    realtime: true,
  });
  for (const d of res.docs) {
    if ('found' in d && d.found) seen.add(`${d._index}|${d._id}`);
    else if ('error' in d && d.error && d.error.type !== 'index_not_found_exception') {
      // Anything but "no such index" means we cannot tell; guessing "not seen" could duplicate, so fail the page.
      throw Object.assign(
        new Error(`seen-marker lookup failed for ${d._index}/${d._id}: ${d.error.reason}`),
        {
          meta: { statusCode: 503 },
        },
      );
    }
  }
  return seen;
}

export const seenKey = (m: Pick<SeenMarker, 'index' | 'id'>): string => `${m.index}|${m.id}`;

/** Writes markers; resolves only when every one is stored. Idempotent (same ids). */
export async function writeSeen(es: ElasticsearchClient, markers: readonly SeenMarker[]): Promise<void> {
  if (markers.length === 0) return;
  const res = await es.bulk({
    operations: markers.flatMap((m) => [{ index: { _index: m.index, _id: m.id } }, { '@timestamp': m.ts }]),
  });
  if (!res.errors) return;
  const failed = res.items.filter((i) => i.index?.error);
  const first = failed[0]?.index;
  const busy = failed.some((i) => [429, 502, 503, 504].includes(i.index?.status ?? 0));
  throw Object.assign(
    new Error(
      `${failed.length} seen markers were not stored: ${first?.error?.type}: ${first?.error?.reason}`,
    ),
    busy ? { meta: { statusCode: 429 } } : {},
  );
}

/**
 * Drops the seen-marker indices of source `name` whose whole day ended more than `olderThanMs` ago, and returns
 * their names. Keep markers at least as long as a reader may re-scan: lookback + late-arrival window covers even a
 * lost cursor (a first run reads `now - lookback`).
 */
export async function dropExpiredSeenIndices(
  es: ElasticsearchClient,
  name: string,
  olderThanMs: number,
  now: number = Date.now(),
): Promise<string[]> {
  validateSourceName(name);
  if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
    throw new Error(`olderThanMs: must be a non-negative number of milliseconds, got ${olderThanMs}`);
  }
  const prefix = seenIndexPrefix(name);
  const res = await es.indices.get({
    index: `${prefix}*`,
    expand_wildcards: ['open', 'closed', 'hidden'],
    ignore_unavailable: true,
    allow_no_indices: true,
  });
  const expired = Object.keys(res).filter((index) => {
    const day = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(index.slice(prefix.length));
    if (!day) return false;
    const end = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) + DAY_MS;
    return end < now - olderThanMs;
  });
  if (expired.length > 0) await es.indices.delete({ index: expired.join(',') });
  return expired.sort();
}
