/**
 * The one event shape every detector sees: the subset of ECS (Elastic Common Schema 8.x) that detection relies
 * on, plus where the event came from. Every source (Winlogbeat raw or enriched, Elastic Agent, Wazuh `data.win`,
 * EVTX XML, OTRF/NXLog flat JSON, Kafka envelopes, the ingest API) is normalized into this shape, or rejected
 * with a reason (see `Rejection`).
 *
 * Isomorphic: no Node or browser APIs here.
 */

/** Where an event was read from. */
export type SourceKind = 'elasticsearch' | 'kafka' | 'file' | 'ingest_api' | 'simulator';

/** The raw shape a normalizer recognised; kept so an analyst can tell how a field was derived. */
export type InputFormat =
  | 'winlogbeat_ecs' // Winlogbeat 7/8 after ingest pipelines (ECS fields present)
  | 'winlogbeat_raw' // Winlogbeat collection stage: winlog.* only, ECS mapping done by us
  | 'elastic_agent' // logs-system.security-* / logs-windows.sysmon_operational-*
  | 'wazuh_alert' // Wazuh 4.x alert with data.win.*
  | 'evtx' // EVTX record rendered to XML
  | 'evtx_json' // evtx_dump JSON ({"Event":{"System":..,"EventData":..}})
  | 'nxlog_flat' // OTRF / NXLog flat JSON
  | 'winlogbeat6' // Winlogbeat 6.x (event_data at the top level)
  | 'ecs'; // already-ECS documents from an external agent

export interface EventOrigin {
  kind: SourceKind;
  format: InputFormat;
  /** Index name, Kafka topic, file path or ingest route. */
  location: string;
  /** The original document id (ES `_id`, `topic:partition:offset`, `file:line` or `file#record`). */
  id: string;
}

export interface EcsProcess {
  pid?: number;
  entity_id?: string;
  name?: string;
  executable?: string;
  command_line?: string;
  args?: string[];
  hash?: { md5?: string; sha1?: string; sha256?: string; imphash?: string };
  pe?: { original_file_name?: string; company?: string; description?: string };
  integrity_level?: string;
}

export interface EcsUser {
  name?: string;
  domain?: string;
  id?: string;
}

export interface EcsEndpoint {
  ip?: string;
  port?: number;
  bytes?: number;
  domain?: string;
}

export interface Event {
  '@timestamp': string;
  event: {
    code?: string;
    provider?: string;
    category?: string[];
    type?: string[];
    action?: string;
    outcome?: 'success' | 'failure' | 'unknown';
    kind?: string;
    module?: string;
    dataset?: string;
  };
  host: {
    name?: string;
    hostname?: string;
    id?: string;
    ip?: string[];
    os?: { family?: string; version?: string };
  };
  user?: EcsUser & {
    target?: EcsUser;
    effective?: EcsUser;
  };
  process?: EcsProcess & { parent?: EcsProcess };
  source?: EcsEndpoint;
  destination?: EcsEndpoint;
  network?: {
    direction?: 'inbound' | 'outbound' | 'internal' | 'external' | 'unknown';
    transport?: string;
    protocol?: string;
    bytes?: number;
  };
  dns?: {
    question?: {
      name?: string;
      type?: string;
      registered_domain?: string;
      subdomain?: string;
      top_level_domain?: string;
    };
    response_code?: string;
    answers?: Array<{ data?: string; type?: string }>;
  };
  file?: {
    path?: string;
    name?: string;
    extension?: string;
    directory?: string;
    size?: number;
    target_path?: string;
    /** Hashes of the file (Sysmon image/driver loads, file-delete archiving, executable detection). */
    hash?: { md5?: string; sha1?: string; sha256?: string; imphash?: string };
  };
  registry?: {
    path?: string;
    key?: string;
    value?: string;
    hive?: string;
    data?: { strings?: string[]; type?: string };
  };
  winlog: {
    channel?: string;
    /** Numeric, whatever the input carried (Winlogbeat and Wazuh carry strings). */
    event_id?: number;
    record_id?: string;
    provider_name?: string;
    computer_name?: string;
    logon?: {
      type?: string;
      id?: string;
      /** 4625/4776: Status, SubStatus and FailureReason decoded to text the way Winlogbeat's pipeline does. */
      failure?: { reason?: string; status?: string; sub_status?: string };
    };
    /** Event data with the original (PascalCase) names; values are strings as Windows renders them. */
    event_data?: Record<string, string>;
  };
  service?: { name?: string; type?: string };
  /** The security group of a membership change (4728/4732/4756 and their removals): ECS `group.*`. */
  group?: { name?: string; id?: string; domain?: string };
  /** Source-provided ATT&CK hint (e.g. Wazuh `rule.mitre.id`); never trusted as a detection by itself. */
  threat_hint?: { technique_ids: string[]; rule_id?: string; rule_level?: number; rule_description?: string };
  /** Where the event came from. */
  origin: EventOrigin;
  /** The original document, when the caller asked to keep it (dead letters, evidence display). */
  original?: unknown;
}

/** A document that could not be normalized: the reason names the offending field. */
export interface Rejection {
  rejected: true;
  reason: string;
  /** Dotted path of the field that made the document unusable, or '' when the whole document was. */
  field: string;
  origin: EventOrigin;
  original: unknown;
}

export type NormalizeResult = Event | Rejection;

export function isRejection(r: NormalizeResult): r is Rejection {
  return (r as Rejection).rejected === true;
}
