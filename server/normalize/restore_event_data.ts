/**
 * Winlogbeat's pipelines *move* event data into ECS (IpAddress -> source.ip, Image -> process.executable, …) and
 * delete the originals. Rules written against Windows names (Sigma, our detection_rules) must see the same
 * `winlog.event_data` whichever stage the document was read at, so for ECS documents the moved names are put
 * back from their ECS homes. Only names that are missing are restored; values keep the Windows rendering where
 * it is known (hex process ids on Security events, "DOMAIN\\user" for Sysmon User).
 */
import type { Event } from '../../common/event';
import type { EventData } from './event_data';
import { isObject } from './rejection';
import { asString } from './values';
import { channelKind } from './windows_ecs';

type Obj = Record<string, unknown>;

function put(ed: EventData, key: string, v: string | number | undefined): void {
  if (v === undefined || ed[key] !== undefined) return;
  ed[key] = typeof v === 'number' ? String(v) : v;
}

function hex(n: number | undefined): string | undefined {
  return n === undefined ? undefined : `0x${n.toString(16)}`;
}

function get(doc: Obj, a: string, b: string): unknown {
  const o = doc[a];
  return isObject(o) ? o[b] : undefined;
}

/** "2020-10-27T20:00:14.320Z" -> "2020-10-27 20:00:14.320" (Sysmon UtcTime). */
function utcTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

function hashesString(
  h: { md5?: string; sha1?: string; sha256?: string; imphash?: string } | undefined,
): string | undefined {
  if (h === undefined) return undefined;
  const parts: string[] = [];
  if (h.sha1) parts.push(`SHA1=${h.sha1.toUpperCase()}`);
  if (h.md5) parts.push(`MD5=${h.md5.toUpperCase()}`);
  if (h.sha256) parts.push(`SHA256=${h.sha256.toUpperCase()}`);
  if (h.imphash) parts.push(`IMPHASH=${h.imphash.toUpperCase()}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

function restoreSecurity(ev: Event, ed: EventData, id: number): void {
  const p = ev.process;
  if (id === 4688) {
    if (p !== undefined) {
      put(ed, 'NewProcessName', p.executable);
      put(ed, 'NewProcessId', hex(p.pid));
      put(ed, 'CommandLine', p.command_line);
      if (p.parent !== undefined) {
        put(ed, 'ParentProcessName', p.parent.executable);
        put(ed, 'ProcessId', hex(p.parent.pid));
      }
    }
    return;
  }
  if (p !== undefined) {
    put(ed, 'ProcessName', p.executable);
    put(ed, 'ProcessId', hex(p.pid));
  }
  const s = ev.source;
  if (s !== undefined) {
    if (id === 4778 || id === 4779) {
      put(ed, 'ClientAddress', s.ip);
      put(ed, 'ClientName', s.domain);
    } else {
      put(ed, 'IpAddress', s.ip);
      put(ed, 'IpPort', s.port);
      put(ed, 'WorkstationName', s.domain);
    }
  }
  if ((id === 4697 || id === 4768 || id === 4769) && ev.service !== undefined)
    put(ed, 'ServiceName', ev.service.name);
}

function restoreSysmon(ev: Event, ed: EventData, id: number, doc: Obj): void {
  const p = ev.process;
  if (p !== undefined) {
    if (id === 8 || id === 10) {
      put(ed, 'SourceImage', p.executable);
      if (ed.SourceProcessGuid === undefined) put(ed, 'SourceProcessGUID', p.entity_id);
      put(ed, 'SourceProcessId', p.pid);
      if (isObject(doc.process)) put(ed, 'SourceThreadId', asString(get(doc.process, 'thread', 'id')));
    } else {
      put(ed, 'Image', p.executable);
      put(ed, 'ProcessGuid', p.entity_id);
      put(ed, 'ProcessId', p.pid);
    }
    if (id === 1) {
      put(ed, 'CommandLine', p.command_line);
      if (isObject(doc.process)) put(ed, 'CurrentDirectory', asString(doc.process.working_directory));
      put(ed, 'Hashes', hashesString(p.hash));
      if (p.pe !== undefined) {
        put(ed, 'OriginalFileName', p.pe.original_file_name);
        put(ed, 'Company', p.pe.company);
        put(ed, 'Description', p.pe.description);
      }
      const pp = p.parent;
      if (pp !== undefined) {
        put(ed, 'ParentImage', pp.executable);
        put(ed, 'ParentProcessGuid', pp.entity_id);
        put(ed, 'ParentProcessId', pp.pid);
        put(ed, 'ParentCommandLine', pp.command_line);
      }
    }
  }
  const u = ev.user;
  if (u !== undefined && u.name !== undefined && id !== 8 && id !== 10)
    put(ed, 'User', u.domain !== undefined ? `${u.domain}\\${u.name}` : u.name);
  put(ed, 'UtcTime', utcTime(ev['@timestamp']));
  const rule = asString(get(doc, 'rule', 'name'));
  if (rule !== undefined && rule !== '') put(ed, 'RuleName', rule);
  switch (id) {
    case 3: {
      const s = ev.source;
      const d = ev.destination;
      if (s !== undefined) {
        put(ed, 'SourceIp', s.ip);
        put(ed, 'SourcePort', s.port);
        put(ed, 'SourceHostname', s.domain);
      }
      if (d !== undefined) {
        put(ed, 'DestinationIp', d.ip);
        put(ed, 'DestinationPort', d.port);
        put(ed, 'DestinationHostname', d.domain);
      }
      const n = ev.network;
      if (n !== undefined) {
        put(ed, 'Protocol', n.transport);
        if (n.direction === 'outbound' || n.direction === 'inbound')
          put(ed, 'Initiated', n.direction === 'outbound' ? 'true' : 'false');
      }
      break;
    }
    case 6:
    case 7:
      put(ed, 'ImageLoaded', ev.file?.path);
      break;
    case 2:
    case 11:
    case 15:
    case 23:
    case 26:
      put(ed, 'TargetFilename', ev.file?.path);
      break;
    case 12:
    case 13:
    case 14: {
      const r = ev.registry;
      if (r !== undefined) {
        put(ed, 'TargetObject', r.path);
        const data = r.data;
        if (id === 13 && data?.strings !== undefined && data.strings.length > 0) {
          const v = data.strings[0];
          const n = Number(v);
          put(
            ed,
            'Details',
            data.type === 'SZ_DWORD' && Number.isInteger(n)
              ? `DWORD (0x${n.toString(16).padStart(8, '0')})`
              : v,
          );
        }
      }
      break;
    }
    case 17:
    case 18:
      put(ed, 'PipeName', ev.file?.name);
      break;
    case 22: {
      const dns = ev.dns;
      if (dns !== undefined) {
        put(ed, 'QueryName', dns.question?.name);
        const sysmonDns = get(doc, 'sysmon', 'dns');
        if (isObject(sysmonDns)) put(ed, 'QueryStatus', asString(sysmonDns.status));
        if (dns.answers !== undefined && dns.answers.length > 0) {
          let s = '';
          for (const a of dns.answers)
            s +=
              a.type === 'CNAME'
                ? `type:  5 ${a.data ?? ''};`
                : `${a.type === 'A' ? '::ffff:' : ''}${a.data ?? ''};`;
          put(ed, 'QueryResults', s);
        }
      }
      break;
    }
    default:
      break;
  }
}

function restorePowerShell(ev: Event, ed: EventData, id: number, doc: Obj): void {
  const ps = doc.powershell;
  if (!isObject(ps)) return;
  if (id === 4104 || id === 4105 || id === 4106) {
    const f = ps.file;
    if (isObject(f)) {
      put(ed, 'ScriptBlockText', asString(f.script_block_text));
      put(ed, 'ScriptBlockId', asString(f.script_block_id));
    }
    put(ed, 'MessageNumber', asString(ps.sequence));
    put(ed, 'MessageTotal', asString(ps.total));
    if (id === 4104) put(ed, 'Path', ev.file?.path);
  }
}

/** Put the event_data names the pipelines moved into ECS back into `ed` (mutated). */
export function restoreEventData(ev: Event, ed: EventData, doc: Obj): void {
  const id = ev.winlog.event_id;
  if (id === undefined) return;
  switch (channelKind(ev.winlog.channel)) {
    case 'security':
      restoreSecurity(ev, ed, id);
      break;
    case 'sysmon':
      restoreSysmon(ev, ed, id, doc);
      break;
    case 'powershell':
      restorePowerShell(ev, ed, id, doc);
      break;
    default:
      break;
  }
}
