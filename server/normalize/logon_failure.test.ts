import { decodeLogonFailure, logonFailureReasonText, logonStatusText } from './logon_failure';
import { normalizeDocument } from './index';
import type { Event, NormalizeResult } from '../../common/event';

function ok(r: NormalizeResult): Event {
  if ('rejected' in r) throw new Error(`rejected: ${r.field}: ${r.reason}`);
  return r;
}

describe('logon failure decoding', () => {
  it('reads NTSTATUS codes in any case, with leading zeros or as decimal', () => {
    const text = 'This is either due to a bad username or authentication information';
    expect(logonStatusText('0xC000006D')).toBe(text);
    expect(logonStatusText('0xc000006d')).toBe(text);
    expect(logonStatusText(String(0xc000006d))).toBe(text);
    expect(logonStatusText('0x00000000')).toBe('Status OK.');
    expect(logonStatusText('0xdeadbeef')).toBeUndefined();
  });

  it('turns %%23xx message ids into the reason text and keeps rendered text', () => {
    expect(logonFailureReasonText('%%2313')).toBe('Unknown user name or bad password.');
    expect(logonFailureReasonText('Account locked out.')).toBe('Account locked out.');
    expect(logonFailureReasonText('-')).toBeUndefined();
  });

  it('gives 4776 a status only and other events nothing', () => {
    expect(decodeLogonFailure(4776, '0xc0000064', '0xc0000064', '%%2313')).toEqual({
      status: 'User logon with misspelled or bad user account',
    });
    expect(decodeLogonFailure(4624, '0x0', undefined, undefined)).toBeUndefined();
  });

  it('fills winlog.logon.failure on a collection-stage 4625 and group.* on a 4732', () => {
    const origin = { kind: 'file' as const, location: 't', id: 't:1' };
    const failed = ok(
      normalizeDocument(
        {
          '@timestamp': '2024-05-01T10:00:00.000Z',
          winlog: {
            channel: 'Security',
            event_id: 4625,
            provider_name: 'Microsoft-Windows-Security-Auditing',
            computer_name: 'ws1',
            event_data: {
              TargetUserName: 'bob',
              LogonType: '3',
              Status: '0xC000006D',
              SubStatus: '0xC000006A',
              FailureReason: '%%2313',
            },
          },
        },
        origin,
      ),
    );
    expect(failed.winlog.logon).toMatchObject({
      type: 'Network',
      failure: {
        status: 'This is either due to a bad username or authentication information',
        sub_status: 'User logon with misspelled or bad password',
        reason: 'Unknown user name or bad password.',
      },
    });
    const added = ok(
      normalizeDocument(
        {
          '@timestamp': '2024-05-01T10:00:00.000Z',
          winlog: {
            channel: 'Security',
            event_id: '4732',
            provider_name: 'Microsoft-Windows-Security-Auditing',
            event_data: {
              SubjectUserName: 'admin',
              MemberName: 'CN=Mallory,CN=Users,DC=corp,DC=local',
              TargetUserName: 'Administrators',
              TargetDomainName: 'Builtin',
              TargetSid: 'S-1-5-32-544',
            },
          },
        },
        origin,
      ),
    );
    expect(added.group).toEqual({ name: 'Administrators', id: 'S-1-5-32-544', domain: 'Builtin' });
    expect(added.user?.target?.name).toBe('Mallory');
  });

  it('fills file.hash from a collection-stage Sysmon image load', () => {
    const loaded = ok(
      normalizeDocument(
        {
          '@timestamp': '2024-05-01T10:00:00.000Z',
          winlog: {
            channel: 'Microsoft-Windows-Sysmon/Operational',
            event_id: 7,
            provider_name: 'Microsoft-Windows-Sysmon',
            event_data: {
              Image: 'C:\\Windows\\System32\\rundll32.exe',
              ImageLoaded: 'C:\\Users\\bob\\AppData\\Local\\Temp\\x.dll',
              Hashes: 'SHA1=AA11,MD5=BB22,SHA256=CC33,IMPHASH=DD44',
            },
          },
        },
        { kind: 'file', location: 't', id: 't:2' },
      ),
    );
    expect(loaded.file).toMatchObject({
      path: 'C:\\Users\\bob\\AppData\\Local\\Temp\\x.dll',
      hash: { sha1: 'aa11', md5: 'bb22', sha256: 'cc33', imphash: 'dd44' },
    });
  });
});
