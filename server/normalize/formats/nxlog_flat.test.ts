import type { Event } from '../../../common/event';
import { normalizeNxlogFlat } from './nxlog_flat';

const origin = { kind: 'file' as const, format: 'nxlog_flat' as const, location: 't', id: 't:1' };

/** A TerminalServices 1149 record as NXLog im_msvistalog writes it: no UserData fields, only the message. */
function rdpAuthentication(message: string, extra: Record<string, unknown> = {}): unknown {
  return {
    EventID: 1149,
    Channel: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational',
    SourceName: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager',
    Hostname: 'WORKSTATION5.theshire.local',
    '@timestamp': '2020-09-04T07:08:16.936Z',
    Message: message,
    ...extra,
  };
}

describe('NXLog flat normalizer', () => {
  it('reads the user, domain and client address of an RDP authentication (1149) back from its message', () => {
    const ev = normalizeNxlogFlat(
      rdpAuthentication(
        'Remote Desktop Services: User authentication succeeded:\r\n\r\nUser: pgustavo\r\nDomain: theshire\r\nSource Network Address: 1.2.3.4',
      ),
      origin,
    ) as Event;
    expect(ev.winlog.event_data).toMatchObject({ Param1: 'pgustavo', Param2: 'theshire', Param3: '1.2.3.4' });
    expect(ev.user).toMatchObject({ name: 'pgustavo', domain: 'theshire' });
    expect(ev.source?.ip).toBe('1.2.3.4');
  });

  it('keeps UserData fields a collector did send, and puts no non-address into source.ip', () => {
    const ev = normalizeNxlogFlat(
      rdpAuthentication('User: someone-else\r\nDomain: x\r\nSource Network Address: 9.9.9.9', {
        Param1: 'admin',
        Param2: 'CORP',
        Param3: 'LOCAL',
      }),
      origin,
    ) as Event;
    expect(ev.winlog.event_data).toMatchObject({ Param1: 'admin', Param2: 'CORP', Param3: 'LOCAL' });
    expect(ev.user).toMatchObject({ name: 'admin', domain: 'CORP' });
    expect(ev.source).toBeUndefined();
  });

  it('leaves the message of other events alone', () => {
    const ev = normalizeNxlogFlat(
      { ...(rdpAuthentication('User: x') as Record<string, unknown>), EventID: 1150 },
      origin,
    ) as Event;
    expect(ev.winlog.event_data?.Param1).toBeUndefined();
    expect(ev.user?.name).toBeUndefined();
  });
});
