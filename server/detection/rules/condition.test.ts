import type { Event } from '../../../common/event';
import { compileCachedCondition, compileCondition, FieldCache } from './condition';

function ev(commandLine: string, data: Record<string, string> = {}): Event {
  return {
    '@timestamp': '2024-06-01T00:00:00.000Z',
    origin: { kind: 'file', location: 'x.ndjson', id: commandLine },
    process: { command_line: commandLine },
    winlog: { channel: 'Security', event_id: 4688, event_data: data },
  } as unknown as Event;
}

describe('FieldCache', () => {
  it('reads each event afresh after reset (no value carried over from the previous event)', () => {
    const cache = new FieldCache();
    const p = compileCachedCondition({ field: 'process.command_line', contains: 'MIMIKATZ' }, cache);
    const hit = ev('C:\\t\\mimikatz.exe');
    const miss = ev('notepad.exe');
    cache.reset(hit);
    expect(p(hit, cache)).toBe(true);
    cache.reset(miss);
    expect(p(miss, cache)).toBe(false);
    cache.reset(hit);
    expect(p(hit, cache)).toBe(true);
  });

  it('shares one read between conditions on the same field, case-sensitive ones included', () => {
    const cache = new FieldCache();
    const lower = compileCachedCondition({ field: 'process.command_line', equals: 'a b' }, cache);
    const exact = compileCachedCondition(
      { field: 'process.command_line', equals: 'a b', case_sensitive: true },
      cache,
    );
    const e = ev('A B');
    cache.reset(e);
    expect(lower(e, cache)).toBe(true);
    expect(exact(e, cache)).toBe(false);
  });
});

describe('compileCondition', () => {
  it('matches event_data keys case-insensitively and tells events apart', () => {
    const p = compileCondition({ field: 'winlog.event_data.TargetImage', endswith: '\\lsass.exe' });
    expect(p(ev('x', { targetImage: 'C:\\Windows\\System32\\lsass.exe' }))).toBe(true);
    expect(p(ev('x', { TARGETIMAGE: 'C:\\Windows\\notepad.exe' }))).toBe(false);
    expect(p(ev('x', {}))).toBe(false);
  });

  it('tests every array element and numbers written in hex', () => {
    expect(
      compileCondition({ field: 'winlog.event_data.*', contains: 'evil' })(ev('x', { a: 'ok', b: 'EVIL' })),
    ).toBe(true);
    expect(
      compileCondition({ field: 'winlog.event_data.Status', gte: 16 })(ev('x', { Status: '0x10' })),
    ).toBe(true);
  });
});
