import type { Event } from '../../common/event';

/** Severity words as ECS `event.severity` levels map them (low 21, medium 47, high 73, critical 99). */
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** Which kind of logic produced a finding. */
export type DetectorKind = 'rule' | 'behaviour' | 'baseline' | 'model' | 'threat_intel' | 'correlation';

/** A reference to one evidence event (enough to find it again in its source). */
export interface EvidenceRef {
  /** EventOrigin.id of the event. */
  id: string;
  location: string;
  timestamp: string;
  /** Short human-readable summary, e.g. `4625 logon failure for admin from 10.0.0.5`. */
  summary?: string;
}

/**
 * One detector's conclusion about a group of events. Findings become alerts (one alert per finding) and are
 * linked into incidents by the correlation engine.
 */
export interface Finding {
  /** Stable id of the rule or detector that produced it (e.g. `apt.cred.lsass_access`). */
  ruleId: string;
  ruleName: string;
  detector: DetectorKind;
  /** Current ATT&CK technique or sub-technique ids (e.g. `T1003.001`). */
  techniqueIds: string[];
  severity: Severity;
  /** 0-100. */
  riskScore: number;
  /** One sentence a SOC analyst understands. */
  explanation: string;
  /** Entities the finding is about. */
  host?: string;
  user?: string;
  /** Time of the first and last evidence event. */
  firstSeen: string;
  lastSeen: string;
  evidence: EvidenceRef[];
  /** The evidence events themselves when at hand (alert building copies host/user/process fields from them). */
  events?: Event[];
  /** Set by rules with `admin_path_suppression: false`: learned admin paths neither drop nor group this finding. */
  ignoresAdminPaths?: boolean;
  /** Top contributing features for model and baseline findings. */
  contributions?: Array<{ feature: string; value: number; weight: number }>;
}
