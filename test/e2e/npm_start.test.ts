/**
 * `npm start` as an operator runs it: the host script as a real child process on the real stack. The app page answers
 * 200 in headless Chromium with the plugin's title; the process is killed with SIGKILL in the middle of a detection
 * run and started again; the run resumes from the stored state, and the alerts equal those of an uninterrupted run
 * over the same data (same ids, none duplicated, none lost).
 */
import { Client } from '@elastic/elasticsearch';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, selectors } from 'playwright-core';
import { parseConfig } from '../../server/config';
import { asAsync, simulate } from '../../server/simulator/generator';
import { resolveScenarios } from '../../server/simulator/scenarios';
import { installIndexTemplates, writeToElasticsearch } from '../../server/simulator/targets/elasticsearch';
import { DEFAULT_RETRY, withEsRetry } from '../../server/sources/elasticsearch/es_retry';
import { StatusStore } from '../../server/status/status_store';
import { buildTaskRunners } from '../../server/tasks/runners';
import { TASK_TYPES } from '../../server/tasks/task_definitions';
import { stackUrls, uniqueName } from '../stack_env';
import { ADMIN_TOKEN } from './host_helpers';
import { quietLogger } from '../fixtures/quiet_logger';

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '..', '..');
const OUTPUT = path.join(ROOT, 'test', 'output');
const TASK_ID = `${TASK_TYPES.detectWinlogbeat}:1`;

describe('npm start (the host script as a child process)', () => {
  const urls = stackUrls();
  const es = new Client({ node: urls.esUrl });
  const prefix = uniqueName('npmstart');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
  const configFile = path.join(dir, 'apt_detection.yml');
  const settings = (alerts: string, state: string) => ({
    sources: {
      winlogbeat: { indexPatterns: [`${prefix}-wlb-*`], lookback: '30d' },
      wazuh: { enabled: false },
      // Small batches make the run long enough to be killed in the middle.
      batchSize: 200,
    },
    sinks: {
      elasticsearch: { alertsIndex: alerts, incidentsIndex: `${alerts}-incidents` },
      redis: { enabled: false },
    },
    intake: { index: `${prefix}-intake`, deadLetterIndex: `${prefix}-dead` },
    state: { index: state },
    // The comparison is about the source cursor and the detector and rule state surviving kill -9 (the per-batch
    // equivalence of that state, models aside, is pinned by server/detection/pipeline_restart.test.ts). The model
    // scorers save their open entity windows bounded (server/detection/models/scorer_state.ts), so after a crash
    // they may score a long-open window differently.
    models: { hybrid: { enabled: false }, baselines: { enabled: false } },
    schedule: { detectionInterval: '5s' },
    ingest: { tokens: [{ name: 'admin', token: ADMIN_TOKEN, privileges: ['all'] }] },
  });
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    const sim = simulate({
      seed: 21,
      hosts: 12,
      start: Date.now() - 30 * 3600_000,
      days: 1,
      scenarios: resolveScenarios('all'),
      format: 'winlogbeat',
    });
    // Both prefixes: the default Wazuh template (wazuh-alerts-4.x-*) would clash with other tests' templates.
    await installIndexTemplates(es, { winlogbeatPrefix: `${prefix}-wlb`, wazuhPrefix: `${prefix}-wazuh` });
    await writeToElasticsearch(es, asAsync(sim.documents), {
      winlogbeatPrefix: `${prefix}-wlb`,
      wazuhPrefix: `${prefix}-wazuh`,
      refresh: true,
    });
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        aptDetection: settings(`${prefix}-alerts`, `${prefix}-state`),
        host: { tasksIndex: `${prefix}-tasks` },
      }),
    );
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await es.indices.delete({ index: `${prefix}-*` }, { ignore: [404] });
    await es.close();
  });

  /** Starts `npm start`'s script; resolves with the app URL it prints. */
  function start(): Promise<string> {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/host/start.ts', '--config', configFile, '--port', '0', '--no-demo'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ES_URL: urls.esUrl,
          REDIS_URL: urls.redisUrl,
          KAFKA_BROKERS: urls.kafkaBrokers.join(','),
          APT_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`npm start printed no URL in 120 s:\n${out}`)),
        120_000,
      );
      const onData = (b: Buffer) => {
        out += b.toString();
        const m = /running at (http:\/\/[^\s]+\/app\/aptDetection)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
    });
  }

  /** SIGTERM, then waits for the exit (SIGKILL after 60 s). */
  async function stop(c: ChildProcess): Promise<void> {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }

  async function taskDoc(): Promise<{ status?: string; state?: { cursor?: unknown } } | undefined> {
    // Retried for the same reason as alertIds: the host creates this index while the test polls it.
    const res = await withEsRetry(
      () =>
        es.search<{ id: string; status?: string; state?: { cursor?: unknown } }>(
          { index: `${prefix}-tasks`, query: { term: { _id: TASK_ID } } },
          { ignore: [404] },
        ),
      DEFAULT_RETRY,
      () => undefined,
    );
    return res.hits?.hits[0]?._source;
  }

  async function describeAlerts(index: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const res = await es.search<{
      rule?: { id?: string };
      apt?: { first_seen?: string; evidence_count?: number };
    }>({
      index,
      size: ids.length,
      query: { ids: { values: ids } },
    });
    return res.hits.hits.map(
      (h) =>
        `${h._source?.rule?.id} ${h._source?.apt?.first_seen} (${h._source?.apt?.evidence_count} events)`,
    );
  }

  async function alertIds(index: string): Promise<string[]> {
    await es.indices.refresh({ index }, { ignore: [404] });
    // The host creates the alerts index while this polls; a search that lands before its shard has started fails
    // with no_shard_available, which is transient and retried the way the sources retry it.
    const res = await withEsRetry(
      () => es.search({ index, size: 10_000, _source: false }, { ignore: [404] }),
      DEFAULT_RETRY,
      () => undefined,
    );
    return (res.hits?.hits ?? []).map((h) => h._id!).sort();
  }

  it('serves the app (200, title visible), survives kill -9 mid-run, and ends with the same alerts as an uninterrupted run', async () => {
    const appUrl = await start();
    const origin = new URL(appUrl).origin;

    selectors.setTestIdAttribute('data-test-subj');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${origin}/login?token=${ADMIN_TOKEN}`);
    const res = await page.goto(appUrl);
    expect(res?.status()).toBe(200);
    await page.getByRole('heading', { name: 'APT Detection' }).waitFor({ timeout: 30_000 });
    fs.mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'npm_start.png'), fullPage: true });
    await browser.close();

    // Kill -9 while the detection run is in progress (claimed and some batches done).
    const deadline = Date.now() + 180_000;
    let killedMidRun = false;
    while (Date.now() < deadline) {
      const doc = await taskDoc();
      const partial = await alertIds(`${prefix}-alerts`);
      if (doc?.status === 'running' && partial.length > 0) {
        child!.kill('SIGKILL');
        killedMidRun = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(killedMidRun).toBe(true);
    await new Promise((r) => child!.once('exit', r));

    await start();
    // Wait until a run has finished after the restart and a later run reads nothing new.
    const end = Date.now() + 300_000;
    let done = false;
    while (!done && Date.now() < end) {
      const doc = await taskDoc();
      done = doc?.status === 'idle' && doc.state?.cursor !== undefined;
      if (!done) await new Promise((r) => setTimeout(r, 500));
    }
    expect(done).toBe(true);
    // The host must be gone before the reference run: a detection run of its own still in flight would write seen
    // markers into the same stream's marker indices the reference starts from (deleted below), and the reference
    // would then skip those documents.
    await stop(child!);
    const afterCrash = await alertIds(`${prefix}-alerts`);

    // Reference: the same data through the same runner without interruption, into another alerts index.
    const reference = parseConfig(settings(`${prefix}-ref-alerts`, `${prefix}-ref-state`));
    const status = new StatusStore(es, 'test', () => ({ accepted: 0, rejected: 0 }), `${prefix}-status`);
    await es.indices.delete(
      { index: '.apt-detection-seen-winlogbeat-*', expand_wildcards: 'all' },
      { ignore: [404] },
    );
    const { runners, close } = buildTaskRunners({ config: reference, es, logger: quietLogger, status });
    await runners[TASK_TYPES.detectWinlogbeat]({}, new AbortController().signal);
    await close();
    const uninterrupted = await alertIds(`${prefix}-ref-alerts`);

    expect(afterCrash.length).toBeGreaterThan(0);
    expect(new Set(afterCrash).size).toBe(afterCrash.length);
    if (JSON.stringify(afterCrash) !== JSON.stringify(uninterrupted)) {
      // Which detections differ, for the failure report (ids alone say nothing).
      const only = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
      console.log(
        'after crash only:',
        await describeAlerts(`${prefix}-alerts`, only(afterCrash, uninterrupted)),
        '\nuninterrupted only:',
        await describeAlerts(`${prefix}-ref-alerts`, only(uninterrupted, afterCrash)),
      );
    }
    expect(afterCrash).toEqual(uninterrupted);
  });
});
