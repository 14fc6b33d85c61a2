/**
 * The only place that knows both the detection side's documents (`AlertDoc`, `Incident`) and the sinks' shapes.
 * Keeping the conversion here lets either side change without the other noticing.
 */
import { SEVERITY_NUMBER, type AlertDoc } from '../../common/alert';
import type { Incident } from '../detection/correlation/incident';
import type { SinkAlert, SinkIncident } from './types';

export function toSinkAlert(doc: AlertDoc): SinkAlert {
  return {
    id: doc.apt.alert_id,
    doc: { ...doc },
    severity: doc.apt.severity,
    riskScore: doc.risk_score,
    timestamp: doc['@timestamp'],
    incidentId: doc.apt.incident_id,
    host: doc.host?.name,
    user: doc.user?.name,
  };
}

/** The incident document for the incidents index: ECS where ECS has a field, the rest under `apt.incident`. */
export function incidentDocument(incident: Incident): Record<string, unknown> {
  const alertIds = [...new Set(incident.findings.map((f) => f.alertId))];
  return {
    '@timestamp': incident.lastSeen,
    message: incident.title,
    event: {
      severity: SEVERITY_NUMBER[incident.severity],
      risk_score: incident.riskScore,
      start: incident.firstSeen,
      end: incident.lastSeen,
    },
    host: { name: incident.hosts },
    user: { name: incident.users },
    threat: { technique: { id: incident.techniqueIds } },
    apt: {
      risk_score: incident.riskScore,
      incident: {
        id: incident.id,
        title: incident.title,
        status: 'open',
        severity: incident.severity,
        entity: incident.entity,
        alert_ids: alertIds,
        alert_count: incident.findingCount,
        tactic_ids: incident.chain.map((c) => c.tacticId),
        first_seen: incident.firstSeen,
        last_seen: incident.lastSeen,
        chain: incident.chain,
        findings: incident.findings,
      },
    },
  };
}

export function toSinkIncident(incident: Incident): SinkIncident {
  const chain = incident.chain.map((c) => c.tacticName).join(' → ');
  return {
    id: incident.id,
    doc: incidentDocument(incident),
    title: incident.title,
    description:
      `${incident.findingCount} findings about ${incident.entity.type} ${incident.entity.name}` +
      (chain ? ` along the chain ${chain}.` : '.'),
    severity: incident.severity,
    riskScore: incident.riskScore,
    alertIds: [...new Set(incident.findings.map((f) => f.alertId))],
    hosts: incident.hosts,
    users: incident.users,
    techniqueIds: incident.techniqueIds,
    firstSeen: incident.firstSeen,
    lastSeen: incident.lastSeen,
  };
}
