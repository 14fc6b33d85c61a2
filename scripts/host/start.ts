/**
 * `npm start`: brings up everything and runs the product on an embedded default.
 * 1. Starts the development stack (Elasticsearch, Kafka, Redis) unless ES_URL / KAFKA_BROKERS / REDIS_URL are set.
 * 2. Loads configuration (YAML file and environment; same keys as kibana.yml).
 * 3. Runs the server plugin in the standalone host on http://127.0.0.1:5601 and prints the URL and token.
 * 4. On a fresh Elasticsearch, loads a simulated organisation with an APT campaign so the first screen is real.
 */
import { startStack } from '../stack/stack';
import { loadHostConfig } from './config_loader';
import { createLogger } from './logger';
import { seedDemoData } from './seed_demo';
import { StandaloneHost } from './standalone_host';
import { ensureHostTokens } from './tokens';

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const logger = createLogger('host', (process.env.APT_LOG_LEVEL as 'info' | undefined) ?? 'info');
  if (!process.env.ES_URL || !process.env.REDIS_URL || !process.env.KAFKA_BROKERS) {
    logger.info(
      'starting the development stack (set ES_URL, KAFKA_BROKERS and REDIS_URL to use existing services)',
    );
    const { urls } = await startStack((m) => logger.info(`stack: ${m}`));
    process.env.ES_URL ??= urls.esUrl;
    process.env.REDIS_URL ??= urls.redisUrl;
    process.env.KAFKA_BROKERS ??= urls.kafkaBrokers.join(',');
  }
  const { config, settings, source } = loadHostConfig(process.env, argValue(argv, '--config'));
  logger.info(`configuration from ${source}`);
  const { tokens, generated } = ensureHostTokens(config.ingest.tokens);
  config.ingest.tokens = tokens;
  const host = new StandaloneHost({
    config,
    esUrl: settings.esUrl ?? process.env.ES_URL!,
    host: settings.host,
    port: Number(argValue(argv, '--port') ?? settings.port),
    logger,
    scheduler: { index: settings.tasksIndex },
  });
  const url = await host.start();
  if (!argv.includes('--no-demo')) {
    await seedDemoData(host, logger).catch((e: Error) => logger.warn(`demo data not loaded: ${e.message}`));
  }
  const admin = tokens.find((t) => t.privileges.includes('all')) ?? tokens[0];
  const lines = [
    '',
    `APT Detection is running at ${url}/app/aptDetection`,
    generated
      ? `Sign in:  ${url}/login?token=${admin.token}\nAPI token (${admin.name}, all): ${admin.token}\n` +
        `          (stored in .stack/host-tokens.json; configure aptDetection.ingest.tokens to choose your own)`
      : `Sign in with one of the tokens configured under aptDetection.ingest.tokens`,
    `Ingest:   curl -H "Authorization: Bearer <token>" -H "Content-Type: application/x-ndjson" --data-binary @events.ndjson ${url}/api/apt_detection/events/_ingest`,
    'Stop with Ctrl-C (the development stack keeps running; `npm run stack:stop` ends it).',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const shutdown = async (sig: string) => {
    logger.info(`${sig}: stopping`);
    await host.stop().catch((e: Error) => logger.error(e.message));
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`npm start failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
