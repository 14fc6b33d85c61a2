import { z } from 'zod';

/**
 * Thresholds of the stateful detectors and the correlation engine: one schema, one source of defaults. The plugin
 * config nests this object as `detection`; the standalone host and the CLI use the same names.
 *
 * Windows are measured in event time (`@timestamp`), not wall-clock time, so an offline scan of old files behaves
 * like the live stream did.
 */

const domainList = z.array(z.string().min(1)).default([]);

export const dnsTunnelConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    windowMinutes: z.number().positive().default(10),
    /** Unique subdomains of one registered domain inside the window before the domain is scored at all. */
    minUniqueSubdomains: z.number().int().positive().default(20),
    /** Character entropy (bits/char) over the unique subdomain text in the window: alphanumeric host names reach ~4.4, base32/base64 payloads 5-6. */
    entropyBits: z.number().positive().default(4.8),
    /** 95th percentile of the subdomain length (characters). */
    p95Length: z.number().int().positive().default(40),
    /** Share of TXT/NULL (and other payload-carrying) query types. */
    txtNullShare: z.number().min(0).max(1).default(0.3),
    nxdomainShare: z.number().min(0).max(1).default(0.3),
    /** Unique subdomains / queries: tunnels never repeat a name, resolvers cache real ones. */
    uniqueRatio: z.number().min(0).max(1).default(0.8),
    /** How many of the indicators above must hold (besides the unique-subdomain gate). */
    minIndicators: z.number().int().min(1).default(2),
    /** Registered domains never scored (suffix match): CDNs, AV cloud lookups, telemetry. Added to the built-ins. */
    allowDomains: domainList,
    maxDomains: z.number().int().positive().default(20000),
    maxQueriesPerDomain: z.number().int().positive().default(300),
  })
  .strict()
  .default({});

export const exfiltrationConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Staging (archive, large temp file) must be followed by a transfer within this window. */
    windowMinutes: z.number().positive().default(120),
    /** A file this large written to a temp/public folder counts as staging even when it is not an archive. */
    largeFileBytes: z
      .number()
      .int()
      .positive()
      .default(50 * 1024 * 1024),
    /** Outbound bytes to external addresses within the window that count as a large transfer. */
    largeTransferBytes: z
      .number()
      .int()
      .positive()
      .default(100 * 1024 * 1024),
    /** Producer/consumer ratio (sent-recv)/(sent+recv) in the window that counts as pushing data out... */
    pcrThreshold: z.number().min(-1).max(1).default(0.6),
    /** ...when the host's long-run ratio was at least this much lower (a shift, not a server that always pushes). */
    pcrShift: z.number().min(0).max(2).default(0.8),
    /** Minimum bytes in the window before the ratio means anything. */
    pcrMinBytes: z
      .number()
      .int()
      .positive()
      .default(20 * 1024 * 1024),
    /** Cloud-storage / file-sharing domains (suffix match), added to the built-ins. */
    cloudStorageDomains: domainList,
    /** Upload destinations the organisation uses on purpose (backup targets): never counted as exfiltration. */
    allowDomains: domainList,
    /** Process names (e.g. the backup agent) whose staging and uploads are expected. */
    allowProcesses: z.array(z.string().min(1)).default([]),
    maxEntities: z.number().int().positive().default(20000),
    maxItemsPerEntity: z.number().int().positive().default(50),
  })
  .strict()
  .default({});

export const lateralMovementConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    windowMinutes: z.number().positive().default(30),
    /** Distinct destination hosts one source reaches with network/RDP logons inside the window. */
    fanOutHosts: z.number().int().positive().default(5),
    /** Edges first seen after the learning period, per source, inside the window. */
    newEdges: z.number().int().positive().default(3),
    /** Edges seen during this much event time after a source first appears are its baseline. */
    learningHours: z.number().min(0).default(24),
    /** Remote execution (service install, admin-share executable write, WMI/WinRM child) this soon after an
     * inbound network logon on the same host is a remote-execution sequence. */
    sequenceMinutes: z.number().positive().default(5),
    /** Sources (IP or host name) expected to reach many hosts: jump hosts, management servers, scanners. */
    allowSources: z.array(z.string().min(1)).default([]),
    maxSources: z.number().int().positive().default(20000),
    maxEdgesPerSource: z.number().int().positive().default(500),
  })
  .strict()
  .default({});

export const bruteForceConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    windowMinutes: z.number().positive().default(15),
    /** Failures against one account inside the window (password guessing). */
    failuresPerUser: z.number().int().positive().default(10),
    /** Distinct accounts failing from one source inside the window (password spraying). */
    usersPerSource: z.number().int().positive().default(8),
    /** Sources expected to fail a lot (vulnerability scanners). */
    allowSources: z.array(z.string().min(1)).default([]),
    maxKeys: z.number().int().positive().default(50000),
    maxFailuresPerKey: z.number().int().positive().default(200),
  })
  .strict()
  .default({});

export const kerberoastingConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    windowMinutes: z.number().positive().default(60),
    /** Distinct service principals with RC4 tickets requested by one account inside the window. */
    distinctSpns: z.number().int().positive().default(5),
    maxAccounts: z.number().int().positive().default(20000),
    maxSpnsPerAccount: z.number().int().positive().default(200),
  })
  .strict()
  .default({});

export const forcedAuthenticationConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** The host's SMB call-back must follow the peer's inbound SMB session within this many seconds. */
    windowSeconds: z.number().positive().default(10),
    /** After a report, the same host calling the same peer back is not reported again for this long. */
    quietMinutes: z.number().nonnegative().default(60),
    /** Hosts that legitimately call their SMB clients back (print servers sending change notifications). */
    allowHosts: z.array(z.string().min(1)).default([]),
    maxHosts: z.number().int().positive().default(20000),
    maxPeersPerHost: z.number().int().positive().default(200),
  })
  .strict()
  .default({});

export const beaconingConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    windowHours: z.number().positive().default(24),
    /** Check-ins of one (host, process, destination) channel inside the window before it is scored. */
    minConnections: z.number().int().min(4).default(12),
    /** Median gap between check-ins: shorter is streaming/keep-alive, longer is too sparse to call a timer. */
    minIntervalSeconds: z.number().positive().default(10),
    maxIntervalSeconds: z
      .number()
      .positive()
      .default(4 * 3600),
    /** Median absolute deviation of the gaps / median gap: ±40 % uniform jitter is 0.2, human traffic ~0.7. */
    maxJitter: z.number().positive().max(1).default(0.3),
    /**
     * Largest / smallest gap (one missed check-in forgiven): ±40 % jitter stays under 2.4. With 12 check-ins these
     * three tests pass ~99 % of ±40 %-jittered timers and ~0.03 % of random (exponential) gap sequences
     * (pinned by beaconing.test.ts).
     */
    maxGapSpread: z.number().min(1).default(2.5),
    /** Destinations reached by this many hosts inside the window are fleet-wide services, not C2. */
    maxPrevalenceHosts: z.number().int().min(2).default(3),
    /** Destinations never scored (suffix match on the host name). Added to the built-ins (Microsoft, Google updates). */
    allowDomains: domainList,
    /** Channels and destinations tracked (least recently active dropped): bounds memory on busy networks. */
    maxChannels: z.number().int().positive().default(20000),
    maxDestinations: z.number().int().positive().default(50000),
    /** Check-in times kept per channel (the regularity test looks at these). */
    maxConnectionsPerChannel: z.number().int().min(8).default(32),
  })
  .strict()
  .default({});

export const correlationConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Findings on the same entity closer than this are linked into one incident. */
    horizonHours: z.number().positive().default(24),
    maxOpenIncidents: z.number().int().positive().default(10000),
    /** Findings kept per incident (the counters keep counting past it). */
    maxFindingsPerIncident: z.number().int().positive().default(200),
  })
  .strict()
  .default({});

/**
 * Suppression of benign administration, applied to findings before they become alerts
 * (server/detection/correlation/suppression.ts). Both parts learn from the event stream; their state lives in the
 * pipeline state, so it survives restarts.
 */
export const deploymentSuppressionConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * The same artifact - service name + image, scheduled task name + action, or executable written to an admin
     * share - put by the same account on this many distinct hosts within `windowMinutes` is a software deployment.
     */
    minHosts: z.number().int().min(2).default(5),
    windowMinutes: z.number().positive().default(120),
    /**
     * Findings about a possible deployment artifact wait this long (event time) for the rollout to show; below
     * `minHosts` they are then released unchanged. 0 alerts at once (the first hosts of a rollout alert singly).
     */
    holdMinutes: z.number().min(0).default(10),
    /** true: one low-severity alert per rollout naming the host count; false: rollouts raise no alert at all. */
    aggregate: z.boolean().default(true),
    /**
     * Accounts that deploy software (e.g. the configuration-management service account): findings about service,
     * task and admin-share artifacts they create are dropped without waiting for prevalence. Empty by default.
     */
    accounts: z.array(z.string().min(1)).default([]),
    maxArtifacts: z.number().int().positive().default(20000),
  })
  .strict()
  .default({});

export const adminPathConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * A (source, account) -> destination admin edge (RDP or network logon followed by a service install, admin-share
     * write, remote task or WMI/WinRM execution) first seen at least this long ago is known; findings about it are
     * dropped while they happen in the account's usual hours. New edges and unusual hours always alert.
     */
    knownAfterHours: z.number().min(0).default(20),
    /** An hour of day (UTC) is usual for an account when it used an admin edge within this many hours of it before. */
    hourToleranceHours: z.number().int().min(0).max(12).default(1),
    /** Actions on a host this soon after an inbound logon are attributed to that logon's edge. */
    sequenceMinutes: z.number().positive().default(5),
    /**
     * Also treat an edge as known when the account has used admin edges from that source before and the source
     * already administers the destination under another account (admins sharing a jump host and its servers).
     */
    shareAcrossAccounts: z.boolean().default(true),
    /** Source hosts (name or IP) whose admin edges are always known, e.g. a PAW or jump host. Empty by default. */
    sources: z.array(z.string().min(1)).default([]),
    /**
     * Learned admin practice: a source that has administered at least `practiceMinDestinations` hosts for at least
     * `knownAfterHours` (a jump host) reaching a new destination is routine when the account has used or logged on to
     * that source before and the hour is one the source, the destination or the account usually works in. A new
     * source, an account new to the source or an unusual hour still alerts.
     */
    learnPractice: z.boolean().default(true),
    practiceMinDestinations: z.number().int().min(1).default(3),
    maxEdges: z.number().int().positive().default(50000),
    maxAccounts: z.number().int().positive().default(20000),
    /** Recent events whose verdict is remembered for the findings that cite them. */
    maxRecentEvents: z.number().int().positive().default(100000),
  })
  .strict()
  .default({});

/**
 * One alert per burst of remote activity: findings about the same source host (the src of the admin edge their
 * evidence belongs to), or continuing the same account's hop chain, within `burstSeconds` of the first become one
 * alert listing every technique, destination and rule. After it, findings from that source that add no new technique
 * within `foldMinutes` of the last are only counted.
 */
export const burstConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    burstSeconds: z.number().min(0).default(120),
    foldMinutes: z.number().min(0).default(60),
    maxOpen: z.number().int().positive().default(5000),
  })
  .strict()
  .default({});

/**
 * Learned routine: the same finding (rule, host, user, process, source and destination of the event that triggered
 * it) seen on `minPriorDays` earlier days within `hourToleranceHours` of the same hour of day is a scheduled job
 * (nightly backup upload, nightly scan) and is dropped. Findings of the listed severities are never dropped.
 */
export const routineConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    minPriorDays: z.number().int().min(1).default(1),
    hourToleranceHours: z.number().int().min(0).max(12).default(1),
    neverSeverities: z.array(z.enum(['low', 'medium', 'high', 'critical'])).default([]),
    maxSignatures: z.number().int().positive().default(20000),
  })
  .strict()
  .default({});

/**
 * Repeats: the same finding (rule, host, user and explanation) again within `windowSeconds` of the first is merged
 * into it: one alert with the evidence of all (up to the evidence cap) naming how many times it was seen. Each alert
 * waits that long (event time) for its repeats before it goes out; 0 turns this off. On the development recordings
 * 10 s catches 83% of the repeats a 60 s window would (most come within a second: one access checked twice).
 */
export const repeatConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    windowSeconds: z.number().min(0).default(10),
    maxHeld: z.number().int().positive().default(5000),
  })
  .strict()
  .default({});

export const suppressionConfigSchema = z
  .object({
    deployments: deploymentSuppressionConfigSchema,
    adminPaths: adminPathConfigSchema,
    bursts: burstConfigSchema,
    routine: routineConfigSchema,
    repeats: repeatConfigSchema,
  })
  .strict()
  .default({});

export const detectionConfigSchema = z
  .object({
    /** Run the single-event rules from `detection_rules/`. */
    rules: z
      .object({ enabled: z.boolean().default(true) })
      .strict()
      .default({}),
    dnsTunnel: dnsTunnelConfigSchema,
    exfiltration: exfiltrationConfigSchema,
    lateralMovement: lateralMovementConfigSchema,
    bruteForce: bruteForceConfigSchema,
    kerberoasting: kerberoastingConfigSchema,
    beaconing: beaconingConfigSchema,
    forcedAuthentication: forcedAuthenticationConfigSchema,
    correlation: correlationConfigSchema,
    suppression: suppressionConfigSchema,
    /** Evidence references kept per finding (the first and the most recent). */
    maxEvidencePerFinding: z.number().int().min(2).default(20),
  })
  .strict()
  .default({});

export type DetectionConfig = z.output<typeof detectionConfigSchema>;
export type DetectionConfigInput = z.input<typeof detectionConfigSchema>;
export type DnsTunnelConfig = DetectionConfig['dnsTunnel'];
export type ExfiltrationConfig = DetectionConfig['exfiltration'];
export type LateralMovementConfig = DetectionConfig['lateralMovement'];
export type BruteForceConfig = DetectionConfig['bruteForce'];
export type KerberoastingConfig = DetectionConfig['kerberoasting'];
export type BeaconingConfig = DetectionConfig['beaconing'];
export type ForcedAuthenticationConfig = DetectionConfig['forcedAuthentication'];
export type CorrelationConfig = DetectionConfig['correlation'];
export type SuppressionConfig = DetectionConfig['suppression'];
export type DeploymentSuppressionConfig = SuppressionConfig['deployments'];
export type AdminPathConfig = SuppressionConfig['adminPaths'];
export type BurstConfig = SuppressionConfig['bursts'];
export type RoutineConfig = SuppressionConfig['routine'];

/** Validates and fills defaults; throws a zod error naming the offending path. */
export function parseDetectionConfig(input: unknown = {}): DetectionConfig {
  return detectionConfigSchema.parse(input ?? {});
}
