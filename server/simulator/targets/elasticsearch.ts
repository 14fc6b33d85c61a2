/**
 * Elasticsearch target: daily indices named as the real shippers name them (`winlogbeat-8.17.0-YYYY.MM.DD`,
 * `wazuh-alerts-4.x-YYYY.MM.DD`), index templates installed first, bulk writes with the documents' deterministic
 * ids so a re-run overwrites instead of duplicating. Templates use only core field types (the development
 * Elasticsearch has no x-pack or mapper-extras).
 */
import type { Client } from '@elastic/elasticsearch';
import type { SimDoc } from '../generator';
import { WINLOGBEAT_VERSION } from '../render_common';
import { LabelsWriter, RateLimiter, SinkOptions, SinkSummary, SummaryCounter } from './sink_common';

export interface EsTargetOptions extends SinkOptions {
  /** Index name prefixes (tests use unique ones); defaults are the real shippers' names. */
  winlogbeatPrefix?: string;
  wazuhPrefix?: string;
  /** Documents per bulk request (default 5000: ~5-10 MB, the size Elasticsearch's tuning guide starts from). */
  batchSize?: number;
  /** Bulk requests in flight at once (default 3), so generation and indexing overlap. */
  concurrency?: number;
  /** Wait for each bulk to be searchable (tests). */
  refresh?: boolean;
  /**
   * Turn refresh off on the indices being written during an unthrottled load, then restore the default and refresh
   * once at the end (Elasticsearch's "tune for indexing speed" advice). Default: on unless `rate` or `refresh` is set.
   */
  pauseRefresh?: boolean;
}

export const DEFAULT_WINLOGBEAT_PREFIX = `winlogbeat-${WINLOGBEAT_VERSION}`;
export const DEFAULT_WAZUH_PREFIX = 'wazuh-alerts-4.x';

function day(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10).replace(/-/g, '.');
}

export function indexFor(
  d: SimDoc,
  winlogbeatPrefix = DEFAULT_WINLOGBEAT_PREFIX,
  wazuhPrefix = DEFAULT_WAZUH_PREFIX,
): string {
  return `${d.kind === 'wazuh' ? wazuhPrefix : winlogbeatPrefix}-${day(d.ts)}`;
}

const STRING_AS_KEYWORD = {
  string_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 8191 } },
};

/** Simulated indices are regenerable test data: no replica. */
const SIM_INDEX_SETTINGS = { 'index.mapping.total_fields.limit': 10000, number_of_replicas: 0 };

function winlogbeatTemplate(prefix: string): Record<string, unknown> {
  const ip = { type: 'ip' };
  const long = { type: 'long' };
  return {
    index_patterns: [`${prefix}-*`],
    priority: templatePriority(prefix),
    template: {
      settings: SIM_INDEX_SETTINGS,
      mappings: {
        date_detection: false,
        dynamic_templates: [STRING_AS_KEYWORD],
        properties: {
          '@timestamp': { type: 'date_nanos' },
          message: { type: 'text' },
          host: { properties: { ip, name: { type: 'keyword' } } },
          source: { properties: { ip, port: long, bytes: long } },
          destination: { properties: { ip, port: long, bytes: long } },
          network: { properties: { bytes: long } },
          related: { properties: { ip } },
          dns: { properties: { resolved_ip: ip } },
          process: {
            properties: {
              pid: long,
              command_line: { type: 'keyword', ignore_above: 8191 },
              parent: { properties: { pid: long } },
            },
          },
          winlog: {
            properties: {
              record_id: { type: 'keyword' },
              event_id: { type: 'keyword' },
              process: { properties: { pid: long, thread: { properties: { id: long } } } },
              event_data: { type: 'flattened' },
            },
          },
        },
      },
    },
  };
}

function wazuhTemplate(prefix: string): Record<string, unknown> {
  return {
    index_patterns: [`${prefix}-*`],
    priority: templatePriority(prefix),
    template: {
      settings: { ...SIM_INDEX_SETTINGS, refresh_interval: '5s' },
      mappings: {
        date_detection: false,
        dynamic_templates: [STRING_AS_KEYWORD],
        properties: {
          '@timestamp': { type: 'date' },
          timestamp: { type: 'date', format: "yyyy-MM-dd'T'HH:mm:ss.SSSZ||strict_date_optional_time" },
          rule: {
            properties: {
              level: { type: 'long' },
              firedtimes: { type: 'long' },
              id: { type: 'keyword' },
              groups: { type: 'keyword' },
              mail: { type: 'boolean' },
            },
          },
          agent: {
            properties: { id: { type: 'keyword' }, name: { type: 'keyword' }, ip: { type: 'keyword' } },
          },
          full_log: { type: 'text' },
          data: {
            properties: { win: { properties: { system: { properties: { message: { type: 'text' } } } } } },
          },
        },
      },
    },
  };
}

/**
 * Elasticsearch refuses a template whose patterns overlap another's at the same priority, and `winlogbeat-8.17.0-*`
 * overlaps any longer prefix that starts with it (a test's or a second simulation's). The longer, more specific
 * prefix gets the higher priority, so two prefixes never tie unless they are the same prefix (the same template).
 */
function templatePriority(prefix: string): number {
  return 200 + Math.min(prefix.length, 200);
}

/** Installs (or updates) the composable index templates for both families. */
export async function installIndexTemplates(
  client: Client,
  opts: Pick<EsTargetOptions, 'winlogbeatPrefix' | 'wazuhPrefix'> = {},
): Promise<void> {
  const wl = opts.winlogbeatPrefix ?? DEFAULT_WINLOGBEAT_PREFIX;
  const wz = opts.wazuhPrefix ?? DEFAULT_WAZUH_PREFIX;
  await client.indices.putIndexTemplate({ name: `${wl}-sim`, ...winlogbeatTemplate(wl) } as Parameters<
    Client['indices']['putIndexTemplate']
  >[0]);
  await client.indices.putIndexTemplate({ name: `${wz}-sim`, ...wazuhTemplate(wz) } as Parameters<
    Client['indices']['putIndexTemplate']
  >[0]);
}

/** The document as it is indexed: Beats strip @metadata; Wazuh's Filebeat pipeline adds @timestamp. */
export function indexedSource(d: SimDoc): Record<string, unknown> {
  if (d.kind === 'wazuh') {
    const ts = String(d.doc.timestamp);
    return { '@timestamp': `${ts.slice(0, 23)}Z`, ...d.doc };
  }
  if ('@metadata' in d.doc) {
    const { '@metadata': _meta, ...rest } = d.doc;
    return rest;
  }
  return d.doc;
}

export class BulkError extends Error {}

export async function writeToElasticsearch(
  client: Client,
  docs: AsyncIterable<SimDoc>,
  opts: EsTargetOptions = {},
): Promise<SinkSummary> {
  await installIndexTemplates(client, opts);
  const size = opts.batchSize ?? 5000;
  const concurrency = Math.max(1, opts.concurrency ?? 3);
  const pauseRefresh = opts.pauseRefresh ?? (!opts.rate && !opts.refresh);
  const limiter = opts.rate ? new RateLimiter(opts.rate) : undefined;
  const labels = opts.labelsPath ? new LabelsWriter(opts.labelsPath) : undefined;
  const counter = new SummaryCounter();
  const inFlight = new Set<Promise<void>>();
  /** Indices written so far (refresh paused on them). */
  const indices = new Set<string>();
  let failure: Error | undefined;
  // The bulk body is built as NDJSON text as documents arrive: no array of objects for the client to walk again.
  let body = '';
  let pending = 0;
  const send = (payload: string, batchIndices: string[]): void => {
    const p = (async () => {
      const fresh = batchIndices.filter((i) => !indices.has(i));
      for (const i of fresh) indices.add(i);
      const res = await client.bulk({
        operations: payload as unknown as unknown[],
        refresh: opts.refresh ? 'wait_for' : false,
      });
      if (res.errors) {
        const bad = res.items.find((i) => i.index?.error);
        throw new BulkError(
          `bulk indexing failed for ${bad?.index?._index}/${bad?.index?._id}: ${JSON.stringify(bad?.index?.error)}`,
        );
      }
      // The first bulk created the index from its template; from now on it need not refresh every second.
      if (pauseRefresh && fresh.length)
        await client.indices.putSettings({ index: fresh.join(','), settings: { refresh_interval: '-1' } });
    })().catch((err: unknown) => {
      failure ??= err instanceof Error ? err : new Error(String(err));
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  let batchIndices = new Set<string>();
  const flush = async (): Promise<void> => {
    if (!pending) return;
    send(body, [...batchIndices]);
    body = '';
    pending = 0;
    batchIndices = new Set();
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure) throw failure;
  };
  try {
    for await (const d of docs) {
      if (limiter) await limiter.take(1);
      const index = indexFor(d, opts.winlogbeatPrefix, opts.wazuhPrefix);
      batchIndices.add(index);
      body += `{"index":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(d.id)}}}\n${JSON.stringify(indexedSource(d))}\n`;
      pending++;
      if (labels && d.label) await labels.add(d);
      counter.add(d);
      if (pending >= size) await flush();
      if (opts.onProgress && counter.s.documents % (opts.progressEvery ?? 50000) === 0)
        opts.onProgress(counter.s);
    }
    await flush();
    await Promise.all(inFlight);
    if (failure) throw failure;
  } finally {
    await Promise.allSettled(inFlight);
    if (labels) await labels.close();
    if (pauseRefresh && indices.size) {
      // Back to the index default, and make everything searchable now.
      const names = [...indices].join(',');
      // null resets the setting (the typed client has no null in its settings shape).
      await client.indices.putSettings({
        index: names,
        settings: { refresh_interval: null },
      } as unknown as Parameters<Client['indices']['putSettings']>[0]);
      await client.indices.refresh({ index: names });
    }
  }
  return counter.finish();
}
