import type { Event } from '../../../common/event';
import type { DeploymentSuppressionConfig } from '../config';
import { BoundedMap, isRecord } from '../detectors/bounded_map';
import {
  actingUser,
  eventData,
  eventId,
  hostKey,
  isSecurity,
  isServiceIdentity,
  present,
  timeMs,
  userKey,
} from '../detectors/event_fields';

/**
 * Prevalence of deployment artifacts. A service (name + image), a scheduled task (name + action) or an executable
 * written to an admin share, put by one account on many hosts in a short window, is a software rollout, not an
 * intrusion on each of them. Each such event is keyed `kind|account|artifact`; the tracker counts distinct hosts per
 * key over the window and says which keys are prevalent.
 */

export interface Artifact {
  key: string;
  kind: 'service' | 'task' | 'file';
  account: string;
  /** Human-readable artifact ("service ccm (C:\x\ccm.exe)"). */
  what: string;
}

interface KeyState {
  first: number;
  last: number;
  /** Distinct hosts, kept up to the threshold (the count goes on). */
  hosts: string[];
  count: number;
  what: string;
}

const ADMIN_SHARE = /\\(ADMIN|[A-Z])\$$/i;
const EXECUTABLE = /\.(exe|dll|bat|cmd|ps1|vbs|scr|sys|msi|hta)$/i;

function isKeyState(v: unknown): v is KeyState {
  return (
    isRecord(v) &&
    typeof v.first === 'number' &&
    typeof v.last === 'number' &&
    Array.isArray(v.hosts) &&
    typeof v.count === 'number' &&
    typeof v.what === 'string'
  );
}

/** Machine accounts, SYSTEM and friends are one actor: packages register tasks as the computer itself. */
function actorOf(user: string | undefined): string {
  if (!user) return 'system';
  return isServiceIdentity(user) ? 'system' : userKey(user);
}

function taskAction(xml: string | undefined): string {
  if (!xml) return '';
  const command = /<Command>([^<]*)<\/Command>/i.exec(xml)?.[1] ?? '';
  const args = /<Arguments>([^<]*)<\/Arguments>/i.exec(xml)?.[1] ?? '';
  return `${command} ${args}`.trim();
}

/** The deployment artifact an event creates, if any. `actor` overrides the event's own account (7045 has none). */
export function artifactOf(ev: Event, actor?: string): Artifact | undefined {
  const code = eventId(ev);
  const channel = (ev.winlog?.channel ?? '').toLowerCase();
  if ((code === 7045 && channel === 'system') || (code === 4697 && isSecurity(ev))) {
    const name = present(eventData(ev, 'ServiceName') ?? ev.service?.name);
    const image = present(eventData(ev, 'ImagePath') ?? eventData(ev, 'ServiceFileName')) ?? '';
    if (!name) return undefined;
    const account = actorOf(actor ?? (code === 4697 ? actingUser(ev) : undefined));
    const artifact = `${name}|${image}`.toLowerCase();
    return {
      key: `service|${account}|${artifact}`,
      kind: 'service',
      account,
      what: `service ${name}${image ? ` (${image})` : ''}`,
    };
  }
  if ((code === 4698 || code === 4702) && isSecurity(ev)) {
    const name = present(eventData(ev, 'TaskName'));
    if (!name) return undefined;
    const action = taskAction(present(eventData(ev, 'TaskContent') ?? eventData(ev, 'TaskContentNew')));
    const account = actorOf(actingUser(ev));
    return {
      key: `task|${account}|${`${name}|${action}`.toLowerCase()}`,
      kind: 'task',
      account,
      what: `scheduled task ${name}${action ? ` (${action})` : ''}`,
    };
  }
  if (code === 5145 && isSecurity(ev)) {
    const share = present(eventData(ev, 'ShareName')) ?? '';
    const target = present(eventData(ev, 'RelativeTargetName')) ?? '';
    if (!ADMIN_SHARE.test(share) || !EXECUTABLE.test(target)) return undefined;
    const account = actorOf(actingUser(ev));
    return {
      key: `file|${account}|${`${share}|${target}`.toLowerCase()}`,
      kind: 'file',
      account,
      what: `${target} copied to ${share}`,
    };
  }
  return undefined;
}

export class DeploymentTracker {
  private readonly keys: BoundedMap<KeyState>;
  /** origin id -> artifact key of recent artifact events (findings cite them later, maybe after a restart). */
  private readonly recent: BoundedMap<string>;
  private readonly windowMs: number;

  constructor(private readonly cfg: DeploymentSuppressionConfig) {
    this.keys = new BoundedMap(cfg.maxArtifacts);
    this.recent = new BoundedMap(cfg.maxArtifacts * 4);
    this.windowMs = cfg.windowMinutes * 60_000;
  }

  observe(ev: Event, actor?: string): void {
    const a = artifactOf(ev, actor);
    const host = hostKey(ev);
    if (!a || !host) return;
    const t = timeMs(ev);
    let s = this.keys.get(a.key);
    if (s && t - s.first > this.windowMs && t - s.last > this.windowMs) {
      // A new rollout of the same package much later counts afresh.
      this.keys.delete(a.key);
      s = undefined;
    }
    s = this.keys.upsert(a.key, () => ({ first: t, last: t, hosts: [], count: 0, what: a.what }));
    s.first = Math.min(s.first, t);
    s.last = Math.max(s.last, t);
    if (!s.hosts.includes(host)) {
      s.count++;
      if (s.hosts.length < this.cfg.minHosts) s.hosts.push(host);
    }
    this.recent.upsert(ev.origin.id, () => a.key);
  }

  keyOf(originId: string): string | undefined {
    return this.recent.get(originId);
  }

  /** Distinct hosts with this artifact in the current window. */
  hostCount(key: string): number {
    return this.keys.get(key)?.count ?? 0;
  }

  isPrevalent(key: string): boolean {
    return this.hostCount(key) >= this.cfg.minHosts;
  }

  /** True when `account` put one artifact on two or more hosts within the window before `t`: a rollout may be under way. */
  isDeploying(account: string, t: number): boolean {
    for (const [key, s] of this.keys.entries()) {
      if (s.count >= 2 && t - s.last <= this.windowMs && key.split('|')[1] === account) return true;
    }
    return false;
  }

  describe(key: string): { what: string; account: string; first: number; last: number } | undefined {
    const s = this.keys.get(key);
    if (!s) return undefined;
    return { what: s.what, account: key.split('|')[1] ?? '', first: s.first, last: s.last };
  }

  expire(t: number): void {
    this.keys.sweep((s) => t - s.last > this.windowMs * 2);
  }

  snapshot(): unknown {
    // Recent event ids are kept too: a windowed finding may cite an event of an earlier batch.
    return { keys: this.keys.toJSON(), recent: this.recent.toJSON() };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.keys.load(s.keys, isKeyState);
    this.recent.load(s.recent, (v): v is string => typeof v === 'string');
  }
}
