/**
 * The Kibana task path on a real Elasticsearch: simulated Winlogbeat and Wazuh indices, the detection task runners
 * as Task Manager calls them (state in, state out), alerts in the alerts index. Pins down idempotence (a re-run over
 * the same window leaves the same alert ids and count), cursor progress (a second run with the returned state reads
 * nothing new), and that an Elasticsearch sink failure does not move the cursor.
 */
import { Client } from '@elastic/elasticsearch';
import { parseConfig } from '../../server/config';
import { asAsync, simulate } from '../../server/simulator/generator';
import { resolveScenarios } from '../../server/simulator/scenarios';
import { installIndexTemplates, writeToElasticsearch } from '../../server/simulator/targets/elasticsearch';
import { SEEN_INDEX_PREFIX } from '../../server/sources/elasticsearch';
import { StatusStore } from '../../server/status/status_store';
import { buildTaskRunners } from '../../server/tasks/runners';
import { TASK_TYPES } from '../../server/tasks/task_definitions';
import { stackUrls, uniqueName } from '../stack_env';
import { quietLogger } from '../fixtures/quiet_logger';

jest.setTimeout(240_000);

describe('detection task on real Elasticsearch', () => {
  const es = new Client({ node: stackUrls().esUrl });
  const prefix = uniqueName('dt');
  const config = parseConfig({
    sources: {
      winlogbeat: { indexPatterns: [`${prefix}-wlb-*`], lookback: '30d', lateArrivalWindow: '1m' },
      wazuh: { indexPatterns: [`${prefix}-wazuh-*`], lookback: '30d', lateArrivalWindow: '1m' },
      batchSize: 500,
    },
    sinks: {
      elasticsearch: { alertsIndex: `${prefix}-alerts`, incidentsIndex: `${prefix}-incidents` },
      redis: { enabled: false },
    },
    intake: { index: `${prefix}-intake`, deadLetterIndex: `${prefix}-dead` },
    state: { index: `${prefix}-state` },
  });
  const status = new StatusStore(es, 'test', () => ({ accepted: 0, rejected: 0 }), `${prefix}-status`);

  beforeAll(async () => {
    const sim = simulate({
      seed: 11,
      hosts: 12,
      start: Date.now() - 36 * 3600_000,
      days: 1,
      scenarios: resolveScenarios('all'),
      format: 'mixed',
    });
    await installIndexTemplates(es, { winlogbeatPrefix: `${prefix}-wlb`, wazuhPrefix: `${prefix}-wazuh` });
    await writeToElasticsearch(es, asAsync(sim.documents), {
      winlogbeatPrefix: `${prefix}-wlb`,
      wazuhPrefix: `${prefix}-wazuh`,
      refresh: true,
    });
  });

  afterAll(async () => {
    await es.indices.delete({ index: `${prefix}-*` }, { ignore: [404] });
    await es.close();
  });

  async function forgetProgress(): Promise<void> {
    await es.indices.delete(
      { index: [`${SEEN_INDEX_PREFIX}winlogbeat-*`, config.state.index], expand_wildcards: 'all' },
      { ignore: [404] },
    );
  }

  async function alertIds(): Promise<string[]> {
    await es.indices.refresh({ index: `${prefix}-alerts` });
    const ids: string[] = [];
    let res = await es.search({
      index: `${prefix}-alerts`,
      size: 5000,
      _source: false,
      sort: ['_doc'],
      scroll: '1m',
    });
    while (res.hits.hits.length > 0) {
      ids.push(...res.hits.hits.map((h) => h._id!));
      res = await es.scroll({ scroll_id: res._scroll_id!, scroll: '1m' });
    }
    return ids.sort();
  }

  it('writes alerts once, moves the cursor, and a rerun from the old state overwrites the same alert ids', async () => {
    const { runners, close } = buildTaskRunners({ config, es, logger: quietLogger, status });
    const run = runners[TASK_TYPES.detectWinlogbeat];
    const first = await run({}, new AbortController().signal);
    expect(first.cursor).toBeDefined();
    const afterFirst = await alertIds();
    expect(afterFirst.length).toBeGreaterThan(0);

    // Nothing new since the cursor: no alerts added.
    await run(first, new AbortController().signal);
    expect(await alertIds()).toEqual(afterFirst);

    // The whole window processed again from scratch (cursor, seen markers and detector state lost, as after a
    // crash between the alert write and the commit): the same ids, the same count.
    await forgetProgress();
    const { runners: fresh, close: closeFresh } = buildTaskRunners({
      config,
      es,
      logger: quietLogger,
      status,
    });
    await fresh[TASK_TYPES.detectWinlogbeat]({}, new AbortController().signal);
    expect(await alertIds()).toEqual(afterFirst);

    const recorded = await status.get(`${TASK_TYPES.detectWinlogbeat}:1`);
    expect(recorded?.lastOutcome).toBe('success');
    expect(recorded?.documentsRead).toBeGreaterThan(1000);
    // Every run reports how many findings suppression kept out of the alerts (a count, possibly 0).
    expect(typeof recorded?.findingsSuppressed).toBe('number');
    await close();
    await closeFresh();
  });

  it('the Wazuh task reads Wazuh alerts and records its run', async () => {
    const { runners, close } = buildTaskRunners({ config, es, logger: quietLogger, status });
    const state = await runners[TASK_TYPES.detectWazuh]({}, new AbortController().signal);
    expect(state.cursor).toBeDefined();
    const recorded = await status.get(`${TASK_TYPES.detectWazuh}:1`);
    expect(recorded?.documentsRead).toBeGreaterThan(0);
    expect(recorded?.documentsRejected).toBe(0);
    await close();
  });

  it('does not move the cursor when Elasticsearch refuses the alerts', async () => {
    const broken = parseConfig({
      ...config,
      // A closed alerts index: every bulk write fails, so the run must fail and keep its input state.
      sinks: {
        ...config.sinks,
        elasticsearch: { ...config.sinks.elasticsearch, alertsIndex: `${prefix}-closed` },
      },
    });
    await es.indices.create({ index: `${prefix}-closed` });
    await es.indices.close({ index: `${prefix}-closed` });
    await forgetProgress();
    const { runners, close } = buildTaskRunners({ config: broken, es, logger: quietLogger, status });
    await expect(runners[TASK_TYPES.detectWinlogbeat]({}, new AbortController().signal)).rejects.toThrow();
    const recorded = await status.get(`${TASK_TYPES.detectWinlogbeat}:1`);
    expect(recorded?.lastOutcome).toBe('failure');
    await close();
  });

  it('housekeeping drops intake days older than the retention and keeps the current one', async () => {
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '.');
    await es.indices.create({ index: `${prefix}-intake-2020.01.01` });
    await es.indices.create({ index: `${prefix}-intake-${today}` });
    const { runners, close } = buildTaskRunners({ config, es, logger: quietLogger, status });
    const out = await runners[TASK_TYPES.housekeeping]({}, new AbortController().signal);
    expect(out.dropped).toContain(`${prefix}-intake-2020.01.01`);
    expect(await es.indices.exists({ index: `${prefix}-intake-2020.01.01` })).toBe(false);
    expect(await es.indices.exists({ index: `${prefix}-intake-${today}` })).toBe(true);
    await close();
  });
});
