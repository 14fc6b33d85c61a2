/**
 * A host that dies between two batches restarts from the saved pipeline state (runners.ts saves `getState()` after
 * every batch). Whatever the batch boundary, the restarted run must end with exactly the alerts of an uninterrupted
 * run: state that is not in the snapshot (a threshold rule's open window, say) would lose the alert whose evidence
 * spans the crash. Here every boundary is a restart: the state goes through JSON into a fresh pipeline each time.
 * A restarted reader also cuts its batches at other places, so the alerts must not depend on the batch size.
 * The simulated day starts at several hours of the day, since which events straddle which boundary depends on it;
 * the development attack recordings (where most detectors fire) run the same way, when ../shared/datasets is there.
 */
import * as path from 'path';
import { isRejection, type Event } from '../../common/event';
import { datasetsDirOrWarn } from '../../scripts/lib/datasets';
import { normalizeDocument } from '../normalize';
import { readEventFiles } from '../sources/files';
import { simulate } from '../simulator/generator';
import { resolveScenarios } from '../simulator/scenarios';
import { indexedSource, indexFor } from '../simulator/targets/elasticsearch';
import { DetectionPipeline } from './pipeline';
import { loadRules } from './rules/engine';

jest.setTimeout(120_000);

function simulatedEvents(start: number): Event[] {
  const sim = simulate({
    seed: 21,
    hosts: 12,
    days: 1,
    start,
    scenarios: resolveScenarios('all'),
    format: 'winlogbeat',
  });
  const events: Event[] = [];
  for (const d of sim.documents) {
    const r = normalizeDocument(indexedSource(d), {
      kind: 'simulator',
      format: 'winlogbeat_ecs',
      location: indexFor(d),
      id: d.id,
    });
    if (!isRejection(r)) events.push(r);
  }
  return inReadingOrder(events);
}

/** The Elasticsearch source reads in (timestamp, id) order. */
function inReadingOrder(events: Event[]): Event[] {
  return events.sort(
    (a, b) => a['@timestamp'].localeCompare(b['@timestamp']) || a.origin.id.localeCompare(b.origin.id),
  );
}

describe('pipeline state across restarts', () => {
  const rules = loadRules();
  const BATCH = 200;

  async function alertIds(events: Event[], restartEveryBatch: boolean, batch = BATCH): Promise<string[]> {
    let pipeline = new DetectionPipeline({ rules });
    const ids = new Set<string>();
    for (let i = 0; i < events.length; i += batch) {
      const out = await pipeline.processBatch(events.slice(i, i + batch));
      for (const a of out.alerts) ids.add(a.apt.alert_id);
      if (restartEveryBatch) {
        const saved: unknown = JSON.parse(JSON.stringify(pipeline.getState()));
        pipeline = new DetectionPipeline({ rules });
        pipeline.restoreState(saved);
      }
    }
    return [...ids].sort();
  }

  it.each(Array.from({ length: 6 }, (_, i) => i * 4 + 0.37))(
    'start +%sh: same alert ids when it restarts after every batch, and with batches of any size',
    async (h) => {
      const events = simulatedEvents(Date.parse('2025-05-05T00:00:00Z') + h * 3600_000);
      expect(events.length).toBeGreaterThan(5_000);
      const uninterrupted = await alertIds(events, false);
      const restarted = await alertIds(events, true);
      expect(uninterrupted.length).toBeGreaterThan(10);
      expect(restarted).toEqual(uninterrupted);
      // A restart reads on from the cursor, so the batches after it are cut elsewhere: that must not matter either.
      for (const size of [7, 61, 1000]) expect(await alertIds(events, false, size)).toEqual(uninterrupted);
    },
  );

  const datasets = datasetsDirOrWarn('pipeline_restart.test: dataset case');
  (datasets ? it : it.skip)(
    'evtx-attack-samples as one stream: same alert ids when it restarts after every batch',
    async () => {
      const events: Event[] = [];
      for await (const b of readEventFiles(path.join(datasets!, 'evtx-attack-samples')))
        events.push(...b.events);
      inReadingOrder(events);
      const uninterrupted = await alertIds(events, false);
      expect(uninterrupted.length).toBeGreaterThan(500);
      expect(await alertIds(events, true)).toEqual(uninterrupted);
    },
  );
});
