import { z } from 'zod';

/**
 * Wire shapes of the Wazuh 4.x REST API (spec.yaml at wazuh/wazuh v4.14.7) and the camelCase domain types the
 * client hands out. Parsing is lenient where real servers and Wazuh's own fixtures disagree with the spec
 * (numbers where the spec says strings), strict where a wrong shape would make us act on garbage.
 */

// ---- domain types -------------------------------------------------------------------------------------------

export type WazuhAgentStatus = 'active' | 'pending' | 'never_connected' | 'disconnected';

export interface WazuhAgentOs {
  name?: string;
  platform?: string;
  version?: string;
  major?: string;
  minor?: string;
  build?: string;
  arch?: string;
  uname?: string;
  codename?: string;
}

export interface WazuhAgent {
  /** Zero-padded agent id, "000" is the manager itself. */
  id: string;
  name?: string;
  ip?: string;
  registerIp?: string;
  /** Wazuh status; unknown values from newer servers are kept as-is rather than rejected. */
  status?: WazuhAgentStatus | string;
  statusCode?: number;
  version?: string;
  manager?: string;
  nodeName?: string;
  groups: string[];
  dateAdd?: string;
  lastKeepAlive?: string;
  disconnectionTime?: string;
  groupConfigStatus?: string;
  os?: WazuhAgentOs;
}

export interface WazuhManagerInfo {
  path?: string;
  version?: string;
  type?: string;
  maxAgents?: string;
  opensslSupport?: boolean;
  tzOffset?: string;
  tzName?: string;
  uuid?: string | null;
}

/** One entry of `failed_items`: a Wazuh error code and the item ids it applies to. */
export interface WazuhFailedItem {
  code: number;
  message: string;
  remediation?: string;
  ids: string[];
}

/**
 * Result of an `AffectedItemsWazuhResult` call. `partial` is true for `error: 2`; then `failedItems` is non-empty
 * and callers must look at it (the client never drops it).
 */
export interface WazuhItemsResult<T> {
  items: T[];
  totalAffectedItems: number;
  totalFailedItems: number;
  failedItems: WazuhFailedItem[];
  partial: boolean;
  message?: string;
}

// ---- wire schemas -------------------------------------------------------------------------------------------

const stringish = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** Spec `AgentID` is a numeric string of at least 3 digits; some fixtures use bare numbers. */
export const agentIdWireSchema = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
  .transform((v) => (typeof v === 'number' ? String(v).padStart(3, '0') : v));

export const failedItemWireSchema = z.object({
  error: z.object({
    code: z.number().int(),
    message: z.string().optional(),
    remediation: z.string().optional(),
  }),
  id: z.array(z.union([z.string(), z.number()])).optional(),
});

const osWireSchema = z
  .object({
    name: z.string(),
    platform: z.string(),
    version: stringish,
    major: stringish,
    minor: stringish,
    build: stringish,
    arch: z.string(),
    uname: z.string(),
    codename: z.string(),
  })
  .partial();

export const agentWireSchema = z.object({
  id: agentIdWireSchema,
  name: z.string().optional(),
  ip: z.string().optional(),
  registerIP: z.string().optional(),
  status: z.string().optional(),
  status_code: z.number().int().optional(),
  version: z.string().optional(),
  manager: z.string().optional(),
  node_name: z.string().optional(),
  group: z.array(z.string()).optional(),
  dateAdd: z.string().optional(),
  lastKeepAlive: z.string().optional(),
  disconnection_time: z.string().optional(),
  group_config_status: z.string().optional(),
  os: osWireSchema.optional(),
});

/** Spec `WazuhInfo`; Wazuh's own mock sends a boolean/number where the spec says string, so accept both. */
export const managerInfoWireSchema = z.object({
  path: z.string().optional(),
  version: z.string().optional(),
  type: z.string().optional(),
  max_agents: stringish.optional(),
  openssl_support: z.union([z.boolean(), z.string()]).optional(),
  tz_offset: stringish.optional(),
  tz_name: z.string().optional(),
  uuid: z.string().nullable().optional(),
});

/** The `error` field of every envelope: 0 all good, 1 all failed, 2 partial. */
export const envelopeCodeSchema = z.union([z.literal(0), z.literal(1), z.literal(2)]);

export function affectedItemsEnvelopeSchema<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    data: z.object({
      affected_items: z.array(item),
      total_affected_items: z.number().int().nonnegative(),
      total_failed_items: z.number().int().nonnegative(),
      failed_items: z.array(failedItemWireSchema),
    }),
    message: z.string().optional(),
    error: envelopeCodeSchema,
  });
}

export const loginWireSchema = z.object({
  data: z.object({ token: z.string().min(1) }),
  error: envelopeCodeSchema.optional(),
});

/** problem+json error body (spec `RequestError` / `ApiError`). */
export const problemWireSchema = z.object({
  title: z.string().optional(),
  detail: z.string().optional(),
  error: z.number().optional(),
  remediation: z.string().optional(),
});

// ---- mapping ------------------------------------------------------------------------------------------------

export function toFailedItem(wire: z.infer<typeof failedItemWireSchema>): WazuhFailedItem {
  return {
    code: wire.error.code,
    message: wire.error.message ?? `Wazuh error ${wire.error.code}`,
    ...(wire.error.remediation !== undefined ? { remediation: wire.error.remediation } : {}),
    ids: (wire.id ?? []).map(String),
  };
}

export function toAgent(wire: z.infer<typeof agentWireSchema>): WazuhAgent {
  return {
    id: wire.id,
    name: wire.name,
    ip: wire.ip,
    registerIp: wire.registerIP,
    status: wire.status,
    statusCode: wire.status_code,
    version: wire.version,
    manager: wire.manager,
    nodeName: wire.node_name,
    groups: wire.group ?? [],
    dateAdd: wire.dateAdd,
    lastKeepAlive: wire.lastKeepAlive,
    disconnectionTime: wire.disconnection_time,
    groupConfigStatus: wire.group_config_status,
    os: wire.os,
  };
}

export function toManagerInfo(wire: z.infer<typeof managerInfoWireSchema>): WazuhManagerInfo {
  const ssl = wire.openssl_support;
  return {
    path: wire.path,
    version: wire.version,
    type: wire.type,
    maxAgents: wire.max_agents,
    opensslSupport: ssl === undefined ? undefined : ssl === true || ssl === 'yes' || ssl === 'true',
    tzOffset: wire.tz_offset,
    tzName: wire.tz_name,
    uuid: wire.uuid,
  };
}
