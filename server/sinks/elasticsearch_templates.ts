/**
 * Index templates for the alerts and incidents indices, used unless the caller passes the detection side's
 * `alertIndexTemplate()`. Mappings are explicit ECS types so Discover and Elastic Security read the fields the
 * way they expect (`@timestamp` date, `event.severity` long, `threat.technique.id` keyword, IPs as `ip`).
 *
 * Core field types only: the plugin must also run against clusters without x-pack / mapper-extras (the local
 * development Elasticsearch has neither), so no `wildcard`, `match_only_text`, `flattened` or `constant_keyword`.
 * Unknown string fields become `keyword` (ECS's default) rather than Elasticsearch's text+keyword pair.
 */

/** The body of `PUT _index_template/<name>` (the subset we use). */
export interface IndexTemplateBody {
  index_patterns?: string[];
  priority?: number;
  template: {
    settings?: Record<string, unknown>;
    mappings: {
      dynamic?: boolean | 'strict' | 'runtime' | 'true' | 'false';
      dynamic_templates?: Array<Record<string, unknown>>;
      properties: Record<string, unknown>;
      _meta?: Record<string, unknown>;
    };
  };
  _meta?: Record<string, unknown>;
}

const keyword = { type: 'keyword', ignore_above: 1024 };
const keywordWithText = { type: 'keyword', ignore_above: 1024, fields: { text: { type: 'text' } } };
const date = { type: 'date' };
const ip = { type: 'ip' };
const long = { type: 'long' };
const float = { type: 'float' };

/** ECS `threat.*` for ATT&CK: arrays of objects, one per technique, searched by id. */
const threatProperties = {
  framework: keyword,
  tactic: { properties: { id: keyword, name: keyword, reference: keyword } },
  technique: {
    properties: {
      id: keyword,
      name: keywordWithText,
      reference: keyword,
      subtechnique: { properties: { id: keyword, name: keywordWithText, reference: keyword } },
    },
  },
};

const entityProperties = {
  host: {
    properties: {
      name: keyword,
      hostname: keyword,
      id: keyword,
      ip,
      domain: keyword,
      os: { properties: { name: keyword, family: keyword, version: keyword } },
    },
  },
  user: {
    properties: {
      name: keyword,
      domain: keyword,
      id: keyword,
      target: { properties: { name: keyword, domain: keyword, id: keyword } },
    },
  },
  source: { properties: { ip, port: long, domain: keyword } },
  destination: { properties: { ip, port: long, domain: keyword } },
};

const commonSettings = {
  // One replica where a second node exists, none on a single-node cluster (which would otherwise stay yellow).
  'index.auto_expand_replicas': '0-1',
};

const stringsAsKeywords = [
  { strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
];

export const SINK_TEMPLATE_VERSION = 1;

export function defaultAlertIndexTemplate(): IndexTemplateBody {
  return {
    priority: 250,
    template: {
      settings: commonSettings,
      mappings: {
        dynamic: true,
        dynamic_templates: stringsAsKeywords,
        _meta: { managed_by: 'apt-detection', template_version: SINK_TEMPLATE_VERSION },
        properties: {
          '@timestamp': date,
          message: { type: 'text' },
          tags: keyword,
          ecs: { properties: { version: keyword } },
          event: {
            properties: {
              kind: keyword,
              category: keyword,
              type: keyword,
              action: keyword,
              module: keyword,
              dataset: keyword,
              provider: keyword,
              code: keyword,
              outcome: keyword,
              severity: long,
              risk_score: float,
              created: date,
              start: date,
              end: date,
              reason: { type: 'text' },
            },
          },
          rule: {
            properties: {
              id: keyword,
              uuid: keyword,
              name: keywordWithText,
              description: { type: 'text' },
              category: keyword,
              ruleset: keyword,
              version: keyword,
              author: keyword,
              reference: keyword,
            },
          },
          threat: { properties: threatProperties },
          ...entityProperties,
          process: {
            properties: {
              pid: long,
              entity_id: keyword,
              name: keyword,
              executable: keyword,
              command_line: keywordWithText,
              args: keyword,
              parent: {
                properties: { pid: long, name: keyword, executable: keyword, command_line: keywordWithText },
              },
            },
          },
          file: { properties: { path: keyword, name: keyword, extension: keyword, size: long } },
          dns: { properties: { question: { properties: { name: keyword, type: keyword } } } },
          apt: {
            properties: {
              alert: { properties: { id: keyword } },
              incident: { properties: { id: keyword } },
              detector: keyword,
              risk_score: float,
              explanation: { type: 'text' },
              first_seen: date,
              last_seen: date,
              // Evidence lists and feature contributions are shown, not searched: keep them out of the mapping.
              evidence: { type: 'object', enabled: false },
              contributions: { type: 'object', enabled: false },
              attack_catalog_version: keyword,
            },
          },
        },
      },
    },
  };
}

export function defaultIncidentIndexTemplate(): IndexTemplateBody {
  return {
    priority: 250,
    template: {
      settings: commonSettings,
      mappings: {
        dynamic: true,
        dynamic_templates: stringsAsKeywords,
        _meta: { managed_by: 'apt-detection', template_version: SINK_TEMPLATE_VERSION },
        properties: {
          '@timestamp': date,
          message: { type: 'text' },
          tags: keyword,
          event: { properties: { kind: keyword, severity: long, risk_score: float, start: date, end: date } },
          threat: { properties: threatProperties },
          ...entityProperties,
          apt: {
            properties: {
              incident: {
                properties: {
                  id: keyword,
                  title: keywordWithText,
                  description: { type: 'text' },
                  status: keyword,
                  severity: keyword,
                  alert_ids: keyword,
                  alert_count: long,
                  entity: { properties: { type: keyword, name: keyword } },
                  tactic_ids: keyword,
                  // The chain and the recent findings are displayed, not searched.
                  chain: { type: 'object', enabled: false },
                  findings: { type: 'object', enabled: false },
                  first_seen: date,
                  last_seen: date,
                },
              },
              risk_score: float,
            },
          },
        },
      },
    },
  };
}
