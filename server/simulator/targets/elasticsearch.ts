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
  batchSize?: number;
  refresh?: boolean;
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

function winlogbeatTemplate(prefix: string): Record<string, unknown> {
  const ip = { type: 'ip' };
  const long = { type: 'long' };
  return {
    index_patterns: [`${prefix}-*`],
    priority: 200,
    template: {
      settings: { 'index.mapping.total_fields.limit': 10000, number_of_replicas: 0 },
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
    priority: 200,
    template: {
      settings: { 'index.mapping.total_fields.limit': 10000, number_of_replicas: 0, refresh_interval: '5s' },
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
  const size = opts.batchSize ?? 2000;
  const limiter = opts.rate ? new RateLimiter(opts.rate) : undefined;
  const labels = opts.labelsPath ? new LabelsWriter(opts.labelsPath) : undefined;
  const counter = new SummaryCounter();
  let ops: unknown[] = [];
  let pending = 0;
  const flush = async (): Promise<void> => {
    if (!pending) return;
    const res = await client.bulk({ operations: ops, refresh: opts.refresh ? 'wait_for' : false });
    if (res.errors) {
      const bad = res.items.find((i) => i.index?.error);
      throw new BulkError(
        `bulk indexing failed for ${bad?.index?._index}/${bad?.index?._id}: ${JSON.stringify(bad?.index?.error)}`,
      );
    }
    ops = [];
    pending = 0;
  };
  try {
    for await (const d of docs) {
      if (limiter) await limiter.take(1);
      ops.push(
        { index: { _index: indexFor(d, opts.winlogbeatPrefix, opts.wazuhPrefix), _id: d.id } },
        indexedSource(d),
      );
      pending++;
      if (labels) await labels.add(d);
      counter.add(d);
      if (pending >= size) await flush();
      if (opts.onProgress && counter.s.documents % (opts.progressEvery ?? 50000) === 0)
        opts.onProgress(counter.s);
    }
    await flush();
  } finally {
    if (labels) await labels.close();
  }
  return counter.finish();
}
