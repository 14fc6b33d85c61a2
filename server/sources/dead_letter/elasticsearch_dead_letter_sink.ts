/**
 * Dead letters in a regular Elasticsearch index (a data stream would answer 409 to a retried write with the same
 * id). The layout matches the ingest API's dead letters (server/ingest/intake.ts) so both land in one index and one
 * view: `source.{kind,location,id}` says where the document came from, and the document itself is kept as JSON text
 * in `original_text`, stored but not indexed, so arbitrary shapes never explode or conflict with the mapping.
 */
import type { Rejection } from '../../../common/event';
import type { ElasticsearchClient } from '../../kibana_types';
import { DEFAULT_RETRY, errorText, withEsRetry, type RetryPolicy } from '../elasticsearch/es_retry';
import {
  DeadLetterCounter,
  deadLetterId,
  originalAsJson,
  toDeadLetter,
  type DeadLetterSink,
} from './dead_letter';

/** Longest original kept; a larger one is cut and flagged, so one huge document cannot fail the bulk request. */
export const MAX_ORIGINAL_CHARS = 1_000_000;

export const deadLetterMappings = {
  properties: {
    '@timestamp': { type: 'date' as const },
    reason: { type: 'text' as const },
    field: { type: 'keyword' as const },
    source: {
      properties: {
        kind: { type: 'keyword' as const },
        location: { type: 'keyword' as const },
        id: { type: 'keyword' as const },
        format: { type: 'keyword' as const },
        name: { type: 'keyword' as const },
      },
    },
    original_text: { type: 'text' as const, index: false },
    original_truncated: { type: 'boolean' as const },
  },
};

export interface ElasticsearchDeadLetterSinkOptions {
  es: ElasticsearchClient;
  index: string;
  /** Source name the counters are kept under ('winlogbeat', 'wazuh', 'kafka', ...). */
  source: string;
  retry?: RetryPolicy;
  /** `wait_for` makes the dead letters searchable before `write` returns (tests, the status view). */
  refresh?: boolean | 'wait_for';
}

export class DeadLetterWriteError extends Error {
  constructor(index: string, failed: number, reason: string) {
    super(`${failed} dead letters were not stored in [${index}]: ${reason}`);
    this.name = 'DeadLetterWriteError';
  }
}

export class ElasticsearchDeadLetterSink implements DeadLetterSink {
  private readonly counter = new DeadLetterCounter();
  private ready?: Promise<void>;

  constructor(private readonly opts: ElasticsearchDeadLetterSinkOptions) {
    if (!opts.index) throw new Error('ElasticsearchDeadLetterSink: `index` must be a non-empty index name');
    if (!opts.source)
      throw new Error('ElasticsearchDeadLetterSink: `source` must be a non-empty source name');
  }

  counts(): Record<string, number> {
    return this.counter.snapshot();
  }

  async write(rejections: Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    await this.ensureIndex();
    const at = new Date();
    const operations = rejections.flatMap((r) => {
      const dl = toDeadLetter(r, at);
      const text = originalAsJson(dl.original);
      const truncated = text.length > MAX_ORIGINAL_CHARS;
      return [
        { index: { _index: this.opts.index, _id: deadLetterId(dl.origin) } },
        {
          '@timestamp': dl.at,
          reason: dl.reason,
          field: dl.field,
          source: { ...dl.origin, name: this.opts.source },
          original_text: truncated ? text.slice(0, MAX_ORIGINAL_CHARS) : text,
          ...(truncated ? { original_truncated: true } : {}),
        },
      ];
    });
    let created = 0;
    await withEsRetry(
      async () => {
        const res = await this.opts.es.bulk({ operations, refresh: this.opts.refresh ?? false });
        created = 0;
        const failed = res.items.filter((i) => i.index?.error);
        if (failed.length > 0) {
          const first = failed[0].index;
          const err = new DeadLetterWriteError(
            this.opts.index,
            failed.length,
            `${first?.error?.type}: ${first?.error?.reason}`,
          );
          // Busy items make the whole (idempotent) request worth another try.
          if (failed.some((i) => [429, 502, 503, 504].includes(i.index?.status ?? 0)))
            Object.assign(err, { meta: { statusCode: 429 } });
          throw err;
        }
        // Only newly created documents count: a retried batch overwrites its dead letters (`updated`).
        created = res.items.filter((i) => i.index?.result === 'created').length;
      },
      this.opts.retry ?? DEFAULT_RETRY,
      () => undefined,
    );
    this.counter.add(this.opts.source, created);
  }

  /** Creates the index with our mapping, or adds our fields to an existing one (the ingest API's template). */
  private ensureIndex(): Promise<void> {
    if (!this.ready) {
      this.ready = (async () => {
        const { es, index } = this.opts;
        const exists = await es.indices.exists({ index });
        if (!exists) {
          try {
            await es.indices.create({
              index,
              settings: { number_of_shards: 1, auto_expand_replicas: '0-1' },
              mappings: deadLetterMappings,
            });
            return;
          } catch (err) {
            if (!errorText(err).includes('resource_already_exists_exception')) throw err;
          }
        }
        await es.indices.putMapping({ index, ...deadLetterMappings });
      })().catch((err: unknown) => {
        this.ready = undefined;
        throw err;
      });
    }
    return this.ready;
  }
}
