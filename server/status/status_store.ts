/**
 * Task run status (last run, duration, cursor, counts, last error) kept in Elasticsearch so it survives restarts and
 * is the same whichever Kibana instance ran the task; connection checks are made on demand.
 */
import type { ConnectionStatus, StatusResponse, TaskStatus } from '../../common/api';
import type { ElasticsearchClient } from '../kibana_types';

export const STATUS_INDEX = 'apt-detection-status';

export type ConnectionCheck = () => Promise<ConnectionStatus>;

export class StatusStore {
  private readonly checks: ConnectionCheck[] = [];

  constructor(
    private readonly es: ElasticsearchClient,
    private readonly version: string,
    private readonly intakeCounts: () => { accepted: number; rejected: number },
    private readonly index = STATUS_INDEX,
  ) {}

  private ready?: Promise<void>;

  /** Explicit mapping: the cursor is opaque (mixed-type arrays) and must not be mapped dynamically. */
  private ensureIndex(): Promise<void> {
    this.ready ??= (async () => {
      if (await this.es.indices.exists({ index: this.index })) return;
      await this.es.indices
        .create({
          index: this.index,
          settings: { number_of_shards: 1, number_of_replicas: 0 },
          mappings: {
            dynamic: false,
            properties: {
              taskId: { type: 'keyword' },
              taskType: { type: 'keyword' },
              lastRunAt: { type: 'date' },
              lastOutcome: { type: 'keyword' },
              cursor: { type: 'object', enabled: false },
            },
          },
        })
        .catch((e: Error) => {
          if (!/resource_already_exists/.test(e.message)) throw e;
        });
    })().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  addConnectionCheck(check: ConnectionCheck): void {
    this.checks.push(check);
  }

  async recordRun(
    status: Omit<TaskStatus, 'runs' | 'documentsRead' | 'documentsRejected' | 'alertsWritten'> & {
      documentsRead: number;
      documentsRejected: number;
      alertsWritten: number;
    },
  ): Promise<void> {
    const prev = await this.get(status.taskId);
    const doc: TaskStatus = {
      ...status,
      runs: (prev?.runs ?? 0) + 1,
      documentsRead: (prev?.documentsRead ?? 0) + status.documentsRead,
      documentsRejected: (prev?.documentsRejected ?? 0) + status.documentsRejected,
      alertsWritten: (prev?.alertsWritten ?? 0) + status.alertsWritten,
    };
    if (status.findingsSuppressed !== undefined || prev?.findingsSuppressed !== undefined)
      doc.findingsSuppressed = (prev?.findingsSuppressed ?? 0) + (status.findingsSuppressed ?? 0);
    await this.ensureIndex();
    await this.es.index({ index: this.index, id: status.taskId, document: doc, refresh: 'wait_for' });
  }

  async get(taskId: string): Promise<TaskStatus | undefined> {
    try {
      const res = await this.es.get<TaskStatus>({ index: this.index, id: taskId });
      return res._source;
    } catch {
      return undefined;
    }
  }

  async read(): Promise<StatusResponse> {
    let tasks: TaskStatus[] = [];
    try {
      const res = await this.es.search<TaskStatus>({
        index: this.index,
        size: 100,
        ignore_unavailable: true,
      });
      tasks = res.hits.hits.map((h) => h._source!).filter(Boolean);
    } catch {
      tasks = [];
    }
    const connections = await Promise.all(
      this.checks.map((c) =>
        c().catch((e: unknown): ConnectionStatus => ({
          name: 'elasticsearch',
          enabled: true,
          reachable: false,
          detail: e instanceof Error ? e.message : String(e),
        })),
      ),
    );
    return { version: this.version, tasks, connections, intake: this.intakeCounts() };
  }
}
