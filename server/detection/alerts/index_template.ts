/**
 * Composable index template for the alerts index. Explicit mappings for every field the plugin writes, using only
 * core field types (the plugin must also work on clusters without x-pack/mapper-extras), and `dynamic: false` so
 * a stray field never turns into an unwanted mapping.
 */

export const DEFAULT_ALERT_INDEX = 'apt-detection-alerts';

const keyword = { type: 'keyword', ignore_above: 1024 } as const;
const date = { type: 'date' } as const;
const text = { type: 'text' } as const;
const long = { type: 'long' } as const;
const float = { type: 'float' } as const;
const ip = { type: 'ip' } as const;
const threatTriplet = { properties: { id: keyword, name: keyword, reference: keyword } };

export const alertMappings = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    message: text,
    event: {
      properties: {
        kind: keyword,
        module: keyword,
        dataset: keyword,
        severity: long,
        risk_score: float,
        start: date,
        end: date,
      },
    },
    rule: { properties: { id: keyword, name: keyword, ruleset: keyword, category: keyword } },
    threat: {
      properties: {
        framework: keyword,
        tactic: threatTriplet,
        technique: {
          properties: { id: keyword, name: keyword, reference: keyword, subtechnique: threatTriplet },
        },
      },
    },
    host: { properties: { name: keyword } },
    user: { properties: { name: keyword } },
    process: {
      properties: {
        name: keyword,
        executable: keyword,
        command_line: { type: 'keyword', ignore_above: 8192, fields: { text } },
        pid: long,
        parent: { properties: { executable: keyword } },
      },
    },
    source: { properties: { ip } },
    destination: { properties: { ip } },
    related: { properties: { hosts: keyword, user: keyword } },
    log: { properties: { file: { properties: { path: keyword } } } },
    risk_score: float,
    apt: {
      properties: {
        alert_id: keyword,
        detector: keyword,
        severity: keyword,
        explanation: text,
        technique_ids: keyword,
        tactic_ids: keyword,
        incident_id: keyword,
        first_seen: date,
        last_seen: date,
        evidence: {
          type: 'object',
          properties: { id: keyword, location: keyword, timestamp: date, summary: text },
        },
        evidence_count: long,
        contributions: {
          type: 'object',
          properties: { feature: keyword, value: { type: 'double' }, weight: float },
        },
        attack_version: keyword,
      },
    },
  },
} as const;

export interface AlertIndexTemplate {
  name: string;
  body: {
    index_patterns: string[];
    priority: number;
    template: { settings: Record<string, unknown>; mappings: typeof alertMappings };
    _meta: Record<string, string>;
  };
}

/** The template for `PUT _index_template/<name>` (body as `@elastic/elasticsearch` 8 `indices.putIndexTemplate` takes it). */
export function alertIndexTemplate(index: string = DEFAULT_ALERT_INDEX): AlertIndexTemplate {
  return {
    name: `${index}-template`,
    body: {
      index_patterns: [`${index}*`],
      priority: 200,
      template: {
        settings: { number_of_shards: 1, 'index.mapping.total_fields.limit': 2000 },
        mappings: alertMappings,
      },
      _meta: { managed_by: 'apt-detection', description: 'APT Detection alerts (ECS)' },
    },
  };
}
