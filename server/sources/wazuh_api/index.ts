export { WazuhClient } from './client';
export type {
  ActiveResponseRequest,
  AgentQuery,
  IterateAgentsOptions,
  WazuhApiInfo,
  WazuhClientDeps,
  WazuhLogger,
} from './client';
export { wazuhApiConfigSchema, parseWazuhApiConfig } from './config';
export type { WazuhApiConfig, WazuhApiConfigInput } from './config';
export * from './errors';
export { redactSecrets } from './redact';
export type {
  WazuhAgent,
  WazuhAgentOs,
  WazuhAgentStatus,
  WazuhFailedItem,
  WazuhItemsResult,
  WazuhManagerInfo,
} from './types';
