/**
 * The standalone host's task scheduler, with Kibana Task Manager semantics:
 * - task instances (schedule, params, state, attempts) live in an Elasticsearch index, so state survives restarts;
 * - a poller claims due tasks with optimistic concurrency (seq_no / primary_term): one owner at a time, so two runs
 *   of a task never overlap, even across host processes;
 * - the claim is a lease renewed while the run goes on; a host killed mid-run stops renewing, and after the lease
 *   expires any host (or the same one restarted) claims the task again and resumes from the last stored state;
 * - a run longer than the definition's `timeout` is cancelled (its runner's `cancel` is called);
 * - a failed run keeps the previous state and is retried at the next interval, up to `maxAttempts` in a row.
 */
import { hostname } from 'os';
import type { Client } from '@elastic/elasticsearch';
import { durationMs } from '../../server/config';
import type {
  Logger,
  TaskDefinition,
  TaskInstanceToSchedule,
  TaskManagerSetupContract,
  TaskManagerStartContract,
} from '../../server/kibana_types';

export const TASKS_INDEX = 'apt-detection-host-tasks';

export interface TaskDoc {
  id: string;
  taskType: string;
  schedule: { interval: string };
  params: Record<string, unknown>;
  state: Record<string, unknown>;
  status: 'idle' | 'running';
  runAt: string;
  ownerId?: string;
  leaseUntil?: string;
  attempts: number;
  lastRunAt?: string;
  lastError?: string;
  /** Set by runSoon; a run that ends after it was requested is followed by another one right away. */
  runSoonAt?: string;
}

export interface SchedulerOptions {
  pollIntervalMs?: number;
  leaseMs?: number;
  ownerId?: string;
  /** Where task documents live; hosts that must not share tasks (tests, several pilots on one cluster) differ here. */
  index?: string;
}

export class HostTaskManager implements TaskManagerSetupContract, TaskManagerStartContract {
  private readonly definitions = new Map<string, TaskDefinition>();
  private readonly running = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly pollIntervalMs: number;
  private readonly index: string;
  private readonly leaseMs: number;
  readonly ownerId: string;

  constructor(
    private readonly es: Client,
    private readonly logger: Logger,
    opts: SchedulerOptions = {},
  ) {
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.leaseMs = opts.leaseMs ?? 30000;
    this.ownerId = opts.ownerId ?? `host-${hostname()}-${process.pid}`;
    this.index = opts.index ?? TASKS_INDEX;
  }

  registerTaskDefinitions(definitions: Record<string, TaskDefinition>): void {
    for (const [type, def] of Object.entries(definitions)) {
      if (this.definitions.has(type)) throw new Error(`task type ${type} is already registered`);
      if (def.timeout && !/^\d+[smhd]$/.test(def.timeout))
        throw new Error(`task type ${type}: bad timeout ${def.timeout}`);
      this.definitions.set(type, def);
    }
  }

  async ensureIndex(): Promise<void> {
    const exists = await this.es.indices.exists({ index: this.index });
    if (exists) return;
    try {
      await this.es.indices.create({
        index: this.index,
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: {
          properties: {
            id: { type: 'keyword' },
            taskType: { type: 'keyword' },
            status: { type: 'keyword' },
            runAt: { type: 'date' },
            leaseUntil: { type: 'date' },
            ownerId: { type: 'keyword' },
            state: { type: 'object', enabled: false },
            params: { type: 'object', enabled: false },
          },
        },
      });
    } catch (e) {
      if (!/resource_already_exists_exception/.test(String((e as Error).message))) throw e;
    }
  }

  /** Idempotent, like Task Manager's: an existing task with the id is left as it is. */
  async ensureScheduled(task: TaskInstanceToSchedule): Promise<TaskDoc> {
    if (!this.definitions.has(task.taskType)) throw new Error(`unknown task type ${task.taskType}`);
    await this.ensureIndex();
    const doc: TaskDoc = { ...task, status: 'idle', runAt: new Date().toISOString(), attempts: 0 };
    try {
      await this.es.create({ index: this.index, id: task.id, document: doc, refresh: 'wait_for' });
      return doc;
    } catch (e) {
      if ((e as { meta?: { statusCode?: number } }).meta?.statusCode === 409) {
        return (await this.get(task.id))!;
      }
      throw e;
    }
  }

  async get(id: string): Promise<TaskDoc | undefined> {
    try {
      return (await this.es.get<TaskDoc>({ index: this.index, id }))._source;
    } catch {
      return undefined;
    }
  }

  /**
   * Runs a task now (Task Manager's runSoon): moves its runAt to now. A request that arrives while the task runs is
   * remembered (`runSoonAt`), so that run is followed by another one at once instead of a full interval later: the
   * running one may have started reading before the data the caller wants processed existed.
   */
  async runSoon(id: string): Promise<void> {
    const now = new Date().toISOString();
    // The task document is also written by claims, run ends and other runSoon calls (one per ingest request); a
    // partial update re-applies on conflict (it only sets times) rather than failing the caller with a 409. Each
    // retry is one lost race, so the bound covers that many concurrent writers.
    await this.es.update({
      index: this.index,
      id,
      doc: { runAt: now, runSoonAt: now },
      refresh: 'wait_for',
      retry_on_conflict: 25,
    });
  }

  start(): void {
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.poll();
      } catch (e) {
        this.logger.warn(`task poll failed: ${(e as Error).message}`);
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.pollIntervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.running.values()]);
  }

  /** One polling round: claims each due task this host is not already running. */
  async poll(): Promise<void> {
    const now = new Date().toISOString();
    const res = await this.es.search<TaskDoc>({
      index: this.index,
      size: 50,
      seq_no_primary_term: true,
      ignore_unavailable: true,
      sort: [{ runAt: 'asc' }],
      query: {
        bool: {
          filter: [{ range: { runAt: { lte: now } } }],
          should: [{ term: { status: 'idle' } }, { range: { leaseUntil: { lt: now } } }],
          minimum_should_match: 1,
        },
      },
    });
    for (const hit of res.hits.hits) {
      const doc = hit._source!;
      const def = this.definitions.get(doc.taskType);
      if (!def || this.running.has(doc.id)) continue;
      const busyOfType = [...this.running.keys()].filter((id) => id.startsWith(doc.taskType)).length;
      if (busyOfType >= (def.maxConcurrency ?? Infinity)) continue;
      const claimed = await this.claim(doc, hit._seq_no!, hit._primary_term!);
      if (!claimed) continue;
      const p = this.execute(claimed, def).finally(() => this.running.delete(doc.id));
      this.running.set(doc.id, p);
    }
  }

  private async claim(doc: TaskDoc, seqNo: number, primaryTerm: number): Promise<TaskDoc | undefined> {
    if (doc.status === 'running') {
      this.logger.warn(
        `task ${doc.id}: lease of ${doc.ownerId} expired; resuming from its last stored state`,
      );
    }
    const claimed: TaskDoc = {
      ...doc,
      status: 'running',
      ownerId: this.ownerId,
      leaseUntil: new Date(Date.now() + this.leaseMs).toISOString(),
    };
    try {
      await this.es.index({
        index: this.index,
        id: doc.id,
        document: claimed,
        if_seq_no: seqNo,
        if_primary_term: primaryTerm,
        refresh: 'wait_for',
      });
      return claimed;
    } catch (e) {
      if ((e as { meta?: { statusCode?: number } }).meta?.statusCode === 409) return undefined; // someone else won
      throw e;
    }
  }

  private async execute(doc: TaskDoc, def: TaskDefinition): Promise<void> {
    const started = Date.now();
    const timeoutMs = durationMs(def.timeout ?? '5m');
    const runner = def.createTaskRunner({
      taskInstance: {
        id: doc.id,
        taskType: doc.taskType,
        params: doc.params,
        state: doc.state,
        attempts: doc.attempts,
        runAt: new Date(doc.runAt),
      },
    });
    const lease = setInterval(
      () => {
        this.es
          .update({
            index: this.index,
            id: doc.id,
            doc: { leaseUntil: new Date(Date.now() + this.leaseMs).toISOString() },
          })
          .catch((e: Error) => this.logger.warn(`task ${doc.id}: lease renewal failed: ${e.message}`));
      },
      Math.max(1000, Math.floor(this.leaseMs / 3)),
    );
    let timedOut = false;
    const timeout = setTimeout(() => {
      timedOut = true;
      runner.cancel?.().catch(() => undefined);
    }, timeoutMs);
    let next: TaskDoc;
    try {
      const result = await runner.run();
      if (timedOut) throw new Error(`timed out after ${def.timeout ?? '5m'}`);
      const rawState = result?.state ?? doc.state;
      const state = def.stateSchemaByVersion?.[1]?.schema.validate(rawState) ?? rawState;
      next = { ...doc, state, attempts: 0, lastError: undefined };
      this.logger.debug(`task ${doc.id} ran in ${Date.now() - started} ms`);
    } catch (e) {
      const attempts = doc.attempts + 1;
      const message = e instanceof Error ? e.message : String(e);
      this.logger.error(`task ${doc.id} failed (attempt ${attempts}/${def.maxAttempts ?? '∞'}): ${message}`);
      next = { ...doc, attempts, lastError: message };
    } finally {
      clearInterval(lease);
      clearTimeout(timeout);
    }
    // The next run waits a full interval after this one ended (a slow run delays the next instead of overlapping),
    // unless runSoon was called after this run started. The read and the write are one compare-and-set: a runSoon
    // landing between them would otherwise be overwritten (its request lost, the task idle for a whole interval),
    // so on a version conflict the document is read again.
    for (let attempt = 0; ; attempt++) {
      const current = await this.es.get<TaskDoc>({ index: this.index, id: doc.id }).catch(() => undefined);
      const requested = current?._source?.runSoonAt;
      const rerun = requested !== undefined && Date.parse(requested) >= started;
      const nextRun = new Date(
        rerun ? Date.now() : Date.now() + durationMs(doc.schedule.interval),
      ).toISOString();
      const final: TaskDoc = {
        ...next,
        status: 'idle',
        ownerId: undefined,
        leaseUntil: undefined,
        lastRunAt: new Date(started).toISOString(),
        runAt: nextRun,
        runSoonAt: undefined,
      };
      const guard =
        current?._seq_no !== undefined && current._primary_term !== undefined && attempt < 5
          ? { if_seq_no: current._seq_no, if_primary_term: current._primary_term }
          : {};
      try {
        await this.es.index({
          index: this.index,
          id: doc.id,
          document: final,
          refresh: 'wait_for',
          ...guard,
        });
        return;
      } catch (e) {
        if ((e as { meta?: { statusCode?: number } }).meta?.statusCode !== 409) throw e;
      }
    }
  }
}
