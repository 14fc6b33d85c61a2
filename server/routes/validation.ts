import type { ZodType, ZodTypeDef } from 'zod';
import type { RouteValidationFunction } from '../kibana_types';

/**
 * Turns a zod schema into a Kibana route validation function, so the same validation runs in Kibana's router and
 * in the standalone host. The error names the offending field.
 */
export function zodValidator<T>(schema: ZodType<T, ZodTypeDef, unknown>): RouteValidationFunction<T> {
  return (data, result) => {
    const parsed = schema.safeParse(data ?? {});
    if (parsed.success) return result.ok(parsed.data);
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    return result.badRequest(`${field ? `[${field}]: ` : ''}${issue.message}`, issue.path.map(String));
  };
}

/** For routes that take the raw body (ingest): accept a Buffer or string, nothing else. */
export const rawBodyValidator: RouteValidationFunction<Buffer> = (data, result) => {
  if (Buffer.isBuffer(data)) return result.ok(data);
  if (typeof data === 'string') return result.ok(Buffer.from(data));
  return result.badRequest('request body must be NDJSON or a JSON array');
};
