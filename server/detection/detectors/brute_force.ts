import type { Event } from '../../../common/event';
import type { BruteForceConfig } from '../config';
import type { EvidenceRef, Finding } from '../types';
import { BoundedMap, isRecord } from './bounded_map';
import type { Detector } from './types';
import {
  capEvidence,
  clampRisk,
  eventData,
  eventId,
  hostName,
  isLoopback,
  isSecurity,
  logonType,
  minutes,
  present,
  severityFor,
  shortHost,
  sourceIp,
  sourceWorkstation,
  targetUser,
  timeMs,
  userKey,
} from './event_fields';

/**
 * Brute force (T1110.001) and password spraying (T1110.003) from Windows authentication failures: 4625 (logon
 * failed), 4771 (Kerberos pre-authentication failed) and 4776 (NTLM validation with a non-zero status). Failures are
 * counted per target account (many guesses at one account) and per source (a few guesses at many accounts). A
 * successful logon of an account or from a source that is being guessed at raises a critical finding: the guessing
 * probably worked (T1078).
 */

export const BRUTE_FORCE_RULE_ID = 'apt.behaviour.brute_force';
export const PASSWORD_SPRAY_RULE_ID = 'apt.behaviour.password_spray';
export const BRUTE_FORCE_SUCCESS_RULE_ID = 'apt.behaviour.brute_force_success';

/** [time ms, counterpart (source for a user key, user for a source key), host, evidence id, location]. */
type Failure = [number, string, string, string, string];

interface KeyState {
  failures: Failure[];
  quietUntil: number;
  successQuietUntil: number;
}

type AuthOutcome = { kind: 'failure' | 'success'; user: string; source?: string; host: string; code: number };

const SUCCESS_STATUS = new Set(['0x0', '0', '0x00000000']);

/** Classifies an authentication event, or undefined when it is not one this detector counts. */
export function classifyAuth(ev: Event): AuthOutcome | undefined {
  if (!isSecurity(ev) && ev.event?.category?.includes('authentication') !== true) return undefined;
  const code = eventId(ev);
  if (code !== 4624 && code !== 4625 && code !== 4771 && code !== 4776) return undefined;
  const rawUser = targetUser(ev);
  if (!rawUser) return undefined;
  const user = userKey(rawUser);
  if (user === 'anonymous logon') return undefined;
  const ip = sourceIp(ev);
  const ws = sourceWorkstation(ev);
  const source = ip && !isLoopback(ip) ? ip : ws ? shortHost(ws) : undefined;
  const host = hostName(ev) ?? '';
  let failed: boolean;
  if (code === 4625 || code === 4771) {
    failed = true;
  } else if (code === 4776) {
    const status = present(eventData(ev, 'Status'))?.toLowerCase();
    failed = status !== undefined ? !SUCCESS_STATUS.has(status) : ev.event?.outcome === 'failure';
  } else {
    // 4624: service and unlock logons are not answers to guessing.
    const lt = logonType(ev);
    if (lt === 5 || lt === 7 || user.endsWith('$')) return undefined;
    failed = false;
  }
  return { kind: failed ? 'failure' : 'success', user, source, host, code };
}

function isFailure(v: unknown): v is Failure {
  return Array.isArray(v) && v.length === 5 && typeof v[0] === 'number' && typeof v[1] === 'string';
}

function isKeyState(v: unknown): v is KeyState {
  return (
    isRecord(v) &&
    Array.isArray(v.failures) &&
    v.failures.every(isFailure) &&
    typeof v.quietUntil === 'number' &&
    typeof v.successQuietUntil === 'number'
  );
}

export class BruteForceDetector implements Detector {
  readonly id = BRUTE_FORCE_RULE_ID;
  private readonly keys: BoundedMap<KeyState>;
  private readonly windowMs: number;
  private readonly allowSources: Set<string>;
  private latest = 0;

  constructor(
    private readonly cfg: BruteForceConfig,
    private readonly maxEvidence = 20,
  ) {
    this.keys = new BoundedMap(cfg.maxKeys);
    this.windowMs = minutes(cfg.windowMinutes);
    this.allowSources = new Set(cfg.allowSources.map((s) => s.toLowerCase()));
  }

  observe(ev: Event): Finding[] {
    const auth = classifyAuth(ev);
    if (!auth) return [];
    const t = timeMs(ev);
    if (t > this.latest) this.latest = t;
    const allowedSource = auth.source !== undefined && this.allowSources.has(auth.source);
    if (auth.kind === 'success') return allowedSource ? [] : this.onSuccess(auth, ev, t);
    if (allowedSource) return [];

    const out: Finding[] = [];
    const userState = this.track(`u:${auth.user}`, [
      t,
      auth.source ?? '',
      auth.host,
      ev.origin.id,
      ev.origin.location,
    ]);
    if (userState.failures.length >= this.cfg.failuresPerUser && t >= userState.quietUntil) {
      userState.quietUntil = t + this.windowMs;
      out.push(this.guessingFinding(auth.user, userState));
    }
    if (auth.source !== undefined) {
      const srcState = this.track(`s:${auth.source}`, [
        t,
        auth.user,
        auth.host,
        ev.origin.id,
        ev.origin.location,
      ]);
      const users = new Set(srcState.failures.map((f) => f[1]));
      if (users.size >= this.cfg.usersPerSource && t >= srcState.quietUntil) {
        srcState.quietUntil = t + this.windowMs;
        out.push(this.sprayFinding(auth.source, srcState, users.size));
      }
    }
    return out;
  }

  flush(now?: string): Finding[] {
    const t = now ? Date.parse(now) : this.latest;
    const cutoff = t - this.windowMs;
    this.keys.sweep((s) => {
      s.failures = s.failures.filter((f) => f[0] >= cutoff);
      return s.failures.length === 0 && s.quietUntil <= t && s.successQuietUntil <= t;
    });
    return [];
  }

  snapshot(): unknown {
    return { latest: this.latest, keys: this.keys.toJSON() };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.latest = typeof s.latest === 'number' ? s.latest : 0;
    this.keys.load(s.keys, isKeyState);
  }

  private track(key: string, failure: Failure): KeyState {
    const state = this.keys.upsert(key, () => ({ failures: [], quietUntil: 0, successQuietUntil: 0 }));
    const cutoff = failure[0] - this.windowMs;
    while (state.failures.length > 0 && state.failures[0][0] < cutoff) state.failures.shift();
    state.failures.push(failure);
    if (state.failures.length > this.cfg.maxFailuresPerKey) state.failures.shift();
    return state;
  }

  private recentFailures(key: string, t: number): KeyState | undefined {
    const state = this.keys.get(key);
    if (!state) return undefined;
    const cutoff = t - this.windowMs;
    state.failures = state.failures.filter((f) => f[0] >= cutoff);
    return state;
  }

  private onSuccess(auth: AuthOutcome, ev: Event, t: number): Finding[] {
    const userState = this.recentFailures(`u:${auth.user}`, t);
    const srcState = auth.source !== undefined ? this.recentFailures(`s:${auth.source}`, t) : undefined;
    const userFailures = userState?.failures.length ?? 0;
    const sprayUsers = srcState ? new Set(srcState.failures.map((f) => f[1])).size : 0;
    const guessed = userFailures >= Math.max(3, Math.ceil(this.cfg.failuresPerUser / 2));
    const sprayed = sprayUsers >= this.cfg.usersPerSource;
    if (!guessed && !sprayed) return [];
    const quietKey = guessed ? userState : srcState;
    if (!quietKey || t < quietKey.successQuietUntil) return [];
    quietKey.successQuietUntil = t + this.windowMs;

    const prior = [
      ...(guessed && userState ? userState.failures : []),
      ...(sprayed && srcState ? srcState.failures : []),
    ];
    prior.sort((a, b) => a[0] - b[0]);
    const evidence = capEvidence(
      [
        ...prior.map((f) => this.ref(f, 'failed logon')),
        {
          id: ev.origin.id,
          location: ev.origin.location,
          timestamp: ev['@timestamp'],
          summary: `successful logon (${auth.code}) of ${auth.user}${auth.source ? ` from ${auth.source}` : ''}`,
        },
      ],
      this.maxEvidence,
    );
    const risk = clampRisk(80 + Math.min(15, Math.log2(Math.max(userFailures, sprayUsers, 1)) * 2));
    const how = guessed
      ? `${userFailures} failed logons for the account`
      : `failed logons for ${sprayUsers} accounts from ${auth.source}`;
    return [
      {
        ruleId: BRUTE_FORCE_SUCCESS_RULE_ID,
        ruleName: 'Successful logon after password guessing',
        detector: 'behaviour',
        techniqueIds: [guessed ? 'T1110.001' : 'T1110.003', 'T1078'],
        severity: severityFor(risk),
        riskScore: risk,
        explanation:
          `Account ${auth.user} logged on successfully${auth.source ? ` from ${auth.source}` : ''} on ` +
          `${auth.host || 'an unknown host'} after ${how} within ${this.cfg.windowMinutes} minutes, so the guessing likely succeeded.`,
        host: auth.host || undefined,
        user: auth.user,
        firstSeen: prior.length ? new Date(prior[0][0]).toISOString() : ev['@timestamp'],
        lastSeen: ev['@timestamp'],
        evidence,
      },
    ];
  }

  private ref(f: Failure, what: string): EvidenceRef {
    return {
      id: f[3],
      location: f[4],
      timestamp: new Date(f[0]).toISOString(),
      summary: `${what} ${f[1] ? `(${f[1]})` : ''} on ${f[2]}`.replace(/\s+/g, ' '),
    };
  }

  private guessingFinding(user: string, state: KeyState): Finding {
    const f = state.failures;
    const sources = new Set(f.map((x) => x[1]).filter((s) => s !== ''));
    const hosts = new Set(f.map((x) => x[2]).filter((s) => s !== ''));
    const risk = clampRisk(45 + Math.min(25, 5 * Math.log2(f.length / this.cfg.failuresPerUser + 1)));
    const [host] = [...hosts];
    return {
      ruleId: BRUTE_FORCE_RULE_ID,
      ruleName: 'Password guessing against one account',
      detector: 'behaviour',
      techniqueIds: ['T1110.001'],
      severity: severityFor(risk),
      riskScore: risk,
      explanation:
        `Account ${user} failed to log on ${f.length} times within ${this.cfg.windowMinutes} minutes` +
        `${sources.size ? ` from ${[...sources].slice(0, 3).join(', ')}${sources.size > 3 ? ` and ${sources.size - 3} more sources` : ''}` : ''}` +
        `, the pattern of password guessing.`,
      host: hosts.size === 1 ? host : undefined,
      user,
      firstSeen: new Date(f[0][0]).toISOString(),
      lastSeen: new Date(f[f.length - 1][0]).toISOString(),
      evidence: capEvidence(
        f.map((x) => this.ref(x, `failed logon from`)),
        this.maxEvidence,
      ),
    };
  }

  private sprayFinding(source: string, state: KeyState, users: number): Finding {
    const f = state.failures;
    const hosts = new Set(f.map((x) => x[2]).filter((s) => s !== ''));
    const risk = clampRisk(55 + Math.min(25, 5 * Math.log2(users / this.cfg.usersPerSource + 1)));
    const [host] = [...hosts];
    return {
      ruleId: PASSWORD_SPRAY_RULE_ID,
      ruleName: 'Password spraying from one source',
      detector: 'behaviour',
      techniqueIds: ['T1110.003'],
      severity: severityFor(risk),
      riskScore: risk,
      explanation:
        `Source ${source} failed to log on as ${users} different accounts (${f.length} attempts) within ` +
        `${this.cfg.windowMinutes} minutes, the pattern of password spraying.`,
      host: hosts.size === 1 ? host : undefined,
      firstSeen: new Date(f[0][0]).toISOString(),
      lastSeen: new Date(f[f.length - 1][0]).toISOString(),
      evidence: capEvidence(
        f.map((x) => this.ref(x, 'failed logon for')),
        this.maxEvidence,
      ),
    };
  }
}
