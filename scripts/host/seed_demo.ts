/**
 * A fresh `npm start` has no Windows data to look at. When the configured Winlogbeat indices hold no documents,
 * this loads a simulated organisation (25 hosts, the last 20 hours) with every attack campaign into the real
 * Elasticsearch indices, then asks the detection tasks to run, so the first screen shows real alerts.
 * Nothing is loaded into indices that already hold data.
 */
import type { Logger } from '../../server/kibana_types';
import { asAsync, simulate } from '../../server/simulator/generator';
import { resolveScenarios } from '../../server/simulator/scenarios';
import { installIndexTemplates, writeToElasticsearch } from '../../server/simulator/targets/elasticsearch';
import { TASK_TYPES } from '../../server/tasks/task_definitions';
import type { StandaloneHost } from './standalone_host';

export interface SeedOptions {
  hosts?: number;
  seed?: number;
}

export async function seedDemoData(
  host: StandaloneHost,
  logger: Logger,
  opts: SeedOptions = {},
): Promise<boolean> {
  const patterns = host.config.sources.winlogbeat.indexPatterns;
  const existing = await host.es.count({ index: patterns, ignore_unavailable: true, allow_no_indices: true });
  if (existing.count > 0) {
    logger.info(`demo data not loaded: ${patterns.join(',')} already hold ${existing.count} documents`);
    return false;
  }
  // Inside the first-run lookback, so the detection task reads it on its first run.
  const start = Date.now() - 20 * 3600 * 1000;
  const sim = simulate({
    seed: opts.seed ?? 42,
    hosts: opts.hosts ?? 25,
    start,
    days: 20 / 24,
    scenarios: resolveScenarios('all'),
    format: 'mixed',
  });
  logger.info(
    `loading a simulated organisation (${opts.hosts ?? 25} hosts, ${sim.campaigns.length} campaigns)...`,
  );
  await installIndexTemplates(host.es);
  const summary = await writeToElasticsearch(host.es, asAsync(sim.documents), { refresh: true });
  logger.info(`demo data: ${summary.documents} documents in ${(summary.elapsedMs / 1000).toFixed(1)}s`);
  for (const type of [TASK_TYPES.detectWinlogbeat, TASK_TYPES.detectWazuh]) {
    await host.taskManager.runSoon(`${type}:1`).catch(() => undefined);
  }
  return true;
}
