import type { Event } from '../../../common/event';
import { normalizeWazuhAlert } from './wazuh_alert';

const origin = { kind: 'file' as const, format: 'wazuh_alert' as const, location: 't', id: 't:1' };

function alert(win: Record<string, unknown>): unknown {
  return {
    timestamp: '2021-07-12T14:40:43.000+0000',
    rule: { id: '92655', level: 15, mitre: { id: ['T1210'] } },
    agent: { id: '001', name: 'hrmanager' },
    data: { win },
  };
}

describe('Wazuh alert normalizer', () => {
  it("puts an event's UserData (one more object under data.win) into event_data, as the EVTX reader does", () => {
    const ev = normalizeWazuhAlert(
      alert({
        system: {
          eventID: '808',
          channel: 'Microsoft-Windows-PrintService/Admin',
          providerName: 'Microsoft-Windows-PrintService',
          systemTime: '2021-07-12T14:40:42.8983599Z',
          computer: 'hrmanager.ExchangeTest.com',
        },
        loadPluginFailed: {
          context: '112',
          errorCode: '0x45a',
          pluginDllName: 'C:\\\\Windows\\\\system32\\\\spool\\\\DRIVERS\\\\x64\\\\3\\\\mimispool.dll',
        },
      }),
      origin,
    ) as Event;
    expect(ev.winlog.event_data).toEqual({
      Context: '112',
      ErrorCode: '0x45a',
      PluginDllName: 'C:\\Windows\\system32\\spool\\DRIVERS\\x64\\3\\mimispool.dll',
    });
  });

  it('lets EventData win over a UserData field of the same name and ignores non-object members', () => {
    const ev = normalizeWazuhAlert(
      alert({
        system: {
          eventID: '1',
          channel: 'Microsoft-Windows-Sysmon/Operational',
          systemTime: '2021-07-12T14:40:42Z',
        },
        eventdata: { image: 'C:\\\\Windows\\\\System32\\\\cmd.exe' },
        extra: { image: 'C:\\\\other.exe', note: 'x' },
        flag: 'not an object',
      }),
      origin,
    ) as Event;
    expect(ev.winlog.event_data).toEqual({ Image: 'C:\\Windows\\System32\\cmd.exe', Note: 'x' });
  });

  it("undoes Wazuh's escaped quotes in command lines, so the process and its arguments read as Sysmon wrote them", () => {
    const ev = normalizeWazuhAlert(
      alert({
        system: {
          eventID: '1',
          channel: 'Microsoft-Windows-Sysmon/Operational',
          systemTime: '2021-11-08T10:58:11Z',
        },
        eventdata: {
          image: 'C:\\\\Windows\\\\System32\\\\rundll32.exe',
          commandLine:
            '\\"C:\\\\Windows\\\\System32\\\\rundll32.exe\\" C:\\\\Users\\\\ann\\\\kxwn.lock,VoidFunc',
        },
      }),
      origin,
    ) as Event;
    expect(ev.process?.command_line).toBe(
      '"C:\\Windows\\System32\\rundll32.exe" C:\\Users\\ann\\kxwn.lock,VoidFunc',
    );
    expect(ev.process?.args).toEqual([
      'C:\\Windows\\System32\\rundll32.exe',
      'C:\\Users\\ann\\kxwn.lock,VoidFunc',
    ]);
  });
});
