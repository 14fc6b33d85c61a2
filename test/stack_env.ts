/**
 * Service URLs for integration tests. Jest's global setup starts the development stack (or takes ES_URL,
 * KAFKA_BROKERS and REDIS_URL from the environment) and exports the URLs through these variables.
 * A missing service is a failure with the reason, never a skipped test.
 */
import { currentUrls, StackUrls } from '../scripts/stack/stack';

export function stackUrls(): StackUrls {
  const fromEnv =
    process.env.ES_URL && process.env.KAFKA_BROKERS && process.env.REDIS_URL
      ? {
          esUrl: process.env.ES_URL,
          kafkaBrokers: process.env.KAFKA_BROKERS.split(','),
          redisUrl: process.env.REDIS_URL,
        }
      : undefined;
  const urls = fromEnv ?? currentUrls();
  if (!urls) {
    throw new Error(
      'integration tests need Elasticsearch, Kafka and Redis: jest global setup should have started them ' +
        '(see test/global_setup.ts) or set ES_URL, KAFKA_BROKERS and REDIS_URL',
    );
  }
  return urls;
}

/** A name unique to this test run, so tests never see each other's indices, topics or keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
