/**
 * Behaviour baselines for the simulated evaluation, built the way a deployment builds them: the Isolation Forest
 * scorer runs over a stretch of history before the evaluated period, writing every entity window to Elasticsearch;
 * then the scheduled retraining (`retrainBaselines`, product defaults: 7 days, >= 48 windows per entity) trains the
 * per-entity-type and per-entity forests from those windows, and the scorer reloads them.
 *
 * The history is the same organisation's background for the days just before the evaluated period (the simulator
 * derives each background window from the seed and the window's start, so these days are what a longer run would
 * have produced) and holds no campaign: baselines learn ordinary behaviour, as a quiet week before an intrusion.
 * Indices are per seed and size and are recreated on every run, so a run never learns from a previous one.
 */
import { Client } from '@elastic/elasticsearch';
import type { Event, NormalizeResult } from '../../common/event';
import { BaselineScorer, retrainBaselines } from '../../server/detection/baselines';
import type { ElasticsearchClient } from '../../server/kibana_types';
import { simulate, type OutputFormat, type SimDoc } from '../../server/simulator/generator';
import { log } from './lib';

export interface BaselineHistoryOptions {
  esUrl: string;
  seed: number;
  hosts: number;
  format: OutputFormat;
  /** Start of the evaluated period: the history ends here. */
  start: number;
  historyDays: number;
  batch: number;
  normalize: (d: SimDoc) => NormalizeResult;
}

/** What the baselines learnt from, for the report. */
export interface BaselineHistorySummary {
  historyDays: number;
  historyEvents: number;
  windowsIndex: string;
  windowsRead: number;
  trained: number;
  skipped: number;
}

export interface BaselineHistory extends BaselineHistorySummary {
  scorer: BaselineScorer;
  close(): Promise<void>;
}

export async function trainBaselinesOnHistory(o: BaselineHistoryOptions): Promise<BaselineHistory> {
  const client = new Client({ node: o.esUrl });
  const es = client as unknown as ElasticsearchClient;
  const windowsIndex = `apt-eval-entity-windows-s${o.seed}-h${o.hosts}`;
  const baselinesIndex = `apt-eval-baselines-s${o.seed}-h${o.hosts}`;
  await client.indices.delete({ index: [windowsIndex, baselinesIndex], ignore_unavailable: true });
  const scorer = await BaselineScorer.create({ es, windowsIndex, baselinesIndex });
  const historyMs = o.historyDays * 86_400_000;
  const sim = simulate({
    seed: o.seed,
    hosts: o.hosts,
    start: o.start - historyMs,
    days: o.historyDays,
    scenarios: [],
    format: o.format,
  });
  let batch: Event[] = [];
  let events = 0;
  for (const d of sim.documents) {
    const r = o.normalize(d);
    if ('rejected' in r) continue;
    batch.push(r);
    if (batch.length >= o.batch) {
      await scorer.scoreBatch(batch);
      events += batch.length;
      batch = [];
      if (events % 200_000 < o.batch) log(`  baselines: ${events} history events`);
    }
  }
  if (batch.length) await scorer.scoreBatch(batch);
  events += batch.length;
  await scorer.flush();
  await client.indices.refresh({ index: windowsIndex });
  const result = await retrainBaselines({
    es,
    now: new Date(o.start),
    historyMs,
    windowsIndex,
    baselinesIndex,
  });
  await scorer.reload();
  const summary: BaselineHistorySummary = {
    historyDays: o.historyDays,
    historyEvents: events,
    windowsIndex,
    windowsRead: result.windowsRead,
    trained: result.trained.length,
    skipped: result.skipped.length,
  };
  log(`  baselines: ${describeBaselineHistory(summary)}`);
  return { ...summary, scorer, close: () => client.close() };
}

export function describeBaselineHistory(h: BaselineHistorySummary): string {
  return (
    `${h.historyDays} days of campaign-free history (${h.historyEvents} events) before the period: ` +
    `${h.windowsRead} entity windows read, ${h.trained} forests trained (entity types and entities), ` +
    `${h.skipped} entities with too little history`
  );
}
