import type { Event } from '../../../common/event';
import type { ExfiltrationConfig } from '../config';
import type { EvidenceRef, Finding } from '../types';
import { BoundedMap, isRecord } from './bounded_map';
import type { Detector } from './types';
import {
  actingUser,
  basename,
  clampRisk,
  eventData,
  eventId,
  hostKey,
  hostName,
  isPrivateIp,
  isSecurity,
  isServiceIdentity,
  isSysmon,
  minutes,
  present,
  severityFor,
  timeMs,
  userKey,
  matchesDomain,
} from './event_fields';
import { dnsQuestion } from './dns_tunnel';

/**
 * Data exfiltration (T1560.001, T1074.001, T1041, T1048, T1567): staging (an archive created by an archiver, or a
 * large file written to a temp/public folder) followed within a window, on the same host or by the same user, by an
 * upload (rclone, curl/wget upload flags, bitsadmin upload, PowerShell uploads, scp/ftp, cloud CLIs), contact with a
 * cloud-storage service, or a large outbound transfer (T1030 is added when that transfer went out as a run of
 * fixed-size chunks). Independently, a shift of the host's producer/consumer
 * ratio (sent-recv)/(sent+recv) towards pushing data out is reported when flows carry byte counts.
 */

export const EXFIL_RULE_ID = 'apt.behaviour.exfiltration';
export const PCR_SHIFT_RULE_ID = 'apt.behaviour.exfil_pcr_shift';

const BUILTIN_CLOUD_STORAGE = [
  'mega.nz',
  'mega.co.nz',
  'mega.io',
  'dropbox.com',
  'dropboxapi.com',
  'drive.google.com',
  'docs.google.com',
  'onedrive.live.com',
  '1drv.ms',
  'box.com',
  'transfer.sh',
  'file.io',
  'anonfiles.com',
  'sendspace.com',
  'wetransfer.com',
  'gofile.io',
  'catbox.moe',
  'pastebin.com',
  'temp.sh',
  'filebin.net',
  'mediafire.com',
  'pcloud.com',
  'icedrive.net',
  'put.io',
];

const STAGING_DIR = /\\(temp|tmp|users\\public|programdata|\$recycle\.bin|perflogs|windows\\tasks)\\/i;
const ARCHIVE_EXT = /\.(zip|zipx|7z|rar|cab|tar|tgz|gz|bz2|xz|arj|lzh)$/i;
const ARCHIVERS = new Set([
  '7z.exe',
  '7za.exe',
  '7zr.exe',
  '7zg.exe',
  'rar.exe',
  'winrar.exe',
  'makecab.exe',
  'zip.exe',
  'wzzip.exe',
  'tar.exe',
]);

export interface Step {
  what: string;
  techniques: string[];
  /** Cloud-storage destination involved. */
  cloud?: boolean;
  bytes?: number;
}

function commandLine(ev: Event): string {
  return (
    present(
      ev.process?.command_line ?? eventData(ev, 'CommandLine') ?? eventData(ev, 'ProcessCommandLine'),
    ) ?? ''
  );
}

function image(ev: Event): string {
  return basename(
    present(
      ev.process?.executable ?? ev.process?.name ?? eventData(ev, 'Image') ?? eventData(ev, 'NewProcessName'),
    ) ?? '',
  );
}

function isProcessStart(ev: Event): boolean {
  const code = eventId(ev);
  return (isSysmon(ev) && code === 1) || (isSecurity(ev) && code === 4688);
}

function isFileCreate(ev: Event): boolean {
  if (isSysmon(ev) && (eventId(ev) === 11 || eventId(ev) === 23)) return true;
  return ev.event?.category?.includes('file') === true && ev.event?.type?.includes('creation') === true;
}

/** Staging step an event shows, if any. */
export function stagingOf(ev: Event, largeFileBytes: number): Step | undefined {
  if (isFileCreate(ev)) {
    const path = present(ev.file?.path ?? eventData(ev, 'TargetFilename')) ?? '';
    if (!path) return undefined;
    const size = ev.file?.size;
    const proc = image(ev);
    if (
      ARCHIVE_EXT.test(path) &&
      (ARCHIVERS.has(proc) || STAGING_DIR.test(path) || proc === 'powershell.exe')
    ) {
      return { what: `archive ${path} created${proc ? ` by ${proc}` : ''}`, techniques: ['T1560.001'] };
    }
    if (size !== undefined && size >= largeFileBytes && STAGING_DIR.test(path)) {
      return {
        what: `${Math.round(size / 1048576)} MB file ${path} written to a staging folder`,
        techniques: ['T1074.001'],
      };
    }
    return undefined;
  }
  if (isProcessStart(ev)) {
    const img = image(ev);
    const cmd = commandLine(ev);
    const lower = cmd.toLowerCase();
    const archiving =
      (ARCHIVERS.has(img) &&
        (img === 'makecab.exe' ||
          /\s(a|u)\s/.test(` ${lower} `) ||
          (img === 'tar.exe' && /\s-?[a-z]*c/.test(lower)))) ||
      lower.includes('compress-archive');
    if (archiving)
      return { what: `archiving with ${img || 'PowerShell'}: ${truncate(cmd)}`, techniques: ['T1560.001'] };
  }
  return undefined;
}

/** Transfer step an event shows, if any. */
export function transferOf(
  ev: Event,
  cloudDomains: readonly string[],
  allowDomains: readonly string[],
): Step | undefined {
  if (isProcessStart(ev)) {
    const img = image(ev);
    const cmd = commandLine(ev);
    const lower = cmd.toLowerCase();
    if (allowDomains.some((d) => lower.includes(d))) return undefined;
    const cloud = cloudDomains.some((d) => lower.includes(d));
    if (img === 'rclone.exe' || /\brclone(\.exe)?\s+(copy|sync|move|copyto)\b/.test(lower)) {
      return { what: `rclone upload: ${truncate(cmd)}`, techniques: ['T1567.002'], cloud: true };
    }
    if (/\b(mega-put|megacmd|azcopy(\.exe)?\s+copy|aws(\.exe)?\s+s3\s+(cp|sync)|gsutil\s+cp)\b/.test(lower)) {
      return { what: `cloud storage upload: ${truncate(cmd)}`, techniques: ['T1567.002'], cloud: true };
    }
    const curlUpload =
      (img === 'curl.exe' || /\bcurl(\.exe)?\s/.test(lower)) &&
      /\s(-t|--upload-file|-f|--form|--data-binary\s+@|-d\s+@|--data\s+@)/i.test(` ${cmd}`);
    const wgetUpload =
      (img === 'wget.exe' || /\bwget(\.exe)?\s/.test(lower)) && /--(post|body)-file/.test(lower);
    const bitsUpload = (img === 'bitsadmin.exe' || lower.includes('bitsadmin')) && lower.includes('/upload');
    const psUpload =
      /(invoke-webrequest|invoke-restmethod|\biwr\b|\birm\b)/.test(lower) &&
      /(-infile|-method\s+(put|post))/.test(lower);
    const webClientUpload = /\.upload(file|data|string)\s*\(/.test(lower);
    if (curlUpload || wgetUpload || bitsUpload || psUpload || webClientUpload) {
      return {
        what: `upload with ${img || 'a script'}: ${truncate(cmd)}`,
        techniques: cloud ? ['T1567.002'] : ['T1048'],
        cloud,
      };
    }
    if (/\b(pscp|scp|sftp)(\.exe)?\s/.test(lower) || img === 'pscp.exe' || img === 'winscp.exe') {
      return { what: `secure copy: ${truncate(cmd)}`, techniques: ['T1048.002'] };
    }
    if (img === 'ftp.exe' && /\s-s:/.test(lower))
      return { what: `scripted FTP: ${truncate(cmd)}`, techniques: ['T1048.003'] };
    return undefined;
  }
  const q = dnsQuestion(ev);
  const dest = q?.name ?? present(ev.destination?.domain ?? eventData(ev, 'DestinationHostname'));
  if (dest && matchesDomain(dest, cloudDomains) && !matchesDomain(dest, allowDomains)) {
    return { what: `contact with cloud storage ${dest}`, techniques: ['T1567.002'], cloud: true };
  }
  return undefined;
}

/** Outbound/inbound bytes of a flow to an external address, if the event carries them. */
export function flowBytes(ev: Event): { sent: number; recv: number } | undefined {
  const sent = ev.source?.bytes;
  const recv = ev.destination?.bytes;
  if (sent === undefined && recv === undefined) return undefined;
  const dst = ev.destination?.ip;
  if (!dst || isPrivateIp(dst)) return undefined;
  return { sent: sent ?? 0, recv: recv ?? 0 };
}

function truncate(s: string): string {
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** [time ms, description, techniques joined by ',', evidence id, location]. */
type Staged = [number, string, string, string, string];
/** [minute start ms, bytes sent, bytes received]. */
type Flow = [number, number, number];
/** One large outbound flow: [time ms, bytes sent, destination address]. */
type Chunk = [number, number, string];

/**
 * Data Transfer Size Limits (T1030, https://attack.mitre.org/techniques/T1030/): "adversaries may exfiltrate data in
 * fixed size chunks instead of whole files". Tools that do this (Cobalt Strike downloads, `split -b` then a loop of
 * uploads, rclone's chunker) send a run of connections to one destination whose byte counts are nearly identical,
 * while ordinary uploads vary widely. Only consulted when staging-then-transfer has already been established, so
 * these fixed limits add a technique to an alert and never make one.
 */
export const CHUNK_MIN_BYTES = 1024 * 1024;
/** Flows to one destination, inside the window, that make a run of chunks. */
export const CHUNK_MIN_COUNT = 5;
/** Largest relative spread (max-min)/median of the run's sizes that still counts as "fixed size". */
export const CHUNK_SIZE_TOLERANCE = 0.05;
/** Large flows kept per host (the newest). */
const MAX_CHUNKS = 64;

export interface ChunkRun {
  destination: string;
  count: number;
  /** Median chunk size in bytes. */
  bytes: number;
}

/**
 * The longest run of near-equal-sized large flows to one destination, if it is long enough to be chunking: for each
 * destination, the sizes are sorted and the largest set within CHUNK_SIZE_TOLERANCE of each other is found with a
 * sliding window over the sorted sizes.
 */
export function fixedSizeChunks(chunks: readonly Chunk[]): ChunkRun | undefined {
  const byDest = new Map<string, number[]>();
  for (const [, bytes, dest] of chunks) {
    if (bytes < CHUNK_MIN_BYTES) continue;
    const list = byDest.get(dest);
    if (list) list.push(bytes);
    else byDest.set(dest, [bytes]);
  }
  let best: ChunkRun | undefined;
  for (const [destination, sizes] of byDest) {
    if (sizes.length < CHUNK_MIN_COUNT) continue;
    sizes.sort((a, b) => a - b);
    let lo = 0;
    for (let hi = 0; hi < sizes.length; hi++) {
      while (sizes[hi] - sizes[lo] > CHUNK_SIZE_TOLERANCE * sizes[lo]) lo++;
      const count = hi - lo + 1;
      if (count >= CHUNK_MIN_COUNT && (!best || count > best.count)) {
        best = { destination, count, bytes: sizes[lo + Math.floor(count / 2)] };
      }
    }
  }
  return best;
}

interface EntityState {
  staged: Staged[];
  flows: Flow[];
  /** Large outbound flows in the window (host entities only); absent in snapshots from older versions. */
  chunks?: Chunk[];
  /** Long-run (decayed) byte totals: the baseline the ratio shift is measured against. */
  baseSent: number;
  baseRecv: number;
  quietUntil: number;
  pcrQuietUntil: number;
}

function isEntityState(v: unknown): v is EntityState {
  return (
    isRecord(v) &&
    Array.isArray(v.staged) &&
    Array.isArray(v.flows) &&
    (v.chunks === undefined || Array.isArray(v.chunks)) &&
    typeof v.baseSent === 'number' &&
    typeof v.baseRecv === 'number' &&
    typeof v.quietUntil === 'number' &&
    typeof v.pcrQuietUntil === 'number'
  );
}

export function producerConsumerRatio(sent: number, recv: number): number {
  const total = sent + recv;
  return total === 0 ? 0 : (sent - recv) / total;
}

export class ExfiltrationDetector implements Detector {
  readonly id = EXFIL_RULE_ID;
  private readonly entities: BoundedMap<EntityState>;
  private readonly windowMs: number;
  private readonly cloud: string[];
  private readonly allowDomains: string[];
  private readonly allowProcesses: Set<string>;
  private latest = 0;

  constructor(
    private readonly cfg: ExfiltrationConfig,
    private readonly maxEvidence = 20,
  ) {
    this.entities = new BoundedMap(cfg.maxEntities);
    this.windowMs = minutes(cfg.windowMinutes);
    this.cloud = [...BUILTIN_CLOUD_STORAGE, ...cfg.cloudStorageDomains].map((d) => d.toLowerCase());
    this.allowDomains = cfg.allowDomains.map((d) => d.toLowerCase());
    this.allowProcesses = new Set(cfg.allowProcesses.map((p) => p.toLowerCase()));
  }

  observe(ev: Event): Finding[] {
    const t = timeMs(ev);
    if (t > this.latest) this.latest = t;
    const staged = stagingOf(ev, this.cfg.largeFileBytes);
    let transfer = staged ? undefined : transferOf(ev, this.cloud, this.allowDomains);
    const bytes = staged ? undefined : flowBytes(ev);
    // Most events are none of these: return before computing entity keys.
    if (!staged && !transfer && !bytes) return [];
    if (this.allowProcesses.size > 0 && this.allowProcesses.has(image(ev))) return [];
    const keys = this.keysOf(ev);
    if (keys.length === 0) return [];

    if (staged) {
      for (const key of keys) {
        const s = this.state(key);
        this.expire(s, t);
        s.staged.push([t, staged.what, staged.techniques.join(','), ev.origin.id, ev.origin.location]);
        if (s.staged.length > this.cfg.maxItemsPerEntity) s.staged.shift();
      }
      return [];
    }

    const out: Finding[] = [];
    if (bytes) {
      const hostState = this.state(keys[0]);
      this.expire(hostState, t);
      // Per-minute buckets: a busy host's window stays at most windowMinutes entries long.
      const minute = t - (t % 60_000);
      const lastBucket = hostState.flows[hostState.flows.length - 1];
      if (lastBucket && lastBucket[0] === minute) {
        lastBucket[1] += bytes.sent;
        lastBucket[2] += bytes.recv;
      } else {
        hostState.flows.push([minute, bytes.sent, bytes.recv]);
        if (hostState.flows.length > this.cfg.windowMinutes + 1) this.foldOldest(hostState);
      }
      if (bytes.sent >= CHUNK_MIN_BYTES) {
        const chunks = hostState.chunks ?? (hostState.chunks = []);
        chunks.push([t, bytes.sent, ev.destination?.ip ?? '']);
        if (chunks.length > MAX_CHUNKS) chunks.shift();
      }
      const sent = hostState.flows.reduce((a, f) => a + f[1], 0);
      if (!transfer && bytes.sent > 0 && sent >= this.cfg.largeTransferBytes) {
        transfer = {
          what: `${Math.round(sent / 1048576)} MB sent to external addresses`,
          techniques: ['T1041'],
          bytes: sent,
        };
      }
      const pcr = this.pcrShift(hostState, ev, t);
      if (pcr) out.push(pcr);
    }
    if (!transfer) return out;

    for (const key of keys) {
      const s = this.entities.get(key);
      if (!s) continue;
      this.expire(s, t);
      if (s.staged.length === 0 || t < s.quietUntil) continue;
      s.quietUntil = t + this.windowMs;
      for (const k of keys) {
        const other = this.entities.get(k);
        if (other) other.quietUntil = s.quietUntil;
      }
      const hostState = keys[0].startsWith('h:') ? this.entities.get(keys[0]) : undefined;
      const run = hostState?.chunks ? fixedSizeChunks(hostState.chunks) : undefined;
      out.push(this.exfilFinding(s.staged, transfer, ev, key, run));
      break;
    }
    return out;
  }

  flush(now?: string): Finding[] {
    const t = now ? Date.parse(now) : this.latest;
    this.entities.sweep((s) => {
      this.expire(s, t);
      return (
        s.staged.length === 0 && s.flows.length === 0 && s.baseSent + s.baseRecv < 1 && s.quietUntil <= t
      );
    });
    return [];
  }

  snapshot(): unknown {
    return { latest: this.latest, entities: this.entities.toJSON() };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.latest = typeof s.latest === 'number' ? s.latest : 0;
    this.entities.load(s.entities, isEntityState);
  }

  private keysOf(ev: Event): string[] {
    const keys: string[] = [];
    const h = hostKey(ev);
    if (h) keys.push(`h:${h}`);
    const u = actingUser(ev);
    if (u && !isServiceIdentity(u)) keys.push(`u:${userKey(u)}`);
    return keys;
  }

  private state(key: string): EntityState {
    return this.entities.upsert(key, () => ({
      staged: [],
      flows: [],
      baseSent: 0,
      baseRecv: 0,
      quietUntil: 0,
      pcrQuietUntil: 0,
    }));
  }

  /** Drops staging and flows older than the window; expired flows are folded into the decayed baseline. */
  private expire(s: EntityState, t: number): void {
    const cutoff = t - this.windowMs;
    while (s.staged.length > 0 && s.staged[0][0] < cutoff) s.staged.shift();
    while (s.flows.length > 0 && s.flows[0][0] < cutoff) this.foldOldest(s);
    const chunks = s.chunks;
    if (chunks) {
      while (chunks.length > 0 && chunks[0][0] < cutoff) chunks.shift();
      if (chunks.length === 0) delete s.chunks;
    }
  }

  /** Moves the oldest flow bucket into the decayed baseline (about a day of minutes long). */
  private foldOldest(s: EntityState): void {
    const f = s.flows.shift();
    if (!f) return;
    s.baseSent = s.baseSent * 0.999 + f[1];
    s.baseRecv = s.baseRecv * 0.999 + f[2];
  }

  private pcrShift(s: EntityState, ev: Event, t: number): Finding | undefined {
    const sent = s.flows.reduce((a, f) => a + f[1], 0);
    const recv = s.flows.reduce((a, f) => a + f[2], 0);
    if (
      sent + recv < this.cfg.pcrMinBytes ||
      s.baseSent + s.baseRecv < this.cfg.pcrMinBytes ||
      t < s.pcrQuietUntil
    ) {
      return undefined;
    }
    const now = producerConsumerRatio(sent, recv);
    const base = producerConsumerRatio(s.baseSent, s.baseRecv);
    if (now < this.cfg.pcrThreshold || now - base < this.cfg.pcrShift) return undefined;
    s.pcrQuietUntil = t + this.windowMs;
    const risk = clampRisk(45 + 20 * (now - base - this.cfg.pcrShift) + 10);
    const host = hostName(ev);
    return {
      ruleId: PCR_SHIFT_RULE_ID,
      ruleName: 'Exfiltration: host turned from consumer to producer of data',
      detector: 'behaviour',
      techniqueIds: ['T1041'],
      severity: severityFor(risk),
      riskScore: risk,
      explanation:
        `${host ?? 'The host'} sent ${Math.round(sent / 1048576)} MB and received ${Math.round(recv / 1048576)} MB from ` +
        `external addresses within ${this.cfg.windowMinutes} minutes: its producer/consumer ratio moved from ` +
        `${base.toFixed(2)} to ${now.toFixed(2)}, a shift towards pushing data out.`,
      host,
      firstSeen: new Date(s.flows[0][0]).toISOString(),
      lastSeen: ev['@timestamp'],
      evidence: [
        {
          id: ev.origin.id,
          location: ev.origin.location,
          timestamp: ev['@timestamp'],
          summary: 'flow that crossed the ratio threshold',
        },
      ],
      contributions: [
        { feature: 'pcr_window', value: Math.round(now * 100) / 100, weight: 1 },
        { feature: 'pcr_baseline', value: Math.round(base * 100) / 100, weight: 1 },
        { feature: 'bytes_sent', value: sent, weight: 1 },
      ],
    };
  }

  private exfilFinding(staged: Staged[], transfer: Step, ev: Event, key: string, run?: ChunkRun): Finding {
    const techniques = new Set<string>();
    for (const s of staged) for (const tech of s[2].split(',')) techniques.add(tech);
    for (const tech of transfer.techniques) techniques.add(tech);
    if (run) techniques.add('T1030');
    const first = staged[0];
    const last = staged[staged.length - 1];
    const risk = clampRisk(
      68 + (transfer.cloud ? 10 : 0) + (transfer.bytes ? 5 : 0) + Math.min(8, staged.length * 2),
    );
    const evidence: EvidenceRef[] = [
      ...staged.slice(-(this.maxEvidence - 1)).map((s) => ({
        id: s[3],
        location: s[4],
        timestamp: new Date(s[0]).toISOString(),
        summary: s[1],
      })),
      { id: ev.origin.id, location: ev.origin.location, timestamp: ev['@timestamp'], summary: transfer.what },
    ];
    const mins = Math.max(1, Math.round((timeMs(ev) - last[0]) / 60000));
    const host = hostName(ev);
    const user = actingUser(ev);
    const by = key.startsWith('u:') ? `by ${key.slice(2)}` : `on ${host ?? key.slice(2)}`;
    return {
      ruleId: EXFIL_RULE_ID,
      ruleName: 'Exfiltration: data staged then sent out',
      detector: 'behaviour',
      techniqueIds: [...techniques].sort(),
      severity: severityFor(risk),
      riskScore: risk,
      explanation:
        `Data was staged ${by} (${last[1]}) and about ${mins} minute${mins === 1 ? '' : 's'} later ${transfer.what}` +
        (run
          ? ` in ${run.count} chunks of about ${Math.round(run.bytes / 1048576)} MB to ${run.destination || 'one destination'}`
          : '') +
        `, the staging-then-upload sequence of data exfiltration.`,
      host,
      user: user && !isServiceIdentity(user) ? userKey(user) : undefined,
      firstSeen: new Date(first[0]).toISOString(),
      lastSeen: ev['@timestamp'],
      evidence,
    };
  }
}
