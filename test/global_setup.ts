/**
 * Jest global setup for the integration project: start the development stack once (or use ES_URL, KAFKA_BROKERS
 * and REDIS_URL), then hand the URLs to the test workers through the environment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ensureCommands } from '../scripts/setup/system_packages';
import { startStack } from '../scripts/stack/stack';

export const STARTED_FILE = path.resolve(__dirname, '..', '.stack', 'started-by-jest.json');

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  // The browser tests drive Debian's Chromium; on a fresh machine `npm test` installs it like the stack's packages.
  if (!process.env.CHROMIUM_PATH) ensureCommands(['chromium']);
  const { urls, started } = await startStack((m) => process.stderr.write(`[stack] ${m}\n`));
  process.env.ES_URL = urls.esUrl;
  process.env.KAFKA_BROKERS = urls.kafkaBrokers.join(',');
  process.env.REDIS_URL = urls.redisUrl;
  fs.mkdirSync(path.dirname(STARTED_FILE), { recursive: true });
  fs.writeFileSync(STARTED_FILE, JSON.stringify({ started }));
  process.stderr.write(`[stack] ready in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
}
