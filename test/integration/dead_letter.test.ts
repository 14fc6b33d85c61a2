/**
 * Dead-letter sinks against the real development stack: Elasticsearch (idempotent by origin, original kept as
 * non-indexed JSON text, coexisting with the ingest API's template) and Kafka (keyed by the dead-letter id).
 */
import { Client } from '@elastic/elasticsearch';
import type { Rejection } from '../../common/event';
import { defaultConfig } from '../../server/config';
import { deadLetterIndexTemplate } from '../../server/ingest/intake';
import { createKafka } from '../../server/kafka_client';
import {
  deadLetterId,
  ElasticsearchDeadLetterSink,
  KafkaDeadLetterSink,
  type DeadLetter,
} from '../../server/sources/dead_letter';
import { stackUrls, uniqueName } from '../stack_env';

const es = new Client({ node: stackUrls().esUrl });

function rejections(location: string, n: number): Rejection[] {
  return Array.from({ length: n }, (_, i) => ({
    rejected: true as const,
    reason: `winlog.event_id: "x${i}" is not a number`,
    field: 'winlog.event_id',
    origin: { kind: 'elasticsearch' as const, format: 'winlogbeat_ecs' as const, location, id: `doc-${i}` },
    original: { winlog: { event_id: `x${i}` }, nested: { deep: [1, 2, { a: 'b' }] } },
  }));
}

interface StoredDeadLetter {
  reason: string;
  field: string;
  source: { kind: string; location: string; id: string; format: string; name: string };
  original_text: string;
}

describe('dead-letter sinks (real services)', () => {
  const indices: string[] = [];
  afterAll(async () => {
    if (indices.length) await es.indices.delete({ index: indices.join(','), ignore_unavailable: true });
    await es.indices.deleteIndexTemplate({ name: `${indices[1]}-template` }).catch(() => undefined);
  });

  it('Elasticsearch: one document per origin however often a batch is retried, original as unindexed JSON', async () => {
    const index = uniqueName('apt-dead-letter');
    indices.push(index);
    const sink = new ElasticsearchDeadLetterSink({ es, index, source: 'winlogbeat', refresh: 'wait_for' });
    const batch = rejections('winlogbeat-8.15.0-2024.05.01', 3);
    await sink.write(batch);
    await sink.write(batch); // a retried batch
    await sink.write([]);
    expect((await es.count({ index })).count).toBe(3);
    expect(sink.counts()).toEqual({ winlogbeat: 3 });

    const doc = await es.get<StoredDeadLetter>({ index, id: deadLetterId(batch[1].origin) });
    expect(doc._source?.field).toBe('winlog.event_id');
    expect(doc._source?.reason).toBe(batch[1].reason);
    expect(doc._source?.source).toEqual({ ...batch[1].origin, name: 'winlogbeat' });
    expect(JSON.parse(doc._source?.original_text ?? '')).toEqual(batch[1].original);

    const mapping = await es.indices.getMapping({ index });
    const props = mapping[index].mappings.properties ?? {};
    expect(props.original_text).toEqual({ type: 'text', index: false });
    // The original's own fields never become mappings.
    expect(Object.keys(props).sort()).toEqual([
      '@timestamp',
      'field',
      'original_text',
      'original_truncated',
      'reason',
      'source',
    ]);
    // Searchable by where it came from and which field was bad.
    const found = await es.search({ index, query: { term: { 'source.id': 'doc-2' } } });
    expect(found.hits.hits.map((h) => h._id)).toEqual([deadLetterId(batch[2].origin)]);
  });

  it('Elasticsearch: writes into the index the ingest API created from its template', async () => {
    const index = uniqueName('apt-dead-letter-shared');
    indices.push(index);
    await es.indices.putIndexTemplate(deadLetterIndexTemplate(index));
    // The ingest API wrote first: the index exists with the ingest template's mapping.
    await es.index({
      index,
      document: { '@timestamp': new Date().toISOString(), reason: 'bad json', field: '' },
    });
    const sink = new ElasticsearchDeadLetterSink({ es, index, source: 'wazuh', refresh: 'wait_for' });
    await sink.write(rejections('wazuh-alerts-4.x-2024.05.01', 2));
    expect((await es.count({ index })).count).toBe(3);
    expect(sink.counts()).toEqual({ wazuh: 2 });
  });

  it('Kafka: one message per rejection, keyed by the dead-letter id, readable back as a DeadLetter', async () => {
    const kafka = createKafka(
      { ...defaultConfig().kafka, brokers: stackUrls().kafkaBrokers },
      '-dead-letter-test',
    );
    const topic = uniqueName('apt-dead-letter');
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: uniqueName('apt-dead-letter-reader') });
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await producer.connect();
      const sink = new KafkaDeadLetterSink({ producer, topic, source: 'kafka' });
      const batch = rejections('winlogbeat', 4);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      batch[3].original = cyclic;
      await sink.write(batch);
      expect(sink.counts()).toEqual({ kafka: 4 });

      const got: Array<{ key: string; value: DeadLetter & { source: string } }> = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push({ key: String(message.key), value: JSON.parse(String(message.value)) });
        },
      });
      const until = Date.now() + 30_000;
      while (got.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(got.map((g) => g.key)).toEqual(batch.map((r) => deadLetterId(r.origin)));
      expect(got[0].value).toMatchObject({
        reason: batch[0].reason,
        field: 'winlog.event_id',
        origin: batch[0].origin,
        original: batch[0].original,
        source: 'kafka',
      });
      expect(Number.isNaN(Date.parse(got[0].value.at))).toBe(false);
      expect(got[3].value.original).toBe('[object Object]');
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
