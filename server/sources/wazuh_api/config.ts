import { z } from 'zod';

/**
 * Settings of the Wazuh REST client, validated at the edge (kibana.yml, standalone host config, CLI flags).
 * Defaults are the safe ones: TLS verification on, Wazuh's documented page size and token lifetime.
 */
export const wazuhApiConfigSchema = z.object({
  /** Base URL of the Wazuh server API, e.g. https://wazuh-manager:55000 */
  url: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'url must start with https:// or http://')
    .refine((u) => !/\/\/[^/]*@/.test(u), 'put credentials in username/password, not in the url'),
  username: z.string().min(1),
  password: z.string().min(1),
  tls: z
    .object({
      /** Verify the server certificate. Wazuh ships a self-signed one: give its CA rather than turning this off. */
      verify: z.boolean().default(true),
      /** PEM of the CA (or the self-signed certificate itself) to trust in addition to the system CAs. */
      ca: z.string().min(1).optional(),
    })
    .default({ verify: true }),
  /** Per-request timeout. Wazuh's own server-side request timeout is 10 s. */
  timeoutMs: z.number().int().positive().default(15_000),
  /** Renew the JWT this long before it expires. */
  refreshMarginSeconds: z.number().int().nonnegative().default(60),
  /** Token lifetime assumed when the JWT carries no readable `exp` (Wazuh default auth_token_exp_timeout). */
  tokenLifetimeSeconds: z.number().int().positive().default(900),
  /** Page size for paged reads; the spec allows 100000 but advises staying at or below 500. */
  pageSize: z.number().int().min(1).max(100_000).default(500),
  /** Retries for idempotent reads on 429/5xx/network errors, with exponential backoff. Writes never retry. */
  retries: z
    .object({
      max: z.number().int().min(0).max(10).default(2),
      baseDelayMs: z.number().int().nonnegative().default(250),
    })
    .default({}),
});

export type WazuhApiConfigInput = z.input<typeof wazuhApiConfigSchema>;
export type WazuhApiConfig = z.output<typeof wazuhApiConfigSchema>;

/** Parses config; the error message never echoes the password (zod would include the value for some checks). */
export function parseWazuhApiConfig(input: unknown): WazuhApiConfig {
  const parsed = wazuhApiConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid Wazuh API configuration: ${issues}`);
  }
  return parsed.data;
}
