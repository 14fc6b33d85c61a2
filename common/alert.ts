/**
 * The alert document the plugin writes to its alerts index (and Redis/Kafka): ECS fields that Discover and Elastic
 * Security read (`event.kind: alert`, `event.severity`, `rule.*`, `threat.*`, `host.*`, `user.*`), plus the
 * plugin's own `apt.*` block with the explanation, evidence and incident link. One alert per finding.
 *
 * Isomorphic: no Node or browser APIs here.
 */
import type { EcsThreat } from './attack/catalog';

export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';
export type AlertDetectorKind = 'rule' | 'behaviour' | 'baseline' | 'model' | 'threat_intel' | 'correlation';

/** ECS `event.severity` numbers for the severity words (Elastic Security's risk bands). */
export const SEVERITY_NUMBER: Record<AlertSeverity, number> = { low: 21, medium: 47, high: 73, critical: 99 };

export interface AlertEvidence {
  /** Id of the evidence event in its source (ES `_id`, `topic:partition:offset`, `file:line`, `file#record`). */
  id: string;
  /** Index, topic, file path or ingest route. */
  location: string;
  timestamp: string;
  summary?: string;
}

export interface AlertDoc {
  /** Time of the last evidence event (not the wall clock), so re-runs write identical documents. */
  '@timestamp': string;
  message: string;
  event: {
    kind: 'alert';
    module: 'apt_detection';
    dataset: 'apt_detection.alert';
    /** 21 low, 47 medium, 73 high, 99 critical. */
    severity: number;
    risk_score: number;
    start: string;
    end: string;
  };
  rule: { id: string; name: string; ruleset: 'apt-detection'; category: AlertDetectorKind };
  threat?: EcsThreat;
  host?: { name: string };
  user?: { name: string };
  process?: {
    name?: string;
    executable?: string;
    command_line?: string;
    pid?: number;
    parent?: { executable?: string };
  };
  source?: { ip?: string };
  destination?: { ip?: string };
  related: { hosts: string[]; user: string[] };
  /** For file input: the file(s) the evidence came from. */
  log?: { file: { path: string[] } };
  risk_score: number;
  apt: {
    /** Same as the document `_id`: hash of rule id + sorted evidence ids. */
    alert_id: string;
    detector: AlertDetectorKind;
    severity: AlertSeverity;
    /** The one-sentence explanation (also in `message`). */
    explanation: string;
    technique_ids: string[];
    tactic_ids: string[];
    incident_id?: string;
    first_seen: string;
    last_seen: string;
    evidence: AlertEvidence[];
    evidence_count: number;
    contributions?: Array<{ feature: string; value: number; weight: number }>;
    attack_version: string;
  };
}
