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

// Every restore below is spelled out as `if (ed.Name === undefined) { … ed.Name = v }` rather than going through a
// shared put(ed, key, v): a named store per site stays monomorphic, where one keyed store shared by every site
// and every event_data shape went megamorphic and was the hottest line of the file reader.

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
  let s = '';
  if (h.sha1) s = `SHA1=${h.sha1.toUpperCase()}`;
  if (h.md5) s += `${s === '' ? '' : ','}MD5=${h.md5.toUpperCase()}`;
  if (h.sha256) s += `${s === '' ? '' : ','}SHA256=${h.sha256.toUpperCase()}`;
  if (h.imphash) s += `${s === '' ? '' : ','}IMPHASH=${h.imphash.toUpperCase()}`;
  return s === '' ? undefined : s;
}

function restoreSecurity(ev: Event, ed: EventData, id: number): void {
  const p = ev.process;
  if (id === 4688) {
    if (p !== undefined) {
      if (ed.NewProcessName === undefined) {
        const v = p.executable;
        if (v !== undefined) ed.NewProcessName = v;
      }
      if (ed.NewProcessId === undefined) {
        const v = hex(p.pid);
        if (v !== undefined) ed.NewProcessId = v;
      }
      if (ed.CommandLine === undefined) {
        const v = p.command_line;
        if (v !== undefined) ed.CommandLine = v;
      }
      if (p.parent !== undefined) {
        if (ed.ParentProcessName === undefined) {
          const v = p.parent.executable;
          if (v !== undefined) ed.ParentProcessName = v;
        }
        if (ed.ProcessId === undefined) {
          const v = hex(p.parent.pid);
          if (v !== undefined) ed.ProcessId = v;
        }
      }
    }
    return;
  }
  if (p !== undefined) {
    if (ed.ProcessName === undefined) {
      const v = p.executable;
      if (v !== undefined) ed.ProcessName = v;
    }
    if (ed.ProcessId === undefined) {
      const v = hex(p.pid);
      if (v !== undefined) ed.ProcessId = v;
    }
  }
  const s = ev.source;
  if (s !== undefined) {
    if (id === 4778 || id === 4779) {
      if (ed.ClientAddress === undefined) {
        const v = s.ip;
        if (v !== undefined) ed.ClientAddress = v;
      }
      if (ed.ClientName === undefined) {
        const v = s.domain;
        if (v !== undefined) ed.ClientName = v;
      }
    } else {
      if (ed.IpAddress === undefined) {
        const v = s.ip;
        if (v !== undefined) ed.IpAddress = v;
      }
      if (ed.IpPort === undefined) {
        const v = s.port;
        if (v !== undefined) ed.IpPort = String(v);
      }
      if (ed.WorkstationName === undefined) {
        const v = s.domain;
        if (v !== undefined) ed.WorkstationName = v;
      }
    }
  }
  if ((id === 4697 || id === 4768 || id === 4769) && ev.service !== undefined)
    if (ed.ServiceName === undefined) {
      const v = ev.service.name;
      if (v !== undefined) ed.ServiceName = v;
    }
}

function restoreSysmon(ev: Event, ed: EventData, id: number, doc: Obj): void {
  const p = ev.process;
  if (p !== undefined) {
    if (id === 8 || id === 10) {
      if (ed.SourceImage === undefined) {
        const v = p.executable;
        if (v !== undefined) ed.SourceImage = v;
      }
      if (ed.SourceProcessGuid === undefined) {
        if (ed.SourceProcessGUID === undefined) {
          const v = p.entity_id;
          if (v !== undefined) ed.SourceProcessGUID = v;
        }
      }
      if (ed.SourceProcessId === undefined) {
        const v = p.pid;
        if (v !== undefined) ed.SourceProcessId = String(v);
      }
      if (isObject(doc.process)) {
        if (ed.SourceThreadId === undefined) {
          const v = asString(get(doc.process, 'thread', 'id'));
          if (v !== undefined) ed.SourceThreadId = v;
        }
      }
    } else {
      if (ed.Image === undefined) {
        const v = p.executable;
        if (v !== undefined) ed.Image = v;
      }
      if (ed.ProcessGuid === undefined) {
        const v = p.entity_id;
        if (v !== undefined) ed.ProcessGuid = v;
      }
      if (ed.ProcessId === undefined) {
        const v = p.pid;
        if (v !== undefined) ed.ProcessId = String(v);
      }
    }
    if (id === 1) {
      if (ed.CommandLine === undefined) {
        const v = p.command_line;
        if (v !== undefined) ed.CommandLine = v;
      }
      if (isObject(doc.process)) {
        if (ed.CurrentDirectory === undefined) {
          const v = asString(doc.process.working_directory);
          if (v !== undefined) ed.CurrentDirectory = v;
        }
      }
      if (ed.Hashes === undefined) {
        const v = hashesString(p.hash);
        if (v !== undefined) ed.Hashes = v;
      }
      if (p.pe !== undefined) {
        if (ed.OriginalFileName === undefined) {
          const v = p.pe.original_file_name;
          if (v !== undefined) ed.OriginalFileName = v;
        }
        if (ed.Company === undefined) {
          const v = p.pe.company;
          if (v !== undefined) ed.Company = v;
        }
        if (ed.Description === undefined) {
          const v = p.pe.description;
          if (v !== undefined) ed.Description = v;
        }
      }
      const pp = p.parent;
      if (pp !== undefined) {
        if (ed.ParentImage === undefined) {
          const v = pp.executable;
          if (v !== undefined) ed.ParentImage = v;
        }
        if (ed.ParentProcessGuid === undefined) {
          const v = pp.entity_id;
          if (v !== undefined) ed.ParentProcessGuid = v;
        }
        if (ed.ParentProcessId === undefined) {
          const v = pp.pid;
          if (v !== undefined) ed.ParentProcessId = String(v);
        }
        if (ed.ParentCommandLine === undefined) {
          const v = pp.command_line;
          if (v !== undefined) ed.ParentCommandLine = v;
        }
      }
    }
  }
  const u = ev.user;
  if (u !== undefined && u.name !== undefined && id !== 8 && id !== 10)
    if (ed.User === undefined) {
      const v = u.domain !== undefined ? `${u.domain}\\${u.name}` : u.name;
      if (v !== undefined) ed.User = v;
    }
  if (ed.UtcTime === undefined) {
    const v = utcTime(ev['@timestamp']);
    if (v !== undefined) ed.UtcTime = v;
  }
  const rule = asString(get(doc, 'rule', 'name'));
  if (rule !== undefined && rule !== '') {
    if (ed.RuleName === undefined) {
      const v = rule;
      if (v !== undefined) ed.RuleName = v;
    }
  }
  switch (id) {
    case 3: {
      const s = ev.source;
      const d = ev.destination;
      if (s !== undefined) {
        if (ed.SourceIp === undefined) {
          const v = s.ip;
          if (v !== undefined) ed.SourceIp = v;
        }
        if (ed.SourcePort === undefined) {
          const v = s.port;
          if (v !== undefined) ed.SourcePort = String(v);
        }
        if (ed.SourceHostname === undefined) {
          const v = s.domain;
          if (v !== undefined) ed.SourceHostname = v;
        }
      }
      if (d !== undefined) {
        if (ed.DestinationIp === undefined) {
          const v = d.ip;
          if (v !== undefined) ed.DestinationIp = v;
        }
        if (ed.DestinationPort === undefined) {
          const v = d.port;
          if (v !== undefined) ed.DestinationPort = String(v);
        }
        if (ed.DestinationHostname === undefined) {
          const v = d.domain;
          if (v !== undefined) ed.DestinationHostname = v;
        }
      }
      const n = ev.network;
      if (n !== undefined) {
        if (ed.Protocol === undefined) {
          const v = n.transport;
          if (v !== undefined) ed.Protocol = v;
        }
        if (n.direction === 'outbound' || n.direction === 'inbound')
          if (ed.Initiated === undefined) {
            const v = n.direction === 'outbound' ? 'true' : 'false';
            if (v !== undefined) ed.Initiated = v;
          }
      }
      break;
    }
    case 6:
    case 7:
      if (ed.ImageLoaded === undefined) {
        const v = ev.file?.path;
        if (v !== undefined) ed.ImageLoaded = v;
      }
      if (ed.Hashes === undefined) {
        const v = hashesString(ev.file?.hash);
        if (v !== undefined) ed.Hashes = v;
      }
      break;
    case 2:
    case 11:
    case 15:
    case 23:
    case 26:
      if (ed.TargetFilename === undefined) {
        const v = ev.file?.path;
        if (v !== undefined) ed.TargetFilename = v;
      }
      break;
    case 12:
    case 13:
    case 14: {
      const r = ev.registry;
      if (r !== undefined) {
        if (ed.TargetObject === undefined) {
          const v = r.path;
          if (v !== undefined) ed.TargetObject = v;
        }
        const data = r.data;
        if (id === 13 && ed.Details === undefined && data?.strings !== undefined && data.strings.length > 0) {
          const v = data.strings[0] as string | undefined;
          const n = Number(v);
          const details =
            data.type === 'SZ_DWORD' && Number.isInteger(n)
              ? `DWORD (0x${n.toString(16).padStart(8, '0')})`
              : v;
          if (details !== undefined) ed.Details = details;
        }
      }
      break;
    }
    case 17:
    case 18:
      if (ed.PipeName === undefined) {
        const v = ev.file?.name;
        if (v !== undefined) ed.PipeName = v;
      }
      break;
    case 22: {
      const dns = ev.dns;
      if (dns !== undefined) {
        if (ed.QueryName === undefined) {
          const v = dns.question?.name;
          if (v !== undefined) ed.QueryName = v;
        }
        const sysmonDns = get(doc, 'sysmon', 'dns');
        if (isObject(sysmonDns)) {
          if (ed.QueryStatus === undefined) {
            const v = asString(sysmonDns.status);
            if (v !== undefined) ed.QueryStatus = v;
          }
        }
        if (dns.answers !== undefined && dns.answers.length > 0) {
          let s = '';
          for (const a of dns.answers)
            s +=
              a.type === 'CNAME'
                ? `type:  5 ${a.data ?? ''};`
                : `${a.type === 'A' ? '::ffff:' : ''}${a.data ?? ''};`;
          if (ed.QueryResults === undefined) {
            const v = s;
            if (v !== undefined) ed.QueryResults = v;
          }
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
      if (ed.ScriptBlockText === undefined) {
        const v = asString(f.script_block_text);
        if (v !== undefined) ed.ScriptBlockText = v;
      }
      if (ed.ScriptBlockId === undefined) {
        const v = asString(f.script_block_id);
        if (v !== undefined) ed.ScriptBlockId = v;
      }
    }
    if (ed.MessageNumber === undefined) {
      const v = asString(ps.sequence);
      if (v !== undefined) ed.MessageNumber = v;
    }
    if (ed.MessageTotal === undefined) {
      const v = asString(ps.total);
      if (v !== undefined) ed.MessageTotal = v;
    }
    if (id === 4104) {
      if (ed.Path === undefined) {
        const v = ev.file?.path;
        if (v !== undefined) ed.Path = v;
      }
    }
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
