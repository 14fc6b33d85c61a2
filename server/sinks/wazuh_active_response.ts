import { z } from 'zod';
import type { WazuhClient, WazuhLogger } from '../sources/wazuh_api/client';
import type { WazuhFailedItem } from '../sources/wazuh_api/types';

/**
 * Response-action sink that asks Wazuh to run an active-response command on specific agents.
 *
 * Acting on hosts is the one thing this product can do that is hard to undo, so the defaults refuse to act:
 * the sink is off unless enabled, logs what it would do (dry run) unless dry-run is turned off, runs only
 * commands on an explicit allow-list, only on explicitly named agents, never on the manager (agent 000)
 * unless allowed, and writes an audit record for every decision, refusals and dry runs included.
 */

const AGENT_ID = /^\d{3,}$/;
const AR_COMMAND = /^!?[\w\-.\\/:]+$/;

export const wazuhActiveResponseConfigSchema = z.object({
  /** Opt-in: nothing is sent to Wazuh unless this is true. */
  enabled: z.boolean().default(false),
  /** Log and audit what would be done without calling the API. Turn off only with an agreed response policy. */
  dryRun: z.boolean().default(true),
  /** Exact ar.conf command names (e.g. `firewall-drop0`) or `!script` names allowed to run. Empty = none. */
  allowedCommands: z
    .array(
      z
        .string()
        .regex(AR_COMMAND, 'not a valid Wazuh active-response command')
        .refine((c) => !c.includes('..'), 'path traversal is not allowed'),
    )
    .default([]),
  /** Upper bound of agents one action may target, so a bad correlation cannot fan out to the fleet. */
  maxAgentsPerAction: z.number().int().min(1).max(1000).default(10),
  /** Agent 000 is the Wazuh manager itself; acting on it needs an explicit yes. */
  allowManager: z.boolean().default(false),
});

export type WazuhActiveResponseConfig = z.output<typeof wazuhActiveResponseConfigSchema>;

const requestSchema = z.object({
  command: z.string().min(1),
  agentIds: z.array(z.string()),
  arguments: z.array(z.string()).optional(),
  alert: z
    .object({ data: z.record(z.unknown()).optional() })
    .passthrough()
    .optional(),
  /** Who asked: a user name, or the rule/automation id for automatic responses. */
  requestedBy: z.string().min(1),
  /** Why: human-readable justification, usually the finding summary. */
  reason: z.string().min(1),
  alertId: z.string().optional(),
  incidentId: z.string().optional(),
});

export type ResponseActionRequest = z.input<typeof requestSchema>;

export type ActiveResponseDecision = 'refused' | 'dry_run' | 'approved' | 'executed' | 'partial' | 'failed';

export type RefusalReason =
  | 'invalid_request'
  | 'disabled'
  | 'command_not_allowed'
  | 'no_agents'
  | 'invalid_agent_ids'
  | 'manager_target'
  | 'too_many_agents'
  | 'no_client'
  | 'audit_failed';

export interface ActiveResponseAuditRecord {
  '@timestamp': string;
  action: 'wazuh.active_response';
  decision: ActiveResponseDecision;
  who: string;
  what: { command: string; agentIds: string[]; arguments?: string[] };
  why: { reason: string; alertId?: string; incidentId?: string };
  dryRun: boolean;
  refusalReason?: RefusalReason;
  refusalDetail?: string;
  result?: { affectedAgents: string[]; failedItems: WazuhFailedItem[]; message?: string };
  error?: string;
}

export type AuditFn = (record: ActiveResponseAuditRecord) => void | Promise<void>;

export interface ActiveResponseOutcome {
  decision: Exclude<ActiveResponseDecision, 'approved'>;
  affectedAgents: string[];
  failedItems: WazuhFailedItem[];
  refusalReason?: RefusalReason;
  error?: string;
}

export interface WazuhActiveResponseSinkDeps {
  /** Only `runActiveResponse` is used; absent when no Wazuh API is configured. */
  client?: Pick<WazuhClient, 'runActiveResponse'>;
  audit: AuditFn;
  logger?: WazuhLogger;
  now?: () => number;
}

export class WazuhActiveResponseSink {
  readonly config: WazuhActiveResponseConfig;
  private readonly allowed: Set<string>;

  constructor(
    config: unknown,
    private readonly deps: WazuhActiveResponseSinkDeps,
  ) {
    const parsed = wazuhActiveResponseConfigSchema.safeParse(config ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new Error(`invalid Wazuh active response configuration: ${issues}`);
    }
    this.config = parsed.data;
    this.allowed = new Set(this.config.allowedCommands);
  }

  /** Decides, audits and (only when enabled, not dry-run and allowed) runs one response action. */
  async respond(input: unknown): Promise<ActiveResponseOutcome> {
    const parsed = requestSchema.safeParse(input);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      return this.refuse(
        describeInvalid(input, (this.deps.now ?? Date.now)(), this.config.dryRun),
        'invalid_request',
        detail,
      );
    }
    const request = parsed.data;
    const agentIds = [...new Set(request.agentIds)];
    const base = this.baseRecord({ ...request, agentIds });

    if (!this.config.enabled) {
      return this.refuse(base, 'disabled', 'Wazuh active response is not enabled (opt-in)');
    }
    if (!this.allowed.has(request.command)) {
      return this.refuse(base, 'command_not_allowed', `'${request.command}' is not in allowedCommands`);
    }
    if (agentIds.length === 0) {
      return this.refuse(base, 'no_agents', 'no agent ids given; the sink never targets all agents');
    }
    const invalid = agentIds.filter((id) => !AGENT_ID.test(id));
    if (invalid.length > 0) {
      return this.refuse(base, 'invalid_agent_ids', `invalid agent ids: ${invalid.slice(0, 5).join(', ')}`);
    }
    if (agentIds.includes('000') && !this.config.allowManager) {
      return this.refuse(
        base,
        'manager_target',
        'agent 000 is the Wazuh manager; set allowManager to target it',
      );
    }
    if (agentIds.length > this.config.maxAgentsPerAction) {
      return this.refuse(
        base,
        'too_many_agents',
        `${agentIds.length} agents exceed maxAgentsPerAction=${this.config.maxAgentsPerAction}`,
      );
    }

    if (this.config.dryRun) {
      this.deps.logger?.info(
        `[wazuh-active-response] dry run: would run '${request.command}' on agents ${agentIds.join(',')} ` +
          `for ${request.requestedBy}: ${request.reason}`,
      );
      await this.safeAudit({ ...base, decision: 'dry_run' });
      return { decision: 'dry_run', affectedAgents: [], failedItems: [] };
    }
    const client = this.deps.client;
    if (!client) return this.refuse(base, 'no_client', 'no Wazuh API client is configured');

    // An action that cannot be audited must not happen: the approval record is written before the call.
    try {
      await this.deps.audit({ ...base, decision: 'approved' });
    } catch (err) {
      this.deps.logger?.error(
        `[wazuh-active-response] audit failed, not running '${request.command}': ${errorText(err)}`,
      );
      return { decision: 'refused', refusalReason: 'audit_failed', affectedAgents: [], failedItems: [] };
    }

    try {
      const result = await client.runActiveResponse({
        command: request.command,
        agentsList: agentIds,
        ...(request.arguments !== undefined ? { arguments: request.arguments } : {}),
        ...(request.alert !== undefined ? { alert: request.alert } : {}),
      });
      const decision = result.partial ? 'partial' : 'executed';
      const log = result.partial ? 'warn' : 'info';
      this.deps.logger?.[log](
        `[wazuh-active-response] '${request.command}' ${decision} on agents ${result.items.join(',') || '(none)'}` +
          (result.failedItems.length ? `; failed: ${summarizeFailed(result.failedItems)}` : ''),
      );
      await this.safeAudit({
        ...base,
        decision,
        result: {
          affectedAgents: result.items,
          failedItems: result.failedItems,
          ...(result.message !== undefined ? { message: result.message } : {}),
        },
      });
      return { decision, affectedAgents: result.items, failedItems: result.failedItems };
    } catch (err) {
      const error = errorText(err);
      const failedItems = failedItemsOf(err);
      this.deps.logger?.error(`[wazuh-active-response] '${request.command}' failed: ${error}`);
      await this.safeAudit({
        ...base,
        decision: 'failed',
        error,
        result: { affectedAgents: [], failedItems },
      });
      return { decision: 'failed', affectedAgents: [], failedItems, error };
    }
  }

  private baseRecord(request: z.output<typeof requestSchema>): Omit<ActiveResponseAuditRecord, 'decision'> {
    return {
      '@timestamp': new Date((this.deps.now ?? Date.now)()).toISOString(),
      action: 'wazuh.active_response',
      who: request.requestedBy,
      what: {
        command: request.command,
        agentIds: request.agentIds,
        ...(request.arguments !== undefined ? { arguments: request.arguments } : {}),
      },
      why: {
        reason: request.reason,
        ...(request.alertId !== undefined ? { alertId: request.alertId } : {}),
        ...(request.incidentId !== undefined ? { incidentId: request.incidentId } : {}),
      },
      dryRun: this.config.dryRun,
    };
  }

  private async refuse(
    base: Omit<ActiveResponseAuditRecord, 'decision'>,
    reason: RefusalReason,
    detail: string,
  ): Promise<ActiveResponseOutcome> {
    this.deps.logger?.warn(
      `[wazuh-active-response] refused '${base.what.command}' for ${base.who}: ${detail}`,
    );
    await this.safeAudit({ ...base, decision: 'refused', refusalReason: reason, refusalDetail: detail });
    return { decision: 'refused', refusalReason: reason, affectedAgents: [], failedItems: [] };
  }

  /** Audit of a refusal, dry run or result: nothing was (or nothing more will be) done, so log failures only. */
  private async safeAudit(record: ActiveResponseAuditRecord): Promise<void> {
    try {
      await this.deps.audit(record);
    } catch (err) {
      this.deps.logger?.error(
        `[wazuh-active-response] audit of a '${record.decision}' decision failed: ${errorText(err)}`,
      );
    }
  }
}

function describeInvalid(
  input: unknown,
  nowMs: number,
  dryRun: boolean,
): Omit<ActiveResponseAuditRecord, 'decision'> {
  const o = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '(missing)');
  return {
    '@timestamp': new Date(nowMs).toISOString(),
    action: 'wazuh.active_response',
    who: str(o.requestedBy),
    what: {
      command: str(o.command),
      agentIds: Array.isArray(o.agentIds) ? o.agentIds.filter((a): a is string => typeof a === 'string') : [],
    },
    why: { reason: str(o.reason) },
    dryRun,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function failedItemsOf(err: unknown): WazuhFailedItem[] {
  if (typeof err === 'object' && err !== null && 'failedItems' in err && Array.isArray(err.failedItems)) {
    return err.failedItems as WazuhFailedItem[];
  }
  return [];
}

function summarizeFailed(failed: WazuhFailedItem[]): string {
  return failed.map((f) => `${f.code} ${f.message} [${f.ids.join(',')}]`).join('; ');
}
