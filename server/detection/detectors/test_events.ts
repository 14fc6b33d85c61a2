import type { Event } from '../../../common/event';
import { mulberry32 } from '../../../common/prng';

/**
 * Hand-written events for the detector unit tests, shaped as the normalizers produce them (Winlogbeat ECS fields
 * plus `winlog.event_data` with the original names).
 */

let seq = 0;

export function at(base: string, offsetSeconds: number): string {
  return new Date(Date.parse(base) + offsetSeconds * 1000).toISOString();
}

export function makeEvent(parts: {
  time: string;
  host?: string;
  channel?: string;
  eventId?: number;
  data?: Record<string, string>;
  extra?: Partial<Event>;
}): Event {
  seq++;
  const channel = parts.channel ?? 'Security';
  const ev: Event = {
    '@timestamp': parts.time,
    event: {
      code: parts.eventId !== undefined ? String(parts.eventId) : undefined,
      provider: channel === 'Security' ? 'Microsoft-Windows-Security-Auditing' : undefined,
    },
    host: { name: parts.host ?? 'pc01.corp.local' },
    winlog: { channel, event_id: parts.eventId, event_data: parts.data ?? {} },
    origin: { kind: 'file', format: 'evtx', location: 'test.evtx', id: `test.evtx#${seq}` },
    ...parts.extra,
  };
  return ev;
}

export function dnsQuery(time: string, name: string, host = 'pc01', qtype?: string): Event {
  return makeEvent({
    time,
    host,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    eventId: 22,
    data: { QueryName: name, QueryStatus: '0' },
    extra: qtype ? { dns: { question: { name, type: qtype } } } : undefined,
  });
}

export function logon(
  time: string,
  opts: {
    host: string;
    user: string;
    ip?: string;
    type?: number;
    code?: 4624 | 4625;
    pkg?: string;
    keyLength?: string;
  },
): Event {
  return makeEvent({
    time,
    host: opts.host,
    eventId: opts.code ?? 4624,
    data: {
      TargetUserName: opts.user,
      TargetDomainName: 'CORP',
      LogonType: String(opts.type ?? 3),
      IpAddress: opts.ip ?? '-',
      AuthenticationPackageName: opts.pkg ?? 'Kerberos',
      KeyLength: opts.keyLength ?? '0',
    },
  });
}

export function processStart(
  time: string,
  host: string,
  image: string,
  commandLine: string,
  user = 'alice',
  parent = 'C:\\Windows\\explorer.exe',
): Event {
  return makeEvent({
    time,
    host,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    eventId: 1,
    data: { Image: image, CommandLine: commandLine, ParentImage: parent, User: `CORP\\${user}` },
    extra: {
      user: { name: user, domain: 'CORP' },
      process: { executable: image, command_line: commandLine, parent: { executable: parent } },
    },
  });
}

/** System 7045: a service was installed (PsExec's PSEXESVC, push installers). */
export function serviceInstall(time: string, host: string, service: string, imagePath?: string): Event {
  return makeEvent({
    time,
    host,
    channel: 'System',
    eventId: 7045,
    data: imagePath === undefined ? { ServiceName: service } : { ServiceName: service, ImagePath: imagePath },
  });
}

/** Security 5145: `user` from `ip` wrote `relativeTarget` to the target's ADMIN$ share. */
export function adminShareWrite(
  time: string,
  host: string,
  user: string,
  ip: string,
  relativeTarget: string,
): Event {
  return makeEvent({
    time,
    host,
    eventId: 5145,
    data: {
      SubjectUserName: user,
      IpAddress: ip,
      ShareName: '\\\\*\\ADMIN$',
      RelativeTargetName: relativeTarget,
      AccessMask: '0x2',
    },
  });
}

/** A seeded pseudo-random generator (mulberry32): tests must be reproducible. */
export const prng = mulberry32;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
export function randomBase64(rand: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += B64[Math.floor(rand() * B64.length)];
  return s;
}
