// attack-id-check: allow-revoked (a test asserts that revoked ids are rejected)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Event } from '../../../common/event';
import { compileTemplate, loadRules, parseRule, RuleEngine } from './engine';
import { sampleEvent, sampleEvents } from './samples';
import { badPlaceholder, type Rule } from './schema';

const rules = loadRules();

describe('shipped detection rules', () => {
  it('load and cover the tactics the mission needs', () => {
    expect(rules.length).toBeGreaterThanOrEqual(40);
  });

  describe.each(rules.map((r) => [r.id, r] as const))('%s', (_id, rule) => {
    it('fires on every `tests.match` sample and names host and evidence', () => {
      rule.tests.match.forEach((fragment, n) => {
        const engine = new RuleEngine([rule]);
        const findings = sampleEvents(rule, fragment, `match-${n}`).flatMap((e) => engine.evaluate(e));
        expect({ sample: n, fired: findings.length }).toEqual({ sample: n, fired: 1 });
        const f = findings[0];
        expect(f.ruleId).toBe(rule.id);
        expect(f.explanation).not.toMatch(/\{\{/);
        expect(f.evidence[0].location).toBe(`rule-test:${rule.id}`);
        expect(f.host).toBe('WS01.corp.example');
      });
    });

    it('stays silent on every `tests.no_match` sample', () => {
      rule.tests.no_match.forEach((fragment, n) => {
        const engine = new RuleEngine([rule]);
        const findings = sampleEvents(rule, fragment, `no-match-${n}`).flatMap((e) => engine.evaluate(e));
        expect({ sample: n, fired: findings.length }).toEqual({ sample: n, fired: 0 });
      });
    });
  });

  it('every rule explanation is one sentence with resolvable placeholders on its first sample', () => {
    for (const rule of rules) {
      const engine = new RuleEngine([rule]);
      const f = sampleEvents(rule, rule.tests.match[0], 'x').flatMap((e) => engine.evaluate(e))[0];
      expect({ id: rule.id, unknown: f.explanation.includes('unknown') }).toEqual({
        id: rule.id,
        unknown: false,
      });
    }
  });
});

const ruleYaml = (extra: string): string => `
id: test.rule.one
name: Test rule one
description: A rule used by the engine's own unit tests.
techniques: [T1003.001]
severity: high
risk_score: 73
explanation: "{{process.executable}} opened {{winlog.event_data.TargetImage}} on {{host.name}}."
events: [{ service: sysmon, event_ids: [10] }]
${extra}
tests:
  match: [{ winlog: { event_data: { TargetImage: 'C:\\Windows\\System32\\lsass.exe' } } }]
  no_match: [{ winlog: { event_data: { TargetImage: 'C:\\Windows\\notepad.exe' } } }]
`;

describe('rule loading', () => {
  it('names the file and field of a schema error', () => {
    expect(() =>
      parseRule(
        ruleYaml('condition: { field: winlog.event_data.TargetImage, endwith: lsass.exe }'),
        'x/bad.yml',
      ),
    ).toThrow(/x\/bad\.yml: condition/);
    expect(() =>
      parseRule(
        ruleYaml('condition: { field: process.name, equals: a }').replace('T1003.001', 'T1178'),
        'r.yml',
      ),
    ).toThrow(/r\.yml: techniques\.0: T1178 is revoked in ATT&CK; use T1134\.005/);
  });

  it('rejects duplicate rule ids across files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-'));
    const body = ruleYaml('condition: { field: winlog.event_data.TargetImage, endswith: lsass.exe }');
    fs.writeFileSync(path.join(dir, 'a.yml'), body);
    fs.writeFileSync(path.join(dir, 'b.yml'), body);
    expect(() => loadRules(dir)).toThrow(/b\.yml: id: test\.rule\.one is already used by a\.yml/);
  });
});

describe('RuleEngine matching', () => {
  const rule = parseRule(
    ruleYaml(`condition:
  all:
    - { field: winlog.event_data.TargetImage, endswith: '\\lsass.exe' }
    - { field: winlog.event_data.GrantedAccess, in: ['0x1010', '0x1fffff'] }
    - not: { field: process.name, in: [MsMpEng.exe] }`).replace(
      /tests:[\s\S]*/,
      "tests:\n  match: [{ winlog: { event_data: { TargetImage: a\\\\lsass.exe, GrantedAccess: '0x1010' } } }]\n  no_match: [{}]\n",
    ),
    'inline.yml',
  );
  const engine = new RuleEngine([rule]);
  const ev = (ed: Record<string, string>, extra: Partial<Event> = {}): Event =>
    sampleEvent(rule as Rule, { winlog: { event_data: ed }, ...extra });

  it('matches event_data keys and values case-insensitively', () => {
    const f = engine.evaluate(
      ev(
        { targetimage: 'C:\\WINDOWS\\system32\\LSASS.EXE', grantedACCESS: '0x1FFFFF' },
        {
          process: { executable: 'C:\\tools\\mimi.exe' },
        },
      ),
    );
    expect(f).toHaveLength(1);
    expect(f[0].explanation).toBe(
      'C:\\tools\\mimi.exe opened C:\\WINDOWS\\system32\\LSASS.EXE on WS01.corp.example.',
    );
    expect(f[0].evidence[0]).toMatchObject({ id: 'sample-0', timestamp: '2024-01-01T12:00:00.000Z' });
  });

  it('falls back from an ECS field to the event_data name a raw event still carries', () => {
    const f = engine.evaluate(
      ev({
        TargetImage: 'C:\\Windows\\System32\\lsass.exe',
        GrantedAccess: '0x1010',
        SourceImage: 'C:\\x\\MsMpEng.exe',
      }),
    );
    expect(f).toHaveLength(0);
  });

  it('only checks rules indexed for the event channel and id', () => {
    const wrongId = ev(
      { TargetImage: 'lsass.exe', GrantedAccess: '0x1010' },
      {
        winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: 1 },
      },
    );
    const wrongChannel = ev(
      { TargetImage: 'lsass.exe', GrantedAccess: '0x1010' },
      {
        winlog: { channel: 'Security', event_id: 10 },
      },
    );
    expect(engine.evaluate(wrongId)).toEqual([]);
    expect(engine.evaluate(wrongChannel)).toEqual([]);
  });
});

describe('threshold rules', () => {
  const rule = parseRule(
    `
id: test.threshold
name: Many share writes
description: Counts distinct files per source within a window.
techniques: [T1021.002]
severity: medium
risk_score: 47
explanation: "{{source.ip}} wrote {{count}} files in {{window}}."
events: [{ service: security, event_ids: [5145] }]
condition: { field: winlog.event_data.ShareName, endswith: 'ADMIN$' }
threshold: { count: 3, distinct: winlog.event_data.RelativeTargetName, group_by: [source.ip], window: 1m }
tests:
  match: [{ winlog: { event_data: { ShareName: '\\\\*\\ADMIN$' } }, source: { ip: 10.0.0.5 } }]
  no_match: [{ winlog: { event_data: { ShareName: '\\\\*\\IPC$' } }, source: { ip: 10.0.0.5 } }]
`,
    't.yml',
  );
  const at = (sec: number, file: string, ip = '10.0.0.5'): Event => {
    const e = sampleEvent(rule, {
      winlog: { event_data: { ShareName: '\\\\*\\ADMIN$', RelativeTargetName: file } },
      source: { ip },
    });
    e['@timestamp'] = new Date(Date.UTC(2024, 0, 1, 0, 0, sec)).toISOString();
    return e;
  };

  it('fires once when distinct values reach the count inside the window, per group', () => {
    const engine = new RuleEngine([rule]);
    const out = [at(0, 'a'), at(1, 'a'), at(2, 'b'), at(3, 'b', '10.0.0.6'), at(4, 'c'), at(5, 'd')].flatMap(
      (e) => engine.evaluate(e),
    );
    expect(out).toHaveLength(1);
    expect(out[0].explanation).toBe('10.0.0.5 wrote 3 files in 1m.');
    expect(out[0].evidence.map((e) => e.timestamp)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T00:00:01.000Z',
      '2024-01-01T00:00:02.000Z',
      '2024-01-01T00:00:04.000Z',
    ]);
    expect(out[0].firstSeen).toBe('2024-01-01T00:00:00.000Z');
  });

  it('forgets events that fell out of the window', () => {
    const engine = new RuleEngine([rule]);
    const out = [at(0, 'a'), at(30, 'b'), at(95, 'c'), at(100, 'd')].flatMap((e) => engine.evaluate(e));
    expect(out).toHaveLength(0);
  });

  it('keeps an open window across snapshot and restore, so a burst split by a restart still fires the same', () => {
    const whole = new RuleEngine([rule]);
    const expected = [at(0, 'a'), at(2, 'b'), at(4, 'c')].flatMap((e) => whole.evaluate(e));
    const before = new RuleEngine([rule]);
    expect([at(0, 'a'), at(2, 'b')].flatMap((e) => before.evaluate(e))).toEqual([]);
    const after = new RuleEngine([rule]);
    after.restore(JSON.parse(JSON.stringify(before.snapshot())));
    const out = after.evaluate(at(4, 'c'));
    expect(out).toHaveLength(1);
    expect(out).toEqual(expected);
  });

  it('keeps the quiet period after firing across a restart (one burst, one finding)', () => {
    const before = new RuleEngine([rule]);
    expect([at(0, 'a'), at(1, 'b'), at(2, 'c')].flatMap((e) => before.evaluate(e))).toHaveLength(1);
    const after = new RuleEngine([rule]);
    after.restore(JSON.parse(JSON.stringify(before.snapshot())));
    expect([at(3, 'd'), at(4, 'e'), at(5, 'f')].flatMap((e) => after.evaluate(e))).toHaveLength(0);
  });

  it('leaves groups long behind the newest event out of the snapshot', () => {
    const engine = new RuleEngine([rule]);
    engine.evaluate(at(0, 'a', '10.0.0.7'));
    engine.evaluate(at(300, 'b'));
    const groups = (engine.snapshot().thresholds['test.threshold'] ?? []).map(([key]) => key);
    expect(groups).toEqual(['10.0.0.5']);
  });

  it('starts empty from a malformed snapshot instead of failing', () => {
    const engine = new RuleEngine([rule]);
    engine.restore({ version: 1, latest: 5, thresholds: { 'test.threshold': [['k', { times: 'x' }], 7] } });
    expect(engine.snapshot().thresholds).toEqual({});
    engine.restore('garbage');
    expect([at(0, 'a'), at(1, 'b'), at(2, 'c')].flatMap((e) => engine.evaluate(e))).toHaveLength(1);
  });
});

describe('explanation templates', () => {
  const ev = {
    '@timestamp': '2024-01-01T00:00:00Z',
    event: {},
    host: { name: 'ws1' },
    winlog: { event_data: {} },
  } as unknown as Event;

  it('use the first present alternative, and a quoted last alternative when none is present', () => {
    const render = compileTemplate(
      "{{user.name|'An account the event does not name'}} reached {{host.name|'?'}}.",
    );
    expect(render(ev)).toBe('An account the event does not name reached ws1.');
    expect(render({ ...ev, user: { name: 'bob' } })).toBe('bob reached ws1.');
  });

  it('are refused at load time when an alternative is neither a field path nor a last quoted text', () => {
    expect(badPlaceholder("{{user.name|'someone'}} on {{host.name}}")).toBeUndefined();
    expect(badPlaceholder('{{process.command_line|no command line}}')).toMatch(
      /"no command line" is neither/,
    );
    expect(badPlaceholder("{{'someone'|user.name}}")).toMatch(/is neither/);
    expect(badPlaceholder('{{winlog.event_data.*}}')).toMatch(/is neither/);
  });

  it('read "unknown" for a missing value without a quoted fallback', () => {
    expect(compileTemplate('{{user.name|source.ip}} on {{host.name}}')(ev)).toBe('unknown on ws1');
  });
});
