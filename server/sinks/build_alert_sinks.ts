/**
 * Builds the composite alert sink from the plugin configuration and the clients the host provides (Kibana, the
 * standalone host and the CLI all call this, so they write alerts the same way).
 */
import type { Kafka } from 'kafkajs';
import type Redis from 'ioredis';
import type { AptDetectionConfig } from '../config';
import type { ElasticsearchClient } from '../kibana_types';
import { alertIndexTemplate } from '../detection/alerts/index_template';
import { CasesSink, type CasesClientLike } from './cases_sink';
import { CompositeAlertSink } from './composite_sink';
import { ElasticsearchAlertSink } from './elasticsearch_sink';
import { KafkaAlertSink } from './kafka_sink';
import { RedisAlertSink } from './redis_sink';
import type { AlertSink, SinkLogger } from './types';
import { WebhookSink } from './webhook_sink';

export interface AlertSinkDeps {
  config: Pick<AptDetectionConfig, 'sinks' | 'redis' | 'kafka'>;
  es: ElasticsearchClient;
  logger: SinkLogger;
  /** Absent when Redis is not configured for this host; the Redis sink is then left out. */
  redis?: Redis;
  /** Absent when Kafka is not configured; the Kafka sink is then left out. */
  kafka?: Kafka;
  /** Kibana: `() => cases.getCasesClientWithRequest(fakeRequest)`; absent (or resolving undefined) without Cases. */
  getCasesClient?: () => Promise<CasesClientLike | undefined>;
  refresh?: boolean | 'wait_for';
}

export interface BuiltAlertSinks {
  composite: CompositeAlertSink;
  elasticsearch: ElasticsearchAlertSink;
  redis?: RedisAlertSink;
}

export function buildAlertSinks(deps: AlertSinkDeps): BuiltAlertSinks {
  const { config, logger } = deps;
  const esCfg = config.sinks.elasticsearch;
  const elasticsearch = new ElasticsearchAlertSink({
    client: deps.es,
    logger,
    alertsIndex: esCfg.alertsIndex,
    incidentsIndex: esCfg.incidentsIndex,
    // The detection side owns the alert document, so its template decides the alert mapping.
    alertTemplate: alertIndexTemplate(esCfg.alertsIndex),
    refresh: deps.refresh,
  });
  const secondary: AlertSink[] = [];
  let redis: RedisAlertSink | undefined;
  if (config.sinks.redis.enabled && deps.redis) {
    redis = new RedisAlertSink({
      redis: deps.redis,
      logger,
      keyPrefix: config.redis.keyPrefix,
      streamMaxLength: config.redis.streamMaxLength,
    });
    secondary.push(redis);
  }
  if (config.sinks.kafka.enabled && deps.kafka) {
    secondary.push(new KafkaAlertSink({ kafka: deps.kafka, topic: config.kafka.topics.alerts, logger }));
  }
  const minSeverity = config.sinks.cases.minSeverity;
  const hook = config.sinks.webhook;
  const webhook =
    hook.enabled && hook.url && hook.secret
      ? new WebhookSink({ url: hook.url, secret: hook.secret, logger, minSeverity })
      : undefined;
  if (hook.enabled && !webhook)
    logger.warn('sinks.webhook is enabled but url or secret is missing; it is off');
  if (config.sinks.cases.enabled) {
    secondary.push(
      new CasesSink({
        getClient: deps.getCasesClient ?? (() => Promise.resolve(undefined)),
        logger,
        owner: config.sinks.cases.owner,
        minSeverity,
        fallback: webhook,
      }),
    );
  } else if (webhook) {
    secondary.push(webhook);
  }
  return {
    composite: new CompositeAlertSink({ primary: elasticsearch, secondary, logger }),
    elasticsearch,
    redis,
  };
}
