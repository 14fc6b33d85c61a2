/**
 * The Kafka host of the pipeline on the real stack: Winlogbeat events produced to the topic become alerts in the
 * alerts index through the same runners the plugin builds (`kafka.enabled`). Replaying the same messages to a new
 * consumer group (a worker that lost its offsets) overwrites the same alert ids instead of adding any.
 */
import { Client } from '@elastic/elasticsearch';
import { parseConfig } from '../../server/config';
import { createKafka } from '../../server/kafka_client';
import { StatusStore } from '../../server/status/status_store';
import { buildTaskRunners } from '../../server/tasks/runners';
import { bruteForceLines } from '../fixtures/winlogbeat_docs';
import { stackUrls, uniqueName } from '../stack_env';
import { quietLogger } from '../fixtures/quiet_logger';

jest.setTimeout(240_000);

/** The finding of the last produced event (the successful logon after the failures). */
const LAST_EVENT_RULE = 'apt.behaviour.brute_force_success';

describe('Kafka detection worker on the real stack', () => {
  const urls = stackUrls();
  const es = new Client({ node: urls.esUrl });
  const prefix = uniqueName('kw');
  const topic = `${prefix}-winlogbeat`;
  const settings = (groupId: string) =>
    parseConfig({
      kafka: {
        enabled: true,
        brokers: urls.kafkaBrokers,
        groupId,
        topics: { winlogbeat: topic, wazuh: `${prefix}-wazuh`, deadLetter: `${prefix}-dead` },
      },
      sinks: {
        elasticsearch: { alertsIndex: `${prefix}-alerts`, incidentsIndex: `${prefix}-incidents` },
        redis: { enabled: false },
      },
      state: { index: `${prefix}-state` },
      models: { hybrid: { enabled: false }, baselines: { enabled: false } },
    });
  const status = new StatusStore(es, 'test', () => ({ accepted: 0, rejected: 0 }), `${prefix}-status`);

  afterAll(async () => {
    await es.indices.delete({ index: `${prefix}-*` }, { ignore: [404] });
    await es.close();
  });

  async function alertIds(): Promise<string[]> {
    await es.indices.refresh({ index: `${prefix}-alerts` }, { ignore: [404] });
    const res = await es.search({ index: `${prefix}-alerts`, size: 1000, _source: false }, { ignore: [404] });
    return (res.hits?.hits ?? []).map((h) => h._id!).sort();
  }

  async function ruleIds(): Promise<string[]> {
    await es.indices.refresh({ index: `${prefix}-alerts` }, { ignore: [404] });
    const res = await es.search<{ rule: { id: string } }>(
      { index: `${prefix}-alerts`, size: 1000, _source: ['rule.id'] },
      { ignore: [404] },
    );
    return (res.hits?.hits ?? []).map((h) => h._source?.rule.id ?? '').sort();
  }

  /**
   * Runs a worker in its own group until it has handled `messages` messages and, the stream then being quiet, has let
   * go the alert of the last event (it waits a few seconds of event time for repeats of itself); returns the alert
   * ids then.
   */
  async function runWorker(groupId: string, messages: number): Promise<string[]> {
    const config = settings(groupId);
    const built = buildTaskRunners({
      config,
      es,
      kafka: createKafka(config.kafka),
      logger: quietLogger,
      status,
    });
    await built.start();
    expect(built.kafkaWorker).toBeDefined();
    const stats = built.kafkaWorker!.stats;
    const deadline = Date.now() + 120_000;
    while (stats.events + stats.rejected < messages && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
    }
    while (!(await ruleIds()).includes(LAST_EVENT_RULE) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
    }
    await built.close();
    expect(await ruleIds()).toContain(LAST_EVENT_RULE);
    expect(stats.events + stats.rejected).toBe(messages);
    expect(stats.rejected).toBe(1);
    return alertIds();
  }

  it('turns produced events into alerts, and a replay from the start overwrites the same alert ids', async () => {
    const kafka = createKafka(settings('unused').kafka, '-producer');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [topic, `${prefix}-wazuh`, `${prefix}-dead`].map((t) => ({ topic: t, numPartitions: 1 })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        ...bruteForceLines('db-01.corp.example', { user: 'svc_sql', ip: '10.7.7.7' }).map((value) => ({
          value,
        })),
        { value: 'not json' },
      ],
    });
    await producer.disconnect();

    const first = await runWorker(`${prefix}-g1`, 14);
    expect(first.length).toBeGreaterThan(0);

    // A worker that lost its offsets and its detector state (new group from the beginning, state index gone)
    // processes every message again: the alerts it writes are the same documents, not new ones.
    await es.indices.delete({ index: `${prefix}-state` }, { ignore: [404] });
    const replay = await runWorker(`${prefix}-g2`, 14);
    expect(replay).toEqual(first);
  });
});
