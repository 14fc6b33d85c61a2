/**
 * Exporter to Elastic Security detection rules (NDJSON for `POST /api/detection_engine/rules/_import`), in the
 * pySigma shape: a field-mapping step from our Event paths to Winlogbeat/Elastic Agent ECS fields, a query writer
 * (EQL for single-event rules, KQL for threshold rules), and an NDJSON writer.
 *
 * Single-event rules are written as EQL `any where ...` because EQL's `:` and `regex~` compare case-insensitively
 * like our engine does; KQL on keyword fields is case-sensitive, so it is used only where Elastic requires it
 * (threshold rules need `kuery`).
 */
import { toEcsThreat } from '../../../common/attack/catalog';
import type { Condition, FieldCondition, Rule } from '../rules/schema';
import { durationMs, SERVICES } from '../rules/schema';
import { ANY_EVENT_DATA, ecsHomeOfEventData } from '../rules/fields';
import { elasticRuleSchema, type ElasticRule } from './elastic_schema';
import { exportedRuleUuid } from './rule_ids';

export const ELASTIC_INDEX_PATTERNS = ['winlogbeat-*', 'logs-windows.*', 'logs-system.security-*'];

export class ExportError extends Error {
  constructor(ruleId: string, message: string) {
    super(`${ruleId}: ${message}`);
    this.name = 'ExportError';
  }
}

// ---- mapping step: Event path -> Elastic (Winlogbeat ECS) field ----

/** event_data names Winlogbeat keeps even though it also fills an ECS field from them. */
const KEEP_IN_EVENT_DATA = new Set(['logontype']);

export function elasticField(path: string): string {
  if (path === 'winlog.event_id') return 'event.code';
  if (path === ANY_EVENT_DATA) return 'message';
  if (path.startsWith('winlog.event_data.')) {
    const key = path.slice('winlog.event_data.'.length);
    const home = KEEP_IN_EVENT_DATA.has(key.toLowerCase()) ? undefined : ecsHomeOfEventData(key);
    return home ?? path;
  }
  return path;
}

// ---- writers ----

const toList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
const eqlString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const eqlRaw = (s: string): string => {
  if (s.includes('"""')) throw new Error('regex contains """');
  return `"""${s}"""`;
};

/** JS regex (unanchored search) -> Lucene regex (anchored, no \s \d \w \b shorthands). */
export function toLuceneRegex(re: string): string {
  let body = re
    .replace(/\(\?:/g, '(')
    .replace(/\\s/g, '[ \\t]')
    .replace(/\\d/g, '[0-9]')
    .replace(/\\w/g, '[A-Za-z0-9_]')
    .replace(/\\b/g, '');
  const anchoredStart = body.startsWith('^');
  if (anchoredStart) body = body.slice(1);
  const anchoredEnd = /[^\\]\$$/.test(body);
  if (anchoredEnd) body = body.slice(0, -1);
  return `${anchoredStart ? '' : '.*'}(${body})${anchoredEnd ? '' : '.*'}`;
}

function eqlField(c: FieldCondition): string {
  const f = elasticField(c.field);
  const cs = c.case_sensitive === true;
  const parts: string[] = [];
  const match = (patterns: string[]): string =>
    cs
      ? `${f} like (${patterns.map(eqlString).join(', ')})`
      : `${f} : (${patterns.map(eqlString).join(', ')})`;
  const eq = [...(c.equals !== undefined ? toList(c.equals) : []), ...(c.in ?? [])].map(String);
  if (eq.length) parts.push(cs ? `${f} in (${eq.map(eqlString).join(', ')})` : match(eq));
  if (c.contains !== undefined) parts.push(match(toList(c.contains).map((v) => `*${v}*`)));
  if (c.contains_all !== undefined) parts.push(...c.contains_all.map((v) => match([`*${v}*`])));
  if (c.startswith !== undefined) parts.push(match(toList(c.startswith).map((v) => `${v}*`)));
  if (c.endswith !== undefined) parts.push(match(toList(c.endswith).map((v) => `*${v}`)));
  if (c.regex !== undefined) parts.push(`${f} ${cs ? 'regex' : 'regex~'} ${eqlRaw(toLuceneRegex(c.regex))}`);
  if (c.gt !== undefined) parts.push(`${f} > ${c.gt}`);
  if (c.gte !== undefined) parts.push(`${f} >= ${c.gte}`);
  if (c.lt !== undefined) parts.push(`${f} < ${c.lt}`);
  if (c.lte !== undefined) parts.push(`${f} <= ${c.lte}`);
  if (c.exists !== undefined && parts.length === 0) parts.push(`${f} ${c.exists ? '!=' : '=='} null`);
  if (c.exists === false && parts.length > 0) return `${f} == null`;
  return parts.length === 1 ? parts[0] : `(${parts.join(' and ')})`;
}

export function toEql(c: Condition): string {
  if ('all' in c) return `(${c.all.map(toEql).join(' and ')})`;
  if ('any' in c) return `(${c.any.map(toEql).join(' or ')})`;
  if ('not' in c) return `not ${toEql(c.not)}`;
  return eqlField(c);
}

const kqlEscape = (s: string): string =>
  s.replace(/([\\():<>"*{}])/g, '\\$1').replace(/\s/g, (m) => `\\${m}`);
const kqlQuoted = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function kqlField(c: FieldCondition, ruleId: string): string {
  const f = elasticField(c.field);
  const parts: string[] = [];
  const or = (xs: string[]): string => (xs.length === 1 ? xs[0] : `(${xs.join(' or ')})`);
  const eq = [...(c.equals !== undefined ? toList(c.equals) : []), ...(c.in ?? [])].map(String);
  const phrase = f === 'message';
  if (eq.length) parts.push(`${f} : ${or(eq.map(kqlQuoted))}`);
  if (c.contains !== undefined) {
    parts.push(`${f} : ${or(toList(c.contains).map((v) => (phrase ? kqlQuoted(v) : `*${kqlEscape(v)}*`)))}`);
  }
  if (c.contains_all !== undefined) parts.push(...c.contains_all.map((v) => `${f} : *${kqlEscape(v)}*`));
  if (c.startswith !== undefined)
    parts.push(`${f} : ${or(toList(c.startswith).map((v) => `${kqlEscape(v)}*`))}`);
  if (c.endswith !== undefined) parts.push(`${f} : ${or(toList(c.endswith).map((v) => `*${kqlEscape(v)}`))}`);
  if (c.regex !== undefined)
    throw new ExportError(ruleId, `KQL has no regular expressions (field ${c.field})`);
  if (c.gt !== undefined) parts.push(`${f} > ${c.gt}`);
  if (c.gte !== undefined) parts.push(`${f} >= ${c.gte}`);
  if (c.lt !== undefined) parts.push(`${f} < ${c.lt}`);
  if (c.lte !== undefined) parts.push(`${f} <= ${c.lte}`);
  if (c.exists !== undefined && parts.length === 0) parts.push(c.exists ? `${f} : *` : `not ${f} : *`);
  return parts.length === 1 ? parts[0] : `(${parts.join(' and ')})`;
}

export function toKql(c: Condition, ruleId: string): string {
  if ('all' in c) return `(${c.all.map((x) => toKql(x, ruleId)).join(' and ')})`;
  if ('any' in c) return `(${c.any.map((x) => toKql(x, ruleId)).join(' or ')})`;
  if ('not' in c) return `not ${toKql(c.not, ruleId)}`;
  return kqlField(c, ruleId);
}

function sourceFilterEql(rule: Rule): string {
  const parts = rule.events.map(
    (s) =>
      `(winlog.channel : ${eqlString(SERVICES[s.service])} and event.code : (${s.event_ids
        .map((id) => eqlString(String(id)))
        .join(', ')}))`,
  );
  return parts.length === 1 ? parts[0] : `(${parts.join(' or ')})`;
}

function sourceFilterKql(rule: Rule): string {
  const parts = rule.events.map(
    (s) =>
      `(winlog.channel : ${kqlQuoted(SERVICES[s.service])} and event.code : (${s.event_ids
        .map((id) => kqlQuoted(String(id)))
        .join(' or ')}))`,
  );
  return parts.length === 1 ? parts[0] : `(${parts.join(' or ')})`;
}

/** ATT&CK mapping in Elastic's `threat[]` shape (tactic -> techniques -> sub-techniques). */
export function elasticThreat(techniqueIds: readonly string[]): ElasticRule['threat'] {
  const slash = (u: string): string => (u.endsWith('/') ? u : `${u}/`);
  return toEcsThreat(techniqueIds).map((t) => ({
    framework: 'MITRE ATT&CK' as const,
    tactic: { id: t.tactic.id[0], name: t.tactic.name[0], reference: slash(t.tactic.reference[0]) },
    technique: t.technique.id.map((id, i) => {
      const subs = (t.technique.subtechnique?.id ?? [])
        .map((sid, j) => ({ sid, j }))
        .filter(({ sid }) => sid.startsWith(`${id}.`))
        .map(({ sid, j }) => ({
          id: sid,
          name: t.technique.subtechnique?.name[j] ?? sid,
          reference: slash(t.technique.subtechnique?.reference[j] ?? ''),
        }));
      return {
        id,
        name: t.technique.name[i],
        reference: slash(t.technique.reference[i]),
        ...(subs.length ? { subtechnique: subs } : {}),
      };
    }),
  }));
}

/** Mapping + query writing for one rule; the result is validated against the import schema. */
export function toElasticRule(rule: Rule): ElasticRule {
  const common = {
    rule_id: exportedRuleUuid(rule.id),
    name: `APT: ${rule.name}`,
    description: rule.description.trim(),
    risk_score: rule.risk_score,
    severity: rule.severity,
    index: [...ELASTIC_INDEX_PATTERNS],
    enabled: false,
    version: 1,
    author: ['APT Detection for Kibana'],
    license: 'Apache-2.0',
    tags: [
      'APT Detection',
      `apt-rule:${rule.id}`,
      'OS: Windows',
      ...rule.techniques.map((t) => `ATT&CK: ${t}`),
    ],
    references: rule.references,
    false_positives: rule.false_positives,
    max_signals: 100,
    threat: elasticThreat(rule.techniques),
    note: `Explanation template: ${rule.explanation}`,
    interval: '5m',
  };
  let out: unknown;
  if (rule.threshold) {
    const t = rule.threshold;
    const minutes = Math.ceil(durationMs(t.window) / 60_000);
    out = {
      ...common,
      type: 'threshold',
      language: 'kuery',
      from: `now-${Math.max(6, minutes + 1)}m`,
      query: `${sourceFilterKql(rule)} and ${toKql(rule.condition, rule.id)}`,
      threshold: {
        field: t.group_by.map(elasticField),
        value: t.distinct ? 1 : t.count,
        ...(t.distinct ? { cardinality: [{ field: elasticField(t.distinct), value: t.count }] } : {}),
      },
    };
  } else {
    out = {
      ...common,
      type: 'eql',
      language: 'eql',
      from: 'now-6m',
      query: `any where ${sourceFilterEql(rule)} and ${toEql(rule.condition)}`,
    };
  }
  const parsed = elasticRuleSchema.safeParse(out);
  if (!parsed.success) {
    throw new ExportError(
      rule.id,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

/** One rule object per line, as the `_import` API wants. */
export function toElasticNdjson(rules: readonly Rule[]): string {
  return rules.map((r) => JSON.stringify(toElasticRule(r))).join('\n') + '\n';
}
