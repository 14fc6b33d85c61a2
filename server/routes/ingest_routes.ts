import { z } from 'zod';
import { API_PATHS, API_PRIVILEGES } from '../../common/api';
import type { IRouter, KibanaRequest } from '../kibana_types';
import { TooManyDocumentsError, type IntakeKind } from '../ingest/intake';
import type { ServicesAccessor } from '../services';
import { rawBodyValidator, zodValidator } from './validation';
import { errorMessage, requirePrivilege } from './route_helpers';

/** Who is calling, for rate limits and the intake record: the token name (host) or the Kibana user name. */
export function callerOf(request: KibanaRequest<unknown, unknown, unknown>): string {
  const h = request.headers['x-apt-caller'];
  return (Array.isArray(h) ? h[0] : h) ?? 'kibana-user';
}

export function registerIngestRoutes(
  router: IRouter,
  services: ServicesAccessor,
  maxBodyBytes: number,
): void {
  const route = (path: string, kind: IntakeKind) =>
    router.post(
      {
        path,
        validate: { body: rawBodyValidator, query: zodValidator(z.object({}).strict()) },
        ...requirePrivilege(API_PRIVILEGES.write),
        options: {
          access: 'public',
          description: `Ingest ${kind}s as NDJSON or a JSON array of Winlogbeat, Wazuh or ECS documents`,
          tags: [`access:${API_PRIVILEGES.write}`],
          body: {
            parse: false,
            output: 'data',
            maxBytes: maxBodyBytes,
            accepts: ['application/json', 'application/x-ndjson', 'text/plain'],
          },
        },
      },
      async (ctx, request, response) => {
        const s = services();
        const caller = callerOf(request);
        const limit = s.rateLimiter.take(caller);
        if (!limit.allowed) {
          return response.customError({
            statusCode: 429,
            body: { message: `rate limit exceeded for ${caller}; retry in ${limit.retryAfterSeconds}s` },
            headers: { 'retry-after': String(limit.retryAfterSeconds) },
          });
        }
        try {
          const es = (await ctx.core).elasticsearch.client.asCurrentUser;
          const result = await s.intake.ingest(es, kind, request.body, caller);
          if (result.errors.length === 0) return response.accepted({ body: result });
          return response.badRequest({ body: { message: `${result.rejected} line(s) rejected`, ...result } });
        } catch (e) {
          if (e instanceof TooManyDocumentsError) {
            return response.customError({ statusCode: 413, body: { message: e.message } });
          }
          s.logger.error(`ingest failed: ${errorMessage(e)}`);
          return response.customError({
            statusCode: 503,
            body: { message: `documents were not stored, retry later: ${errorMessage(e)}` },
          });
        }
      },
    );
  route(API_PATHS.ingestEvents, 'event');
  route(API_PATHS.ingestAlerts, 'alert');
}
