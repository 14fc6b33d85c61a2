import { loadAll } from 'js-yaml';
import { loadRules } from '../rules/engine';
import { parseRule } from '../rules/engine';
import { elasticRuleSchema } from './elastic_schema';
import { toElasticNdjson, toElasticRule, toLuceneRegex } from './elastic';
import { sigmaEscape, toSigmaDocuments, toSigmaYaml } from './sigma';
import { uuidV5 } from './rule_ids';

const rules = loadRules();

describe('Elastic Security export', () => {
  it('exports every rule to one NDJSON line that validates against the _import field schema', () => {
    const lines = toElasticNdjson(rules).trimEnd().split('\n');
    expect(lines).toHaveLength(rules.length);
    const ids = new Set<string>();
    for (const line of lines) {
      const parsed = elasticRuleSchema.safeParse(JSON.parse(line));
      expect(parsed.success ? 'ok' : parsed.error.message).toBe('ok');
      if (parsed.success) ids.add(parsed.data.rule_id);
    }
    expect(ids.size).toBe(rules.length);
  });

  it('writes EQL with the channel, event code and case-insensitive field matches', () => {
    const lsass = rules.find((r) => r.id === 'apt.cred.lsass_access');
    if (!lsass) throw new Error('lsass rule missing');
    const e = toElasticRule(lsass);
    expect(e.type).toBe('eql');
    expect(e.query).toContain(
      'winlog.channel : "Microsoft-Windows-Sysmon/Operational" and event.code : ("10")',
    );
    expect(e.query).toContain('winlog.event_data.TargetImage : ("*\\\\lsass.exe")');
    expect(e.query).toContain('not process.executable : (');
    expect(e.threat).toEqual([
      {
        framework: 'MITRE ATT&CK',
        tactic: {
          id: 'TA0006',
          name: 'Credential Access',
          reference: 'https://attack.mitre.org/tactics/TA0006/',
        },
        technique: [
          {
            id: 'T1003',
            name: 'OS Credential Dumping',
            reference: 'https://attack.mitre.org/techniques/T1003/',
            subtechnique: [
              {
                id: 'T1003.001',
                name: 'LSASS Memory',
                reference: 'https://attack.mitre.org/techniques/T1003/001/',
              },
            ],
          },
        ],
      },
    ]);
    expect(toElasticRule(lsass).rule_id).toBe(e.rule_id);
  });

  it('writes threshold rules as KQL with group-by and cardinality', () => {
    const spray = rules.find((r) => r.id === 'apt.cred.kerberos_password_spray');
    if (!spray) throw new Error('spray rule missing');
    const e = toElasticRule(spray);
    if (e.type !== 'threshold') throw new Error('expected threshold');
    expect(e.language).toBe('kuery');
    expect(e.threshold).toEqual({
      field: ['host.name'],
      value: 1,
      cardinality: [{ field: 'winlog.event_data.TargetUserName', value: 5 }],
    });
    expect(e.query).toContain('event.code : ("4771" or "4768")');
  });

  it('maps event_data names the ingest pipeline moves to their ECS field', () => {
    const r = parseRule(
      `id: t.x
name: Test mapping
description: test of event data to ECS mapping in exports
techniques: [T1021.002]
severity: low
risk_score: 10
explanation: "x {{host.name}}"
events: [{ service: security, event_ids: [5145] }]
condition: { all: [{ field: winlog.event_data.IpAddress, equals: 10.0.0.1 }, { field: winlog.event_data.LogonType, equals: 3 }] }
tests: { match: [{}], no_match: [{}] }
`,
      't.yml',
    );
    expect(toElasticRule(r).query).toContain(
      'source.ip : ("10.0.0.1") and winlog.event_data.LogonType : ("3")',
    );
  });

  it('turns JS search regexes into anchored Lucene regexes without shorthand classes', () => {
    expect(toLuceneRegex('a\\s+b')).toBe('.*(a[ \\t]+b).*');
    expect(toLuceneRegex('^C:\\\\x$')).toBe('(C:\\\\x)');
  });
});

describe('Sigma export', () => {
  it('exports every rule to YAML documents with the keys Sigma requires', () => {
    for (const rule of rules) {
      const docs = loadAll(toSigmaYaml(rule)) as Array<Record<string, unknown>>;
      expect(docs.length).toBeGreaterThanOrEqual(1);
      for (const d of docs) {
        expect(d.title).toEqual(expect.any(String));
        expect(d.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(['low', 'medium', 'high', 'critical']).toContain(d.level);
        expect(d.tags).toEqual(expect.arrayContaining([expect.stringMatching(/^attack\.t\d{4}/)]));
        if (d.correlation) continue;
        expect(d.logsource).toMatchObject({ product: 'windows' });
        const detection = d.detection as Record<string, unknown>;
        const condition = detection.condition as string;
        // Every selection the condition names exists, and every selection is used.
        const names = Object.keys(detection).filter((k) => k !== 'condition');
        for (const n of condition.match(/selection_\d+/g) ?? []) expect(names).toContain(n);
        for (const n of names) expect(condition).toMatch(new RegExp(`\\b${n}\\b`));
      }
    }
  });

  it('writes a process_creation rule with Image/CommandLine fields and a deterministic id', () => {
    const rule = rules.find((r) => r.id === 'apt.cred.reg_save_hive');
    if (!rule) throw new Error('rule missing');
    const [doc] = toSigmaDocuments(rule);
    expect(doc.logsource).toEqual({ product: 'windows', category: 'process_creation' });
    expect(doc.id).toBe(uuidV5('apt.cred.reg_save_hive'));
    expect(doc.tags).toEqual(['attack.credential-access', 'attack.t1003.002']);
    expect(doc.detection).toMatchObject({ selection_1: { 'CommandLine|contains': [' save ', ' export '] } });
  });

  it('adds a correlation document for threshold rules', () => {
    const rule = rules.find((r) => r.id === 'apt.lm.smb_mass_file_access');
    if (!rule) throw new Error('rule missing');
    const docs = toSigmaDocuments(rule);
    expect(docs[1].correlation).toEqual({
      type: 'value_count',
      rules: [docs[0].id],
      'group-by': ['Computer', 'SubjectUserName'],
      timespan: '10m',
      condition: { gte: 50, field: 'RelativeTargetName' },
    });
  });

  it('escapes Sigma wildcards and the backslashes in front of them', () => {
    expect(sigmaEscape('\\\\*\\ADMIN$')).toBe('\\\\\\\\\\*\\ADMIN$');
    expect(sigmaEscape('C:\\Windows\\')).toBe('C:\\Windows\\');
  });
});

describe('rule ids', () => {
  it('computes RFC 4122 UUID v5 (checked against the DNS namespace test vector)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
});
