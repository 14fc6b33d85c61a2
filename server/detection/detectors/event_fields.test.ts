import type { Event } from '../../../common/event';
import {
  eventData,
  eventId,
  hostKey,
  isSubdomainOf,
  isSysmon,
  matchesDomain,
  setDetectorEventScope,
  timeMs,
} from './event_fields';

function ev(id: number, host: string, ts: string): Event {
  return {
    '@timestamp': ts,
    origin: { kind: 'file', location: 'x', id: String(id) },
    host: { name: host },
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: id, event_data: { Image: 'a.exe' } },
  } as unknown as Event;
}

describe('per-event scope of the detector field accessors', () => {
  afterEach(() => setDetectorEventScope(undefined));

  it('gives the same answers inside and outside a scope', () => {
    const e = ev(1, 'PC01.corp.local', '2024-06-01T00:00:01.000Z');
    const outside = [eventId(e), hostKey(e), timeMs(e), isSysmon(e), eventData(e, 'image')];
    setDetectorEventScope(e);
    expect([eventId(e), hostKey(e), timeMs(e), isSysmon(e), eventData(e, 'image')]).toEqual(outside);
    expect(outside).toEqual([1, 'pc01', Date.parse('2024-06-01T00:00:01.000Z'), true, 'a.exe']);
  });

  it('only memoizes the event in scope: other events and a new scope are read afresh', () => {
    const a = ev(1, 'pc01', '2024-06-01T00:00:01.000Z');
    const b = ev(3, 'pc02', '2024-06-01T00:00:02.000Z');
    setDetectorEventScope(a);
    expect(eventId(a)).toBe(1);
    expect(eventId(b)).toBe(3);
    expect(hostKey(b)).toBe('pc02');
    setDetectorEventScope(undefined);
    (a.winlog as { event_id: number }).event_id = 4624;
    expect(eventId(a)).toBe(4624);
    setDetectorEventScope(a);
    expect(eventId(a)).toBe(4624);
  });
});

describe('timeMs reads normalized timestamps by character', () => {
  it('equals Date.parse for canonical times, calendar overflows and other spellings', () => {
    const times = [
      '2024-06-01T00:00:01.000Z',
      '2025-12-28T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '0100-03-04T05:06:07.089Z',
      '0099-03-04T05:06:07.089Z',
      '2025-02-29T00:00:00.000Z',
      '2025-02-30T12:00:00.000Z',
      '2025-04-31T10:00:00.000Z',
      '2024-02-29T24:00:00.000Z',
      '2025-01-01T23:59:60.000Z',
      '2025-13-01T00:00:00.000Z',
      '2025-00-10T00:00:00.000Z',
      '2025-01-10T00:00:00Z',
      '2025-01-10T00:00:00.1234567Z',
      '2025-01-10T00:00:00.000+02:00',
      '2025-01-1xT00:00:00.000Z',
      'not a time',
    ];
    // Random canonical strings with every field across (and past) its range.
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    for (let i = 0; i < 2000; i++)
      times.push(
        `${pad(rand(10000), 4)}-${pad(rand(14), 2)}-${pad(rand(33), 2)}T${pad(rand(26), 2)}:${pad(rand(61), 2)}:` +
          `${pad(rand(61), 2)}.${pad(rand(1000), 3)}Z`,
      );
    for (const t of times) {
      const want = Date.parse(t);
      expect([t, timeMs(ev(1, 'h', t))]).toEqual([t, Number.isFinite(want) ? want : 0]);
    }
  });
});

describe('eventData and domain matching', () => {
  it('finds event_data names in any case; the exact spelling, else the first of two spellings, wins (as in rules)', () => {
    const e = ev(1, 'h', '2024-06-01T00:00:01.000Z');
    e.winlog.event_data = { TargetImage: 'a', targetImage: 'b', QueryName: 'x.example.com' };
    expect(eventData(e, 'TargetImage')).toBe('a');
    expect(eventData(e, 'targetImage')).toBe('b');
    expect(eventData(e, 'TARGETIMAGE')).toBe('a');
    expect(eventData(e, 'queryname')).toBe('x.example.com');
    expect(eventData(e, 'Query')).toBeUndefined();
    setDetectorEventScope(e);
    expect(eventData(e, 'targetimage')).toBe('a');
    setDetectorEventScope(undefined);
  });

  it('matches a domain and its subdomains only', () => {
    expect(matchesDomain('Mega.NZ.', ['mega.nz'])).toBe(true);
    expect(matchesDomain('eu.api.mega.nz', ['dropbox.com', 'mega.nz'])).toBe(true);
    expect(matchesDomain('notmega.nz', ['mega.nz'])).toBe(false);
    expect(matchesDomain('mega.nz.evil.com', ['mega.nz'])).toBe(false);
    expect(matchesDomain('nz', ['mega.nz'])).toBe(false);
    expect(isSubdomainOf('a.mega.nz', 'mega.nz')).toBe(true);
    expect(isSubdomainOf('mega.nz', 'mega.nz')).toBe(false);
    expect(isSubdomainOf('xmega.nz', 'mega.nz')).toBe(false);
  });
});
