import { Client } from '@elastic/elasticsearch';
import { createLogger } from '../../scripts/host/logger';
import { HostTaskManager, TASKS_INDEX, type TaskDoc } from '../../scripts/host/scheduler';
import type { TaskDefinition } from '../../server/kibana_types';
import { stackUrls, uniqueName } from '../stack_env';

const logger = createLogger('scheduler-test', 'fatal');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => Promise<boolean> | boolean, timeoutMs = 30000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(100);
  }
  throw new Error('condition not met in time');
}

/** Registers `type` with `run` and schedules its task `<type>:1` hourly: only runSoon brings a run within seconds. */
async function scheduleHourly(
  tm: HostTaskManager,
  type: string,
  run: () => Promise<{ state: Record<string, unknown> }>,
): Promise<string> {
  tm.registerTaskDefinitions({
    [type]: { title: type, timeout: '30s', maxConcurrency: 1, createTaskRunner: () => ({ run }) },
  });
  const id = `${type}:1`;
  await tm.ensureScheduled({ id, taskType: type, schedule: { interval: '1h' }, params: {}, state: {} });
  return id;
}

describe('standalone host scheduler (Task Manager semantics)', () => {
  let es: Client;
  beforeAll(() => {
    es = new Client({ node: stackUrls().esUrl });
  });
  afterAll(() => es.close());

  it('never overlaps runs of a task: a slow run makes the next one wait, and state carries over', async () => {
    const type = uniqueName('test-slow');
    const tm = new HostTaskManager(es, logger, { pollIntervalMs: 50, ownerId: uniqueName('owner') });
    let active = 0;
    let maxActive = 0;
    const starts: number[] = [];
    const def: TaskDefinition = {
      title: 'slow',
      timeout: '30s',
      maxConcurrency: 1,
      createTaskRunner: ({ taskInstance }) => ({
        run: async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          starts.push(Date.now());
          await sleep(600); // longer than the 1 s interval's share of a poll
          active--;
          return { state: { count: Number(taskInstance.state.count ?? 0) + 1 } };
        },
      }),
    };
    tm.registerTaskDefinitions({ [type]: def });
    await tm.ensureScheduled({
      id: `${type}:1`,
      taskType: type,
      schedule: { interval: '1s' },
      params: {},
      state: {},
    });
    // a second ensureScheduled is a no-op, as in Task Manager
    await tm.ensureScheduled({
      id: `${type}:1`,
      taskType: type,
      schedule: { interval: '1s' },
      params: {},
      state: { count: 99 },
    });
    tm.start();
    await waitUntil(async () => Number((await tm.get(`${type}:1`))?.state.count ?? 0) >= 3);
    await tm.stop();
    expect(maxActive).toBe(1);
    // each run starts at least one interval after the previous one ended (600 ms run + 1 s interval)
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(1500);
    const doc = await tm.get(`${type}:1`);
    expect(doc?.status).toBe('idle');
    expect(Number(doc?.state.count)).toBeGreaterThanOrEqual(3);
  });

  it('runs again right after the current run when runSoon is called while it runs', async () => {
    const type = uniqueName('test-runsoon');
    const tm = new HostTaskManager(es, logger, { pollIntervalMs: 50, ownerId: uniqueName('owner') });
    let runs = 0;
    let inFirstRun: () => void = () => undefined;
    const firstRunStarted = new Promise<void>((r) => (inFirstRun = r));
    await scheduleHourly(tm, type, async () => {
      runs++;
      if (runs === 1) {
        inFirstRun();
        await sleep(800);
      }
      return { state: { runs } };
    });
    tm.start();
    await firstRunStarted;
    await tm.runSoon(`${type}:1`);
    // With a 1 h interval, only the remembered runSoon can bring the second run within seconds.
    await waitUntil(() => runs >= 2, 15000);
    await tm.stop();
    const doc = await tm.get(`${type}:1`);
    expect(doc?.runSoonAt).toBeUndefined();
    expect(Date.parse(doc!.runAt)).toBeGreaterThan(Date.now() + 30 * 60_000);
  });

  it('takes runSoon calls that race each other and the task document writes without a version conflict', async () => {
    const type = uniqueName('test-runsoon-race');
    const tm = new HostTaskManager(es, logger, { pollIntervalMs: 50, ownerId: uniqueName('owner') });
    const id = await scheduleHourly(tm, type, async () => ({ state: {} }));
    tm.start();
    // Parallel partial updates of one document conflict in Elasticsearch unless they retry.
    await Promise.all(Array.from({ length: 20 }, () => tm.runSoon(id)));
    await tm.stop();
    expect((await tm.get(id))?.taskType).toBe(type);
  });

  it('keeps a runSoon that lands between the end of a run and the write of its next run time', async () => {
    const type = uniqueName('test-runsoon-race');
    const id = `${type}:1`;
    let armed = false;
    // The scheduler's client, with one interleaving forced: right after the run's closing read of the task
    // document, another caller's runSoon is written, so the closing write starts from a stale copy.
    const racing = new Proxy(es, {
      get(target, prop) {
        const v = Reflect.get(target, prop) as unknown;
        if (prop === 'get')
          return async (...args: Parameters<Client['get']>) => {
            const r = await target.get(...args);
            if (armed) {
              armed = false;
              await tm.runSoon(id);
            }
            return r;
          };
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const tm: HostTaskManager = new HostTaskManager(racing, logger, {
      pollIntervalMs: 50,
      ownerId: uniqueName('owner'),
    });
    let runs = 0;
    tm.registerTaskDefinitions({
      [type]: {
        title: 'runsoon race',
        timeout: '30s',
        maxConcurrency: 1,
        createTaskRunner: () => ({
          run: async () => {
            runs++;
            if (runs === 1) armed = true;
            return { state: { runs } };
          },
        }),
      },
    });
    await tm.ensureScheduled({ id, taskType: type, schedule: { interval: '1h' }, params: {}, state: {} });
    tm.start();
    // With a 1 h interval only the runSoon request can cause a second run; a lost request leaves runs at 1.
    await waitUntil(() => runs >= 2, 15000);
    await tm.stop();
  });

  it('cancels a run that exceeds its timeout, keeps the previous state and counts the attempt', async () => {
    const type = uniqueName('test-timeout');
    const tm = new HostTaskManager(es, logger, { pollIntervalMs: 50 });
    let cancelled = false;
    tm.registerTaskDefinitions({
      [type]: {
        title: 'hangs',
        timeout: '1s',
        maxConcurrency: 1,
        createTaskRunner: () => {
          const abort = new AbortController();
          return {
            run: () =>
              new Promise((resolve, reject) => {
                abort.signal.addEventListener('abort', () => reject(new Error('aborted')));
                setTimeout(() => resolve({ state: { done: true } }), 10000);
              }),
            cancel: async () => {
              cancelled = true;
              abort.abort();
            },
          };
        },
      },
    });
    await tm.ensureScheduled({
      id: `${type}:1`,
      taskType: type,
      schedule: { interval: '1h' },
      params: {},
      state: { keep: 1 },
    });
    tm.start();
    await waitUntil(async () => ((await tm.get(`${type}:1`))?.attempts ?? 0) >= 1);
    await tm.stop();
    const doc = (await tm.get(`${type}:1`)) as TaskDoc;
    expect(cancelled).toBe(true);
    expect(doc.state).toEqual({ keep: 1 });
    expect(doc.lastError).toMatch(/aborted|timed out/);
    expect(doc.status).toBe('idle');
  });

  it('lets another owner take over a task whose owner died mid-run, from the last stored state', async () => {
    const type = uniqueName('test-takeover');
    // Simulate a host killed mid-run: the task doc says "running" with a lease that has expired.
    const id = `${type}:1`;
    await new HostTaskManager(es, logger).ensureIndex();
    const dead: TaskDoc = {
      id,
      taskType: type,
      schedule: { interval: '1h' },
      params: {},
      state: { cursor: 41 },
      status: 'running',
      runAt: new Date(Date.now() - 60000).toISOString(),
      ownerId: 'host-that-was-killed',
      leaseUntil: new Date(Date.now() - 1000).toISOString(),
      attempts: 0,
    };
    await es.index({ index: TASKS_INDEX, id, document: dead, refresh: 'wait_for' });
    const seen: unknown[] = [];
    const tm = new HostTaskManager(es, logger, { pollIntervalMs: 50, ownerId: 'new-owner' });
    tm.registerTaskDefinitions({
      [type]: {
        title: 'resumable',
        timeout: '10s',
        maxConcurrency: 1,
        createTaskRunner: ({ taskInstance }) => ({
          run: async () => {
            seen.push(taskInstance.state.cursor);
            return { state: { cursor: Number(taskInstance.state.cursor) + 1 } };
          },
        }),
      },
    });
    tm.start();
    await waitUntil(async () => (await tm.get(id))?.state.cursor === 42);
    await tm.stop();
    expect(seen).toEqual([41]);
  });
});
