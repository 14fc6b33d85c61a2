/**
 * The one feature schema shared by training (scripts/train, Python) and serving (server/detection/models): names,
 * order, window length, sequence length and token vocabulary. Python reads `schema.json`, which is generated from
 * this file (`npx tsx scripts/train/write_schema.ts`) and checked by a unit test, so the two cannot drift.
 * Bump FEATURE_SCHEMA_VERSION whenever a name, an order or a computation changes: models trained on another
 * version are refused at load time.
 *
 * Isomorphic: no Node or browser APIs here.
 */

export const FEATURE_SCHEMA_VERSION = 'fs-1';

/** Window length: per-entity features are computed over aligned windows of this many milliseconds. */
export const WINDOW_MS = 15 * 60 * 1000;
/** A window closes once an event this much later than its end has been seen (late events are dropped). */
export const GRACE_MS = 2 * 60 * 1000;
/** Events per entity sequence (the last N events of the window, left-padded with token 0). */
export const SEQ_LEN = 32;
/** A process name seen in fewer than this many earlier host windows counts as rare. */
export const RARE_PROCESS_WINDOWS = 3;
/** Bound on every history map (pairs per entity, global process counts): past it no new keys are added. */
export const HISTORY_CAP = 50_000;

export type EntityType = 'host' | 'user';

/** Event kinds: the categorical token of the sequence model and the key of the per-kind counts. */
export const EVENT_KINDS = [
  'other',
  'logon_interactive',
  'logon_network',
  'logon_remote',
  'logon_other',
  'logon_fail',
  'logoff',
  'explicit_cred',
  'priv',
  'proc',
  'net',
  'dns',
  'service',
  'task',
  'account',
  'tgt',
  'tgs',
  'ntlm',
  'share',
  'proc_access',
  'registry',
  'file',
  'image_load',
  'remote_thread',
  'log_clear',
  'powershell',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Token ids: 0 is padding, kind index + 1 otherwise. */
export const TOKEN_VOCAB_SIZE = EVENT_KINDS.length + 1;

/** Numeric fields of each sequence step (after the token). */
export const SEQ_NUMERIC = ['dt_log', 'failure', 'novel', 'out_bytes_log', 'dns_entropy'] as const;

/** Window features, in vector order. */
export const WINDOW_FEATURES = [
  'is_user',
  'hour_of_day',
  'events_log',
  ...EVENT_KINDS.map((k) => `count_${k}`),
  'failure_ratio',
  'distinct_dest_ips',
  'distinct_dest_ports',
  'distinct_source_ips',
  'distinct_hosts',
  'distinct_users',
  'distinct_processes',
  'logon_type_interactive_frac',
  'logon_type_network_frac',
  'logon_type_remote_frac',
  'new_parent_child_pairs',
  'rare_processes',
  'dns_queries',
  'dns_entropy_mean',
  'dns_entropy_max',
  'dns_qname_len_max',
  'dns_distinct_domains',
  'dns_long_labels',
  'out_bytes_log',
  'out_bytes_max_log',
  'external_conns',
  'privilege_events',
] as const;
export type WindowFeatureName = (typeof WINDOW_FEATURES)[number];

/** Features that are not log1p of a count or byte total (window_extractor.ts `row`): flags, hours, ratios, entropies. */
const NOT_LOG1P: ReadonlySet<string> = new Set([
  'is_user',
  'hour_of_day',
  'failure_ratio',
  'logon_type_interactive_frac',
  'logon_type_network_frac',
  'logon_type_remote_frac',
  'dns_entropy_mean',
  'dns_entropy_max',
  'dns_qname_len_max',
]);

/**
 * A window feature as an analyst reads it: counts and byte totals back from the log1p the models see (2 LSASS
 * accesses, not 1.099), everything else rounded to 3 decimals.
 */
export function featureDisplayValue(name: string, v: number): number {
  if (!NOT_LOG1P.has(name) && (WINDOW_FEATURES as readonly string[]).includes(name))
    return Math.round(Math.expm1(v));
  return Math.round(v * 1000) / 1000;
}

export const FEATURE_COUNT = WINDOW_FEATURES.length;

/** Everything Python needs, as plain JSON (written to common/features/schema.json). */
export function schemaJson(): Record<string, unknown> {
  return {
    version: FEATURE_SCHEMA_VERSION,
    windowMs: WINDOW_MS,
    graceMs: GRACE_MS,
    seqLen: SEQ_LEN,
    rareProcessWindows: RARE_PROCESS_WINDOWS,
    historyCap: HISTORY_CAP,
    eventKinds: [...EVENT_KINDS],
    seqNumeric: [...SEQ_NUMERIC],
    windowFeatures: [...WINDOW_FEATURES],
  };
}
