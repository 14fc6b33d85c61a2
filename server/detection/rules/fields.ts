/**
 * Reading Event fields by dotted path, the way rules and explanation templates name them.
 *
 * Normalizers differ in how much of `winlog.event_data` they move into ECS fields (Winlogbeat's pipelines move
 * `IpAddress` to `source.ip`, raw EVTX keeps it; Sysmon 10 puts `SourceImage` in `process.executable`), so each
 * ECS path has fallbacks into `event_data` and each `event_data` name falls back to its ECS home. `event_data`
 * keys are matched case-insensitively because Sysmon versions and Wazuh spell them differently
 * (`SourceProcessGUID` vs `SourceProcessGuid`, `targetImage`).
 */
import type { Event } from '../../../common/event';
import { eventDataValue } from '../../../common/event_data_lookup';

export type FieldGetter = (event: Event) => unknown;

/** ECS path -> event_data names that hold the same value when the normalizer left it there. */
const ECS_FALLBACKS: Record<string, string[]> = {
  'process.executable': ['Image', 'NewProcessName', 'SourceImage', 'ProcessName'],
  'process.command_line': ['CommandLine'],
  'process.parent.executable': ['ParentImage', 'ParentProcessName'],
  'process.parent.command_line': ['ParentCommandLine'],
  'source.ip': ['IpAddress', 'SourceIp', 'SourceAddress'],
  'source.port': ['IpPort', 'SourcePort'],
  'destination.ip': ['DestinationIp'],
  'destination.port': ['DestinationPort'],
  'registry.path': ['TargetObject'],
  'registry.data.strings': ['Details'],
  'file.path': ['TargetFilename', 'ImageLoaded'],
  'service.name': ['ServiceName'],
  'dns.question.name': ['QueryName'],
  'winlog.logon.type': ['LogonType'],
  'group.name': ['TargetUserName'],
  'user.target.name': ['TargetUserName'],
};

/** event_data names that Winlogbeat copies into ECS but also keeps, so they never need an ECS fallback. */
const KEPT_IN_EVENT_DATA = new Set(['targetusername']);

/** event_data name (lower case) -> the ECS path a Winlogbeat pipeline moves it to. */
const EVENT_DATA_HOMES = new Map<string, string>();
for (const [ecs, keys] of Object.entries(ECS_FALLBACKS)) {
  for (const k of keys) {
    const kl = k.toLowerCase();
    if (!EVENT_DATA_HOMES.has(kl) && !KEPT_IN_EVENT_DATA.has(kl)) EVENT_DATA_HOMES.set(kl, ecs);
  }
}

/** Winlogbeat names logon types (`winlog.logon.type: RemoteInteractive`); Windows numbers them (`LogonType: 10`). */
const LOGON_TYPE_NUMBERS: Record<string, string> = {
  system: '0',
  interactive: '2',
  network: '3',
  batch: '4',
  service: '5',
  unlock: '7',
  networkcleartext: '8',
  newcredentials: '9',
  remoteinteractive: '10',
  cachedinteractive: '11',
  cachedremoteinteractive: '12',
  cachedunlock: '13',
};

const EVENT_DATA_PREFIX = 'winlog.event_data.';
/** Any value of `winlog.event_data`, for events whose data items have no names. */
export const ANY_EVENT_DATA = 'winlog.event_data.*';

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === '-';
}

function walk(obj: unknown, parts: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function basename(p: unknown): string | undefined {
  if (typeof p !== 'string' || p === '') return undefined;
  const i = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'));
  return i >= 0 ? p.slice(i + 1) : p;
}

/** Compile a getter for a dotted path once; rules call it for every candidate event. */
export function compileGetter(path: string): FieldGetter {
  if (path === ANY_EVENT_DATA) {
    // Some providers (ESENT, MSSQL, Eventlog) write unnamed <Data> items; match against all values.
    return (event) => {
      const ed = event.winlog?.event_data;
      return ed ? Object.values(ed) : undefined;
    };
  }
  if (path.startsWith(EVENT_DATA_PREFIX)) {
    const key = path.slice(EVENT_DATA_PREFIX.length);
    const keyLower = key.toLowerCase();
    const home = EVENT_DATA_HOMES.get(keyLower);
    const homeGetter = home ? compileGetter(home) : undefined;
    const isLogonType = keyLower === 'logontype';
    return (event) => {
      const v = eventDataValue(event, key, keyLower);
      if (!isEmpty(v)) return v;
      const moved = homeGetter?.(event);
      if (isLogonType && typeof moved === 'string') return LOGON_TYPE_NUMBERS[moved.toLowerCase()] ?? moved;
      return moved;
    };
  }
  if (path === 'process.name' || path === 'process.parent.name') {
    const exe = compileGetter(path === 'process.name' ? 'process.executable' : 'process.parent.executable');
    const parts = path.split('.');
    return (event) => {
      const v = walk(event, parts);
      return isEmpty(v) ? basename(exe(event)) : v;
    };
  }
  if (path === 'winlog.event_id') {
    return (event) => event.winlog?.event_id ?? (event.event?.code ? Number(event.event.code) : undefined);
  }
  if (path === 'host.name') {
    return (event) => event.host?.name ?? event.winlog?.computer_name ?? event.host?.hostname;
  }
  const parts = path.split('.');
  const fallbacks = ECS_FALLBACKS[path]?.map((k) => [k, k.toLowerCase()] as const);
  if (!fallbacks) return (event) => walk(event, parts);
  return (event) => {
    const v = walk(event, parts);
    if (!isEmpty(v)) return v;
    for (const [k, kl] of fallbacks) {
      const f = eventDataValue(event, k, kl);
      if (!isEmpty(f)) return f;
    }
    return v;
  };
}

const getterCache = new Map<string, FieldGetter>();

/** Shared getters: rules and templates use a handful of distinct paths. */
export function getter(path: string): FieldGetter {
  let g = getterCache.get(path);
  if (!g) getterCache.set(path, (g = compileGetter(path)));
  return g;
}

/** Render a value for an explanation or a group key: arrays joined, objects as JSON. */
export function valueToText(v: unknown): string | undefined {
  if (isEmpty(v)) return undefined;
  if (Array.isArray(v)) return v.length ? v.map((x) => valueToText(x) ?? '').join(', ') : undefined;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The ECS field a Winlogbeat ingest pipeline moves an event_data value to, if it moves it (exporters use it). */
export function ecsHomeOfEventData(key: string): string | undefined {
  return EVENT_DATA_HOMES.get(key.toLowerCase());
}
