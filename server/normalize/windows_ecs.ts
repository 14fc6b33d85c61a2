/**
 * The ECS mapping Winlogbeat's ingest pipelines (security, sysmon, powershell) apply, reproduced for sources that
 * carry only the Windows event data: Winlogbeat collection stage, EVTX, evtx_dump JSON, NXLog/OTRF, Winlogbeat 6,
 * Wazuh. Every step only fills a field that is still empty, so for documents that already went through the
 * pipelines it completes what older pipeline versions left out (System 7045, 5140/5145) without overriding them.
 * Field-by-field notes: docs/reference/winlogbeat-wazuh-formats.md §1.2-1.3.
 */
import { isIP } from 'net';
import type { EcsEndpoint, EcsProcess, EcsUser, Event } from '../../common/event';
import { LOGON_TYPE_LABELS } from '../../common/windows_values';
import { domainParts } from './dns_domain';
import { EventData, firstOf } from './event_data';
import { decodeLogonFailure } from './logon_failure';
import {
  baseName,
  cleanIp,
  commandLineArgs,
  parseHashes,
  parseIntLoose,
  present,
  splitAccount,
  splitPath,
} from './values';

export type ChannelKind = 'security' | 'sysmon' | 'powershell' | 'system' | 'other';

const channelKinds = new Map<string, ChannelKind>();

/** Channel name -> kind; channel names repeat, so the lower-casing happens once per distinct spelling. */
export function channelKind(channel: string | undefined): ChannelKind {
  if (channel === undefined) return 'other';
  let k = channelKinds.get(channel);
  if (k !== undefined) return k;
  const c = channel.toLowerCase();
  k =
    c === 'security'
      ? 'security'
      : c === 'microsoft-windows-sysmon/operational'
        ? 'sysmon'
        : c === 'microsoft-windows-powershell/operational' || c === 'windows powershell'
          ? 'powershell'
          : c === 'system'
            ? 'system'
            : 'other';
  if (channelKinds.size < 1000) channelKinds.set(channel, k);
  return k;
}

type Who = 'subject' | 'target';

interface SecurityRule {
  action: string;
  category: string[];
  type: string[];
  /** Whose account fills user.*. */
  user: Who;
  /** The pipeline's "Rename Common Auth Fields" step: IpAddress/IpPort/WorkstationName/ProcessId/ProcessName. */
  auth?: boolean;
  outcome?: 'failure';
}

const AUTH_START = { category: ['authentication'], type: ['start'] };
const IAM_USER_CHANGE = { category: ['iam'], type: ['user', 'change'] };
const IAM_GROUP_CHANGE = { category: ['iam'], type: ['group', 'change'] };
const TASK = { category: ['iam', 'configuration'], user: 'subject' as Who };

/** The security pipeline's lookup on event.code (security_standard.yml), for the codes detection relies on. */
const SECURITY: Record<number, SecurityRule> = {
  1102: { action: 'audit-log-cleared', category: ['iam'], type: ['admin', 'change'], user: 'subject' },
  4624: { action: 'logged-in', ...AUTH_START, user: 'target', auth: true },
  4625: { action: 'logon-failed', ...AUTH_START, user: 'target', auth: true, outcome: 'failure' },
  4634: { action: 'logged-out', category: ['authentication'], type: ['end'], user: 'target' },
  4647: { action: 'logged-out', category: ['authentication'], type: ['end'], user: 'target' },
  4648: { action: 'logged-in-explicit', ...AUTH_START, user: 'subject', auth: true },
  4672: { action: 'logged-in-special', category: ['iam'], type: ['admin'], user: 'subject' },
  4688: { action: 'created-process', category: ['process'], type: ['start'], user: 'subject' },
  4689: { action: 'exited-process', category: ['process'], type: ['end'], user: 'subject' },
  4697: { action: 'service-installed', ...TASK, type: ['admin', 'change'], auth: true },
  4698: { action: 'scheduled-task-created', ...TASK, type: ['creation', 'admin'] },
  4699: { action: 'scheduled-task-deleted', ...TASK, type: ['deletion', 'admin'] },
  4700: { action: 'scheduled-task-enabled', ...TASK, type: ['change', 'admin'] },
  4701: { action: 'scheduled-task-disabled', ...TASK, type: ['change', 'admin'] },
  4702: { action: 'scheduled-task-updated', ...TASK, type: ['change', 'admin'] },
  4720: {
    action: 'added-user-account',
    category: ['iam'],
    type: ['user', 'creation'],
    user: 'subject',
    auth: true,
  },
  4722: { action: 'enabled-user-account', ...IAM_USER_CHANGE, user: 'subject' },
  4724: { action: 'reset-password', ...IAM_USER_CHANGE, user: 'subject' },
  4725: { action: 'disabled-user-account', ...IAM_USER_CHANGE, user: 'subject' },
  4726: { action: 'deleted-user-account', category: ['iam'], type: ['user', 'deletion'], user: 'subject' },
  4728: { action: 'added-member-to-group', ...IAM_GROUP_CHANGE, user: 'subject', auth: true },
  4729: { action: 'removed-member-from-group', ...IAM_GROUP_CHANGE, user: 'subject' },
  4732: { action: 'added-member-to-group', ...IAM_GROUP_CHANGE, user: 'subject', auth: true },
  4733: { action: 'removed-member-from-group', ...IAM_GROUP_CHANGE, user: 'subject' },
  4738: { action: 'modified-user-account', ...IAM_USER_CHANGE, user: 'subject' },
  4756: { action: 'added-member-to-group', ...IAM_GROUP_CHANGE, user: 'subject', auth: true },
  4757: { action: 'removed-member-from-group', ...IAM_GROUP_CHANGE, user: 'subject' },
  4768: { action: 'kerberos-authentication-ticket-requested', ...AUTH_START, user: 'target', auth: true },
  4769: { action: 'kerberos-service-ticket-requested', ...AUTH_START, user: 'target', auth: true },
  4770: { action: 'kerberos-service-ticket-renewed', ...AUTH_START, user: 'target', auth: true },
  4771: {
    action: 'kerberos-preauth-failed',
    ...AUTH_START,
    user: 'target',
    auth: true,
    outcome: 'failure',
  },
  4776: { action: 'credential-validated', ...AUTH_START, user: 'target' },
  4798: { action: 'user-member-enumerated', category: ['iam'], type: ['user', 'info'], user: 'subject' },
  4799: {
    action: 'group-membership-enumerated',
    category: ['iam'],
    type: ['group', 'info'],
    user: 'subject',
  },
  5140: {
    action: 'network-share-object-accessed',
    category: ['network', 'file'],
    type: ['info', 'access'],
    user: 'subject',
    auth: true,
  },
  5145: {
    action: 'network-share-object-access-checked',
    category: ['network', 'file'],
    type: ['info', 'access'],
    user: 'subject',
    auth: true,
  },
};

/** Sysmon EID -> [category, type, action] (newer sysmon.yml action strings). */
const SYSMON: Record<number, [string[], string[], string]> = {
  1: [['process'], ['start'], 'Process creation'],
  2: [['file'], ['change'], 'File creation time changed'],
  3: [['network'], ['start', 'connection', 'protocol'], 'Network connection'],
  4: [['process'], ['change'], 'Sysmon service state changed'],
  5: [['process'], ['end'], 'Process terminated'],
  6: [['driver'], ['start'], 'Driver loaded'],
  7: [['process'], ['change'], 'Image loaded'],
  8: [['process'], ['change'], 'CreateRemoteThread'],
  9: [['process'], ['access'], 'RawAccessRead'],
  10: [['process'], ['access'], 'ProcessAccess'],
  11: [['file'], ['creation'], 'File created'],
  12: [['configuration', 'registry'], ['change'], 'Registry object added or deleted'],
  13: [['configuration', 'registry'], ['change'], 'Registry value set'],
  14: [['configuration', 'registry'], ['change'], 'Registry object renamed'],
  15: [['file'], ['access'], 'File stream created'],
  16: [['configuration'], ['change'], 'Sysmon config state changed'],
  17: [['file'], ['creation'], 'Pipe Created'],
  18: [['file'], ['access'], 'Pipe Connected'],
  19: [['process'], ['change'], 'WmiEventFilter activity detected'],
  20: [['process'], ['change'], 'WmiEventConsumer activity detected'],
  21: [['process'], ['change'], 'WmiEventConsumerToFilter activity detected'],
  22: [['network'], ['connection', 'protocol', 'info'], 'DNS query'],
  23: [['file'], ['deletion'], 'File Delete archived'],
  24: [['process'], ['change'], 'Clipboard changed'],
  25: [['process'], ['change'], 'Process tampering'],
  26: [['file'], ['deletion'], 'File Delete logged'],
  27: [['file'], ['creation'], 'File Block Executable'],
  28: [['file'], ['creation'], 'File Block Shredding'],
  29: [['file'], ['creation'], 'File Executable Detected'],
};

const SERVICE_TYPES: Record<string, string> = {
  '0x1': 'Kernel Driver',
  '0x2': 'File System Driver',
  '0x8': 'Recognizer Driver',
  '0x10': 'Win32 Own Process',
  '0x20': 'Win32 Share Process',
  '0x50': 'User Own Process',
  '0x60': 'User Share Process',
  '0x110': 'Interactive Own Process',
  '0x120': 'Interactive Share Process',
};

/** Sysmon 22 QueryStatus (a Win32/DNS error code) -> DNS response code, for the common ones. */
const DNS_STATUS: Record<string, string> = {
  '0': 'NOERROR',
  '9001': 'FORMERR',
  '9002': 'SERVFAIL',
  '9003': 'NXDOMAIN',
  '9004': 'NOTIMP',
  '9005': 'REFUSED',
  '9501': 'NXDOMAIN',
};

const REGISTRY_HIVES: Record<string, string> = {
  HKEY_LOCAL_MACHINE: 'HKLM',
  HKEY_USERS: 'HKU',
  HKEY_CURRENT_USER: 'HKCU',
  HKEY_CLASSES_ROOT: 'HKCR',
  HKEY_CURRENT_CONFIG: 'HKCC',
  '\\REGISTRY\\MACHINE': 'HKLM',
  '\\REGISTRY\\USER': 'HKU',
};

function proc(ev: Event): EcsProcess & { parent?: EcsProcess } {
  return ev.process ?? (ev.process = {});
}

function parentOf(ev: Event): EcsProcess {
  const p = proc(ev);
  return p.parent ?? (p.parent = {});
}

function setExecutable(p: EcsProcess, exe: string | undefined): void {
  if (!present(exe)) return;
  if (p.executable === undefined) p.executable = exe;
  if (p.name === undefined) p.name = baseName(exe);
}

function setCommandLine(p: EcsProcess, cmd: string | undefined): void {
  if (p.command_line === undefined) {
    if (!present(cmd)) return;
    p.command_line = cmd;
  }
  if (p.args === undefined) p.args = commandLineArgs(p.command_line);
}

/** process.args / process.parent.args from the command lines, for documents whose pipeline did not split them. */
export function completeProcessArgs(ev: Event): void {
  const p = ev.process;
  if (p === undefined) return;
  if (p.command_line !== undefined && p.args === undefined) p.args = commandLineArgs(p.command_line);
  const pp = p.parent;
  if (pp !== undefined && pp.command_line !== undefined && pp.args === undefined)
    pp.args = commandLineArgs(pp.command_line);
}

function setPid(p: EcsProcess, v: string | undefined): void {
  if (p.pid !== undefined) return;
  const n = parseIntLoose(v);
  if (n !== undefined) p.pid = n;
}

function setEntity(p: EcsProcess, guid: string | undefined): void {
  if (present(guid) && p.entity_id === undefined) p.entity_id = guid.toLowerCase();
}

function userOf(ev: Event): NonNullable<Event['user']> {
  return ev.user ?? (ev.user = {});
}

function fillUser(
  u: EcsUser,
  name: string | undefined,
  domain: string | undefined,
  sid: string | undefined,
): void {
  if (present(name) && u.name === undefined) {
    // 4769 writes "user@REALM"; the pipeline keeps the part before "@".
    const at = name.indexOf('@');
    u.name = at > 0 ? name.slice(0, at) : name;
  }
  if (present(domain) && u.domain === undefined) u.domain = domain;
  if (present(sid) && u.id === undefined) u.id = sid;
}

function endpoint(ev: Event, which: 'source' | 'destination'): EcsEndpoint {
  return ev[which] ?? (ev[which] = {});
}

function setIp(e: EcsEndpoint, ip: string | undefined): void {
  if (present(ip) && e.ip === undefined) e.ip = cleanIp(ip);
}

function setPort(e: EcsEndpoint, port: string | undefined): void {
  if (e.port !== undefined || !present(port)) return;
  const n = parseIntLoose(port);
  if (n !== undefined) e.port = n;
}

function setFile(ev: Event, p: string | undefined): void {
  if (!present(p)) return;
  const f = ev.file ?? (ev.file = {});
  if (f.path !== undefined) return;
  const parts = splitPath(p);
  f.path = parts.path;
  if (f.name === undefined) f.name = parts.name;
  if (f.directory === undefined && parts.directory !== undefined) f.directory = parts.directory;
  if (f.extension === undefined && parts.extension !== undefined) f.extension = parts.extension;
}

function setCategorisation(ev: Event, category: string[], type: string[], action: string | undefined): void {
  const e = ev.event;
  if (e.category === undefined) e.category = category;
  if (e.type === undefined) e.type = type;
  if (action !== undefined && e.action === undefined) e.action = action;
}

function setLogonType(ev: Event, raw: string | undefined): void {
  if (!present(raw)) return;
  const logon = ev.winlog.logon ?? (ev.winlog.logon = {});
  if (logon.type === undefined) logon.type = LOGON_TYPE_LABELS[raw] ?? raw;
}

function setLogonId(ev: Event, id: string | undefined): void {
  if (!present(id)) return;
  const logon = ev.winlog.logon ?? (ev.winlog.logon = {});
  if (logon.id === undefined) logon.id = id;
}

function setLogonFailure(ev: Event, ed: EventData, id: number): void {
  if (ev.winlog.logon?.failure !== undefined) return;
  const failure = decodeLogonFailure(id, ed.Status, ed.SubStatus, ed.FailureReason);
  if (failure === undefined) return;
  (ev.winlog.logon ?? (ev.winlog.logon = {})).failure = failure;
}

/** ECS `group.*` of a membership change: the group is the event's Target (TargetUserName/TargetSid/Domain). */
function setGroup(ev: Event, ed: EventData): void {
  if (ev.group !== undefined) return;
  const g: NonNullable<Event['group']> = {};
  if (present(ed.TargetUserName)) g.name = ed.TargetUserName;
  if (present(ed.TargetSid)) g.id = ed.TargetSid;
  if (present(ed.TargetDomainName)) g.domain = ed.TargetDomainName;
  if (g.name !== undefined || g.id !== undefined) ev.group = g;
}

/** CN=Jane Doe,OU=... -> "Jane Doe" (4728/4732/4756 MemberName). */
function commonName(dn: string): string | undefined {
  if (!dn.startsWith('CN=') && !dn.startsWith('cn=')) return undefined;
  let end = dn.indexOf(',', 3);
  // Escaped commas ("Doe\, Jane") belong to the name.
  while (end > 0 && dn.charCodeAt(end - 1) === 92) end = dn.indexOf(',', end + 1);
  return (end < 0 ? dn.slice(3) : dn.slice(3, end)).split('\\,').join(',');
}

function mapSecurity(ev: Event, ed: EventData, id: number): void {
  const rule = SECURITY[id];
  if (rule) {
    setCategorisation(ev, rule.category, rule.type, rule.action);
    if (rule.outcome && ev.event.outcome === undefined) ev.event.outcome = rule.outcome;
    const u = userOf(ev);
    if (rule.user === 'target')
      fillUser(u, ed.TargetUserName, ed.TargetDomainName, ed.TargetUserSid ?? ed.TargetSid);
    else fillUser(u, ed.SubjectUserName, ed.SubjectDomainName, ed.SubjectUserSid);
    if (u.name === undefined && u.domain === undefined && u.id === undefined) ev.user = undefined;
    if (rule.auth) {
      const ip = ed.IpAddress;
      if (present(ip)) {
        const s = endpoint(ev, 'source');
        setIp(s, ip);
        setPort(s, ed.IpPort);
      }
      const ws = ed.WorkstationName;
      if (present(ws)) {
        const s = endpoint(ev, 'source');
        if (s.domain === undefined) s.domain = ws;
      }
      if (present(ed.ProcessName) || present(ed.ProcessId)) {
        const p = proc(ev);
        setPid(p, ed.ProcessId);
        setExecutable(p, ed.ProcessName);
      }
    }
  }
  switch (id) {
    case 4624:
      setLogonType(ev, ed.LogonType);
      setLogonId(ev, ed.SubjectLogonId);
      break;
    case 4625:
      setLogonType(ev, ed.LogonType);
      setLogonId(ev, ed.SubjectLogonId);
      setLogonFailure(ev, ed, id);
      break;
    case 4776:
      setLogonFailure(ev, ed, id);
      break;
    case 4634:
    case 4647:
      setLogonType(ev, ed.LogonType);
      setLogonId(ev, ed.TargetLogonId);
      break;
    case 4648: {
      if (present(ed.TargetUserName)) {
        const u = userOf(ev);
        const eff = u.effective ?? (u.effective = {});
        fillUser(eff, ed.TargetUserName, ed.TargetDomainName, undefined);
      }
      setLogonId(ev, ed.SubjectLogonId);
      break;
    }
    case 4688: {
      const p = proc(ev);
      setPid(p, ed.NewProcessId);
      setExecutable(p, ed.NewProcessName);
      setCommandLine(p, ed.CommandLine);
      const parentExe = ed.ParentProcessName;
      const parentPid = ed.ProcessId;
      if (present(parentExe) || present(parentPid)) {
        const pp = parentOf(ev);
        setExecutable(pp, parentExe);
        setPid(pp, parentPid);
      }
      if (present(ed.TargetUserSid)) {
        const u = userOf(ev);
        const eff = u.effective ?? (u.effective = {});
        if (eff.id === undefined) eff.id = ed.TargetUserSid;
      }
      setLogonId(ev, ed.SubjectLogonId);
      break;
    }
    case 4689: {
      const p = proc(ev);
      setPid(p, ed.ProcessId);
      setExecutable(p, ed.ProcessName);
      setLogonId(ev, ed.SubjectLogonId);
      break;
    }
    case 4697:
      setService(ev, ed.ServiceName, ed.ServiceType);
      setLogonId(ev, ed.SubjectLogonId);
      break;
    case 4720:
    case 4722:
    case 4724:
    case 4725:
    case 4726:
    case 4738: {
      const u = userOf(ev);
      const t = u.target ?? (u.target = {});
      fillUser(t, ed.TargetUserName, ed.TargetDomainName, ed.TargetSid);
      setLogonId(ev, ed.SubjectLogonId);
      break;
    }
    case 4728:
    case 4729:
    case 4732:
    case 4733:
    case 4756:
    case 4757: {
      const member = ed.MemberName;
      const cn = present(member) ? commonName(member) : undefined;
      if (cn !== undefined || present(ed.MemberSid)) {
        const u = userOf(ev);
        const t = u.target ?? (u.target = {});
        if (cn !== undefined && t.name === undefined) t.name = cn;
        if (present(ed.MemberSid) && t.id === undefined) t.id = ed.MemberSid;
      }
      setGroup(ev, ed);
      setLogonId(ev, ed.SubjectLogonId);
      break;
    }
    case 4768:
    case 4769:
    case 4770:
    case 4771:
      if (present(ed.ServiceName)) setService(ev, ed.ServiceName, undefined);
      break;
    case 4778:
    case 4779: {
      const s = endpoint(ev, 'source');
      setIp(s, ed.ClientAddress);
      if (present(ed.ClientName) && s.domain === undefined) s.domain = ed.ClientName;
      if (s.ip === undefined && s.domain === undefined) ev.source = undefined;
      const u = userOf(ev);
      fillUser(u, ed.AccountName, ed.AccountDomain, undefined);
      setLogonId(ev, ed.LogonID);
      break;
    }
    case 5140:
    case 5145:
      setLogonId(ev, ed.SubjectLogonId);
      break;
    default:
      if (rule) setLogonId(ev, ed.SubjectLogonId);
  }
}

function setService(ev: Event, name: string | undefined, type: string | undefined): void {
  if (!present(name)) return;
  const s = ev.service ?? (ev.service = {});
  if (s.name === undefined) s.name = name;
  if (present(type) && s.type === undefined) s.type = SERVICE_TYPES[type.toLowerCase()] ?? type;
}

function setHashes(p: EcsProcess, hashes: string | undefined): void {
  if (!present(hashes) || p.hash !== undefined) return;
  p.hash = parseHashes(hashes);
}

/** file.hash.* from Sysmon's "SHA1=…,MD5=…" list (image/driver loads, file delete archiving, executables). */
function setFileHashes(ev: Event, hashes: string | undefined): void {
  if (!present(hashes) || ev.file?.hash !== undefined) return;
  const h = parseHashes(hashes);
  if (h.md5 === undefined && h.sha1 === undefined && h.sha256 === undefined && h.imphash === undefined)
    return;
  (ev.file ?? (ev.file = {})).hash = h;
}

function setRegistry(ev: Event, ed: EventData, id: number): void {
  const path = ed.TargetObject;
  if (!present(path)) return;
  const r = ev.registry ?? (ev.registry = {});
  if (r.path !== undefined) return;
  r.path = path;
  const first = path.indexOf('\\', path.startsWith('\\REGISTRY\\') ? 10 : 0);
  const hiveRaw = first > 0 ? path.slice(0, first) : path;
  const hive = REGISTRY_HIVES[hiveRaw.toUpperCase()] ?? hiveRaw;
  if (r.hive === undefined) r.hive = hive;
  if (first > 0) {
    const rest = path.slice(first + 1);
    if (id === 13) {
      // Value set: the last segment is the value name, the rest is the key.
      const last = rest.lastIndexOf('\\');
      if (r.key === undefined) r.key = last >= 0 ? rest.slice(0, last) : '';
      if (r.value === undefined) r.value = last >= 0 ? rest.slice(last + 1) : rest;
    } else if (r.key === undefined) r.key = rest;
  }
  const details = ed.Details;
  if (id === 13 && present(details) && r.data === undefined) r.data = registryData(details);
}

/** Sysmon 13 Details: "DWORD (0x00000001)" -> {type SZ_DWORD, strings ["1"]}, as the pipeline's script parses it. */
function registryData(d: string): { strings: string[]; type: string } {
  if (d.startsWith('DWORD (') && d.endsWith(')')) {
    const n = parseInt(d.slice(7, -1), 16);
    return { strings: [Number.isFinite(n) ? String(n) : d], type: 'SZ_DWORD' };
  }
  if (d.startsWith('QWORD (') && d.endsWith(')')) {
    const inner = d.slice(7, -1).split('-');
    if (inner.length === 2) {
      const v = BigInt(inner[0]) * 4294967296n + BigInt(inner[1]);
      return { strings: [v.toString()], type: 'SZ_QWORD' };
    }
    return { strings: [d], type: 'SZ_QWORD' };
  }
  if (d === 'Binary Data') return { strings: [d], type: 'SZ_BINARY' };
  return { strings: [d], type: 'SZ' };
}

/** Sysmon 22 QueryResults: "type:  5 host.example;::ffff:1.2.3.4;" -> answers (the pipeline's script). */
function dnsAnswers(results: string): Array<{ data?: string; type?: string }> {
  const out: Array<{ data?: string; type?: string }> = [];
  for (const part of results.split(';')) {
    const s = part.trim();
    if (s === '' || s === '-') continue;
    if (s.startsWith('type:')) {
      const rest = s.slice(5).trim();
      const sp = rest.indexOf(' ');
      const code = sp > 0 ? rest.slice(0, sp) : rest;
      const data = sp > 0 ? rest.slice(sp + 1).trim() : '';
      out.push({ type: code === '5' ? 'CNAME' : code, data });
    } else {
      const ip = cleanIp(s);
      out.push({ type: ip.indexOf(':') >= 0 ? 'AAAA' : 'A', data: ip });
    }
  }
  return out;
}

function mapSysmon(ev: Event, ed: EventData, id: number): void {
  const cat = SYSMON[id];
  if (cat) setCategorisation(ev, cat[0], cat[1], cat[2]);
  const p = proc(ev);
  if (id === 8 || id === 10) {
    setEntity(p, firstOf(ed, 'SourceProcessGUID', 'SourceProcessGuid'));
    setPid(p, ed.SourceProcessId);
    setExecutable(p, ed.SourceImage);
  } else {
    setEntity(p, ed.ProcessGuid);
    setPid(p, ed.ProcessId);
    setExecutable(p, ed.Image);
  }
  const user = ed.User ?? (id === 10 ? ed.SourceUser : undefined);
  if (present(user)) {
    const acc = splitAccount(user);
    fillUser(userOf(ev), acc.name, acc.domain, undefined);
  }
  switch (id) {
    case 1: {
      setCommandLine(p, ed.CommandLine);
      setHashes(p, ed.Hashes);
      if (p.integrity_level === undefined && present(ed.IntegrityLevel))
        p.integrity_level = ed.IntegrityLevel;
      if (present(ed.OriginalFileName) || present(ed.Company) || present(ed.Description)) {
        const pe = p.pe ?? (p.pe = {});
        if (pe.original_file_name === undefined && present(ed.OriginalFileName))
          pe.original_file_name = ed.OriginalFileName;
        if (pe.company === undefined && present(ed.Company)) pe.company = ed.Company;
        if (pe.description === undefined && present(ed.Description)) pe.description = ed.Description;
      }
      if (present(ed.ParentImage) || present(ed.ParentProcessGuid) || present(ed.ParentProcessId)) {
        const pp = parentOf(ev);
        setEntity(pp, ed.ParentProcessGuid);
        setPid(pp, ed.ParentProcessId);
        setExecutable(pp, ed.ParentImage);
        setCommandLine(pp, ed.ParentCommandLine);
      }
      break;
    }
    case 3: {
      const s = endpoint(ev, 'source');
      setIp(s, ed.SourceIp);
      setPort(s, ed.SourcePort);
      if (present(ed.SourceHostname) && s.domain === undefined) s.domain = ed.SourceHostname;
      const d = endpoint(ev, 'destination');
      setIp(d, ed.DestinationIp);
      setPort(d, ed.DestinationPort);
      if (present(ed.DestinationHostname) && d.domain === undefined) d.domain = ed.DestinationHostname;
      const n = ev.network ?? (ev.network = {});
      if (n.transport === undefined && present(ed.Protocol)) n.transport = ed.Protocol.toLowerCase();
      if (n.protocol === undefined && present(ed.DestinationPortName))
        n.protocol = ed.DestinationPortName.toLowerCase();
      if (n.direction === undefined && present(ed.Initiated))
        n.direction = ed.Initiated.toLowerCase() === 'true' ? 'outbound' : 'inbound';
      break;
    }
    case 6:
    case 7:
      setFile(ev, ed.ImageLoaded);
      setFileHashes(ev, ed.Hashes);
      break;
    case 15:
      // FileCreateStreamHash names its field "Hash" (Sysmon 11+); older schemas used "Hashes".
      setFile(ev, ed.TargetFilename);
      setFileHashes(ev, ed.Hash ?? ed.Hashes);
      break;
    case 23:
    case 26:
    case 29:
      setFile(ev, ed.TargetFilename);
      setFileHashes(ev, ed.Hashes);
      break;
    case 2:
    case 11:
    case 27:
    case 28:
      setFile(ev, ed.TargetFilename);
      break;
    case 12:
    case 13:
    case 14:
      setRegistry(ev, ed, id);
      break;
    case 17:
    case 18:
      if (present(ed.PipeName)) {
        const f = ev.file ?? (ev.file = {});
        if (f.name === undefined) f.name = ed.PipeName;
      }
      break;
    case 22: {
      const q = ed.QueryName;
      if (present(q)) {
        const dns = ev.dns ?? (ev.dns = {});
        const question = dns.question ?? (dns.question = {});
        if (question.name === undefined) question.name = q;
        if (question.registered_domain === undefined) {
          const parts = domainParts(q);
          if (parts.registered_domain !== undefined) question.registered_domain = parts.registered_domain;
          if (parts.subdomain !== undefined && question.subdomain === undefined)
            question.subdomain = parts.subdomain;
          if (parts.top_level_domain !== undefined && question.top_level_domain === undefined)
            question.top_level_domain = parts.top_level_domain;
        }
        if (dns.response_code === undefined && present(ed.QueryStatus))
          dns.response_code = DNS_STATUS[ed.QueryStatus] ?? ed.QueryStatus;
        if (dns.answers === undefined && present(ed.QueryResults)) dns.answers = dnsAnswers(ed.QueryResults);
        const n = ev.network ?? (ev.network = {});
        if (n.protocol === undefined) n.protocol = 'dns';
      }
      break;
    }
    default:
      break;
  }
  if (
    p.pid === undefined &&
    p.executable === undefined &&
    p.entity_id === undefined &&
    p.parent === undefined
  )
    ev.process = undefined;
}

/** PowerShell 4103 ContextInfo / 800 HostApplication: "        Host Application = powershell.exe -enc …". */
function contextValue(ctx: string, key: string): string | undefined {
  const i = ctx.indexOf(key);
  if (i < 0) return undefined;
  const eq = ctx.indexOf('=', i + key.length);
  if (eq < 0) return undefined;
  let end = ctx.indexOf('\n', eq);
  if (end < 0) end = ctx.length;
  const v = ctx.slice(eq + 1, end).trim();
  return v === '' ? undefined : v;
}

function mapPowerShell(ev: Event, ed: EventData, id: number): void {
  if (
    id === 4104 ||
    id === 4103 ||
    id === 4105 ||
    id === 4106 ||
    id === 400 ||
    id === 403 ||
    id === 600 ||
    id === 800
  )
    setCategorisation(ev, ['process'], ['info'], undefined);
  if (id === 4104) {
    setFile(ev, ed.Path);
    return;
  }
  const ctx =
    id === 4103 ? ed.ContextInfo : id === 400 || id === 403 || id === 600 || id === 800 ? ed.Data : undefined;
  if (!present(ctx)) return;
  const host = contextValue(ctx, 'Host Application') ?? contextValue(ctx, 'HostApplication');
  if (host !== undefined) setCommandLine(proc(ev), host);
  const user = contextValue(ctx, 'User') ?? contextValue(ctx, 'UserId');
  if (user !== undefined) {
    const acc = splitAccount(user);
    fillUser(userOf(ev), acc.name, acc.domain, undefined);
  }
  const script = contextValue(ctx, 'Script Name') ?? contextValue(ctx, 'ScriptName');
  if (script !== undefined) setFile(ev, script);
}

/** TerminalServices-RemoteConnectionManager's channel, lower-cased (1149 = RDP user authentication succeeded). */
export const RDP_CONNECTION_MANAGER =
  'microsoft-windows-terminalservices-remoteconnectionmanager/operational';

/**
 * TerminalServices-RemoteConnectionManager 1149 (RDP user authentication succeeded) names the user, the domain and
 * the client address as Param1..Param3 of its UserData; ECS wants them as user.* and source.ip (the address only
 * when it is one: the field can hold a name).
 */
function mapRdpAuthentication(ev: Event, ed: EventData): void {
  fillUser(userOf(ev), ed.Param1, ed.Param2, undefined);
  if (present(ed.Param3) && isIP(cleanIp(ed.Param3)) !== 0) setIp(endpoint(ev, 'source'), ed.Param3);
}

function mapSystem(ev: Event, ed: EventData, id: number): void {
  if (id === 7045) {
    setCategorisation(ev, ['configuration'], ['creation'], 'service-installed');
    setService(ev, ed.ServiceName, ed.ServiceType);
  }
}

/**
 * Fill ECS fields of `ev` from its Windows event data. `ev.winlog.event_id`, `ev.winlog.channel` must be set;
 * `userSid` is the record's System/Security UserID (Winlogbeat's winlog.user.identifier).
 */
export function applyWindowsMapping(ev: Event, ed: EventData, userSid: string | undefined): void {
  const id = ev.winlog.event_id;
  if (id === undefined) return;
  switch (channelKind(ev.winlog.channel)) {
    case 'security':
      mapSecurity(ev, ed, id);
      break;
    case 'sysmon':
      mapSysmon(ev, ed, id);
      break;
    case 'powershell':
      mapPowerShell(ev, ed, id);
      break;
    case 'system':
      mapSystem(ev, ed, id);
      break;
    default:
      // Security-auditing events forwarded under another channel name (WEF "ForwardedEvents").
      if (ev.event.provider === 'Microsoft-Windows-Security-Auditing') mapSecurity(ev, ed, id);
      else if (ev.event.provider === 'Microsoft-Windows-Sysmon') mapSysmon(ev, ed, id);
      else if (id === 1149 && ev.winlog.channel?.toLowerCase() === RDP_CONNECTION_MANAGER)
        mapRdpAuthentication(ev, ed);
  }
  if (userSid !== undefined && userSid !== '') {
    // Sysmon/PowerShell: user.id <- winlog.user.identifier (the record's security UserID).
    const kind = channelKind(ev.winlog.channel);
    if (kind === 'sysmon' || kind === 'powershell') {
      const u = userOf(ev);
      if (u.id === undefined) u.id = userSid;
    }
  }
  if (
    ev.source !== undefined &&
    ev.source.ip === undefined &&
    ev.source.port === undefined &&
    ev.source.domain === undefined
  )
    ev.source = undefined;
  if (
    ev.destination !== undefined &&
    ev.destination.ip === undefined &&
    ev.destination.port === undefined &&
    ev.destination.domain === undefined
  )
    ev.destination = undefined;
}
