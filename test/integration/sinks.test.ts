/**
 * Alert sinks against the real development stack: Elasticsearch (idempotent writes, template mappings, per-item
 * failures), Redis (capped stream, pub/sub, latest risk, outage), Kafka (messages consumed back), plus the webhook
 * against a local HTTP server and Cases against an in-memory client.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Client } from '@elastic/elasticsearch';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { buildAlert } from '../../server/detection/alerts/build_alert';
import { alertIndexTemplate } from '../../server/detection/alerts/index_template';
import type { Finding, Severity } from '../../server/detection/types';
import { defaultConfig } from '../../server/config';
import type { Incident } from '../../server/detection/correlation/incident';
import { toSinkAlert, toSinkIncident } from '../../server/sinks/adapters';
import { buildAlertSinks } from '../../server/sinks/build_alert_sinks';
import {
  CasesSink,
  incidentTag,
  type CaseLike,
  type CasePostRequestLike,
  type CasesClientLike,
  type CasesSearchRequestLike,
} from '../../server/sinks/cases_sink';
import { CompositeAlertSink } from '../../server/sinks/composite_sink';
import { ElasticsearchAlertSink } from '../../server/sinks/elasticsearch_sink';
import { KafkaAlertSink } from '../../server/sinks/kafka_sink';
import { createSinkRedis, RedisAlertSink, type LiveAlertMessage } from '../../server/sinks/redis_sink';
import type { SinkAlert, SinkIncident, SinkLogger } from '../../server/sinks/types';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  WebhookSink,
} from '../../server/sinks/webhook_sink';
import { stackUrls, uniqueName } from '../stack_env';

const warnings: string[] = [];
const logger: SinkLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (m) => warnings.push(String(m)),
  error: (m) => warnings.push(String(m)),
};

const T0 = Date.parse('2024-05-01T10:00:00Z');

/** Real alert documents from the detection side's builder, from hand-written findings. */
function makeAlerts(n: number, opts: { host?: (i: number) => string; tag?: string } = {}): SinkAlert[] {
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(T0 + i * 1000).toISOString();
    const finding: Finding = {
      ruleId: 'apt.cred.lsass_access',
      ruleName: 'LSASS memory access',
      detector: 'rule',
      techniqueIds: ['T1003.001'],
      severity: i % 2 === 0 ? 'high' : 'medium',
      riskScore: 50 + (i % 50),
      explanation: `process read LSASS memory (${opts.tag ?? 'test'} ${i})`,
      host: opts.host ? opts.host(i) : `ws-${i % 5}`,
      user: `user${i % 3}`,
      firstSeen: at,
      lastSeen: at,
      evidence: [{ id: `${opts.tag ?? 'ev'}-${i}`, location: 'winlogbeat-test', timestamp: at }],
    };
    return toSinkAlert(buildAlert(finding));
  });
}

function makeIncident(id: string, severity: Severity): SinkIncident {
  return {
    id,
    doc: { '@timestamp': new Date(T0).toISOString(), apt: { incident: { id, title: `incident ${id}` } } },
    title: `Credential access on ws-1 (${id})`,
    description: 'LSASS access followed by lateral movement.',
    severity,
    riskScore: severity === 'critical' ? 95 : 70,
    alertIds: ['a1', 'a2'],
    hosts: ['ws-1'],
    users: ['alice'],
    techniqueIds: ['T1003.001', 'T1021.002'],
    firstSeen: new Date(T0).toISOString(),
    lastSeen: new Date(T0 + 60000).toISOString(),
  };
}

/** An incident as the correlator produces it, turned into the sinks' shape by the real adapter. */
function correlatedIncident(id: string): SinkIncident {
  const at = (m: number) => new Date(T0 + m * 60000).toISOString();
  const incident: Incident = {
    id,
    entity: { type: 'host', name: 'ws-1' },
    hosts: ['ws-1', 'dc-1'],
    users: ['alice'],
    firstSeen: at(0),
    lastSeen: at(30),
    firstEvidence: { id: 'e1', location: 'winlogbeat-test', timestamp: at(0) },
    lastEvidence: { id: 'e2', location: 'winlogbeat-test', timestamp: at(30) },
    chain: [
      {
        tacticId: 'TA0006',
        tacticName: 'Credential Access',
        firstSeen: at(0),
        ruleIds: ['r1'],
        techniqueIds: ['T1003.001'],
      },
      {
        tacticId: 'TA0008',
        tacticName: 'Lateral Movement',
        firstSeen: at(30),
        ruleIds: ['r2'],
        techniqueIds: ['T1021.002'],
      },
    ],
    techniqueIds: ['T1003.001', 'T1021.002'],
    findingCount: 2,
    findings: [
      {
        alertId: 'a1',
        ruleId: 'r1',
        ruleName: 'LSASS access',
        techniqueIds: ['T1003.001'],
        tacticIds: ['TA0006'],
        severity: 'high',
        riskScore: 70,
        firstSeen: at(0),
        lastSeen: at(0),
        host: 'ws-1',
      },
      {
        alertId: 'a2',
        ruleId: 'r2',
        ruleName: 'Admin share',
        techniqueIds: ['T1021.002'],
        tacticIds: ['TA0008'],
        severity: 'high',
        riskScore: 80,
        firstSeen: at(30),
        lastSeen: at(30),
        host: 'dc-1',
      },
    ],
    riskScore: 90,
    severity: 'critical',
    title: 'Credential access then lateral movement from ws-1',
  };
  return toSinkIncident(incident);
}

/** A port nothing listens on: bind an ephemeral port, then release it. */
async function closedPort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('alert sinks against the development stack', () => {
  let es: Client;
  let redis: Redis;
  const indices: string[] = [];
  const redisKeysToDelete: string[] = [];

  beforeAll(() => {
    es = new Client({ node: stackUrls().esUrl });
    redis = new Redis(stackUrls().redisUrl);
  });

  afterAll(async () => {
    if (indices.length) await es.indices.delete({ index: indices, ignore_unavailable: true });
    for (const name of indices)
      await es.indices.deleteIndexTemplate({ name: `${name}-template` }).catch(() => undefined);
    for (const name of indices) await es.indices.deleteIndexTemplate({ name }).catch(() => undefined);
    if (redisKeysToDelete.length) await redis.del(...redisKeysToDelete);
    await es.close();
    redis.disconnect();
  });

  function esSink(
    prefix: string,
    overrides: Partial<ConstructorParameters<typeof ElasticsearchAlertSink>[0]> = {},
  ) {
    const alertsIndex = uniqueName(`${prefix}-alerts`);
    const incidentsIndex = uniqueName(`${prefix}-incidents`);
    indices.push(alertsIndex, incidentsIndex);
    return new ElasticsearchAlertSink({
      client: es,
      logger,
      alertsIndex,
      incidentsIndex,
      alertTemplate: alertIndexTemplate(alertsIndex),
      refresh: 'wait_for',
      ...overrides,
    });
  }

  describe('Elasticsearch', () => {
    it('writes the same alerts twice and keeps one copy of each (idempotent ids), overwriting changed fields', async () => {
      const sink = esSink('apt-sinks-idem', { chunkSize: 40 });
      const alerts = makeAlerts(100, { tag: 'idem' });
      const incidents = [makeIncident('inc-idem-1', 'high')];
      const first = await sink.write({ alerts, incidents });
      expect(first).toMatchObject({ attempted: 101, written: 101, failed: 0 });
      const changed = alerts.map((a) => ({ ...a, doc: { ...a.doc, message: 'second run' } }));
      const second = await sink.write({ alerts: changed, incidents });
      expect(second).toMatchObject({ written: 101, failed: 0 });

      expect((await es.count({ index: sink.alertsIndex })).count).toBe(100);
      expect((await es.count({ index: sink.incidentsIndex })).count).toBe(1);
      const one = await es.get<{ message: string }>({ index: sink.alertsIndex, id: alerts[7]!.id });
      expect(one._source?.message).toBe('second run');
    });

    it('creates the index from the template: the mapping is what the template says', async () => {
      const sink = esSink('apt-sinks-map');
      const written = await sink.write({
        alerts: makeAlerts(3, { tag: 'map' }),
        incidents: [correlatedIncident('inc-map')],
      });
      expect(written).toMatchObject({ written: 4, failed: 0 });
      const alertMapping = await es.indices.getFieldMapping({
        index: sink.alertsIndex,
        fields: ['@timestamp', 'threat.technique.id', 'event.severity', 'host.name', 'apt.alert_id'],
      });
      const fields = alertMapping[sink.alertsIndex]!.mappings;
      const typeOf = (f: string) => {
        const leaf = f.split('.').pop()!;
        return (fields[f]?.mapping as Record<string, { type?: string }>)[leaf]?.type;
      };
      expect(typeOf('@timestamp')).toBe('date');
      expect(typeOf('threat.technique.id')).toBe('keyword');
      expect(typeOf('event.severity')).toBe('long');
      expect(typeOf('host.name')).toBe('keyword');
      expect(typeOf('apt.alert_id')).toBe('keyword');
      // And the data is searchable the way an analyst searches it.
      const hits = await es.count({
        index: sink.alertsIndex,
        query: {
          bool: {
            filter: [
              { term: { 'threat.technique.id': 'T1003' } },
              { term: { 'threat.technique.subtechnique.id': 'T1003.001' } },
            ],
          },
        },
      });
      expect(hits.count).toBe(3);

      const incidentMapping = await es.indices.getFieldMapping({
        index: sink.incidentsIndex,
        fields: ['apt.incident.id', '@timestamp'],
      });
      const inc = incidentMapping[sink.incidentsIndex]!.mappings;
      const byTechnique = await es.search({
        index: sink.incidentsIndex,
        query: {
          bool: {
            filter: [{ term: { 'threat.technique.id': 'T1021.002' } }, { term: { 'host.name': 'dc-1' } }],
          },
        },
      });
      expect(byTechnique.hits.hits.map((h) => h._id)).toEqual(['inc-map']);
      expect((inc['apt.incident.id']?.mapping as Record<string, { type?: string }>).id?.type).toBe('keyword');
      expect((inc['@timestamp']?.mapping as Record<string, { type?: string }>)['@timestamp']?.type).toBe(
        'date',
      );
    });

    it('is safe when several instances ensure the same index at once', async () => {
      const a = esSink('apt-sinks-race');
      const b = new ElasticsearchAlertSink({
        client: es,
        logger,
        alertsIndex: a.alertsIndex,
        incidentsIndex: a.incidentsIndex,
        alertTemplate: alertIndexTemplate(a.alertsIndex),
      });
      await expect(Promise.all([a.ensure(), b.ensure(), a.ensure()])).resolves.toBeDefined();
      expect(
        (await es.indices.exists({ index: a.alertsIndex })) &&
          (await es.indices.exists({ index: a.incidentsIndex })),
      ).toBe(true);
    });

    it('writes a large batch in chunks without refresh and acknowledges every alert', async () => {
      const sink = esSink('apt-sinks-bulk', { refresh: false, chunkSize: 500 });
      await sink.ensure();
      const alerts = makeAlerts(5000, { tag: 'bulk' });
      const started = Date.now();
      const result = await sink.write({ alerts });
      const elapsed = Date.now() - started;
      expect(result).toMatchObject({ attempted: 5000, written: 5000, failed: 0 });
      await es.indices.refresh({ index: sink.alertsIndex });
      expect((await es.count({ index: sink.alertsIndex })).count).toBe(5000);
      process.stderr.write(
        `[sinks] Elasticsearch: 5000 alerts in ${elapsed} ms (${Math.round(5000 / (elapsed / 1000))} alerts/s)\n`,
      );
    });

    it('reports a document Elasticsearch rejects, by id, and still writes the rest', async () => {
      const sink = esSink('apt-sinks-bad');
      const alerts = makeAlerts(5, { tag: 'bad' });
      alerts[2] = { ...alerts[2]!, doc: { ...alerts[2]!.doc, '@timestamp': 'not a date' } };
      const result = await sink.write({ alerts });
      expect(result).toMatchObject({ attempted: 5, written: 4, failed: 1 });
      expect(result.errors).toEqual([
        expect.objectContaining({
          id: alerts[2]!.id,
          status: 400,
          retriable: false,
          type: expect.stringMatching(/parsing/),
        }),
      ]);
      expect((await es.count({ index: sink.alertsIndex })).count).toBe(4);
    });
  });

  describe('Redis', () => {
    function redisSink(prefix: string, client: Redis = redis, maxLen = 10000) {
      const sink = new RedisAlertSink({ redis: client, logger, keyPrefix: prefix, streamMaxLength: maxLen });
      redisKeysToDelete.push(
        sink.keys.stream,
        sink.keys.risk('host'),
        sink.keys.riskLatest('host'),
        sink.keys.risk('user'),
        sink.keys.riskLatest('user'),
      );
      return sink;
    }

    it('keeps the stream capped near its maximum length', async () => {
      const sink = redisSink(`${uniqueName('apt-test')}:`, redis, 100);
      for (let b = 0; b < 10; b++) {
        const result = await sink.write({ alerts: makeAlerts(100, { tag: `cap${b}` }) });
        expect(result).toMatchObject({ written: 100, failed: 0 });
      }
      const len = await redis.xlen(sink.keys.stream);
      // MAXLEN ~ trims whole stream nodes (100 entries each by default): between the cap and cap + one node.
      expect(len).toBeGreaterThanOrEqual(100);
      expect(len).toBeLessThanOrEqual(200);
      const [last] = await redis.xrevrange(sink.keys.stream, '+', '-', 'COUNT', 1);
      const fields = last![1];
      expect(fields[fields.indexOf('id') + 1]).toBe(makeAlerts(100, { tag: 'cap9' })[99]!.id);
    });

    it('delivers each alert to a live subscriber', async () => {
      const sink = redisSink(`${uniqueName('apt-test')}:`);
      const sub = new Redis(stackUrls().redisUrl);
      try {
        const received: LiveAlertMessage[] = [];
        const alerts = makeAlerts(3, { tag: 'live' });
        const all = new Promise<void>((resolve) =>
          sub.on('message', (_c, msg) => {
            received.push(JSON.parse(msg) as LiveAlertMessage);
            if (received.length === alerts.length) resolve();
          }),
        );
        await sub.subscribe(sink.keys.channel);
        await sink.write({ alerts });
        await all;
        expect(received.map((m) => m.id).sort()).toEqual(alerts.map((a) => a.id).sort());
        expect(received[0]).toMatchObject({ ruleName: 'LSASS memory access', severity: expect.any(String) });
      } finally {
        sub.disconnect();
      }
    });

    it("keeps each entity's latest risk, and an older alert does not overwrite a newer one", async () => {
      const sink = redisSink(`${uniqueName('apt-test')}:`);
      const [older, newer] = makeAlerts(2, { tag: 'risk', host: () => 'dc-1' });
      await sink.write({ alerts: [{ ...newer!, riskScore: 90 }] });
      await sink.write({ alerts: [{ ...older!, riskScore: 10 }] });
      expect(await sink.latestRisk('host', 'dc-1')).toMatchObject({ riskScore: 90, alertId: newer!.id });
      expect(await sink.topRisk('host', 5)).toEqual([{ name: 'dc-1', riskScore: 90 }]);
    });

    it('with Redis down, the Elasticsearch write still succeeds and the Redis failure is counted', async () => {
      const deadRedis = createSinkRedis(`redis://127.0.0.1:${await closedPort()}`, logger);
      try {
        const es1 = esSink('apt-sinks-outage');
        const composite = new CompositeAlertSink({
          primary: es1,
          secondary: [new RedisAlertSink({ redis: deadRedis, logger, keyPrefix: 'apt-test-dead:' })],
          logger,
        });
        const alerts = makeAlerts(20, { tag: 'outage' });
        const started = Date.now();
        const out = await composite.write({ alerts });
        const elapsed = Date.now() - started;
        expect(out.stored).toBe(true);
        expect(out.results[0]).toMatchObject({ sink: 'elasticsearch', written: 20, failed: 0 });
        expect(out.results[1]).toMatchObject({ sink: 'redis', written: 0, failed: 20 });
        expect((await es.count({ index: es1.alertsIndex })).count).toBe(20);
        // Bounded: two attempts of at most 2 s each plus backoff, never the ioredis default of 20 retries.
        expect(elapsed).toBeLessThan(6000);
        // A second batch during the same outage fails fast and is counted too.
        const second = await composite.write({ alerts: makeAlerts(5, { tag: 'outage2' }) });
        expect(composite.health().find((h) => h.sink === 'redis')).toMatchObject({
          batches: 2,
          failed: 25,
          written: 0,
          lastError: expect.any(String),
        });
        process.stderr.write(
          `[sinks] Redis down: composite ${elapsed} ms for 20 alerts (elasticsearch ${out.results[0]!.durationMs} ms, ` +
            `redis ${out.results[1]!.durationMs} ms); next batch redis ${second.results[1]!.durationMs} ms\n`,
        );
      } finally {
        deadRedis.disconnect();
      }
    });
  });

  describe('Kafka', () => {
    it('produces alerts keyed by id that a consumer reads back', async () => {
      const kafka = new Kafka({
        clientId: 'apt-sinks-test',
        brokers: stackUrls().kafkaBrokers,
        logLevel: logLevel.NOTHING,
      });
      const topic = uniqueName('apt-sinks-alerts');
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      const sink = new KafkaAlertSink({ kafka, topic, logger });
      const consumer = kafka.consumer({ groupId: uniqueName('apt-sinks-group') });
      try {
        const alerts = makeAlerts(30, { tag: 'kafka' });
        const result = await sink.write({ alerts });
        expect(result).toMatchObject({ attempted: 30, written: 30, failed: 0 });

        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const got = new Map<string, { alert_id: string }>();
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`only ${got.size} of 30 messages arrived`)), 60000);
          consumer
            .run({
              eachMessage: async ({ message }) => {
                const doc = JSON.parse(message.value!.toString()) as { apt: { alert_id: string } };
                got.set(message.key!.toString(), doc.apt);
                if (got.size === alerts.length) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
        expect([...got.keys()].sort()).toEqual(alerts.map((a) => a.id).sort());
        for (const [key, apt] of got) expect(apt.alert_id).toBe(key);
      } finally {
        await consumer.disconnect();
        await sink.close();
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
      }
    });
  });

  describe('webhook', () => {
    const secret = 'a-test-secret-of-32-characters!!';
    let server: Server;
    let url: string;
    const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    let plannedStatuses: number[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.statusCode = plannedStatuses.shift() ?? 200;
          res.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/apt`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      received.length = 0;
      plannedStatuses = [];
    });

    it('posts signed incidents the receiver can verify, retries a 503, and sends each incident once', async () => {
      const sink = new WebhookSink({ url, secret, logger, backoff: { initialDelayMs: 20, maxDelayMs: 50 } });
      plannedStatuses = [503];
      const incidents = [makeIncident('inc-w1', 'critical'), makeIncident('inc-w2', 'low')];
      const result = await sink.write({ alerts: [], incidents });
      expect(result).toMatchObject({ written: 1, skipped: 1, failed: 0 });
      expect(received).toHaveLength(2); // the 503, then the retry
      for (const r of received) {
        const ok = verifyWebhookSignature(
          secret,
          String(r.headers[TIMESTAMP_HEADER]),
          r.body,
          String(r.headers[SIGNATURE_HEADER]),
        );
        expect(ok).toBe(true);
        expect(
          verifyWebhookSignature(
            'another-secret-xxxxxxxx',
            String(r.headers[TIMESTAMP_HEADER]),
            r.body,
            String(r.headers[SIGNATURE_HEADER]),
          ),
        ).toBe(false);
        expect(r.headers[DELIVERY_HEADER]).toBe('inc-w1');
        expect(JSON.parse(r.body)).toMatchObject({
          type: 'apt-detection.incident',
          incident: { id: 'inc-w1' },
        });
        expect(r.body).not.toContain(secret);
      }
      const again = await sink.write({ alerts: [], incidents });
      expect(again).toMatchObject({ written: 0, skipped: 2 });
      expect(received).toHaveLength(2);
    });

    it('does not retry a 4xx and reports it as permanent', async () => {
      const sink = new WebhookSink({ url, secret, logger, backoff: { initialDelayMs: 20, maxDelayMs: 50 } });
      plannedStatuses = [400];
      const result = await sink.write({ alerts: [], incidents: [makeIncident('inc-w3', 'high')] });
      expect(result).toMatchObject({ written: 0, failed: 1 });
      expect(result.errors[0]).toMatchObject({ id: 'inc-w3', retriable: false });
      expect(received).toHaveLength(1);
      expect(warnings.join('\n')).not.toContain(secret);
    });

    it('is the fallback when Kibana Cases is unavailable', async () => {
      const webhook = new WebhookSink({ url, secret, logger });
      const cases = new CasesSink({ getClient: async () => undefined, logger, fallback: webhook });
      const result = await cases.write({ alerts: [], incidents: [makeIncident('inc-fb', 'high')] });
      expect(result).toMatchObject({ written: 0, failed: 1 });
      expect(result.fallback).toMatchObject({ sink: 'webhook', written: 1 });
      expect(received.map((r) => r.headers[DELIVERY_HEADER])).toEqual(['inc-fb']);
    });
  });

  describe('Kibana Cases', () => {
    /** Behaves like the cases client for what the sink uses: tag search (AND over the given tags) and create. */
    class InMemoryCases implements CasesClientLike {
      readonly store: Array<CaseLike & { request: CasePostRequestLike }> = [];
      creates = 0;
      cases = {
        create: async (data: CasePostRequestLike): Promise<CaseLike> => {
          this.creates++;
          const made = {
            id: `case-${this.store.length + 1}`,
            title: data.title,
            tags: data.tags,
            request: data,
          };
          this.store.push(made);
          return made;
        },
        search: async (params: CasesSearchRequestLike) => {
          const matching = this.store.filter(
            (c) =>
              (params.tags ?? []).every((t) => c.tags?.includes(t)) &&
              (params.owner === undefined || params.owner === c.request.owner),
          );
          return { cases: matching.slice(0, params.perPage ?? 20), total: matching.length };
        },
      };
    }

    it('opens one case per high-severity incident and none on repeats, even from a new process', async () => {
      const client = new InMemoryCases();
      const sink = new CasesSink({ getClient: async () => client, logger, owner: 'securitySolution' });
      const incidents = [
        makeIncident('inc-c1', 'high'),
        makeIncident('inc-c2', 'critical'),
        makeIncident('inc-c3', 'medium'),
      ];
      const first = await sink.write({ alerts: [], incidents });
      expect(first).toMatchObject({ written: 2, skipped: 1, failed: 0 });
      // Concurrent repeats of the same incidents in one process.
      await Promise.all([sink.write({ alerts: [], incidents }), sink.write({ alerts: [], incidents })]);
      // A restarted process has no memory: it finds the existing cases by tag.
      const restarted = new CasesSink({ getClient: async () => client, logger, owner: 'securitySolution' });
      const again = await restarted.write({ alerts: [], incidents });
      expect(again).toMatchObject({ written: 0, skipped: 3 });
      expect(again.caseIds).toEqual(first.caseIds);

      expect(client.creates).toBe(2);
      const made = client.store.find((c) => c.tags?.includes(incidentTag('inc-c2')))!;
      expect(made.request).toMatchObject({
        owner: 'securitySolution',
        severity: 'critical',
        connector: { id: 'none', type: '.none', fields: null },
        settings: { syncAlerts: false },
      });
      expect(made.request.tags).toEqual(expect.arrayContaining(['apt-detection', 'attack:T1003.001']));
    });
  });

  describe('composite from configuration', () => {
    it('writes Elasticsearch, Redis and Kafka in order and reports per sink', async () => {
      const config = defaultConfig();
      const prefix = uniqueName('apt-sinks-cfg');
      const topic = uniqueName('apt-sinks-cfg-topic');
      config.sinks.elasticsearch = { alertsIndex: `${prefix}-alerts`, incidentsIndex: `${prefix}-incidents` };
      indices.push(config.sinks.elasticsearch.alertsIndex, config.sinks.elasticsearch.incidentsIndex);
      config.redis.keyPrefix = `${prefix}:`;
      config.kafka.topics.alerts = topic;
      config.sinks.kafka.enabled = true;
      const kafka = new Kafka({
        clientId: 'apt-sinks-cfg',
        brokers: stackUrls().kafkaBrokers,
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      const { composite, redis: redisSink } = buildAlertSinks({
        config,
        es,
        logger,
        redis,
        kafka,
        refresh: 'wait_for',
      });
      redisKeysToDelete.push(
        redisSink!.keys.stream,
        redisSink!.keys.risk('host'),
        redisSink!.keys.riskLatest('host'),
      );
      redisKeysToDelete.push(redisSink!.keys.risk('user'), redisSink!.keys.riskLatest('user'));
      try {
        const alerts = makeAlerts(500, { tag: 'cfg' });
        const started = Date.now();
        const out = await composite.write({ alerts });
        const elapsed = Date.now() - started;
        expect(out.results.map((r) => [r.sink, r.written, r.failed])).toEqual([
          ['elasticsearch', 500, 0],
          ['redis', 500, 0],
          ['kafka', 500, 0],
        ]);
        expect((await es.count({ index: config.sinks.elasticsearch.alertsIndex })).count).toBe(500);
        expect(await redis.xlen(redisSink!.keys.stream)).toBe(500);
        const offsets = await admin.fetchTopicOffsets(topic);
        expect(offsets.reduce((s, p) => s + Number(p.high), 0)).toBe(500);
        process.stderr.write(
          `[sinks] 500 alerts to ES+Redis+Kafka in ${elapsed} ms (${out.results.map((r) => `${r.sink} ${r.durationMs} ms`).join(', ')})\n`,
        );
      } finally {
        await composite.close();
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
      }
    });
  });
});
