/**
 * Stops only the services that global setup started: a stack the developer had running before the tests is left
 * running, and external services are never touched. APT_KEEP_STACK=1 keeps everything up for a faster re-run.
 */
import * as fs from 'fs';
import { ServiceName } from '../scripts/stack/services';
import { stopStack } from '../scripts/stack/stack';
import { STARTED_FILE } from './global_setup';

export default async function globalTeardown(): Promise<void> {
  let started: ServiceName[] = [];
  try {
    started = (JSON.parse(fs.readFileSync(STARTED_FILE, 'utf8')) as { started: ServiceName[] }).started;
  } catch {
    return;
  }
  fs.rmSync(STARTED_FILE, { force: true });
  if (process.env.APT_KEEP_STACK === '1' || started.length === 0) return;
  await stopStack(started, (m) => process.stderr.write(`[stack] ${m}\n`));
}
