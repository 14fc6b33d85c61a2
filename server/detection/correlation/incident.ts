import type { EvidenceRef, Severity } from '../types';

/** One step of an incident's attack chain: a tactic and what was seen of it. */
export interface ChainStep {
  tacticId: string;
  tacticName: string;
  /** Time of the first finding of this tactic in the incident. */
  firstSeen: string;
  ruleIds: string[];
  techniqueIds: string[];
}

/** A finding as an incident remembers it. */
export interface IncidentFinding {
  alertId: string;
  ruleId: string;
  ruleName: string;
  techniqueIds: string[];
  tacticIds: string[];
  severity: Severity;
  riskScore: number;
  firstSeen: string;
  lastSeen: string;
  host?: string;
  user?: string;
}

/**
 * Findings about one entity (a host or a user, and the entities they pull in) linked over a sliding horizon, with
 * the tactics they show ordered along the kill chain.
 */
export interface Incident {
  /** Deterministic: hash of the primary entity and the first finding. */
  id: string;
  entity: { type: 'host' | 'user'; name: string };
  hosts: string[];
  users: string[];
  firstSeen: string;
  lastSeen: string;
  firstEvidence: EvidenceRef;
  lastEvidence: EvidenceRef;
  /** Tactics in kill-chain order. */
  chain: ChainStep[];
  techniqueIds: string[];
  findingCount: number;
  /** The most recent findings (capped; `findingCount` keeps counting). */
  findings: IncidentFinding[];
  riskScore: number;
  severity: Severity;
  /** Short summary for lists and case titles. */
  title: string;
}
