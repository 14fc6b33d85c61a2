/**
 * Exporter to Sigma rules (https://sigmahq.io/docs/basics/rules.html), pySigma style: a mapping step from our Event
 * paths to the Windows field names Sigma's `windows` log sources use (Image, CommandLine, TargetObject, EventID...),
 * a condition writer that turns the all/any/not tree into named selections, and a YAML writer. A rule reading
 * several channels becomes one Sigma document per channel (one `logsource` each); a threshold rule adds a Sigma
 * correlation document (`event_count` / `value_count`).
 */
import { dump } from 'js-yaml';
import { tacticsForTechnique } from '../../../common/attack/catalog';
import type { Condition, EventSource, FieldCondition, Rule, Service } from '../rules/schema';
import { ANY_EVENT_DATA } from '../rules/fields';
import { ExportError } from './elastic';
import { exportedRuleUuid, uuidV5 } from './rule_ids';

export interface SigmaDocument {
  title: string;
  id: string;
  related?: Array<{ id: string; type: 'derived' | 'similar' }>;
  status: 'stable' | 'test' | 'experimental';
  description: string;
  references?: string[];
  author: string;
  date: string;
  tags: string[];
  logsource?: { product: 'windows'; service?: string; category?: string };
  detection?: Record<string, unknown>;
  correlation?: {
    type: 'event_count' | 'value_count';
    rules: string[];
    'group-by': string[];
    timespan: string;
    condition: { gte: number; field?: string };
  };
  falsepositives?: string[];
  level: Rule['severity'];
}

/** Sigma service names for our event sources (Sigma's windows logsource services). */
const SIGMA_SERVICES: Record<Service, string> = {
  security: 'security',
  system: 'system',
  sysmon: 'sysmon',
  powershell: 'powershell',
  'powershell-classic': 'powershell-classic',
  'bits-client': 'bits-client',
  'wmi-activity': 'wmi',
  taskscheduler: 'taskscheduler',
  winrm: 'winrm',
  application: 'application',
  rdpcorets: 'rdpcorets',
  terminalservices: 'terminalservices-remoteconnectionmanager',
  'application-experience': 'application-experience',
  // Sigma files both Application-Experience channels under one service.
  'program-compatibility-assistant': 'application-experience',
  printservice: 'printservice-admin',
};

// ---- mapping step ----

type Mapped = { field: string; transform?: 'basename' };

function sigmaField(path: string, src: EventSource): Mapped | 'keywords' {
  if (path === ANY_EVENT_DATA) return 'keywords';
  if (path.startsWith('winlog.event_data.')) return { field: path.slice('winlog.event_data.'.length) };
  const sysmonAccess = src.service === 'sysmon' && src.event_ids.some((id) => id === 8 || id === 10);
  const securityObject = src.service === 'security' && !src.event_ids.includes(4688);
  switch (path) {
    case 'winlog.event_id':
      return { field: 'EventID' };
    case 'winlog.provider_name':
      return { field: 'Provider_Name' };
    case 'winlog.channel':
      return { field: 'Channel' };
    case 'process.executable':
      return { field: sysmonAccess ? 'SourceImage' : securityObject ? 'ProcessName' : 'Image' };
    case 'process.name':
      return {
        field: sysmonAccess ? 'SourceImage' : securityObject ? 'ProcessName' : 'Image',
        transform: 'basename',
      };
    case 'process.command_line':
      return { field: 'CommandLine' };
    case 'process.parent.executable':
      return { field: 'ParentImage' };
    case 'process.parent.name':
      return { field: 'ParentImage', transform: 'basename' };
    case 'process.parent.command_line':
      return { field: 'ParentCommandLine' };
    case 'process.pe.original_file_name':
      return { field: 'OriginalFileName' };
    case 'registry.path':
      return { field: 'TargetObject' };
    case 'registry.data.strings':
      return { field: 'Details' };
    case 'file.path':
      return { field: src.event_ids.includes(7) ? 'ImageLoaded' : 'TargetFilename' };
    case 'source.ip':
      return { field: src.service === 'sysmon' ? 'SourceIp' : 'IpAddress' };
    case 'destination.ip':
      return { field: 'DestinationIp' };
    case 'destination.port':
      return { field: 'DestinationPort' };
    case 'service.name':
      return { field: 'ServiceName' };
    case 'group.name':
    case 'user.target.name':
      return { field: 'TargetUserName' };
    case 'user.name':
      return { field: src.service === 'sysmon' ? 'User' : 'SubjectUserName' };
    case 'dns.question.name':
      return { field: 'QueryName' };
    case 'winlog.logon.type':
      return { field: 'LogonType' };
    default:
      throw new Error(`no Sigma field for ${path}`);
  }
}

/** Sigma values: `*` and `?` are wildcards and `\` escapes them, so literal ones (and backslashes before them) are escaped. */
export function sigmaEscape(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === '*' || ch === '?') out += `\\${ch}`;
    else if (ch === '\\' && (v[i + 1] === '\\' || v[i + 1] === '*' || v[i + 1] === '?')) out += '\\\\';
    else out += ch;
  }
  return out;
}

// ---- condition writer ----

class SelectionBuilder {
  readonly selections: Record<string, unknown> = {};
  private n = 0;

  constructor(
    private readonly rule: Rule,
    private readonly src: EventSource,
  ) {}

  add(sel: unknown): string {
    const name = `selection_${++this.n}`;
    this.selections[name] = sel;
    return name;
  }

  field(c: FieldCondition): string {
    let mapped: Mapped | 'keywords';
    try {
      mapped = sigmaField(c.field, this.src);
    } catch (err) {
      throw new ExportError(this.rule.id, err instanceof Error ? err.message : String(err));
    }
    const toList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
    if (mapped === 'keywords') {
      const vals = [...(c.contains !== undefined ? toList(c.contains) : []), ...(c.contains_all ?? [])];
      if (!vals.length) throw new ExportError(this.rule.id, `${c.field} supports only contains in Sigma`);
      return this.add(vals.map(sigmaEscape));
    }
    const cased = c.case_sensitive ? '|cased' : '';
    const sel: Record<string, unknown> = {};
    const base = mapped.transform === 'basename';
    const eq = [...(c.equals !== undefined ? toList(c.equals) : []), ...(c.in ?? [])];
    const vals = (xs: Array<string | number | boolean>): unknown => (xs.length === 1 ? xs[0] : xs);
    if (eq.length) {
      if (base) sel[`${mapped.field}|endswith${cased}`] = vals(eq.map((v) => `\\${sigmaEscape(String(v))}`));
      else sel[`${mapped.field}${cased}`] = vals(eq.map((v) => (typeof v === 'string' ? sigmaEscape(v) : v)));
    }
    if (c.contains !== undefined)
      sel[`${mapped.field}|contains${cased}`] = vals(toList(c.contains).map(sigmaEscape));
    if (c.contains_all !== undefined)
      sel[`${mapped.field}|contains|all${cased}`] = c.contains_all.map(sigmaEscape);
    if (c.startswith !== undefined) {
      sel[`${mapped.field}|${base ? 'contains' : 'startswith'}${cased}`] = vals(
        toList(c.startswith).map((v) => (base ? `\\${sigmaEscape(v)}` : sigmaEscape(v))),
      );
    }
    if (c.endswith !== undefined)
      sel[`${mapped.field}|endswith${cased}`] = vals(toList(c.endswith).map(sigmaEscape));
    if (c.regex !== undefined) sel[`${mapped.field}|re${c.case_sensitive ? '' : '|i'}`] = c.regex;
    if (c.gt !== undefined) sel[`${mapped.field}|gt`] = c.gt;
    if (c.gte !== undefined) sel[`${mapped.field}|gte`] = c.gte;
    if (c.lt !== undefined) sel[`${mapped.field}|lt`] = c.lt;
    if (c.lte !== undefined) sel[`${mapped.field}|lte`] = c.lte;
    if (c.exists !== undefined && Object.keys(sel).length === 0) sel[`${mapped.field}|exists`] = c.exists;
    return this.add(sel);
  }

  condition(c: Condition): string {
    if ('all' in c)
      return c.all.length === 1
        ? this.condition(c.all[0])
        : `(${c.all.map((x) => this.condition(x)).join(' and ')})`;
    if ('any' in c)
      return c.any.length === 1
        ? this.condition(c.any[0])
        : `(${c.any.map((x) => this.condition(x)).join(' or ')})`;
    if ('not' in c) return `not ${this.condition(c.not)}`;
    return this.field(c);
  }
}

const stripOuter = (s: string): string =>
  s.startsWith('(') && s.endsWith(')') && balanced(s.slice(1, -1)) ? s.slice(1, -1) : s;
function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

function isProcessCreation(src: EventSource): boolean {
  return src.service === 'sysmon' && src.event_ids.length === 1 && src.event_ids[0] === 1;
}

/** Sigma documents for one rule (one per event source, plus a correlation for thresholds). */
export function toSigmaDocuments(rule: Rule): SigmaDocument[] {
  const tactics = [
    ...new Set(rule.techniques.flatMap((t) => tacticsForTechnique(t).map((x) => x.shortname))),
  ];
  const tags = [
    ...tactics.map((t) => `attack.${t}`),
    ...rule.techniques.map((t) => `attack.${t.toLowerCase()}`),
  ];
  // Sysmon 1 and Security 4688 are one Sigma log source (category process_creation): export them once.
  const sources = rule.events.some(isProcessCreation)
    ? rule.events.filter(
        (s) => !(s.service === 'security' && s.event_ids.length === 1 && s.event_ids[0] === 4688),
      )
    : rule.events;
  const mainId = exportedRuleUuid(rule.id);
  const docs: SigmaDocument[] = sources.map((src, i) => {
    const b = new SelectionBuilder(rule, src);
    const processCreation = isProcessCreation(src);
    const logsource: SigmaDocument['logsource'] = processCreation
      ? { product: 'windows', category: 'process_creation' }
      : { product: 'windows', service: SIGMA_SERVICES[src.service] };
    const parts: string[] = [];
    if (!processCreation)
      parts.push(b.add({ EventID: src.event_ids.length === 1 ? src.event_ids[0] : src.event_ids }));
    parts.push(stripOuter(b.condition(rule.condition)));
    const id = i === 0 ? mainId : uuidV5(`${rule.id}#${src.service}`);
    return {
      title: sources.length > 1 ? `${rule.name} (${src.service})` : rule.name,
      id,
      ...(i > 0 ? { related: [{ id: mainId, type: 'similar' as const }] } : {}),
      status: rule.status,
      description: rule.description.trim(),
      ...(rule.references.length ? { references: rule.references } : {}),
      author: 'APT Detection for Kibana',
      date: '2025-01-01',
      tags,
      logsource,
      detection: {
        ...b.selections,
        condition: parts.length === 1 ? parts[0] : `${parts[0]} and (${parts.slice(1).join(' and ')})`,
      },
      ...(rule.false_positives.length ? { falsepositives: rule.false_positives } : {}),
      level: rule.severity,
    };
  });
  if (rule.threshold) {
    const t = rule.threshold;
    const src = sources[0];
    const name = (p: string): string => {
      const m = sigmaField(p, src);
      return m === 'keywords' ? 'Data' : m.field;
    };
    docs.push({
      title: `${rule.name} (threshold)`,
      id: uuidV5(`${rule.id}#correlation`),
      status: rule.status,
      description: `Fires when ${rule.name} matches ${t.count} times${t.distinct ? ' with distinct values' : ''} within ${t.window}.`,
      author: 'APT Detection for Kibana',
      date: '2025-01-01',
      tags,
      correlation: {
        type: t.distinct ? 'value_count' : 'event_count',
        rules: docs.map((d) => d.id),
        'group-by': t.group_by.map((g) => (g === 'host.name' ? 'Computer' : name(g))),
        timespan: t.window,
        condition: t.distinct ? { gte: t.count, field: name(t.distinct) } : { gte: t.count },
      },
      level: rule.severity,
    });
  }
  return docs;
}

/** A multi-document YAML file for one rule. */
export function toSigmaYaml(rule: Rule): string {
  return toSigmaDocuments(rule)
    .map((d) => dump(d, { lineWidth: 120, noRefs: true }))
    .join('---\n');
}
