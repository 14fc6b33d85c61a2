import { z } from 'zod';

/**
 * When to renew the Wazuh JWT. Wazuh tokens live `auth_token_exp_timeout` seconds (900 by default) and the
 * server answers 401 after that; renewing a margin before expiry avoids paying a failed request per renewal.
 * We read `exp` from the token itself (not verified: only the server can, and it will) because administrators
 * can change the lifetime; the configured lifetime is the fallback when the claim is missing or unreadable.
 */
const claimsSchema = z.object({ exp: z.number().optional() });

/** Expiry (epoch ms) from the JWT payload, or undefined when the token has no readable `exp`. */
export function tokenExpiryMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
    return parsed.success && parsed.data.exp !== undefined ? parsed.data.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export interface TokenState {
  token: string;
  /** Epoch ms after which the token must not be used any more (expiry minus the refresh margin). */
  renewAtMs: number;
}

export function tokenState(
  token: string,
  issuedAtMs: number,
  fallbackLifetimeSeconds: number,
  refreshMarginSeconds: number,
): TokenState {
  const expiry = tokenExpiryMs(token) ?? issuedAtMs + fallbackLifetimeSeconds * 1000;
  const lifetime = expiry - issuedAtMs;
  // With very short lifetimes (tests, or a misconfigured server) a fixed margin would renew on every call;
  // never use more than half of the lifetime as margin.
  const margin = Math.min(refreshMarginSeconds * 1000, Math.max(0, lifetime / 2));
  return { token, renewAtMs: expiry - margin };
}

export function needsRenewal(state: TokenState | undefined, nowMs: number): boolean {
  return state === undefined || nowMs >= state.renewAtMs;
}
