import type { RouteConfig } from '../kibana_types';

/** Route security in both forms: `security.authz` (8.16+) and the legacy `access:` tag (older 8.x). */
export function requirePrivilege(
  privilege: string,
): Pick<RouteConfig<unknown, unknown, unknown>, 'security'> & { options: { tags: string[] } } {
  return {
    security: { authz: { requiredPrivileges: [privilege] } },
    options: { tags: [`access:${privilege}`] },
  };
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
