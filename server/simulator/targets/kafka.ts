/**
 * Kafka target: Winlogbeat documents on topic `winlogbeat` as Winlogbeat's Kafka output writes them (the JSON
 * codec's event with `@metadata`), Wazuh alerts on `wazuh-alerts` inside a Filebeat envelope (alert JSON as a
 * string in `message`), as Wazuh's Filebeat module ships alerts.json. Messages are keyed by host so one host's
 * events stay ordered within a partition.
 */
import type { Producer } from 'kafkajs';
import type { SimDoc } from '../generator';
import { WAZUH_MANAGER } from '../render_wazuh';
import { LabelsWriter, RateLimiter, SinkOptions, SinkSummary, SummaryCounter } from './sink_common';

export interface KafkaTargetOptions extends SinkOptions {
  winlogbeatTopic?: string;
  wazuhTopic?: string;
  batchSize?: number;
  /** Flush before a request grows past this; brokers reject record batches above message.max.bytes (1 MiB default). */
  maxBatchBytes?: number;
}

const FILEBEAT_VERSION = '7.10.2';

/** The Filebeat (wazuh module) event carrying one alerts.json line. */
export function filebeatEnvelope(d: SimDoc, offset: number): Record<string, unknown> {
  const ts = String(d.doc.timestamp);
  return {
    '@timestamp': `${ts.slice(0, 23)}Z`,
    '@metadata': {
      beat: 'filebeat',
      type: '_doc',
      version: FILEBEAT_VERSION,
      pipeline: `filebeat-${FILEBEAT_VERSION}-wazuh-alerts-pipeline`,
    },
    agent: { type: 'filebeat', version: FILEBEAT_VERSION, hostname: WAZUH_MANAGER, name: WAZUH_MANAGER },
    ecs: { version: '1.6.0' },
    event: { module: 'wazuh', dataset: 'wazuh.alerts' },
    fileset: { name: 'alerts' },
    input: { type: 'log' },
    log: { file: { path: '/var/ossec/logs/alerts/alerts.json' }, offset },
    fields: { index_prefix: 'wazuh-alerts-4.x-' },
    service: { type: 'wazuh' },
    host: { name: WAZUH_MANAGER },
    message: JSON.stringify(d.doc),
  };
}

function keyOf(d: SimDoc): string {
  if (d.kind === 'wazuh') return String((d.doc.agent as { name?: string } | undefined)?.name ?? '');
  return String((d.doc.host as { name?: string } | undefined)?.name ?? '');
}

export async function writeToKafka(
  producer: Producer,
  docs: AsyncIterable<SimDoc>,
  opts: KafkaTargetOptions = {},
): Promise<SinkSummary> {
  const wlTopic = opts.winlogbeatTopic ?? 'winlogbeat';
  const wzTopic = opts.wazuhTopic ?? 'wazuh-alerts';
  const size = opts.batchSize ?? 1000;
  const limiter = opts.rate ? new RateLimiter(opts.rate) : undefined;
  const labels = opts.labelsPath ? new LabelsWriter(opts.labelsPath) : undefined;
  const counter = new SummaryCounter();
  let wl: Array<{ key: string; value: string; timestamp: string }> = [];
  let wz: Array<{ key: string; value: string; timestamp: string }> = [];
  let offset = 0;
  let bytes = 0;
  const maxBytes = opts.maxBatchBytes ?? 512 * 1024;
  const flush = async (): Promise<void> => {
    const topicMessages = [];
    if (wl.length) topicMessages.push({ topic: wlTopic, messages: wl });
    if (wz.length) topicMessages.push({ topic: wzTopic, messages: wz });
    if (topicMessages.length) await producer.sendBatch({ topicMessages });
    wl = [];
    wz = [];
    bytes = 0;
  };
  try {
    for await (const d of docs) {
      if (limiter) await limiter.take(1);
      if (d.kind === 'wazuh') {
        const value = JSON.stringify(filebeatEnvelope(d, offset));
        offset += Buffer.byteLength(JSON.stringify(d.doc)) + 1;
        wz.push({ key: keyOf(d), value, timestamp: String(d.ts) });
        bytes += value.length;
      } else {
        const value = JSON.stringify(d.doc);
        wl.push({ key: keyOf(d), value, timestamp: String(d.ts) });
        bytes += value.length;
      }
      if (labels) await labels.add(d);
      counter.add(d);
      if (wl.length + wz.length >= size || bytes >= maxBytes) await flush();
      if (opts.onProgress && counter.s.documents % (opts.progressEvery ?? 50000) === 0)
        opts.onProgress(counter.s);
    }
    await flush();
  } finally {
    if (labels) await labels.close();
  }
  return counter.finish();
}
