/**
 * Opens one Kibana Case per high-severity incident, automatically.
 *
 * Grouped: the case is keyed by incident id, not by alert, so a chain of twenty alerts is one case.
 * De-duplicated: each case carries the tag `apt-incident:<id>`; before creating, the sink asks Cases for a case
 * with that tag, and remembers the incidents it has already handled (and those in flight, so two concurrent
 * batches in one process cannot both create). Across Kibana instances search-then-create is not atomic: two
 * instances handling the same new incident within the same second could both create; Task Manager runs one
 * instance of a task at a time, which is what keeps that window closed in practice.
 *
 * When Cases is unavailable (no Cases plugin, no request/API key, the client throws), incidents go to the
 * fallback sink (the signed webhook) instead.
 */
import {
  atLeast,
  emptyResult,
  errorMessage,
  type AlertSink,
  type Severity,
  type SinkBatch,
  type SinkIncident,
  type SinkLogger,
  type SinkWriteResult,
} from './types';

/**
 * The narrow slice of Kibana's cases client this sink calls, declared here because `@kbn/*` is not on npm.
 * Mirrors `CasesSubClient` in elastic/kibana `x-pack/platform/plugins/shared/cases/server/client/cases/client.ts`
 * (8.x: `x-pack/plugins/cases/server/client/cases/client.ts`): `create(data: CasePostRequest): Promise<Case>`,
 * `search(params: CasesSearchRequest)` (9.x; owner required) and `find(params: CasesFindRequest)` (8.x and 9.x),
 * both returning `{ cases, page, per_page, total }`. The sink uses `search` when present, else `find`.
 */
export interface CasesClientLike {
  cases: {
    create(data: CasePostRequestLike): Promise<CaseLike>;
    search?(params: CasesSearchRequestLike): Promise<CasesFindResponseLike>;
    find?(params: CasesSearchRequestLike): Promise<CasesFindResponseLike>;
  };
}

/** `CasePostRequest` (x-pack/platform/plugins/shared/cases/common/types/api/case/v1.ts, `CasePostRequestRt`). */
export interface CasePostRequestLike {
  title: string;
  description: string;
  tags: string[];
  connector: { id: string; name: string; type: string; fields: null };
  settings: { syncAlerts: boolean };
  owner: string;
  severity?: Severity;
}

export interface CasesSearchRequestLike {
  tags?: string[];
  owner?: string | string[];
  page?: number;
  perPage?: number;
}

export interface CaseLike {
  id: string;
  title?: string;
  tags?: string[];
}

export interface CasesFindResponseLike {
  cases: CaseLike[];
  total: number;
}

/** Limits from the cases plugin's `common/constants` (MAX_TITLE_LENGTH etc.); a longer value is a 400. */
export const CASE_LIMITS = { title: 160, description: 30000, tagLength: 256, tags: 200 } as const;

export const CASE_CONNECTOR_NONE = { id: 'none', name: 'none', type: '.none', fields: null } as const;

export function incidentTag(incidentId: string): string {
  return `apt-incident:${incidentId}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The case for one incident: markdown description an analyst can act on, tags for search and de-duplication. */
export function buildCasePayload(incident: SinkIncident, owner: string): CasePostRequestLike {
  const list = (values: string[], max = 20) =>
    values.length === 0
      ? 'none'
      : values
          .slice(0, max)
          .map((v) => `\`${v}\``)
          .join(', ') + (values.length > max ? ` and ${values.length - max} more` : '');
  const description = [
    incident.description,
    '',
    `- **Incident**: \`${incident.id}\``,
    `- **Severity**: ${incident.severity}, risk score ${incident.riskScore}`,
    `- **Time**: ${incident.firstSeen} to ${incident.lastSeen}`,
    `- **Hosts**: ${list(incident.hosts)}`,
    `- **Users**: ${list(incident.users)}`,
    `- **ATT&CK techniques**: ${list(incident.techniqueIds)}`,
    `- **Alerts** (${incident.alertIds.length}): ${list(incident.alertIds)}`,
    '',
    'Opened automatically by APT Detection.',
  ].join('\n');
  const tags = [
    'apt-detection',
    incidentTag(incident.id),
    ...incident.techniqueIds.map((t) => `attack:${t}`),
    ...incident.hosts.slice(0, 20).map((h) => `host:${h}`),
  ]
    .map((t) => truncate(t, CASE_LIMITS.tagLength))
    .slice(0, CASE_LIMITS.tags);
  return {
    title: truncate(`APT incident: ${incident.title}`, CASE_LIMITS.title),
    description: truncate(description, CASE_LIMITS.description),
    tags: [...new Set(tags)],
    connector: { ...CASE_CONNECTOR_NONE },
    // Our alerts live in our own index, not in Security's alerts indices: there is nothing for Cases to sync.
    settings: { syncAlerts: false },
    owner,
    severity: incident.severity,
  };
}

export interface CasesSinkOptions {
  /**
   * Returns a cases client for background work (in Kibana: `cases.getCasesClientWithRequest(fakeRequest)`), or
   * undefined when Cases is not available in this deployment.
   */
  getClient: () => Promise<CasesClientLike | undefined>;
  logger: SinkLogger;
  owner?: string;
  minSeverity?: Severity;
  /** Where incidents go when Cases is unavailable (the signed webhook). */
  fallback?: AlertSink;
  rememberLimit?: number;
}

export interface CasesWriteResult extends SinkWriteResult {
  /** Case ids created or found, by incident id. */
  caseIds: Record<string, string>;
  fallback?: SinkWriteResult;
}

class CasesUnavailableError extends Error {}

export class CasesSink implements AlertSink {
  readonly name = 'cases';
  private readonly getClient: () => Promise<CasesClientLike | undefined>;
  private readonly logger: SinkLogger;
  private readonly owner: string;
  private readonly minSeverity: Severity;
  private readonly fallback?: AlertSink;
  private readonly rememberLimit: number;
  /** incident id -> case id, for incidents already handled by this process. */
  private readonly known = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(opts: CasesSinkOptions) {
    this.getClient = opts.getClient;
    this.logger = opts.logger;
    this.owner = opts.owner ?? 'securitySolution';
    this.minSeverity = opts.minSeverity ?? 'high';
    this.fallback = opts.fallback;
    this.rememberLimit = opts.rememberLimit ?? 10000;
  }

  /** Never throws: failures are in the result (and handed to the fallback when there is one). */
  async write(batch: SinkBatch): Promise<CasesWriteResult> {
    const started = Date.now();
    const incidents = batch.incidents ?? [];
    const result: CasesWriteResult = { ...emptyResult(this.name, incidents.length), caseIds: {} };
    const eligible: SinkIncident[] = [];
    for (const incident of incidents) {
      const known = this.known.get(incident.id);
      if (!atLeast(incident.severity, this.minSeverity) || known !== undefined) {
        if (known !== undefined) result.caseIds[incident.id] = known;
        result.skipped++;
      } else eligible.push(incident);
    }
    const undelivered: SinkIncident[] = [];
    if (eligible.length > 0) {
      let client: CasesClientLike | undefined;
      try {
        client = await this.getClient();
      } catch (err) {
        this.logger.warn(`Kibana Cases is unavailable: ${errorMessage(err)}`);
      }
      for (const incident of eligible) {
        try {
          if (!client) throw new CasesUnavailableError('Kibana Cases is not available');
          const { caseId, created } = await this.openOnce(client, incident);
          result.caseIds[incident.id] = caseId;
          if (created) result.written++;
          else result.skipped++;
        } catch (err) {
          result.failed++;
          result.errors.push({
            id: incident.id,
            type: 'case_not_opened',
            reason: errorMessage(err),
            retriable: true,
          });
          undelivered.push(incident);
        }
      }
    }
    if (undelivered.length > 0) {
      this.logger.warn(
        `${undelivered.length} incidents have no case yet${this.fallback ? `; sending them to ${this.fallback.name}` : ''}`,
      );
      if (this.fallback) result.fallback = await this.fallback.write({ alerts: [], incidents: undelivered });
    }
    result.durationMs = Date.now() - started;
    return result;
  }

  private async openOnce(
    client: CasesClientLike,
    incident: SinkIncident,
  ): Promise<{ caseId: string; created: boolean }> {
    const pending = this.inFlight.get(incident.id);
    if (pending) return { caseId: await pending, created: false };
    let created = false;
    const work = (async () => {
      const existing = await this.findExisting(client, incident.id);
      if (existing) return existing;
      const made = await client.cases.create(buildCasePayload(incident, this.owner));
      created = true;
      this.logger.info(`opened case ${made.id} for incident ${incident.id}`);
      return made.id;
    })();
    this.inFlight.set(incident.id, work);
    try {
      const caseId = await work;
      this.remember(incident.id, caseId);
      return { caseId, created };
    } finally {
      this.inFlight.delete(incident.id);
    }
  }

  private async findExisting(client: CasesClientLike, incidentId: string): Promise<string | undefined> {
    const params: CasesSearchRequestLike = { tags: [incidentTag(incidentId)], owner: this.owner, perPage: 1 };
    const lookup = client.cases.search ?? client.cases.find;
    if (!lookup) throw new CasesUnavailableError('the cases client has neither search nor find');
    const found = await lookup.call(client.cases, params);
    return found.cases[0]?.id;
  }

  private remember(incidentId: string, caseId: string): void {
    this.known.set(incidentId, caseId);
    if (this.known.size > this.rememberLimit) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }
}
