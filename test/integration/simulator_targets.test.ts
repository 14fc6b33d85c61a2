import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import { asAsync, simulate, SimulateOptions } from '../../server/simulator/generator';
import { resolveScenarios } from '../../server/simulator/scenarios';
import { installIndexTemplates, writeToElasticsearch } from '../../server/simulator/targets/elasticsearch';
import { writeToKafka } from '../../server/simulator/targets/kafka';
import { stackUrls, uniqueName } from '../stack_env';

const OPTS: SimulateOptions = {
  seed: 11,
  hosts: 16,
  days: 1,
  start: Date.parse('2025-03-04T06:00:00Z'),
  scenarios: resolveScenarios('privilege_escalation,credential_access'),
  format: 'mixed',
  maxEvents: 4000,
};

describe('simulator targets against the development stack', () => {
  it('bulk-indexes into daily winlogbeat/wazuh indices with templates, idempotently by document id', async () => {
    const client = new Client({ node: stackUrls().esUrl });
    const winlogbeatPrefix = uniqueName('winlogbeat-8.17.0-sim');
    const wazuhPrefix = uniqueName('wazuh-alerts-4.x-sim');
    // The default templates (`winlogbeat-8.17.0-*`, what a plain `simulate --to es` installs) overlap this test's
    // longer prefixes; Elasticsearch refuses overlapping templates of equal priority, so priorities must differ.
    await installIndexTemplates(client);
    try {
      const summary = await writeToElasticsearch(client, asAsync(simulate(OPTS).documents), {
        winlogbeatPrefix,
        wazuhPrefix,
        refresh: true,
      });
      expect(summary.documents).toBe(4000);
      expect(summary.byKind.wazuh).toBeGreaterThan(0);
      const wl = await client.count({ index: `${winlogbeatPrefix}-*` });
      const wz = await client.count({ index: `${wazuhPrefix}-*` });
      expect(wl.count).toBe(summary.byKind.winlogbeat);
      expect(wz.count).toBe(summary.byKind.wazuh);

      // Daily index names, and the template's core-typed mappings applied.
      const indices = Object.keys(await client.indices.get({ index: `${winlogbeatPrefix}-*` }));
      expect(indices.every((i) => /-\d{4}\.\d{2}\.\d{2}$/.test(i))).toBe(true);
      const mapping = await client.indices.getFieldMapping({
        index: `${winlogbeatPrefix}-*`,
        fields: ['source.ip', 'winlog.event_data'],
      });
      const first = Object.values(mapping)[0].mappings;
      expect((first['source.ip']?.mapping as Record<string, { type: string }>).ip.type).toBe('ip');

      // A document is stored under its own deterministic id, and the Wazuh alert got @timestamp as the pipeline adds it.
      const hit = await client.search<{ event: { id: string } }>({ index: `${winlogbeatPrefix}-*`, size: 1 });
      expect(hit.hits.hits[0]._id).toBe(hit.hits.hits[0]._source?.event.id);
      const alert = await client.search<{ '@timestamp': string; timestamp: string; rule: { level: number } }>(
        { index: `${wazuhPrefix}-*`, size: 1 },
      );
      expect(alert.hits.hits[0]._source?.['@timestamp']).toBe(
        `${alert.hits.hits[0]._source?.timestamp.slice(0, 23)}Z`,
      );

      // Running the same simulation again overwrites instead of duplicating.
      await writeToElasticsearch(client, asAsync(simulate(OPTS).documents), {
        winlogbeatPrefix,
        wazuhPrefix,
        refresh: true,
      });
      expect((await client.count({ index: `${winlogbeatPrefix}-*` })).count).toBe(wl.count);
    } finally {
      await client.indices.delete({
        index: `${winlogbeatPrefix}-*,${wazuhPrefix}-*`,
        ignore_unavailable: true,
      });
      await client.indices
        .deleteIndexTemplate({ name: `${winlogbeatPrefix}-sim,${wazuhPrefix}-sim` })
        .catch(() => undefined);
      await client.close();
    }
  });

  it('produces Winlogbeat events and Filebeat-wrapped Wazuh alerts to their topics', async () => {
    const kafka = new Kafka({
      clientId: 'apt-sim-test',
      brokers: stackUrls().kafkaBrokers,
      logLevel: logLevel.ERROR,
    });
    const winlogbeatTopic = uniqueName('winlogbeat');
    const wazuhTopic = uniqueName('wazuh-alerts');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: winlogbeatTopic, numPartitions: 2 }, { topic: wazuhTopic }],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    const consumer = kafka.consumer({ groupId: uniqueName('sim-group') });
    try {
      const summary = await writeToKafka(
        producer,
        asAsync(simulate({ ...OPTS, maxEvents: 1500 }).documents),
        { winlogbeatTopic, wazuhTopic },
      );
      expect(summary.documents).toBe(1500);
      await consumer.connect();
      await consumer.subscribe({ topics: [winlogbeatTopic, wazuhTopic], fromBeginning: true });
      const got: Record<string, string[]> = { [winlogbeatTopic]: [], [wazuhTopic]: [] };
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `only ${got[winlogbeatTopic].length + got[wazuhTopic].length} of 1500 messages arrived`,
              ),
            ),
          60000,
        );
        consumer
          .run({
            eachMessage: async ({ topic, message }) => {
              got[topic].push(message.value?.toString() ?? '');
              if (got[winlogbeatTopic].length + got[wazuhTopic].length === 1500) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      expect(got[winlogbeatTopic].length).toBe(summary.byKind.winlogbeat);
      expect(got[wazuhTopic].length).toBe(summary.byKind.wazuh);
      const envelope = JSON.parse(got[wazuhTopic][0]) as {
        message: string;
        fields: { index_prefix: string };
      };
      expect(envelope.fields.index_prefix).toBe('wazuh-alerts-4.x-');
      const alert = JSON.parse(envelope.message) as { rule: { id: string }; decoder: { name: string } };
      expect(alert.decoder.name).toBe('windows_eventchannel');
      expect(alert.rule.id).toMatch(/^\d+$/);
      const event = JSON.parse(got[winlogbeatTopic][0]) as { winlog: { event_id: string } };
      expect(event.winlog.event_id).toMatch(/^\d+$/);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [winlogbeatTopic, wazuhTopic] });
      await admin.disconnect();
    }
  });
});
