/**
 * `npm run stack:start | stack:stop | stack:status | stack:fetch`: the development stack from the command line.
 */
import { installElasticsearch, installKafka } from './maven';
import { ServiceName } from './services';
import { stackStatus, startStack, stopStack } from './stack';

const log = (m: string): void => console.log(m);

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const only = rest.filter((r): r is ServiceName => ['elasticsearch', 'kafka', 'redis'].includes(r));
  switch (cmd) {
    case 'fetch': {
      const t0 = Date.now();
      log(`elasticsearch: ${installElasticsearch()}`);
      log(`kafka: ${installKafka()}`);
      log(`fetched in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return 0;
    }
    case 'start': {
      const { urls } = await startStack(log);
      log(`\nES_URL=${urls.esUrl}\nKAFKA_BROKERS=${urls.kafkaBrokers.join(',')}\nREDIS_URL=${urls.redisUrl}`);
      return 0;
    }
    case 'stop':
      await stopStack(only.length ? only : undefined, log);
      return 0;
    case 'status': {
      const all = await stackStatus();
      for (const s of all) {
        log(
          `${s.name.padEnd(14)} ${s.up ? 'UP  ' : 'DOWN'} ${s.url.padEnd(26)} ${s.detail}` +
            (s.pid ? ` [pid ${s.pid}, ${s.managedBy}]` : s.managedBy === 'external' ? ' [external]' : '') +
            (s.logPath && !s.up ? ` (log: ${s.logPath})` : ''),
        );
      }
      return all.every((s) => s.up) ? 0 : 1;
    }
    default:
      console.error('usage: stack/cli.ts start|stop|status|fetch [elasticsearch|kafka|redis...]');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
