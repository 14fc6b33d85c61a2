/**
 * The Kibana adapter: wires config, the feature, routes and Task Manager tasks to the services. It holds no
 * detection logic. The standalone host (scripts/host) runs this same class with its own implementations of the
 * narrow Kibana contracts in ./kibana_types.
 */
import Redis from 'ioredis';
import { PLUGIN_ID } from '../common/api';
import { parseConfig, redactConfig, type AptDetectionConfig } from './config';
import { aptDetectionFeature } from './feature';
import { ensureIntakeIndices, IntakeService } from './ingest/intake';
import { createKafka } from './kafka_client';
import { RateLimiter } from './ingest/rate_limiter';
import type {
  CasesServerStartLike,
  CoreSetup,
  CoreStart,
  ElasticsearchClient,
  FeaturesPluginSetup,
  ICustomClusterClient,
  Logger,
  Plugin,
  PluginInitializerContext,
  TaskManagerSetupContract,
  TaskManagerStartContract,
} from './kibana_types';
import { registerIngestRoutes } from './routes/ingest_routes';
import { registerReadRoutes } from './routes/read_routes';
import { ServiceUnavailableError, type PluginServices } from './services';
import { StatusStore } from './status/status_store';
import { connectionChecks } from './status/connection_checks';
import { buildTaskRunners } from './tasks/runners';
import { taskDefinitions, taskSchedules } from './tasks/task_definitions';
import { readModelStatus } from './status/model_status';

export interface SetupDeps {
  taskManager: TaskManagerSetupContract;
  features: FeaturesPluginSetup;
}
export interface StartDeps {
  taskManager: TaskManagerStartContract;
  cases?: CasesServerStartLike;
}

export class AptDetectionPlugin implements Plugin<void, void, SetupDeps, StartDeps> {
  private readonly logger: Logger;
  private readonly config: AptDetectionConfig;
  private readonly version: string;
  private services?: PluginServices;
  private taskClient?: ICustomClusterClient;
  private background?: Promise<unknown>;

  constructor(ctx: PluginInitializerContext) {
    this.logger = ctx.logger.get();
    // Kibana has already validated against the schema; parsing again fills defaults and fails with key names.
    this.config = parseConfig(ctx.config.get());
    this.version = ctx.env?.packageInfo?.version ?? '0.1.0';
  }

  setup(core: CoreSetup, { taskManager, features }: SetupDeps): void {
    this.logger.debug(`configuration: ${JSON.stringify(redactConfig(this.config))}`);
    features.registerKibanaFeature(aptDetectionFeature);
    const router = core.http.createRouter();
    const services = () => {
      if (!this.services) throw new ServiceUnavailableError();
      return this.services;
    };
    registerIngestRoutes(router, services, this.config.ingest.maxBodyBytes);
    registerReadRoutes(router, services);
    taskManager.registerTaskDefinitions(taskDefinitions(this.config, services, this.logger.get('tasks')));
  }

  start(core: CoreStart, { taskManager }: StartDeps): void {
    const cfg = this.config;
    const taskEs = this.taskElasticsearchClient(core);
    const redis = cfg.sinks.redis.enabled
      ? new Redis(cfg.redis.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false })
      : undefined;
    redis?.on('error', (e: Error) => this.logger.debug(`redis: ${e.message}`));
    redis
      ?.connect()
      .catch((e: Error) => this.logger.warn(`redis at ${cfg.redis.url} unreachable: ${e.message}`));
    const intakeOptions = {
      index: cfg.intake.index,
      deadLetterIndex: cfg.intake.deadLetterIndex,
      maxDocuments: cfg.ingest.maxDocuments,
    };
    const intake = new IntakeService(intakeOptions);
    const status = new StatusStore(taskEs, this.version, () => ({
      accepted: intake.accepted,
      rejected: intake.rejected,
    }));
    const kafka = cfg.kafka.enabled ? createKafka(cfg.kafka) : undefined;
    const runners = buildTaskRunners({
      config: cfg,
      es: taskEs,
      redis,
      kafka,
      logger: this.logger.get('tasks'),
      status,
    });
    const background: Array<Promise<unknown>> = [runners.start()];
    for (const check of connectionChecks(cfg, taskEs, redis)) status.addConnectionCheck(check);
    this.services = {
      config: cfg,
      logger: this.logger,
      taskEs,
      redis,
      intake,
      rateLimiter: new RateLimiter(cfg.ingest.rateLimitPerMinute),
      status,
      taskRunners: runners.runners,
      modelStatus: () => readModelStatus(cfg),
      close: async () => {
        await runners.close();
        redis?.disconnect();
      },
    };
    // Start must not throw or block Kibana: index set-up and scheduling run in the background and log failures.
    background.push(
      ensureIntakeIndices(taskEs, intakeOptions).catch((e: Error) =>
        this.logger.error(`could not install intake index templates: ${e.message}`),
      ),
    );
    for (const task of taskSchedules(cfg)) {
      background.push(
        taskManager
          .ensureScheduled(task)
          .catch((e: Error) => this.logger.error(`could not schedule ${task.id}: ${e.message}`)),
      );
    }
    // `stop` waits for this, so a quick start/stop never leaves requests running against closed clients.
    this.background = Promise.allSettled(background);
    this.logger.info(`${PLUGIN_ID} started: ${taskSchedules(cfg).length} tasks scheduled`);
  }

  async stop(): Promise<void> {
    await this.background;
    await this.services?.close();
    await this.taskClient?.close();
  }

  /** Tasks need their own credentials: `kibana_system` cannot read the source indices (kibana-plugin.md §6). */
  private taskElasticsearchClient(core: CoreStart): ElasticsearchClient {
    const es = this.config.elasticsearch;
    if (!es.apiKey && !es.username) {
      this.logger.warn(
        'aptDetection.elasticsearch.apiKey is not set: background tasks use the internal user, which cannot read ' +
          'winlogbeat-* or wazuh-alerts-* in a secured cluster',
      );
      return core.elasticsearch.client.asInternalUser;
    }
    this.taskClient = core.elasticsearch.createClient(PLUGIN_ID, {
      hosts: es.hosts.length ? es.hosts : undefined,
      username: es.apiKey ? undefined : es.username,
      password: es.apiKey ? undefined : es.password,
      customHeaders: es.apiKey ? { authorization: `ApiKey ${es.apiKey}` } : undefined,
      ssl: {
        verificationMode: es.tls.verify ? 'full' : 'none',
        certificateAuthorities: es.tls.certificateAuthorities.length
          ? es.tls.certificateAuthorities
          : undefined,
      },
    });
    return this.taskClient.asInternalUser;
  }
}
