/**
 * Winlogbeat 8 documents as they sit in Elasticsearch after the Winlogbeat ingest pipelines (security, sysmon,
 * powershell modules): ECS fields lifted out of event_data (and the originals removed where the pipeline removes
 * them), categorisation added, record_id turned into a string. The System channel gets no module pipeline, so 7045
 * stays in its collection shape. Mirrors the field-by-field notes in docs/reference/winlogbeat-wazuh-formats.md §1.
 */
import { createHash } from 'crypto';
import type { Organisation } from './org';
import { Doc, renderRaw } from './render_raw';
import { baseName, POWERSHELL, SECURITY, SYSMON, WinEvent } from './win_event';
import { LOGON_TYPE_LABELS } from '../../common/windows_values';

const SECURITY_CATEGORY: Record<number, [string, string[], string[]]> = {
  4624: ['logged-in', ['authentication'], ['start']],
  4625: ['logon-failed', ['authentication'], ['start']],
  4634: ['logged-out', ['authentication'], ['end']],
  4648: ['logged-in-explicit', ['authentication'], ['start']],
  4672: ['logged-in-special', ['iam'], ['admin']],
  4688: ['created-process', ['process'], ['start']],
  4697: ['service-installed', ['iam', 'configuration'], ['admin', 'change']],
  4698: ['scheduled-task-created', ['iam', 'configuration'], ['creation', 'admin']],
  4768: ['kerberos-authentication-ticket-requested', ['authentication'], ['start']],
  4769: ['kerberos-service-ticket-requested', ['authentication'], ['start']],
  4776: ['credential-validated', ['authentication'], ['start']],
  5140: ['network-share-object-accessed', ['network', 'file'], ['info', 'access']],
  5145: ['network-share-object-access-checked', ['network', 'file'], ['info', 'access']],
  1102: ['audit-log-cleared', ['iam'], ['admin', 'change']],
};

const SYSMON_CATEGORY: Record<number, [string[], string[]]> = {
  1: [['process'], ['start']],
  3: [['network'], ['start', 'connection', 'protocol']],
  7: [['process'], ['change']],
  10: [['process'], ['access']],
  11: [['file'], ['creation']],
  13: [['configuration', 'registry'], ['change']],
  22: [['network'], ['connection', 'protocol', 'info']],
};

const STATUS_TEXT: Record<string, string> = {
  '0xc000006d': 'This is either due to a bad username or authentication information',
  '0xc000006a': 'User logon with misspelled or bad password',
  '0xc0000064': 'User logon with misspelled or bad user account',
  '0xc0000234': 'User logon with account locked',
  '0x0': 'Status OK.',
};

const KERBEROS_ENC: Record<string, string> = {
  '0x11': 'AES128-CTS-HMAC-SHA1-96',
  '0x12': 'AES256-CTS-HMAC-SHA1-96',
  '0x17': 'RC4-HMAC',
  '0x18': 'RC4-HMAC-EXP',
  '0xffffffff': 'FAIL',
};

const KERBEROS_STATUS: Record<string, string> = {
  '0x0': 'KDC_ERR_NONE',
  '0x6': 'KDC_ERR_C_PRINCIPAL_UNKNOWN',
  '0x18': 'KDC_ERR_PREAUTH_FAILED',
};

/** Renames the pipeline's "Rename Common Auth Fields" step applies to. */
const AUTH_RENAME = new Set([4624, 4625, 4648, 4768, 4769, 5140, 5145]);

function splitPath(path: string): { name: string; directory: string; extension?: string } {
  const i = path.lastIndexOf('\\');
  const name = i >= 0 ? path.slice(i + 1) : path;
  const dot = name.lastIndexOf('.');
  const out: { name: string; directory: string; extension?: string } = {
    name,
    directory: i >= 0 ? path.slice(0, i) : '',
  };
  if (dot > 0) out.extension = name.slice(dot + 1).toLowerCase();
  return out;
}

/** Windows command-line splitting, close enough for the argv arrays the pipeline writes. */
export function splitArgs(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (const ch of cmd) {
    if (ch === '"') {
      quoted = !quoted;
      has = true;
    } else if ((ch === ' ' || ch === '\t') && !quoted) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** Community ID v1 (seed 0), as the Sysmon pipeline's community_id processor computes it for IPv4 flows. */
export function communityId(
  srcIp: string,
  srcPort: number,
  dstIp: string,
  dstPort: number,
  transport: string,
): string {
  const proto = transport === 'udp' ? 17 : 6;
  let a = ipv4Bytes(srcIp);
  let b = ipv4Bytes(dstIp);
  let pa = srcPort;
  let pb = dstPort;
  // Order the endpoints so both directions of a flow get the same id.
  const cmp = a.join('.') === b.join('.') ? 0 : (a.map((x, i) => x - b[i]).find((x) => x !== 0) ?? 0);
  if (cmp > 0 || (cmp === 0 && pa > pb)) {
    [a, b] = [b, a];
    [pa, pb] = [pb, pa];
  }
  const buf = Buffer.from([0, 0, ...a, ...b, proto, 0, pa >> 8, pa & 255, pb >> 8, pb & 255]);
  return `1:${createHash('sha1').update(buf).digest('base64')}`;
}

function hashes(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    const [k, v] = part.split('=');
    if (k && v) out[k.toLowerCase()] = v.toLowerCase();
  }
  return out;
}

function userFromDomainName(v: string | undefined): { domain?: string; name?: string } {
  if (!v || v === '-') return {};
  const i = v.indexOf('\\');
  return i >= 0 ? { domain: v.slice(0, i), name: v.slice(i + 1) } : { name: v };
}

function addRelated(related: Record<string, string[]>, key: string, value: string | undefined): void {
  if (!value || value === '-') return;
  const list = (related[key] ??= []);
  if (!list.includes(value)) list.push(value);
}

export function renderEcs(org: Organisation, ev: WinEvent, recordId: number, id: string): Doc {
  const doc = renderRaw(org, ev, recordId, id, ev.channel !== SYSMON);
  delete doc['@metadata'];
  const winlog = doc.winlog as Doc;
  const event = doc.event as Doc;
  // UserData events (1102) carry their fields in winlog.user_data; the pipeline reads Subject* from there.
  const ed = (winlog.event_data ?? winlog.user_data) as Record<string, string>;
  const related: Record<string, string[]> = {};
  if (ev.channel === SECURITY) securityPipeline(ev, doc, ed, related);
  else if (ev.channel === SYSMON) sysmonPipeline(ev, doc, ed, related);
  else if (ev.channel === POWERSHELL) {
    event.module = 'powershell';
    event.category = ['process'];
    event.type = ['info'];
    doc.powershell = {
      file: { script_block_id: ed.ScriptBlockId, script_block_text: ed.ScriptBlockText },
      sequence: Number(ed.MessageNumber),
      total: Number(ed.MessageTotal),
    };
    if (ed.Path) doc.file = { path: ed.Path, ...splitPath(ed.Path) };
    if (ev.data._UserSid)
      doc.user = { domain: ev.data._UserDomain, id: ev.data._UserSid, name: ev.data._UserName };
    for (const k of ['ScriptBlockId', 'ScriptBlockText', 'MessageNumber', 'MessageTotal', 'Path'])
      delete ed[k];
    winlog.record_id = String(recordId);
  } else {
    // System channel: no module pipeline runs; the document keeps its collection shape.
    return doc;
  }
  if (Object.keys(related).length) doc.related = related;
  if (winlog.event_data && Object.keys(ed).length === 0) delete winlog.event_data;
  doc.ecs = { version: '1.12.0' };
  return doc;
}

function securityPipeline(
  ev: WinEvent,
  doc: Doc,
  ed: Record<string, string>,
  related: Record<string, string[]>,
): void {
  const winlog = doc.winlog as Doc;
  const event = doc.event as Doc;
  const [action, category, type] = SECURITY_CATEGORY[ev.eventId] ?? [undefined, undefined, undefined];
  event.module = 'security';
  if (action) {
    event.action = action;
    event.category = category;
    event.type = type;
  }
  winlog.record_id = String(winlog.record_id);
  const code = ev.eventId;
  const user: Doc = {};
  const logon: Doc = {};

  if (code === 4624 || code === 4625 || code === 4634) {
    if (ed.TargetUserName) user.name = ed.TargetUserName;
    if (ed.TargetDomainName) user.domain = ed.TargetDomainName;
    if (ed.TargetUserSid) user.id = ed.TargetUserSid;
  } else if (code === 4768 || code === 4769 || code === 4776) {
    if (ed.TargetUserName) user.name = ed.TargetUserName.split('@')[0];
    if (ed.TargetDomainName) user.domain = ed.TargetDomainName;
    if (ed.TargetSid && ed.TargetSid !== 'S-1-0-0') user.id = ed.TargetSid;
  } else if (ed.SubjectUserName) {
    user.name = ed.SubjectUserName;
    user.domain = ed.SubjectDomainName;
    user.id = ed.SubjectUserSid;
  }
  if (code === 4648) user.effective = { name: ed.TargetUserName, domain: ed.TargetDomainName };
  if (code === 4688) user.effective = { id: ed.TargetUserSid };
  addRelated(related, 'user', (user.name as string | undefined) ?? undefined);
  if (code === 4624 || code === 4625) addRelated(related, 'user', ed.SubjectUserName);

  const logonIdField = code === 4634 ? ed.TargetLogonId : ed.SubjectLogonId;
  if (logonIdField) logon.id = logonIdField;
  if (ed.LogonType && (code === 4624 || code === 4625 || code === 4634))
    logon.type = LOGON_TYPE_LABELS[ed.LogonType];
  if (code === 4625) {
    logon.failure = {
      reason: ed.FailureReason === '%%2307' ? 'Account locked out.' : 'Unknown user name or bad password.',
      status: STATUS_TEXT[ed.Status] ?? ed.Status,
      sub_status: STATUS_TEXT[ed.SubStatus] ?? ed.SubStatus,
    };
  }
  if (code === 4776) logon.failure = { status: STATUS_TEXT[ed.Status] ?? ed.Status };

  if (AUTH_RENAME.has(code)) {
    const source: Doc = {};
    if (ed.IpAddress && ed.IpAddress !== '-') {
      source.ip = ed.IpAddress.replace('::ffff:', '');
      delete ed.IpAddress;
      if (ed.IpPort && ed.IpPort !== '-') {
        source.port = Number(ed.IpPort);
        delete ed.IpPort;
      }
      addRelated(related, 'ip', source.ip as string);
    }
    if (ed.WorkstationName && ed.WorkstationName !== '-') {
      source.domain = ed.WorkstationName;
      delete ed.WorkstationName;
    }
    if (Object.keys(source).length) doc.source = source;
    if (ed.ProcessName && ed.ProcessName !== '-') {
      doc.process = {
        executable: ed.ProcessName,
        name: baseName(ed.ProcessName),
        pid: parseInt(ed.ProcessId, 16),
      };
      delete ed.ProcessName;
      delete ed.ProcessId;
    }
  }
  if (code === 4672)
    (ed as Record<string, unknown>).PrivilegeList = ed.PrivilegeList.split(/\s+/).filter(Boolean);
  if (code === 4688) {
    const cmd = ed.CommandLine;
    doc.process = {
      args: splitArgs(cmd),
      command_line: cmd,
      executable: ed.NewProcessName,
      name: baseName(ed.NewProcessName),
      parent: {
        executable: ed.ParentProcessName,
        name: baseName(ed.ParentProcessName),
        pid: parseInt(ed.ProcessId, 16),
      },
      pid: parseInt(ed.NewProcessId, 16),
    };
    delete ed.NewProcessId;
    delete ed.NewProcessName;
    delete ed.ParentProcessName;
  }
  if (code === 4697)
    doc.service = {
      name: ed.ServiceName,
      type: ed.ServiceType === '0x10' ? 'Win32 Own Process' : ed.ServiceType,
    };
  if (code === 4768 || code === 4769) {
    doc.service = { name: ed.ServiceName };
    const e = ed as Record<string, unknown>;
    e.TicketEncryptionTypeDescription = KERBEROS_ENC[ed.TicketEncryptionType] ?? 'unknown';
    e.StatusDescription = KERBEROS_STATUS[ed.Status] ?? ed.Status;
    e.TicketOptionsDescription = ['Name-canonicalize', 'Renewable', 'Forwardable'];
  }
  if (code === 5145 && ed.RelativeTargetName) {
    const local = ed.ShareLocalPath.replace('\\??\\', '');
    const path = `${local}\\${ed.RelativeTargetName}`;
    doc.file = { path, ...splitPath(path), target_path: `${ed.ShareName}\\${ed.RelativeTargetName}` };
  }
  if (Object.keys(user).length) doc.user = user;
  if (Object.keys(logon).length) winlog.logon = logon;
}

const SYSMON_DROP = new Set([
  'ProcessId',
  'ParentProcessId',
  'SourceIp',
  'SourcePort',
  'DestinationIp',
  'DestinationPort',
  'User',
  'Initiated',
  'QueryStatus',
  'QueryResults',
  'Hashes',
  'TargetObject',
  'Details',
  'UtcTime',
  'RuleName',
  'Image',
  'ProcessGuid',
  'CommandLine',
  'CurrentDirectory',
  'ParentImage',
  'ParentProcessGuid',
  'ParentCommandLine',
  'OriginalFileName',
  'SourceHostname',
  'DestinationHostname',
  'SourceIsIpv6',
  'DestinationIsIpv6',
  'SourcePortName',
  'DestinationPortName',
  'Protocol',
  'TargetFilename',
  'QueryName',
  'ImageLoaded',
  'SourceImage',
  'SourceProcessGUID',
  'SourceProcessId',
  'SourceThreadId',
]);

const DNS_STATUS: Record<string, string> = {
  '0': 'SUCCESS',
  '9003': 'DNS_ERROR_RCODE_NAME_ERROR',
  '1460': 'ERROR_TIMEOUT',
  '9501': 'DNS_INFO_NO_RECORDS',
};

function sysmonPipeline(
  ev: WinEvent,
  doc: Doc,
  ed: Record<string, string>,
  related: Record<string, string[]>,
): void {
  const winlog = doc.winlog as Doc;
  const event = doc.event as Doc;
  const [category, type] = SYSMON_CATEGORY[ev.eventId];
  delete event.action;
  delete winlog.task;
  delete doc.message;
  event.module = 'sysmon';
  event.category = category;
  event.type = type;
  winlog.record_id = String(winlog.record_id);
  doc['@timestamp'] = `${ed.UtcTime.replace(' ', 'T')}Z`;

  const u = userFromDomainName(ed.User ?? ed.SourceUser);
  if (u.name) {
    doc.user = { domain: u.domain, id: 'S-1-5-18', name: u.name };
    addRelated(related, 'user', u.name);
  }
  const code = ev.eventId;
  const process: Doc = {};
  if (code === 10) {
    process.entity_id = ed.SourceProcessGUID;
    process.pid = Number(ed.SourceProcessId);
    process.executable = ed.SourceImage;
    process.name = baseName(ed.SourceImage);
    process.thread = { id: Number(ed.SourceThreadId) };
  } else if (ed.Image) {
    process.entity_id = ed.ProcessGuid;
    process.pid = Number(ed.ProcessId);
    process.executable = ed.Image;
    process.name = baseName(ed.Image);
  }
  if (code === 1) {
    const args = splitArgs(ed.CommandLine);
    Object.assign(process, {
      args,
      args_count: args.length,
      command_line: ed.CommandLine,
      working_directory: ed.CurrentDirectory,
    });
    const h = hashes(ed.Hashes);
    process.hash = { md5: h.md5, sha1: h.sha1, sha256: h.sha256 };
    if (ed.OriginalFileName && ed.OriginalFileName !== '-') {
      process.pe = {
        company: ed.Company,
        description: ed.Description,
        file_version: ed.FileVersion,
        imphash: h.imphash,
        original_file_name: ed.OriginalFileName,
        product: ed.Product,
      };
    }
    const pargs = splitArgs(ed.ParentCommandLine);
    process.parent = {
      args: pargs,
      args_count: pargs.length,
      command_line: ed.ParentCommandLine,
      entity_id: ed.ParentProcessGuid,
      executable: ed.ParentImage,
      name: baseName(ed.ParentImage),
      pid: Number(ed.ParentProcessId),
    };
    addRelated(related, 'hash', h.sha1);
    addRelated(related, 'hash', h.md5);
    addRelated(related, 'hash', h.sha256);
  }
  if (Object.keys(process).length) doc.process = process;

  if (code === 3) {
    const sent = ev.data._BytesOut !== undefined ? Number(ev.data._BytesOut) : undefined;
    const inn = ev.data._BytesIn !== undefined ? Number(ev.data._BytesIn) : undefined;
    const source: Doc = { ip: ed.SourceIp, port: Number(ed.SourcePort) };
    if (ed.SourceHostname && ed.SourceHostname !== '-') source.domain = ed.SourceHostname;
    const destination: Doc = { ip: ed.DestinationIp, port: Number(ed.DestinationPort) };
    if (ed.DestinationHostname && ed.DestinationHostname !== '-') destination.domain = ed.DestinationHostname;
    // Sysmon itself does not count bytes; the simulator attaches flow byte counts as a network sensor would.
    if (sent !== undefined) source.bytes = sent;
    if (inn !== undefined) destination.bytes = inn;
    doc.source = source;
    doc.destination = destination;
    const network: Doc = {
      community_id: communityId(
        ed.SourceIp,
        Number(ed.SourcePort),
        ed.DestinationIp,
        Number(ed.DestinationPort),
        ed.Protocol,
      ),
      direction: ed.Initiated === 'true' ? 'egress' : 'ingress',
      transport: ed.Protocol,
      type: 'ipv4',
    };
    const portName = ed.Initiated === 'true' ? ed.DestinationPortName : ed.SourcePortName;
    if (portName && portName !== '-') network.protocol = portName;
    if (sent !== undefined || inn !== undefined) network.bytes = (sent ?? 0) + (inn ?? 0);
    doc.network = network;
    addRelated(related, 'ip', ed.SourceIp);
    addRelated(related, 'ip', ed.DestinationIp);
  }
  if (code === 7) {
    const h = hashes(ed.Hashes);
    doc.file = {
      code_signature: {
        signed: ed.Signed === 'true',
        status: ed.SignatureStatus,
        subject_name: ed.Signature,
        valid: ed.SignatureStatus === 'Valid',
      },
      ...splitPath(ed.ImageLoaded),
      hash: { md5: h.md5, sha1: h.sha1, sha256: h.sha256 },
      path: ed.ImageLoaded,
      pe: {
        company: ed.Company,
        description: ed.Description,
        file_version: ed.FileVersion,
        imphash: h.imphash,
        original_file_name: ed.OriginalFileName,
        product: ed.Product,
      },
    };
  }
  if (code === 11) doc.file = { ...splitPath(ed.TargetFilename), path: ed.TargetFilename };
  if (code === 13) {
    const path = ed.TargetObject;
    const i = path.indexOf('\\');
    const hive = path.slice(0, i);
    const key = path.slice(i + 1);
    const details = ed.Details;
    const dword = /^DWORD \((0x[0-9a-f]+)\)$/i.exec(details);
    doc.registry = {
      data: dword
        ? { strings: [String(parseInt(dword[1], 16))], type: 'SZ_DWORD' }
        : { strings: [details], type: 'SZ_SZ' },
      hive,
      key,
      path,
      value: baseName(path),
    };
  }
  if (code === 22) {
    const name = ed.QueryName;
    const labels = name.split('.');
    const question: Doc = { name };
    if (labels.length >= 2) {
      question.registered_domain = labels.slice(-2).join('.');
      question.top_level_domain = labels[labels.length - 1];
      if (labels.length > 2) question.subdomain = labels.slice(0, -2).join('.');
    }
    const answers: Doc[] = [];
    const resolved: string[] = [];
    for (const part of ed.QueryResults.split(';')) {
      if (!part || part === '-') continue;
      const m = /^type:\s+(\d+)\s+(.*)$/.exec(part);
      if (m)
        answers.push({
          data: m[2],
          type: m[1] === '5' ? 'CNAME' : m[1] === '16' ? 'TXT' : m[1] === '33' ? 'SRV' : m[1],
        });
      else {
        const ip = part.replace('::ffff:', '');
        answers.push({ data: ip, type: ip.includes(':') ? 'AAAA' : 'A' });
        resolved.push(ip);
        addRelated(related, 'ip', ip);
      }
    }
    doc.dns = answers.length
      ? { answers, question, ...(resolved.length ? { resolved_ip: resolved } : {}) }
      : { question };
    doc.network = { protocol: 'dns' };
    doc.sysmon = { dns: { status: DNS_STATUS[ed.QueryStatus] ?? ed.QueryStatus } };
    addRelated(related, 'hosts', name);
  }
  // Build the leftovers afresh rather than deleting keys (delete turns objects into slow dictionaries).
  const left: Record<string, string> = {};
  let any = false;
  for (const k in ed) {
    const v = ed[k];
    if (v !== '-' && !SYSMON_DROP.has(k)) {
      left[k] = v;
      any = true;
    }
  }
  if (any) winlog.event_data = left;
  else delete winlog.event_data;
}
