import { createHash } from 'crypto';
import { ATTACK_VERSION, toEcsThreatFlat } from '../../../common/attack/catalog';
import { SEVERITY_NUMBER, type AlertDoc } from '../../../common/alert';
import type { Finding } from '../types';

/**
 * Finding -> ECS alert document. The document id is a hash of the rule id and the sorted evidence ids, so the same
 * detection on the same events always produces the same `_id` and a retried or repeated run overwrites instead of
 * duplicating.
 */

export function alertId(ruleId: string, evidenceIds: readonly string[]): string {
  const sorted = [...evidenceIds].sort();
  return createHash('sha256')
    .update(ruleId)
    .update('\n')
    .update(sorted.join('\n'))
    .digest('hex')
    .slice(0, 40);
}

export interface BuildAlertOptions {
  incidentId?: string;
  /** True for evidence locations that are files: they go to `log.file.path`. */
  isFileLocation?: (location: string) => boolean;
}

export function buildAlert(f: Finding, opts: BuildAlertOptions = {}): AlertDoc {
  const id = alertId(
    f.ruleId,
    f.evidence.map((e) => e.id),
  );
  const threat = toEcsThreatFlat(f.techniqueIds);
  const first = f.events?.[0];
  const doc: AlertDoc = {
    '@timestamp': f.lastSeen,
    message: f.explanation,
    event: {
      kind: 'alert',
      module: 'apt_detection',
      dataset: 'apt_detection.alert',
      severity: SEVERITY_NUMBER[f.severity],
      risk_score: f.riskScore,
      start: f.firstSeen,
      end: f.lastSeen,
    },
    rule: { id: f.ruleId, name: f.ruleName, ruleset: 'apt-detection', category: f.detector },
    related: { hosts: f.host ? [f.host] : [], user: f.user ? [f.user] : [] },
    risk_score: f.riskScore,
    apt: {
      alert_id: id,
      detector: f.detector,
      severity: f.severity,
      explanation: f.explanation,
      technique_ids: [...f.techniqueIds],
      tactic_ids: threat?.tactic.id ?? [],
      first_seen: f.firstSeen,
      last_seen: f.lastSeen,
      evidence: f.evidence.map((e) => ({ ...e })),
      evidence_count: f.evidence.length,
      attack_version: ATTACK_VERSION,
    },
  };
  if (threat) doc.threat = threat;
  if (f.host) doc.host = { name: f.host };
  if (f.user) doc.user = { name: f.user };
  if (opts.incidentId) doc.apt.incident_id = opts.incidentId;
  if (f.contributions?.length) doc.apt.contributions = f.contributions.map((c) => ({ ...c }));
  if (first?.process) {
    const p = first.process;
    doc.process = {};
    if (p.name) doc.process.name = p.name;
    if (p.executable) doc.process.executable = p.executable;
    if (p.command_line) doc.process.command_line = p.command_line;
    if (p.pid !== undefined) doc.process.pid = p.pid;
    if (p.parent?.executable) doc.process.parent = { executable: p.parent.executable };
  }
  if (first?.source?.ip) doc.source = { ip: first.source.ip };
  if (first?.destination?.ip) doc.destination = { ip: first.destination.ip };
  if (opts.isFileLocation) {
    const files = [
      ...new Set(f.evidence.map((e) => e.location).filter((l) => opts.isFileLocation?.(l) === true)),
    ].sort();
    if (files.length) doc.log = { file: { path: files } };
  }
  return doc;
}
