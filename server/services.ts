/**
 * The plugin's services, built once in `start` from the configuration and the clients the host provides (Kibana
 * or the standalone host). Routes and tasks reach them through a `ServicesAccessor`, because routes are registered
 * in `setup`, before any client exists.
 */
import type Redis from 'ioredis';
import type { AptDetectionConfig } from './config';
import type { IntakeService } from './ingest/intake';
import type { RateLimiter } from './ingest/rate_limiter';
import type { ElasticsearchClient, Logger } from './kibana_types';
import type { StatusStore } from './status/status_store';

/** The state a task hands from one run to the next (Task Manager `state`). */
export type TaskState = Record<string, unknown>;

/** One kind of scheduled work: takes the previous state, returns the next one; stops early when `signal` aborts. */
export type TaskRunner = (state: TaskState, signal: AbortSignal) => Promise<TaskState>;

export interface PluginServices {
  config: AptDetectionConfig;
  logger: Logger;
  /** Elasticsearch client with the task credentials from config (background work only). */
  taskEs: ElasticsearchClient;
  redis?: Redis;
  intake: IntakeService;
  rateLimiter: RateLimiter;
  status: StatusStore;
  taskRunners: Record<string, TaskRunner>;
  modelStatus(): Promise<unknown>;
  close(): Promise<void>;
}

export type ServicesAccessor = () => PluginServices;

export class ServiceUnavailableError extends Error {
  constructor() {
    super('the APT Detection plugin has not started yet');
  }
}
