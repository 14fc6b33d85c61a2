/**
 * Writes alerts and incidents to Elasticsearch. This is the sink of record: the composite sink writes here first
 * and a source cursor moves only after this write is acknowledged.
 *
 * Why a regular index and not a data stream: data streams accept only `create`, so re-sending an alert with the
 * same deterministic id would answer 409 instead of overwriting. Alerts therefore go to a regular index created
 * from an index template and are written with `index` + `_id` = alert id, which makes a retried or replayed batch
 * overwrite its earlier copy: the count never grows on a re-run.
 */
import type { estypes } from '@elastic/elasticsearch';
import type { ElasticsearchClient } from '../kibana_types';
import {
  defaultAlertIndexTemplate,
  defaultIncidentIndexTemplate,
  type IndexTemplateBody,
} from './elasticsearch_templates';
import { backoffDelay, retry, sleep, type BackoffOptions } from './retry';
import {
  emptyResult,
  errorMessage,
  type AlertSink,
  type SinkBatch,
  type SinkItemError,
  type SinkLogger,
  type SinkWriteResult,
} from './types';

/**
 * An `@elastic/elasticsearch` Client or Kibana's ElasticsearchClient. (The client's methods are typed with a
 * `this` that needs the whole client, so a `Pick` of the few methods we call does not type-check.)
 */
export type EsSinkClient = ElasticsearchClient;

export interface ElasticsearchAlertSinkOptions {
  client: EsSinkClient;
  logger: SinkLogger;
  alertsIndex?: string;
  incidentsIndex?: string;
  /** The detection side's alert template (`alertIndexTemplate(index)`); our own ECS template otherwise. */
  alertTemplate?: IndexTemplateBody | NamedIndexTemplate;
  incidentTemplate?: IndexTemplateBody | NamedIndexTemplate;
  /** `wait_for` makes written alerts visible to search before `write` returns (tests, the live view). */
  refresh?: boolean | 'wait_for';
  /** Documents per bulk request. */
  chunkSize?: number;
  backoff?: Partial<BackoffOptions>;
}

export interface NamedIndexTemplate {
  name: string;
  body: IndexTemplateBody;
}

/** `*` globs as index templates use them. */
function patternMatches(pattern: string, index: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(index);
}

/**
 * The template to put for `index`: its own name (else the index name) and its patterns if one of them covers the
 * index; otherwise exactly the index, because the configured index name must win over a template's default.
 */
export function templateFor(
  index: string,
  template: IndexTemplateBody | NamedIndexTemplate,
): NamedIndexTemplate {
  const named = 'body' in template ? template : { name: index, body: template };
  const patterns = named.body.index_patterns ?? [];
  const covers = patterns.some((p) => patternMatches(p, index));
  return { name: named.name, body: { ...named.body, index_patterns: covers ? patterns : [index] } };
}

/** Item statuses that mean "busy, try again": 429 (rejected execution, circuit breaker), 502/503/504. */
const RETRIABLE_ITEM_STATUS = new Set([429, 502, 503, 504]);

const DEFAULT_BACKOFF: BackoffOptions = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5000 };

export interface BulkDoc {
  id: string;
  doc: Record<string, unknown>;
}

export interface BulkOutcome {
  written: number;
  errors: SinkItemError[];
  /** Bulk requests sent, retries included. */
  requests: number;
}

export interface EsWriteOutcome {
  result: SinkWriteResult;
  /** Alert ids Elasticsearch did not accept; best-effort sinks do not forward these. */
  failedAlertIds: Set<string>;
  /** Incident ids Elasticsearch did not accept (no case is opened for an incident that is not stored). */
  failedIncidentIds: Set<string>;
}

export class ElasticsearchSinkUnavailableError extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'ElasticsearchSinkUnavailableError';
  }
}

/** Request-level errors worth retrying: the cluster was unreachable, slow, or said "busy". */
export function isRetriableRequestError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const name = (err as { name?: unknown }).name;
  if (name === 'ConnectionError' || name === 'TimeoutError' || name === 'NoLivingConnectionsError')
    return true;
  const status = (err as { meta?: { statusCode?: unknown } }).meta?.statusCode;
  return typeof status === 'number' && RETRIABLE_ITEM_STATUS.has(status);
}

function errorType(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const body = (err as { meta?: { body?: unknown } }).meta?.body;
  if (typeof body !== 'object' || body === null) return undefined;
  const type = (body as { error?: { type?: unknown } }).error?.type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Sends `docs` with `index` actions, resending only items that failed with a retriable status, with backoff.
 * Items still failing after the last attempt and items with permanent errors are returned, never dropped.
 * Throws when the bulk request itself keeps failing (cluster unreachable): nothing was acknowledged.
 */
export async function bulkIndexWithRetry(
  client: EsSinkClient,
  index: string,
  docs: BulkDoc[],
  opts: { refresh?: boolean | 'wait_for'; backoff: BackoffOptions; logger: SinkLogger },
): Promise<BulkOutcome> {
  let pending = docs;
  const errors: SinkItemError[] = [];
  let written = 0;
  let requests = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const operations = pending.flatMap((d) => [{ index: { _index: index, _id: d.id } }, d.doc]);
    const response = await retry(
      () => {
        requests++;
        return client.bulk({ operations, refresh: opts.refresh ?? false });
      },
      {
        ...opts.backoff,
        isRetriable: isRetriableRequestError,
        onRetry: (err, n, delay) =>
          opts.logger.warn(
            `bulk to [${index}] failed (attempt ${n}), retrying in ${delay} ms: ${errorMessage(err)}`,
          ),
      },
    );
    const retryLater: BulkDoc[] = [];
    response.items.forEach((item, i) => {
      const action = item.index ?? item.create ?? item.update ?? item.delete;
      const doc = pending[i];
      if (!action || !doc) return;
      if (!action.error) {
        written++;
        return;
      }
      const retriable = RETRIABLE_ITEM_STATUS.has(action.status);
      if (retriable && attempt < opts.backoff.maxAttempts) {
        retryLater.push(doc);
        return;
      }
      errors.push({
        id: doc.id,
        status: action.status,
        type: action.error.type ?? 'unknown',
        reason: retriable
          ? `still failing after ${attempt} attempts: ${action.error.reason ?? ''}`
          : (action.error.reason ?? 'no reason given'),
        retriable,
      });
    });
    // A response with fewer items than requested would silently lose documents; report them instead.
    for (const doc of pending.slice(response.items.length)) {
      errors.push({
        id: doc.id,
        type: 'missing_bulk_item',
        reason: 'no item in the bulk response',
        retriable: true,
      });
    }
    pending = retryLater;
    if (pending.length > 0) {
      const delay = backoffDelay(attempt, opts.backoff);
      opts.logger.warn(
        `${pending.length} documents to [${index}] were rejected as busy; retrying in ${delay} ms`,
      );
      await sleep(delay);
    }
  }
  return { written, errors, requests };
}

export class ElasticsearchAlertSink implements AlertSink {
  readonly name = 'elasticsearch';
  readonly alertsIndex: string;
  readonly incidentsIndex: string;
  private readonly client: EsSinkClient;
  private readonly logger: SinkLogger;
  private readonly alertTemplate: NamedIndexTemplate;
  private readonly incidentTemplate: NamedIndexTemplate;
  private readonly refresh: boolean | 'wait_for';
  private readonly chunkSize: number;
  private readonly backoff: BackoffOptions;
  private ensured?: Promise<void>;

  constructor(opts: ElasticsearchAlertSinkOptions) {
    this.client = opts.client;
    this.logger = opts.logger;
    this.alertsIndex = opts.alertsIndex ?? 'apt-detection-alerts-default';
    this.incidentsIndex = opts.incidentsIndex ?? 'apt-detection-incidents-default';
    this.alertTemplate = templateFor(this.alertsIndex, opts.alertTemplate ?? defaultAlertIndexTemplate());
    this.incidentTemplate = templateFor(
      this.incidentsIndex,
      opts.incidentTemplate ?? defaultIncidentIndexTemplate(),
    );
    this.refresh = opts.refresh ?? false;
    this.chunkSize = Math.max(1, opts.chunkSize ?? 500);
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  }

  /**
   * Puts both index templates and creates both indices. Safe to call from many instances at once: templates are
   * overwritten with the same body and "index already exists" is success. Remembered once it succeeds.
   */
  ensure(): Promise<void> {
    if (!this.ensured) {
      this.ensured = Promise.all([
        this.ensureIndex(this.alertsIndex, this.alertTemplate),
        this.ensureIndex(this.incidentsIndex, this.incidentTemplate),
      ]).then(
        () => undefined,
        (err: unknown) => {
          this.ensured = undefined;
          throw err;
        },
      );
    }
    return this.ensured;
  }

  private async ensureIndex(index: string, { name, body: template }: NamedIndexTemplate): Promise<void> {
    const retryOpts = { ...this.backoff, isRetriable: isRetriableRequestError };
    await retry(
      () =>
        this.client.indices.putIndexTemplate({
          name,
          index_patterns: template.index_patterns,
          priority: template.priority ?? 250,
          template: template.template as estypes.IndicesPutIndexTemplateIndexTemplateMapping,
          _meta: { managed_by: 'apt-detection', ...template._meta },
        }),
      retryOpts,
    );
    try {
      await retry(() => this.client.indices.create({ index }), retryOpts);
      this.logger.info(`created index [${index}]`);
    } catch (err) {
      if (errorType(err) !== 'resource_already_exists_exception') throw err;
      // An index made by an older version keeps its mapping; add the fields this version knows about.
      await this.updateMapping(index, template);
    }
  }

  private async updateMapping(index: string, template: IndexTemplateBody): Promise<void> {
    const { properties, dynamic_templates: dynamicTemplates } = template.template.mappings;
    try {
      await this.client.indices.putMapping({
        index,
        properties: properties as Record<string, estypes.MappingProperty>,
        dynamic_templates: dynamicTemplates as
          Array<Record<string, estypes.MappingDynamicTemplate>> | undefined,
      });
    } catch (err) {
      // A conflicting existing field (e.g. mapped by hand) must not stop alerting; writes will report per item.
      this.logger.warn(`could not update the mapping of [${index}]: ${errorMessage(err)}`);
    }
  }

  async write(batch: SinkBatch): Promise<SinkWriteResult> {
    return (await this.writeDetailed(batch)).result;
  }

  /** Like `write`, plus which alert ids were not accepted. Throws ElasticsearchSinkUnavailableError if unreachable. */
  async writeDetailed(batch: SinkBatch): Promise<EsWriteOutcome> {
    const started = Date.now();
    const incidents = batch.incidents ?? [];
    const result = emptyResult(this.name, batch.alerts.length + incidents.length);
    const failedAlertIds = new Set<string>();
    const failedIncidentIds = new Set<string>();
    if (result.attempted === 0) return { result, failedAlertIds, failedIncidentIds };
    try {
      await this.ensure();
      const alertOutcome = await this.bulkInChunks(
        this.alertsIndex,
        batch.alerts.map((a) => ({ id: a.id, doc: a.doc })),
      );
      const incidentOutcome = await this.bulkInChunks(
        this.incidentsIndex,
        incidents.map((i) => ({ id: i.id, doc: i.doc })),
      );
      for (const e of alertOutcome.errors) if (e.id) failedAlertIds.add(e.id);
      for (const e of incidentOutcome.errors) if (e.id) failedIncidentIds.add(e.id);
      result.written = alertOutcome.written + incidentOutcome.written;
      result.errors = [...alertOutcome.errors, ...incidentOutcome.errors];
      result.failed = result.errors.length;
    } catch (err) {
      throw new ElasticsearchSinkUnavailableError(
        `writing alerts to Elasticsearch failed: ${errorMessage(err)}`,
        err,
      );
    }
    if (result.failed > 0) {
      const sample = result.errors
        .slice(0, 3)
        .map((e) => `${e.id}: ${e.type} ${e.reason}`)
        .join('; ');
      this.logger.error(`${result.failed} documents were not written to Elasticsearch (${sample})`);
    }
    result.durationMs = Date.now() - started;
    return { result, failedAlertIds, failedIncidentIds };
  }

  private async bulkInChunks(index: string, docs: BulkDoc[]): Promise<BulkOutcome> {
    const total: BulkOutcome = { written: 0, errors: [], requests: 0 };
    for (let i = 0; i < docs.length; i += this.chunkSize) {
      const outcome = await bulkIndexWithRetry(this.client, index, docs.slice(i, i + this.chunkSize), {
        refresh: this.refresh,
        backoff: this.backoff,
        logger: this.logger,
      });
      total.written += outcome.written;
      total.errors.push(...outcome.errors);
      total.requests += outcome.requests;
    }
    return total;
  }
}
