import type { Event } from '../../../common/event';
import { loadRules, RuleEngine } from './engine';
import { conditionGate, gatePart } from './gate';
import { sampleEvents } from './samples';
import type { Condition } from './schema';

describe('conditionGate', () => {
  it('turns equals and in on one field into a lower-cased value lookup', () => {
    expect(conditionGate({ field: 'process.name', in: ['Net.exe', 'net1.exe'] })).toEqual([
      { field: 'process.name', part: 'value', values: ['net.exe', 'net1.exe'] },
    ]);
  });

  it('turns endswith of whole path segments into a last-segment lookup', () => {
    expect(conditionGate({ field: 'process.executable', endswith: ['\\Rundll32.exe'] })).toEqual([
      { field: 'process.executable', part: 'basename', values: ['rundll32.exe'] },
    ]);
  });

  it('has no gate for tests a lookup cannot decide', () => {
    const none: Condition[] = [
      { field: 'process.command_line', contains: 'sekurlsa' },
      { field: 'process.executable', endswith: 'rundll32.exe' }, // not a whole segment: "xrundll32.exe" matches
      { field: 'process.executable', endswith: '\\system32\\rundll32.exe' },
      { field: 'winlog.event_data.LogonType', equals: 3 }, // "0x3" equals 3 too
      { field: 'process.name', equals: 'Net.exe', case_sensitive: true },
      { field: 'process.name', in: ['net.exe'], exists: false },
      { field: 'process.name', in: ['net.exe'], contains: 'net' },
      { not: { field: 'process.name', in: ['net.exe'] } },
    ];
    for (const c of none) expect(conditionGate(c)).toBeUndefined();
  });

  it('takes the smallest conjunct gate of all, and the union of any only when every branch has one', () => {
    const name = { field: 'process.name', in: ['a.exe', 'b.exe'] };
    const parent = { field: 'process.parent.name', equals: 'w3wp.exe' };
    const cmd = { field: 'process.command_line', contains: 'x' };
    expect(conditionGate({ all: [name, cmd, parent] })).toEqual([
      { field: 'process.parent.name', part: 'value', values: ['w3wp.exe'] },
    ]);
    expect(conditionGate({ any: [name, parent] })).toHaveLength(2);
    expect(conditionGate({ any: [name, cmd] })).toBeUndefined();
  });

  it('compares the whole value or the part after the last backslash', () => {
    expect(gatePart('c:\\windows\\system32\\net.exe', 'basename')).toBe('net.exe');
    expect(gatePart('net.exe', 'basename')).toBe('net.exe');
    expect(gatePart('c:\\windows\\net.exe', 'value')).toBe('c:\\windows\\net.exe');
  });
});

describe('rule engine gates', () => {
  const rules = loadRules();
  const findingsOf = (engine: RuleEngine, events: Event[]): string[] =>
    events.flatMap((e) =>
      engine.evaluate(e).map((f) => `${f.ruleId} ${f.explanation} ${f.evidence.map((x) => x.id).join(',')}`),
    );

  /** Every shipped sample, and each sample with the process fields of another rule's sample swapped in. */
  function events(): Event[] {
    const out: Event[] = [];
    for (const r of rules) {
      const samples = [...(r.tests.match ?? []), ...(r.tests.no_match ?? [])];
      samples.forEach((s, i) => out.push(...sampleEvents(r, s as Record<string, unknown>, `${r.id}-${i}`)));
    }
    const processes = out.map((e) => e.process).filter((p) => p !== undefined);
    const swapped = out.map((e, i) => ({
      ...structuredClone(e),
      process: structuredClone(processes[(i * 7919) % processes.length]),
      origin: { ...e.origin, id: `${e.origin.id}-swapped` },
    }));
    return [...out, ...swapped];
  }

  it('exist for most process-start rules (otherwise they buy nothing)', () => {
    const starts = rules.filter((r) =>
      r.events.some((s) => s.service === 'sysmon' && s.event_ids.includes(1)),
    );
    const gated = starts.filter((r) => conditionGate(r.condition) !== undefined);
    expect(gated.length / starts.length).toBeGreaterThan(0.4);
  });

  it('never change what the shipped rules find', () => {
    const evs = events();
    expect(evs.length).toBeGreaterThan(1000);
    const withGates = findingsOf(new RuleEngine(rules), evs);
    const without = findingsOf(new RuleEngine(rules, { gates: false }), evs);
    expect(withGates.length).toBeGreaterThan(300);
    expect(withGates).toEqual(without);
  });
});
