import { z } from 'zod';
import { API_PATHS, API_PRIVILEGES, type AlertSummary, type AlertsResponse } from '../../common/api';
import type { ElasticsearchClient, IRouter } from '../kibana_types';
import type { ServicesAccessor } from '../services';
import { zodValidator } from './validation';
import { errorMessage, requirePrivilege } from './route_helpers';

const alertsQuery = z
  .object({
    size: z.coerce.number().int().min(1).max(500).default(100),
    from: z.string().datetime({ offset: true }).optional(),
    to: z.string().datetime({ offset: true }).optional(),
    host: z.string().max(256).optional(),
    user: z.string().max(256).optional(),
    severity: z.enum(['low', 'medium', 'high', 'critical']).optional(),
    incident: z.string().max(128).optional(),
  })
  .strict();

type Src = Record<string, unknown>;

function get(src: Src, path: string): unknown {
  let cur: unknown = src;
  for (const p of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    const o = cur as Src;
    cur = p in o ? o[p] : undefined;
  }
  return cur;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Zips ECS `id`/`name` fields that are either scalars or parallel arrays into `{id, name}` pairs. */
function pairs(ids: unknown, names: unknown): Array<{ id: string; name: string }> {
  const idList = (Array.isArray(ids) ? ids : ids === undefined ? [] : [ids]).map(String);
  const nameList = (Array.isArray(names) ? names : names === undefined ? [] : [names]).map(String);
  return idList.map((id, i) => ({ id, name: nameList[i] ?? id }));
}

/** Maps a stored ECS alert document to the small shape the apps show. */
export function toAlertSummary(id: string, src: Src): AlertSummary {
  const threats = (Array.isArray(src.threat) ? src.threat : src.threat ? [src.threat] : []) as Src[];
  const techniques: AlertSummary['techniques'] = [];
  const tactics: AlertSummary['tactics'] = [];
  for (const t of threats) {
    // ECS allows one threat per tactic (scalar ids) or one flat threat with parallel id/name arrays; read both.
    const tech = (t.technique ?? {}) as Src;
    const sub = (tech.subtechnique ?? {}) as Src;
    const subs = pairs(sub.id, sub.name);
    const subParents = new Set(subs.map((x) => x.id.split('.')[0]));
    techniques.push(...subs, ...pairs(tech.id, tech.name).filter((x) => !subParents.has(x.id)));
    tactics.push(...pairs((t.tactic as Src | undefined)?.id, (t.tactic as Src | undefined)?.name));
  }
  const sevNum = Number(get(src, 'event.severity') ?? 0);
  const severity =
    str(get(src, 'kibana.alert.severity')) ??
    str(get(src, 'apt.severity')) ??
    (sevNum >= 99 ? 'critical' : sevNum >= 73 ? 'high' : sevNum >= 47 ? 'medium' : 'low');
  return {
    id,
    timestamp: String(src['@timestamp']),
    ruleId: String(get(src, 'rule.id') ?? ''),
    ruleName: String(get(src, 'rule.name') ?? ''),
    severity,
    riskScore: Number(
      get(src, 'risk_score') ?? get(src, 'apt.risk_score') ?? get(src, 'event.risk_score') ?? 0,
    ),
    host: str(get(src, 'host.name')),
    user: str(get(src, 'user.name')),
    techniques,
    tactics,
    explanation: String(get(src, 'apt.explanation') ?? src.message ?? ''),
    incidentId: str(get(src, 'apt.incident_id')) ?? str(get(src, 'apt.incident.id')),
  };
}

function isNotFound(e: unknown): boolean {
  return (e as { meta?: { statusCode?: number } })?.meta?.statusCode === 404;
}

async function searchAlerts(
  es: ElasticsearchClient,
  index: string,
  q: z.infer<typeof alertsQuery>,
): Promise<AlertsResponse> {
  const filter: object[] = [];
  if (q.from || q.to) filter.push({ range: { '@timestamp': { gte: q.from, lte: q.to } } });
  if (q.host) filter.push({ term: { 'host.name': q.host } });
  if (q.user) filter.push({ term: { 'user.name': q.user } });
  if (q.incident) filter.push({ term: { 'apt.incident_id': q.incident } });
  if (q.severity) filter.push({ term: { 'apt.severity': q.severity } });
  try {
    const res = await es.search<Src>({
      index,
      size: q.size,
      sort: [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }],
      query: { bool: { filter } },
      track_total_hits: true,
      ignore_unavailable: true,
    });
    const total = typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? 0);
    return { total, alerts: res.hits.hits.map((h) => toAlertSummary(h._id ?? '', h._source ?? {})) };
  } catch (e) {
    if (isNotFound(e)) return { total: 0, alerts: [] };
    throw e;
  }
}

export function registerReadRoutes(router: IRouter, services: ServicesAccessor): void {
  router.get(
    {
      path: API_PATHS.status,
      validate: { query: zodValidator(z.object({}).strict()) },
      ...requirePrivilege(API_PRIVILEGES.read),
    },
    async (_ctx, _req, response) => response.ok({ body: await services().status.read() }),
  );

  router.get(
    {
      path: API_PATHS.alerts,
      validate: { query: zodValidator(alertsQuery) },
      ...requirePrivilege(API_PRIVILEGES.read),
    },
    async (ctx, request, response) => {
      const s = services();
      try {
        const es = (await ctx.core).elasticsearch.client.asCurrentUser;
        return response.ok({
          body: await searchAlerts(es, s.config.sinks.elasticsearch.alertsIndex, request.query),
        });
      } catch (e) {
        return response.customError({
          statusCode: 502,
          body: { message: `alerts search failed: ${errorMessage(e)}` },
        });
      }
    },
  );

  router.get(
    {
      path: API_PATHS.incidents,
      validate: {
        query: zodValidator(z.object({ size: z.coerce.number().int().min(1).max(200).default(50) }).strict()),
      },
      ...requirePrivilege(API_PRIVILEGES.read),
    },
    async (ctx, request, response) => {
      const s = services();
      const es = (await ctx.core).elasticsearch.client.asCurrentUser;
      try {
        const res = await es.search<Src>({
          index: s.config.sinks.elasticsearch.incidentsIndex,
          size: request.query.size,
          sort: [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }],
          ignore_unavailable: true,
        });
        return response.ok({ body: { incidents: res.hits.hits.map((h) => ({ id: h._id, ...h._source })) } });
      } catch (e) {
        if (isNotFound(e)) return response.ok({ body: { incidents: [] } });
        return response.customError({ statusCode: 502, body: { message: errorMessage(e) } });
      }
    },
  );

  router.get(
    {
      path: API_PATHS.entities,
      validate: {
        query: zodValidator(
          z
            .object({
              type: z.enum(['host', 'user']).default('host'),
              size: z.coerce.number().int().min(1).max(200).default(50),
            })
            .strict(),
        ),
      },
      ...requirePrivilege(API_PRIVILEGES.read),
    },
    async (ctx, request, response) => {
      const s = services();
      const es = (await ctx.core).elasticsearch.client.asCurrentUser;
      const field = request.query.type === 'host' ? 'host.name' : 'user.name';
      try {
        const res = await es.search({
          index: s.config.sinks.elasticsearch.alertsIndex,
          size: 0,
          ignore_unavailable: true,
          aggs: {
            entities: {
              terms: { field, size: request.query.size, order: { max_risk: 'desc' } },
              aggs: {
                max_risk: { max: { field: 'risk_score' } },
                last_seen: { max: { field: '@timestamp' } },
                techniques: { terms: { field: 'threat.technique.id', size: 10 } },
              },
            },
          },
        });
        type Bucket = {
          key: string;
          doc_count: number;
          max_risk: { value: number | null };
          last_seen: { value_as_string?: string };
          techniques: { buckets: Array<{ key: string }> };
        };
        const buckets = (
          (res.aggregations?.entities as { buckets?: Bucket[] } | undefined)?.buckets ?? []
        ).map((b) => ({
          name: b.key,
          alerts: b.doc_count,
          maxRisk: b.max_risk.value ?? 0,
          lastSeen: b.last_seen.value_as_string,
          techniques: b.techniques.buckets.map((t) => t.key),
        }));
        return response.ok({ body: { type: request.query.type, entities: buckets } });
      } catch (e) {
        if (isNotFound(e)) return response.ok({ body: { type: request.query.type, entities: [] } });
        return response.customError({ statusCode: 502, body: { message: errorMessage(e) } });
      }
    },
  );

  router.get(
    {
      path: API_PATHS.models,
      validate: { query: zodValidator(z.object({}).strict()) },
      ...requirePrivilege(API_PRIVILEGES.read),
    },
    async (_ctx, _req, response) => response.ok({ body: await services().modelStatus() }),
  );
}
