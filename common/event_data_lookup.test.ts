import type { Event } from './event';
import { eventDataValue } from './event_data_lookup';

const withData = (event_data: Record<string, string>): Event =>
  ({ '@timestamp': '2024-01-01T00:00:00Z', winlog: { event_data } }) as unknown as Event;

describe('eventDataValue', () => {
  it('returns the value under the exact name', () => {
    expect(eventDataValue(withData({ TargetUserName: 'bob' }), 'TargetUserName')).toBe('bob');
  });

  it('finds a name that differs only in case (Wazuh and older Sysmon spell names differently)', () => {
    expect(eventDataValue(withData({ targetusername: 'bob' }), 'TargetUserName')).toBe('bob');
    expect(eventDataValue(withData({ IMAGE: 'a.exe' }), 'Image')).toBe('a.exe');
  });

  it('does not match a key that only shares a prefix or the length', () => {
    const ev = withData({ TargetUserSid: 'S-1', TargetUserNam: 'x', TargetUserNamX: 'y' });
    expect(eventDataValue(ev, 'TargetUserName')).toBeUndefined();
  });

  it('compares non-ASCII names by lower-casing them', () => {
    expect(eventDataValue(withData({ ÄNDERUNG: 'v' }), 'änderung')).toBe('v');
  });

  it('is undefined without event_data', () => {
    expect(eventDataValue({ '@timestamp': '2024-01-01T00:00:00Z' } as Event, 'Image')).toBeUndefined();
  });
});
