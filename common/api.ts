/**
 * HTTP API paths and the request/response shapes the browser apps use. Isomorphic.
 */
export const PLUGIN_ID = 'aptDetection';
export const PLUGIN_NAME = 'APT Detection';
export const API_BASE = '/api/apt_detection';

export const API_PATHS = {
  status: `${API_BASE}/status`,
  ingestEvents: `${API_BASE}/events/_ingest`,
  ingestAlerts: `${API_BASE}/alerts/_ingest`,
  alerts: `${API_BASE}/alerts`,
  incidents: `${API_BASE}/incidents`,
  entities: `${API_BASE}/entities`,
  models: `${API_BASE}/models`,
} as const;

/** Kibana feature privileges' `api` names: `read` grants the first, `all` both. */
export const API_PRIVILEGES = {
  read: 'aptDetection_read',
  write: 'aptDetection_write',
} as const;

export interface TaskStatus {
  taskId: string;
  taskType: string;
  lastRunAt?: string;
  lastDurationMs?: number;
  lastOutcome?: 'success' | 'failure' | 'cancelled';
  lastError?: string;
  cursor?: unknown;
  documentsRead: number;
  documentsRejected: number;
  alertsWritten: number;
  /** Findings kept out of alerts by suppression (admin practice, routine jobs, rollouts, bursts, repeats). */
  findingsSuppressed?: number;
  runs: number;
}

export interface ConnectionStatus {
  name: 'elasticsearch' | 'redis' | 'kafka' | 'wazuh';
  enabled: boolean;
  reachable: boolean;
  detail: string;
}

export interface StatusResponse {
  version: string;
  tasks: TaskStatus[];
  connections: ConnectionStatus[];
  intake: { accepted: number; rejected: number };
}

export interface IngestLineError {
  line: number;
  reason: string;
  field: string;
}

export interface IngestResponse {
  accepted: number;
  rejected: number;
  errors: IngestLineError[];
}

export interface AlertSummary {
  id: string;
  timestamp: string;
  ruleId: string;
  ruleName: string;
  severity: string;
  riskScore: number;
  host?: string;
  user?: string;
  techniques: Array<{ id: string; name: string }>;
  tactics: Array<{ id: string; name: string }>;
  explanation: string;
  incidentId?: string;
}

export interface AlertsResponse {
  total: number;
  alerts: AlertSummary[];
}
