/**
 * Builders for the Windows events the simulator emits. Each one pushes WinEvents with the EventData fields (names
 * and string rendering) of the real Windows/Sysmon schema, so renderers can apply the real ingest-pipeline and
 * Wazuh decoder rules to them.
 */
import { CMD_EXE, peInfo, sysmonHashes, SYSTEM32 } from './catalog';
import type { Organisation, SimHost, SimUser } from './org';
import { hashSeed, Prng } from './prng';
import { baseName, EventLabel, POWERSHELL, Proc, SECURITY, SYSMON, SYSTEM, WinEvent } from './win_event';

export interface Ctx {
  org: Organisation;
  host: SimHost;
  rng: Prng;
  out: WinEvent[];
  label?: EventLabel;
}

export interface Account {
  name: string;
  domain: string;
  sid: string;
}

export const SYSTEM_ACCOUNT: Account = { name: 'SYSTEM', domain: 'NT AUTHORITY', sid: 'S-1-5-18' };
export const NETWORK_SERVICE: Account = { name: 'NETWORK SERVICE', domain: 'NT AUTHORITY', sid: 'S-1-5-20' };
export const ANONYMOUS: Account = { name: 'ANONYMOUS LOGON', domain: 'NT AUTHORITY', sid: 'S-1-5-7' };

export function account(org: Organisation, user: SimUser): Account {
  return { name: user.name, domain: org.netbiosDomain, sid: user.sid };
}

export function machineAccount(org: Organisation, host: SimHost): Account {
  return { name: `${host.name}$`, domain: org.netbiosDomain, sid: `${org.domainSid}-${20000 + host.index}` };
}

function emit(
  ctx: Ctx,
  ts: number,
  channel: WinEvent['channel'],
  eventId: number,
  data: Record<string, string>,
  failure?: boolean,
): void {
  const ev: WinEvent = {
    ts: Math.floor(ts),
    sub: ctx.rng.int(0, 9999),
    host: ctx.host.index,
    channel,
    eventId,
    data,
  };
  if (failure) ev.failure = true;
  if (ctx.label) ev.label = ctx.label;
  ctx.out.push(ev);
}

export function hexId(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A logon id that is stable for (host, user, session key) so later events can refer to the same session. */
export function logonIdFor(host: SimHost, who: string, key: string | number): string {
  return hexId(0x10000 + (hashSeed(host.index, who, key) % 0xfffffff));
}

function pidFrom(h: number): number {
  return 400 + (h % 4000) * 4;
}

/** Long-running system processes: identity derived from the host (and a day for per-boot-day processes). */
export function systemProc(
  org: Organisation,
  host: SimHost,
  which: 'services' | 'lsass' | 'svchost' | 'wmiprvse' | 'system' | 'taskhost' | 'winlogon',
): Proc {
  const h = hashSeed(org.seed, host.index, which);
  const images = {
    system: 'System',
    services: `${SYSTEM32}\\services.exe`,
    lsass: `${SYSTEM32}\\lsass.exe`,
    svchost: `${SYSTEM32}\\svchost.exe`,
    wmiprvse: `${SYSTEM32}\\wbem\\WmiPrvSE.exe`,
    taskhost: `${SYSTEM32}\\taskhostw.exe`,
    winlogon: `${SYSTEM32}\\winlogon.exe`,
  } as const;
  const cmd = {
    system: '',
    services: `${SYSTEM32}\\services.exe`,
    lsass: `${SYSTEM32}\\lsass.exe`,
    svchost: `${SYSTEM32}\\svchost.exe -k netsvcs -p -s Schedule`,
    wmiprvse: `${SYSTEM32}\\wbem\\wmiprvse.exe -secured -Embedding`,
    taskhost: 'taskhostw.exe',
    winlogon: 'winlogon.exe',
  } as const;
  return {
    pid: which === 'system' ? 4 : pidFrom(h),
    guid: guidFrom(h),
    image: images[which],
    commandLine: cmd[which],
    user: SYSTEM_ACCOUNT,
    logonId: '0x3e7',
    integrity: 'System',
    cwd: `${SYSTEM32}\\`,
  };
}

export function guidFrom(h: number): string {
  const a = h.toString(16).padStart(8, '0');
  const b = hashSeed(h, 'g').toString(16).padStart(8, '0');
  const c = hashSeed(h, 'h').toString(16).padStart(8, '0');
  return `{${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}00000000}`;
}

/** The desktop shell of a user's interactive session on one day. */
export function explorerProc(org: Organisation, host: SimHost, user: SimUser, day: number): Proc {
  const h = hashSeed(org.seed, host.index, user.index, day, 'explorer');
  return {
    pid: pidFrom(h),
    guid: guidFrom(h),
    image: 'C:\\Windows\\explorer.exe',
    commandLine: 'C:\\Windows\\Explorer.EXE',
    user: account(org, user),
    logonId: logonIdFor(host, user.name, `day${day}`),
    integrity: 'Medium',
    cwd: `C:\\Users\\${user.name}\\`,
  };
}

export function newProc(
  ctx: Ctx,
  image: string,
  commandLine: string,
  user: Account,
  logonId: string,
  integrity: Proc['integrity'],
  cwd?: string,
): Proc {
  return {
    pid: ctx.rng.int(300, 9000) * 4,
    guid: ctx.rng.guid(),
    image,
    commandLine,
    user,
    logonId,
    integrity,
    cwd: cwd ?? (user.sid === SYSTEM_ACCOUNT.sid ? `${SYSTEM32}\\` : `C:\\Users\\${user.name}\\`),
  };
}

function utcTime(ts: number): string {
  return new Date(Math.floor(ts)).toISOString().replace('T', ' ').slice(0, 23);
}

function userField(a: Account): string {
  return `${a.domain}\\${a.name}`;
}

const MANDATORY_LABEL = {
  Low: 'S-1-16-4096',
  Medium: 'S-1-16-8192',
  High: 'S-1-16-12288',
  System: 'S-1-16-16384',
} as const;

/** Sysmon 1 (and Security 4688 where the host audits process creation). Returns the child. */
export function spawn(ctx: Ctx, ts: number, parent: Proc, child: Proc): Proc {
  const pe = peInfo(child.image);
  emit(ctx, ts, SYSMON, 1, {
    RuleName: '-',
    UtcTime: utcTime(ts),
    ProcessGuid: child.guid,
    ProcessId: String(child.pid),
    Image: child.image,
    FileVersion: pe?.version ?? '-',
    Description: pe?.description ?? '-',
    Product: pe?.product ?? '-',
    Company: pe?.company ?? '-',
    OriginalFileName: pe?.original ?? '-',
    CommandLine: child.commandLine,
    CurrentDirectory: child.cwd,
    User: userField(child.user),
    LogonGuid: guidFrom(hashSeed(child.logonId, child.user.name)),
    LogonId: child.logonId,
    TerminalSessionId: child.user.sid === SYSTEM_ACCOUNT.sid ? '0' : '1',
    IntegrityLevel: child.integrity,
    Hashes: sysmonHashes(child.image),
    ParentProcessGuid: parent.guid,
    ParentProcessId: String(parent.pid),
    ParentImage: parent.image,
    ParentCommandLine: parent.commandLine,
    ParentUser: userField(parent.user),
  });
  if (ctx.host.audits4688) {
    emit(ctx, ts + 1, SECURITY, 4688, {
      SubjectUserSid: parent.user.sid,
      SubjectUserName: parent.user.name,
      SubjectDomainName: parent.user.domain,
      SubjectLogonId: parent.logonId,
      NewProcessId: hexId(child.pid),
      NewProcessName: child.image,
      TokenElevationType:
        child.integrity === 'High' ? '%%1937' : child.integrity === 'System' ? '%%1936' : '%%1938',
      ProcessId: hexId(parent.pid),
      CommandLine: child.commandLine,
      TargetUserSid: child.user.sid === parent.user.sid ? 'S-1-0-0' : child.user.sid,
      TargetUserName: child.user.sid === parent.user.sid ? '-' : child.user.name,
      TargetDomainName: child.user.sid === parent.user.sid ? '-' : child.user.domain,
      TargetLogonId: child.user.sid === parent.user.sid ? '0x0' : child.logonId,
      ParentProcessName: parent.image,
      MandatoryLabel: MANDATORY_LABEL[child.integrity],
    });
  }
  return child;
}

export interface NetOpts {
  dstIp: string;
  dstPort: number;
  dstHost?: string;
  srcIp?: string;
  srcPort?: number;
  protocol?: 'tcp' | 'udp';
  initiated?: boolean;
  /** Bytes sent and received (see renderers: only the enriched shape carries them). */
  bytesOut?: number;
  bytesIn?: number;
}

const PORT_NAMES: Record<number, string> = {
  53: 'domain',
  80: 'http',
  88: 'kerberos',
  135: 'epmap',
  389: 'ldap',
  443: 'https',
  445: 'microsoft-ds',
  3389: 'ms-wbt-server',
  5985: '-',
};

/** Sysmon 3. Byte counts ride along as extra (non-Windows) fields prefixed with "_". */
export function connect(ctx: Ctx, ts: number, proc: Proc, o: NetOpts): void {
  const initiated = o.initiated ?? true;
  const srcPort = o.srcPort ?? ctx.rng.int(49152, 65535);
  const data: Record<string, string> = {
    RuleName: '-',
    UtcTime: utcTime(ts),
    ProcessGuid: proc.guid,
    ProcessId: String(proc.pid),
    Image: proc.image,
    User: userField(proc.user),
    Protocol: o.protocol ?? 'tcp',
    Initiated: initiated ? 'true' : 'false',
    SourceIsIpv6: 'false',
    SourceIp: o.srcIp ?? ctx.host.ip,
    SourceHostname: initiated ? ctx.host.fqdn : '-',
    SourcePort: String(srcPort),
    SourcePortName: '-',
    DestinationIsIpv6: 'false',
    DestinationIp: o.dstIp,
    DestinationHostname: o.dstHost ?? '-',
    DestinationPort: String(o.dstPort),
    DestinationPortName: PORT_NAMES[o.dstPort] ?? '-',
  };
  if (o.bytesOut !== undefined) data._BytesOut = String(Math.round(o.bytesOut));
  if (o.bytesIn !== undefined) data._BytesIn = String(Math.round(o.bytesIn));
  emit(ctx, ts, SYSMON, 3, data);
}

/** Sysmon 22. `answers` are IPs or CNAMEs; an empty list is NXDOMAIN unless `status` says otherwise. */
export function dnsQuery(
  ctx: Ctx,
  ts: number,
  proc: Proc,
  name: string,
  answers: string[],
  status?: string,
  recordType?: 'TXT' | 'A' | 'SRV' | 'CNAME',
): void {
  let results: string;
  if (answers.length === 0) results = '-';
  else if (recordType === 'TXT') results = answers.map((a) => `type:  16 ${a}`).join(';') + ';';
  else if (recordType === 'SRV') results = answers.map((a) => `type:  33 ${a}`).join(';') + ';';
  else
    results =
      answers.map((a) => (/^\d+\.\d+\.\d+\.\d+$/.test(a) ? `::ffff:${a}` : `type:  5 ${a}`)).join(';') + ';';
  emit(ctx, ts, SYSMON, 22, {
    RuleName: '-',
    UtcTime: utcTime(ts),
    ProcessGuid: proc.guid,
    ProcessId: String(proc.pid),
    QueryName: name,
    QueryStatus: status ?? (answers.length === 0 ? '9003' : '0'),
    QueryResults: results,
    Image: proc.image,
    User: userField(proc.user),
  });
}

export function fileCreate(ctx: Ctx, ts: number, proc: Proc, path: string): void {
  emit(ctx, ts, SYSMON, 11, {
    RuleName: '-',
    UtcTime: utcTime(ts),
    ProcessGuid: proc.guid,
    ProcessId: String(proc.pid),
    Image: proc.image,
    TargetFilename: path,
    CreationUtcTime: utcTime(ts),
    User: userField(proc.user),
  });
}

export function registrySet(ctx: Ctx, ts: number, proc: Proc, targetObject: string, details: string): void {
  emit(ctx, ts, SYSMON, 13, {
    RuleName: '-',
    EventType: 'SetValue',
    UtcTime: utcTime(ts),
    ProcessGuid: proc.guid,
    ProcessId: String(proc.pid),
    Image: proc.image,
    TargetObject: targetObject,
    Details: details,
    User: userField(proc.user),
  });
}

export function imageLoad(ctx: Ctx, ts: number, proc: Proc, dll: string): void {
  const pe = peInfo(dll);
  emit(ctx, ts, SYSMON, 7, {
    RuleName: '-',
    UtcTime: utcTime(ts),
    ProcessGuid: proc.guid,
    ProcessId: String(proc.pid),
    Image: proc.image,
    ImageLoaded: dll,
    FileVersion: pe?.version ?? '10.0.19041.1 (WinBuild.160101.0800)',
    Description: pe?.description ?? baseName(dll),
    Product: pe?.product ?? 'Microsoft® Windows® Operating System',
    Company: pe?.company ?? 'Microsoft Corporation',
    OriginalFileName: pe?.original ?? baseName(dll),
    Hashes: sysmonHashes(dll),
    Signed: 'true',
    Signature: 'Microsoft Windows',
    SignatureStatus: 'Valid',
    User: userField(proc.user),
  });
}

export function processAccess(
  ctx: Ctx,
  ts: number,
  source: Proc,
  target: Proc,
  grantedAccess: string,
  callTrace: string,
): void {
  emit(ctx, ts, SYSMON, 10, {
    RuleName: '-',
    UtcTime: utcTime(ts),
    SourceProcessGUID: source.guid,
    SourceProcessId: String(source.pid),
    SourceThreadId: String(ctx.rng.int(100, 9000)),
    SourceImage: source.image,
    TargetProcessGUID: target.guid,
    TargetProcessId: String(target.pid),
    TargetImage: target.image,
    GrantedAccess: grantedAccess,
    CallTrace: callTrace,
    SourceUser: userField(source.user),
    TargetUser: userField(target.user),
  });
}

export interface LogonOpts {
  target: Account;
  logonType: 2 | 3 | 4 | 5 | 7 | 8 | 9 | 10 | 11;
  logonId: string;
  srcIp?: string;
  srcPort?: number;
  workstation?: string;
  auth?: 'Kerberos' | 'NTLM' | 'Negotiate';
  /** Adds the 4672 that Windows logs for accounts with admin privileges. */
  privileged?: boolean;
  elevated?: boolean;
}

const LOGON_PROCESS = { Kerberos: 'Kerberos', NTLM: 'NtLmSsp ', Negotiate: 'Advapi  ' } as const;
const ADMIN_PRIVILEGES = [
  'SeSecurityPrivilege',
  'SeBackupPrivilege',
  'SeRestorePrivilege',
  'SeTakeOwnershipPrivilege',
  'SeDebugPrivilege',
  'SeSystemEnvironmentPrivilege',
  'SeLoadDriverPrivilege',
  'SeImpersonatePrivilege',
  'SeDelegateSessionUserImpersonatePrivilege',
];

/** 4624 (+ 4672 for privileged accounts). */
export function logon(ctx: Ctx, ts: number, o: LogonOpts): void {
  const remote = o.logonType === 3 || o.logonType === 10;
  const auth = o.auth ?? (o.logonType === 5 ? 'Negotiate' : 'Kerberos');
  const local = o.logonType === 5 || o.logonType === 2 || o.logonType === 7 || o.logonType === 11;
  const subj = local ? machineAccount(ctx.org, ctx.host) : undefined;
  const processName =
    o.logonType === 3 ? '-' : o.logonType === 5 ? `${SYSTEM32}\\services.exe` : `${SYSTEM32}\\svchost.exe`;
  emit(ctx, ts, SECURITY, 4624, {
    SubjectUserSid: subj ? 'S-1-5-18' : 'S-1-0-0',
    SubjectUserName: subj ? subj.name : '-',
    SubjectDomainName: subj ? subj.domain : '-',
    SubjectLogonId: subj ? '0x3e7' : '0x0',
    TargetUserSid: o.target.sid,
    TargetUserName: o.target.name,
    TargetDomainName: o.target.domain,
    TargetLogonId: o.logonId,
    LogonType: String(o.logonType),
    // Type 9 (NewCredentials: runas /netonly, sekurlsa::pth) is always logged with the seclogo logon process.
    LogonProcessName:
      o.logonType === 10 || o.logonType === 2 || o.logonType === 7 || o.logonType === 11
        ? 'User32 '
        : o.logonType === 9
          ? 'seclogo'
          : LOGON_PROCESS[auth],
    AuthenticationPackageName: auth,
    WorkstationName: o.workstation ?? (remote ? '-' : ctx.host.name),
    LogonGuid:
      auth === 'Kerberos'
        ? guidFrom(hashSeed(o.logonId, o.target.name))
        : '{00000000-0000-0000-0000-000000000000}',
    TransmittedServices: '-',
    LmPackageName: auth === 'NTLM' ? 'NTLM V2' : '-',
    KeyLength: auth === 'NTLM' ? '128' : '0',
    ProcessId:
      o.logonType === 3
        ? '0x0'
        : hexId(systemProc(ctx.org, ctx.host, o.logonType === 5 ? 'services' : 'svchost').pid),
    ProcessName: processName,
    IpAddress: o.srcIp ?? (remote ? '-' : o.logonType === 5 ? '-' : '127.0.0.1'),
    IpPort: o.srcPort !== undefined ? String(o.srcPort) : remote || o.logonType === 5 ? '-' : '0',
    ImpersonationLevel: '%%1833',
    RestrictedAdminMode: o.logonType === 10 ? '%%1843' : '-',
    TargetOutboundUserName: '-',
    TargetOutboundDomainName: '-',
    VirtualAccount: '%%1843',
    TargetLinkedLogonId: '0x0',
    ElevatedToken: o.elevated || o.privileged ? '%%1842' : '%%1843',
  });
  if (o.privileged) {
    emit(ctx, ts, SECURITY, 4672, {
      SubjectUserSid: o.target.sid,
      SubjectUserName: o.target.name,
      SubjectDomainName: o.target.domain,
      SubjectLogonId: o.logonId,
      PrivilegeList: ADMIN_PRIVILEGES.join('\n\t\t\t'),
    });
  }
}

export function logoff(ctx: Ctx, ts: number, target: Account, logonId: string, logonType: number): void {
  emit(ctx, ts, SECURITY, 4634, {
    TargetUserSid: target.sid,
    TargetUserName: target.name,
    TargetDomainName: target.domain,
    TargetLogonId: logonId,
    LogonType: String(logonType),
  });
}

const FAILURE_STATUS = {
  badPassword: ['0xc000006d', '0xc000006a'],
  noUser: ['0xc000006d', '0xc0000064'],
  locked: ['0xc0000234', '0x0'],
} as const;

export function logonFailed(
  ctx: Ctx,
  ts: number,
  target: Account,
  logonType: 2 | 3 | 10,
  srcIp: string,
  reason: keyof typeof FAILURE_STATUS,
  workstation = '-',
  auth: 'NTLM' | 'Kerberos' = 'NTLM',
): void {
  const [status, sub] = FAILURE_STATUS[reason];
  emit(
    ctx,
    ts,
    SECURITY,
    4625,
    {
      SubjectUserSid: 'S-1-0-0',
      SubjectUserName: '-',
      SubjectDomainName: '-',
      SubjectLogonId: '0x0',
      TargetUserSid: 'S-1-0-0',
      TargetUserName: target.name,
      TargetDomainName: target.domain,
      Status: status,
      FailureReason: reason === 'locked' ? '%%2307' : '%%2313',
      SubStatus: sub,
      LogonType: String(logonType),
      LogonProcessName: auth === 'NTLM' ? 'NtLmSsp ' : 'Kerberos',
      AuthenticationPackageName: auth,
      WorkstationName: workstation,
      TransmittedServices: '-',
      LmPackageName: '-',
      KeyLength: '0',
      // Interactive failures are reported by the local logon service; network ones carry no process.
      ProcessId: logonType === 3 ? '0x0' : hexId(systemProc(ctx.org, ctx.host, 'svchost').pid),
      ProcessName: logonType === 3 ? '-' : `${SYSTEM32}\\svchost.exe`,
      IpAddress: srcIp,
      IpPort: logonType === 2 ? '0' : String(ctx.rng.int(49152, 65535)),
    },
    true,
  );
}

export function explicitLogon(
  ctx: Ctx,
  ts: number,
  subject: Proc,
  target: Account,
  server: string,
  serverIp: string,
): void {
  emit(ctx, ts, SECURITY, 4648, {
    SubjectUserSid: subject.user.sid,
    SubjectUserName: subject.user.name,
    SubjectDomainName: subject.user.domain,
    SubjectLogonId: subject.logonId,
    LogonGuid: '{00000000-0000-0000-0000-000000000000}',
    TargetUserName: target.name,
    TargetDomainName: target.domain,
    TargetLogonGuid: '{00000000-0000-0000-0000-000000000000}',
    TargetServerName: server,
    TargetInfo: server,
    ProcessId: hexId(subject.pid),
    ProcessName: subject.image,
    IpAddress: serverIp,
    IpPort: '445',
  });
}

/** 7045 (System) and 4697 (Security) for one service installation. */
export function serviceInstall(
  ctx: Ctx,
  ts: number,
  by: Account,
  byLogonId: string,
  name: string,
  imagePath: string,
  startType: 'auto start' | 'demand start' = 'demand start',
): void {
  emit(ctx, ts, SYSTEM, 7045, {
    ServiceName: name,
    ImagePath: imagePath,
    ServiceType: 'user mode service',
    StartType: startType,
    AccountName: 'LocalSystem',
  });
  emit(ctx, ts, SECURITY, 4697, {
    SubjectUserSid: by.sid,
    SubjectUserName: by.name,
    SubjectDomainName: by.domain,
    SubjectLogonId: byLogonId,
    ServiceName: name,
    ServiceFileName: imagePath,
    ServiceType: '0x10',
    ServiceStartType: startType === 'auto start' ? '2' : '3',
    ServiceAccount: 'LocalSystem',
  });
}

export function taskCreated(
  ctx: Ctx,
  ts: number,
  by: Account,
  byLogonId: string,
  taskName: string,
  command: string,
  args: string,
): void {
  const xml =
    '<?xml version="1.0" encoding="UTF-16"?>\r\n<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\r\n' +
    `  <RegistrationInfo>\r\n    <Author>${by.domain}\\${by.name}</Author>\r\n    <URI>${taskName}</URI>\r\n  </RegistrationInfo>\r\n` +
    `  <Actions Context="Author">\r\n    <Exec>\r\n      <Command>${command}</Command>\r\n      <Arguments>${args}</Arguments>\r\n    </Exec>\r\n  </Actions>\r\n</Task>`;
  emit(ctx, ts, SECURITY, 4698, {
    SubjectUserSid: by.sid,
    SubjectUserName: by.name,
    SubjectDomainName: by.domain,
    SubjectLogonId: byLogonId,
    TaskName: taskName,
    TaskContent: xml,
  });
}

/** 4768 on a domain controller. */
export function kerberosTgt(
  ctx: Ctx,
  ts: number,
  user: Account,
  clientIp: string,
  status = '0x0',
  encType = '0x12',
): void {
  emit(
    ctx,
    ts,
    SECURITY,
    4768,
    {
      TargetUserName: user.name,
      TargetDomainName: ctx.org.dnsDomain.toUpperCase(),
      TargetSid: status === '0x0' ? user.sid : 'S-1-0-0',
      ServiceName: 'krbtgt',
      ServiceSid: `${ctx.org.domainSid}-502`,
      TicketOptions: '0x40810010',
      Status: status,
      TicketEncryptionType: status === '0x0' ? encType : '0xffffffff',
      PreAuthType: status === '0x0' ? '2' : '-',
      IpAddress: `::ffff:${clientIp}`,
      IpPort: String(ctx.rng.int(49152, 65535)),
      CertIssuerName: '',
      CertSerialNumber: '',
      CertThumbprint: '',
    },
    status !== '0x0',
  );
}

/** 4769 on a domain controller. RC4 (0x17) for a service account is the Kerberoasting tell. */
export function kerberosTgs(
  ctx: Ctx,
  ts: number,
  user: Account,
  service: string,
  serviceSid: string,
  clientIp: string,
  encType = '0x12',
): void {
  emit(ctx, ts, SECURITY, 4769, {
    TargetUserName: `${user.name}@${ctx.org.dnsDomain.toUpperCase()}`,
    TargetDomainName: ctx.org.dnsDomain.toUpperCase(),
    ServiceName: service,
    ServiceSid: serviceSid,
    TicketOptions: '0x40810000',
    TicketEncryptionType: encType,
    IpAddress: `::ffff:${clientIp}`,
    IpPort: String(ctx.rng.int(49152, 65535)),
    Status: '0x0',
    LogonGuid: ctx.rng.guid(),
    TransmittedServices: '-',
  });
}

export function ntlmValidate(
  ctx: Ctx,
  ts: number,
  userName: string,
  workstation: string,
  status = '0x0',
): void {
  emit(
    ctx,
    ts,
    SECURITY,
    4776,
    {
      PackageName: 'MICROSOFT_AUTHENTICATION_PACKAGE_V1_0',
      TargetUserName: userName,
      Workstation: workstation,
      Status: status,
    },
    status !== '0x0',
  );
}

/** 5140, plus 5145 for the file touched (file servers audit detailed share access). */
export function shareAccess(
  ctx: Ctx,
  ts: number,
  user: Account,
  logonId: string,
  srcIp: string,
  share: string,
  localPath: string,
  relative?: string,
  write = false,
): void {
  const common = {
    SubjectUserSid: user.sid,
    SubjectUserName: user.name,
    SubjectDomainName: user.domain,
    SubjectLogonId: logonId,
    ObjectType: 'File',
    IpAddress: srcIp,
    IpPort: String(ctx.rng.int(49152, 65535)),
    ShareName: `\\\\*\\${share}`,
    ShareLocalPath: `\\??\\${localPath}`,
  };
  emit(ctx, ts, SECURITY, 5140, { ...common, AccessMask: '0x1', AccessList: '%%4416\n\t\t\t\t' });
  if (relative !== undefined) {
    emit(ctx, ts + 2, SECURITY, 5145, {
      ...common,
      RelativeTargetName: relative,
      AccessMask: write ? '0x2' : '0x1',
      AccessList: write ? '%%4417\n\t\t\t\t' : '%%4416\n\t\t\t\t',
      AccessReason: '-',
    });
  }
}

export function logCleared(ctx: Ctx, ts: number, by: Account, logonId: string): void {
  emit(ctx, ts, SECURITY, 1102, {
    SubjectUserSid: by.sid,
    SubjectUserName: by.name,
    SubjectDomainName: by.domain,
    SubjectLogonId: logonId,
  });
  ctx.out[ctx.out.length - 1].userData = 'LogFileCleared';
}

/** 4104. The user rides along in private "_" fields: Windows records it in the event's System/Security element. */
export function scriptBlock(ctx: Ctx, ts: number, text: string, user: Account, path = ''): void {
  emit(ctx, ts, POWERSHELL, 4104, {
    MessageNumber: '1',
    MessageTotal: '1',
    ScriptBlockText: text,
    ScriptBlockId: ctx.rng.guid().slice(1, -1),
    Path: path,
    _UserSid: user.sid,
    _UserName: user.name,
    _UserDomain: user.domain,
  });
}

/** A shell child (cmd /c ...) of a process, the usual shape of admin and attacker commands alike. */
export function shell(ctx: Ctx, ts: number, parent: Proc, command: string): Proc {
  return spawn(
    ctx,
    ts,
    parent,
    newProc(
      ctx,
      CMD_EXE,
      `${CMD_EXE} /c ${command}`,
      parent.user,
      parent.logonId,
      parent.integrity,
      parent.cwd,
    ),
  );
}
