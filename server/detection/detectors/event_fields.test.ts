import type { Event } from '../../../common/event';
import { eventData, eventId, hostKey, isSysmon, setDetectorEventScope, timeMs } from './event_fields';

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
