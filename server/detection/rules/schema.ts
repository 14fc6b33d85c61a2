/**
 * The detection rule file format (`detection_rules/**\/*.yml`), validated with zod so a bad rule fails at load time
 * with its file and field, never at match time.
 *
 * A rule says which Windows events it looks at (`logsource` + `event_ids`, used to index rules so an event is only
 * checked against rules that can match), a condition tree over Event fields, optional threshold, ATT&CK mapping,
 * scoring, a one-sentence explanation template, and sample events it must and must not match.
 */
import { z } from 'zod';
import { techniqueStatus } from '../../../common/attack/catalog';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const fieldName = z
  .string()
  .regex(
    /^([@A-Za-z_][A-Za-z0-9_@.]*|winlog\.event_data\.\*)$/,
    'must be a dotted Event field path such as process.command_line (or winlog.event_data.* for any data value)',
  );

/** Operators a field condition may use; several in one condition must all hold. */
export const OPERATORS = [
  'equals',
  'in',
  'contains',
  'contains_all',
  'startswith',
  'endswith',
  'regex',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const fieldConditionSchema = z
  .object({
    field: fieldName,
    equals: z.union([scalar, z.array(scalar).min(1)]).optional(),
    in: z.array(scalar).min(1).optional(),
    contains: stringOrList.optional(),
    contains_all: z.array(z.string().min(1)).min(1).optional(),
    startswith: stringOrList.optional(),
    endswith: stringOrList.optional(),
    regex: z
      .string()
      .min(1)
      .refine((r) => {
        try {
          new RegExp(r);
          return true;
        } catch {
          return false;
        }
      }, 'is not a valid regular expression')
      .optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    exists: z.boolean().optional(),
    /** String comparisons ignore case unless this is true (Windows paths and command lines are case-insensitive). */
    case_sensitive: z.boolean().optional(),
  })
  .strict()
  .refine((c) => OPERATORS.some((op) => c[op] !== undefined), {
    message: `a field condition needs one of: ${OPERATORS.join(', ')}`,
  });
export type FieldCondition = z.infer<typeof fieldConditionSchema>;

export type Condition = FieldCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

// Field conditions first: most nodes are one, and every branch a node fails costs zod an error object (loading the
// rules took 260 ms warm with the field branch last, 94-126 ms with it first).
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    fieldConditionSchema,
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
  ]),
);

const FIELD_PATH = /^[A-Za-z@_][\w@.-]*$/;
const QUOTED_TEXT = /^'[^']*'$/;

/** A `{{...}}` placeholder of an explanation template; the capture is what is inside the braces. */
export const PLACEHOLDER = /\{\{\s*([^}]+?)\s*\}\}/g;

/**
 * What is inside a placeholder: field paths to try in order, and the text of a quoted last alternative (the
 * rendering when none of the fields is present). `a|b|'text'` -> paths [a, b], fallback "text".
 */
export function placeholderParts(inner: string): { paths: string[]; fallback?: string } {
  const alts = inner.split('|').map((a) => a.trim());
  const last = alts[alts.length - 1];
  if (alts.length > 1 && QUOTED_TEXT.test(last))
    return { paths: alts.slice(0, -1), fallback: last.slice(1, -1) };
  return { paths: alts };
}

/**
 * Why a placeholder of an explanation cannot render, or undefined: each alternative is a field path, and only the
 * last may be quoted text (a path with a typo or spaces would silently read "unknown").
 */
export function badPlaceholder(template: string): string | undefined {
  for (const m of template.matchAll(PLACEHOLDER)) {
    const bad = placeholderParts(m[1]).paths.find((a) => !FIELD_PATH.test(a));
    if (bad !== undefined)
      return `placeholder "{{${m[1]}}}": "${bad}" is neither a field path nor, as the last alternative, text in single quotes`;
  }
  return undefined;
}

const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration such as 30s, 10m, 1h');

export const thresholdSchema = z
  .object({
    /** Fire when this many matching events (or distinct values of `distinct`) fall in the window. */
    count: z.number().int().min(2),
    distinct: fieldName.optional(),
    group_by: z.array(fieldName).min(1),
    window: duration,
  })
  .strict();
export type Threshold = z.infer<typeof thresholdSchema>;

/** Windows event sources, named as Sigma's `logsource.service` names them. */
export const SERVICES = {
  security: 'Security',
  system: 'System',
  sysmon: 'Microsoft-Windows-Sysmon/Operational',
  powershell: 'Microsoft-Windows-PowerShell/Operational',
  /** The classic "Windows PowerShell" log: 400/403 engine start/stop, 600 providers, 800 pipeline execution. */
  'powershell-classic': 'Windows PowerShell',
  'bits-client': 'Microsoft-Windows-Bits-Client/Operational',
  'wmi-activity': 'Microsoft-Windows-WMI-Activity/Operational',
  taskscheduler: 'Microsoft-Windows-TaskScheduler/Operational',
  winrm: 'Microsoft-Windows-WinRM/Operational',
  application: 'Application',
  rdpcorets: 'Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational',
  terminalservices: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational',
  'application-experience': 'Microsoft-Windows-Application-Experience/Program-Telemetry',
  /** Program Compatibility Assistant: event 17 names what a compatibility resolver saw run (e.g. a .cpl). */
  'program-compatibility-assistant':
    'Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant',
  /** Print spooler admin log: 808 names a plug-in (driver) DLL the spooler failed to load. */
  printservice: 'Microsoft-Windows-PrintService/Admin',
} as const;
export type Service = keyof typeof SERVICES;

const eventSourceSchema = z
  .object({
    service: z.enum(Object.keys(SERVICES) as [Service, ...Service[]]),
    event_ids: z.array(z.number().int().positive()).min(1),
  })
  .strict();
export type EventSource = z.infer<typeof eventSourceSchema>;

const techniqueId = z
  .string()
  .regex(/^T\d{4}(\.\d{3})?$/, 'must look like T1003 or T1003.001')
  .superRefine((id, ctx) => {
    const s = techniqueStatus(id);
    if (s.status === 'active') return;
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message:
        s.status === 'revoked'
          ? `${id} is revoked in ATT&CK; use ${s.replacement ?? '(no replacement)'}`
          : `${id} is ${s.status} in ATT&CK`,
    });
  });

/** A sample Event fragment: any JSON object; the engine fills `@timestamp`, `event`, `host`, `winlog`, `origin`. */
const sampleEvent = z.record(z.unknown());

export const ruleSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'must be dotted lower_snake_case, e.g. apt.cred.lsass_access'),
    name: z.string().min(5).max(120),
    description: z.string().min(20),
    status: z.enum(['stable', 'test', 'experimental']).default('test'),
    techniques: z.array(techniqueId).min(1),
    severity: z.enum(['low', 'medium', 'high', 'critical']),
    risk_score: z.number().int().min(0).max(100),
    /**
     * `false`: learned admin paths (correlation/admin_paths.ts) neither quiet this rule's findings as known
     * administration nor hold them for a burst. For rules about who the source is (a machine bearing an attacker
     * distribution's default name), which an edge seen before cannot vouch for.
     */
    admin_path_suppression: z.boolean().default(true),
    /**
     * One sentence; `{{field.path}}` placeholders (alternatives with `|`, a last alternative in single quotes is the
     * text when none is present), plus `{{count}}` for thresholds.
     */
    explanation: z
      .string()
      .min(10)
      .refine((s) => !s.includes('\n'), 'must be one line')
      .superRefine((s, ctx) => {
        const bad = badPlaceholder(s);
        if (bad !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: bad });
      }),
    /** Which events the rule reads: one entry per channel. */
    events: z.array(eventSourceSchema).min(1),
    condition: conditionSchema,
    threshold: thresholdSchema.optional(),
    references: z.array(z.string().url()).default([]),
    false_positives: z.array(z.string()).default([]),
    tests: z
      .object({
        match: z.array(sampleEvent).min(1),
        no_match: z.array(sampleEvent).min(1),
      })
      .strict(),
  })
  .strict();

export type RuleInput = z.input<typeof ruleSchema>;
export type Rule = z.infer<typeof ruleSchema>;

/** `10m` -> 600000. */
export function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Number(m[1]) * unit;
}
