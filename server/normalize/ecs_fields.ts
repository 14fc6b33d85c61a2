/**
 * Copies the ECS fields detection uses out of a document that already has them (Winlogbeat after its ingest
 * pipelines, Elastic Agent, other ECS producers). Field by field, with type checks: the input is untrusted and
 * often much larger than what we keep, so nothing is spread or deep-copied wholesale.
 */
import type { EcsEndpoint, EcsProcess, EcsUser, Event } from '../../common/event';
import { isObject } from './rejection';
import { parseIntLoose } from './values';

type Obj = Record<string, unknown>;

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return String(v);
  // ECS allows arrays for keyword fields; the first value is the one Kibana shows.
  if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'string') return v[0];
  return undefined;
}

function num(v: unknown): number | undefined {
  return parseIntLoose(typeof v === 'string' || typeof v === 'number' ? v : undefined);
}

function strArray(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return undefined;
  const n = v.length;
  let all = true;
  for (let i = 0; i < n; i++)
    if (typeof v[i] !== 'string') {
      all = false;
      break;
    }
  // The usual case (every item a string) is one slice instead of a push per item.
  if (all) return v.slice() as string[];
  const out: string[] = [];
  for (let i = 0; i < n; i++) if (typeof v[i] === 'string') out.push(v[i] as string);
  return out;
}

/** ECS `*.hash` (lower-cased, as the Sysmon mapping produces them). */
function pickHash(h: Obj): NonNullable<EcsProcess['hash']> {
  const hash: NonNullable<EcsProcess['hash']> = {};
  if (typeof h.md5 === 'string') hash.md5 = h.md5.toLowerCase();
  if (typeof h.sha1 === 'string') hash.sha1 = h.sha1.toLowerCase();
  if (typeof h.sha256 === 'string') hash.sha256 = h.sha256.toLowerCase();
  if (typeof h.imphash === 'string') hash.imphash = h.imphash.toLowerCase();
  return hash;
}

function pickProcess(src: Obj): EcsProcess {
  const p: EcsProcess = {};
  const pid = num(src.pid);
  if (pid !== undefined) p.pid = pid;
  const entity = str(src.entity_id);
  if (entity !== undefined) p.entity_id = entity.toLowerCase();
  const name = str(src.name);
  if (name !== undefined) p.name = name;
  const exe = str(src.executable);
  if (exe !== undefined) p.executable = exe;
  const cmd = str(src.command_line);
  if (cmd !== undefined) p.command_line = cmd;
  if (isObject(src.hash)) p.hash = pickHash(src.hash);
  if (isObject(src.pe)) {
    const pe = src.pe;
    const out: NonNullable<EcsProcess['pe']> = {};
    if (typeof pe.original_file_name === 'string') out.original_file_name = pe.original_file_name;
    if (typeof pe.company === 'string') out.company = pe.company;
    if (typeof pe.description === 'string') out.description = pe.description;
    if (typeof pe.imphash === 'string' && p.hash?.imphash === undefined)
      (p.hash ?? (p.hash = {})).imphash = pe.imphash.toLowerCase();
    p.pe = out;
  }
  const il = str(src.integrity_level);
  if (il !== undefined) p.integrity_level = il;
  return p;
}

function pickUser(src: Obj): EcsUser {
  const u: EcsUser = {};
  const name = str(src.name);
  if (name !== undefined) u.name = name;
  const domain = str(src.domain);
  if (domain !== undefined) u.domain = domain;
  const id = str(src.id);
  if (id !== undefined) u.id = id;
  return u;
}

function pickEndpoint(src: Obj): EcsEndpoint {
  const e: EcsEndpoint = {};
  const ip = str(src.ip);
  if (ip !== undefined) e.ip = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  const port = num(src.port);
  if (port !== undefined) e.port = port;
  const bytes = num(src.bytes);
  if (bytes !== undefined) e.bytes = bytes;
  const domain = str(src.domain);
  if (domain !== undefined) e.domain = domain;
  return e;
}

const DIRECTIONS: Record<string, NonNullable<NonNullable<Event['network']>['direction']>> = {
  inbound: 'inbound',
  ingress: 'inbound',
  outbound: 'outbound',
  egress: 'outbound',
  internal: 'internal',
  external: 'external',
  unknown: 'unknown',
};

const OUTCOMES: Record<string, 'success' | 'failure' | 'unknown'> = {
  success: 'success',
  failure: 'failure',
  unknown: 'unknown',
};

/** event.* and host.* (always present on an Event) plus every optional ECS group the document carries. */
export function readEcsFields(doc: Obj, ev: Event): void {
  const e = doc.event;
  if (isObject(e)) {
    const code = str(e.code);
    if (code !== undefined) ev.event.code = code;
    const provider = str(e.provider);
    if (provider !== undefined) ev.event.provider = provider;
    const category = strArray(e.category);
    if (category !== undefined) ev.event.category = category;
    const type = strArray(e.type);
    if (type !== undefined) ev.event.type = type;
    const action = str(e.action);
    if (action !== undefined) ev.event.action = action;
    if (typeof e.outcome === 'string' && OUTCOMES[e.outcome] !== undefined)
      ev.event.outcome = OUTCOMES[e.outcome];
    const kind = str(e.kind);
    if (kind !== undefined) ev.event.kind = kind;
    const module = str(e.module);
    if (module !== undefined) ev.event.module = module;
    const dataset = str(e.dataset);
    if (dataset !== undefined) ev.event.dataset = dataset;
  }
  const h = doc.host;
  if (isObject(h)) {
    const name = str(h.name);
    if (name !== undefined) ev.host.name = name;
    const hostname = str(h.hostname);
    if (hostname !== undefined) ev.host.hostname = hostname;
    const id = str(h.id);
    if (id !== undefined) ev.host.id = id;
    const ip = strArray(h.ip);
    if (ip !== undefined) ev.host.ip = ip;
    if (isObject(h.os)) {
      const os: NonNullable<Event['host']['os']> = {};
      const family = str(h.os.family);
      if (family !== undefined) os.family = family;
      const version = str(h.os.version);
      if (version !== undefined) os.version = version;
      ev.host.os = os;
    }
  }
  const u = doc.user;
  if (isObject(u)) {
    const user: NonNullable<Event['user']> = pickUser(u);
    if (isObject(u.target)) user.target = pickUser(u.target);
    if (isObject(u.effective)) user.effective = pickUser(u.effective);
    ev.user = user;
  }
  const p = doc.process;
  if (isObject(p)) {
    const process: NonNullable<Event['process']> = pickProcess(p);
    if (isObject(p.parent)) process.parent = pickProcess(p.parent);
    ev.process = process;
  }
  if (isObject(doc.source)) ev.source = pickEndpoint(doc.source);
  if (isObject(doc.destination)) ev.destination = pickEndpoint(doc.destination);
  const n = doc.network;
  if (isObject(n)) {
    const network: NonNullable<Event['network']> = {};
    if (typeof n.direction === 'string' && DIRECTIONS[n.direction] !== undefined)
      network.direction = DIRECTIONS[n.direction];
    const transport = str(n.transport);
    if (transport !== undefined) network.transport = transport;
    const protocol = str(n.protocol);
    if (protocol !== undefined) network.protocol = protocol;
    const bytes = num(n.bytes);
    if (bytes !== undefined) network.bytes = bytes;
    ev.network = network;
  }
  const d = doc.dns;
  if (isObject(d)) {
    const dns: NonNullable<Event['dns']> = {};
    if (isObject(d.question)) {
      const q = d.question;
      const question: NonNullable<NonNullable<Event['dns']>['question']> = {};
      const name = str(q.name);
      if (name !== undefined) question.name = name;
      const type = str(q.type);
      if (type !== undefined) question.type = type;
      const rd = str(q.registered_domain);
      if (rd !== undefined) question.registered_domain = rd;
      const sub = str(q.subdomain);
      if (sub !== undefined) question.subdomain = sub;
      const tld = str(q.top_level_domain);
      if (tld !== undefined) question.top_level_domain = tld;
      dns.question = question;
    }
    const rc = str(d.response_code);
    if (rc !== undefined) dns.response_code = rc;
    if (Array.isArray(d.answers)) {
      const answers: Array<{ data?: string; type?: string }> = [];
      for (const a of d.answers) if (isObject(a)) answers.push({ data: str(a.data), type: str(a.type) });
      dns.answers = answers;
    }
    ev.dns = dns;
  }
  const f = doc.file;
  if (isObject(f)) {
    const file: NonNullable<Event['file']> = {};
    const path = str(f.path);
    if (path !== undefined) file.path = path;
    const name = str(f.name);
    if (name !== undefined) file.name = name;
    const ext = str(f.extension);
    if (ext !== undefined) file.extension = ext.toLowerCase();
    const dir = str(f.directory);
    if (dir !== undefined) file.directory = dir;
    const size = num(f.size);
    if (size !== undefined) file.size = size;
    const target = str(f.target_path);
    if (target !== undefined) file.target_path = target;
    if (isObject(f.hash)) file.hash = pickHash(f.hash);
    ev.file = file;
  }
  const r = doc.registry;
  if (isObject(r)) {
    const registry: NonNullable<Event['registry']> = {};
    const path = str(r.path);
    if (path !== undefined) registry.path = path;
    const key = str(r.key);
    if (key !== undefined) registry.key = key;
    const value = str(r.value);
    if (value !== undefined) registry.value = value;
    const hive = str(r.hive);
    if (hive !== undefined) registry.hive = hive;
    if (isObject(r.data)) {
      const data: NonNullable<NonNullable<Event['registry']>['data']> = {};
      const strings = strArray(r.data.strings);
      if (strings !== undefined) data.strings = strings;
      const type = str(r.data.type);
      if (type !== undefined) data.type = type;
      registry.data = data;
    }
    ev.registry = registry;
  }
  const g = doc.group;
  if (isObject(g)) {
    const group: NonNullable<Event['group']> = {};
    const name = str(g.name);
    if (name !== undefined) group.name = name;
    const id = str(g.id);
    if (id !== undefined) group.id = id;
    const domain = str(g.domain);
    if (domain !== undefined) group.domain = domain;
    if (name !== undefined || id !== undefined) ev.group = group;
  }
  const s = doc.service;
  if (isObject(s)) {
    const service: NonNullable<Event['service']> = {};
    const name = str(s.name);
    if (name !== undefined) service.name = name;
    const type = str(s.type);
    if (type !== undefined) service.type = type;
    ev.service = service;
  }
}
