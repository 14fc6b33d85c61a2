import type { Event } from '../../../common/event';
import type { RoutineConfig } from '../config';
import { BoundedMap } from '../detectors/bounded_map';
import { basename, eventData, present } from '../detectors/event_fields';
import type { Finding } from '../types';

/**
 * Learned routine: scheduled jobs repeat. A finding's signature is its rule, host and user plus the process, source
 * and destination of the event that triggered it (its last evidence event); the learner remembers, per signature,
 * the days and hours of day it was seen. The same signature on `minPriorDays` earlier days within
 * `hourToleranceHours` of the same hour is routine (the nightly backup upload to the same bucket by the same agent).
 * A different process, account, destination or hour is a different signature or an unusual time, and alerts.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Days remembered per signature. */
const MAX_DAYS = 14;

/** [day index (UTC), hour-of-day mask] per day the signature was seen. */
type Seen = Array<[number, number]>;

function isSeen(v: unknown): v is Seen {
  return (
    Array.isArray(v) &&
    v.every((d) => Array.isArray(d) && typeof d[0] === 'number' && typeof d[1] === 'number')
  );
}

/** Signature of a finding from the event that triggered it; undefined when that event is not at hand. */
export function routineSignature(f: Finding, trigger: Event | undefined): string | undefined {
  if (!trigger) return undefined;
  const image = present(
    trigger.process?.executable ?? eventData(trigger, 'Image') ?? eventData(trigger, 'NewProcessName'),
  );
  const source = present(
    trigger.source?.ip ?? eventData(trigger, 'IpAddress') ?? eventData(trigger, 'SourceIp'),
  );
  const destination = present(
    trigger.destination?.domain ??
      eventData(trigger, 'DestinationHostname') ??
      trigger.destination?.ip ??
      eventData(trigger, 'DestinationIp'),
  );
  return [
    f.ruleId,
    (f.host ?? '').toLowerCase(),
    (f.user ?? '').toLowerCase(),
    image ? basename(image) : '',
    source ?? '',
    (destination ?? '').toLowerCase(),
  ].join('|');
}

export class RoutineLearner {
  private readonly seen: BoundedMap<Seen>;

  constructor(private readonly cfg: RoutineConfig) {
    this.seen = new BoundedMap(cfg.maxSignatures);
  }

  /** Whether the signature was seen on enough earlier days near this hour; then records this occurrence. */
  checkAndLearn(signature: string, t: number): boolean {
    const day = Math.floor(t / DAY_MS);
    const hour = new Date(t).getUTCHours();
    const days = this.seen.upsert(signature, () => []);
    let prior = 0;
    for (const [d, mask] of days) if (d < day && this.near(mask, hour)) prior++;
    const today = days.find((d) => d[0] === day);
    if (today) today[1] |= 1 << hour;
    else {
      days.push([day, 1 << hour]);
      if (days.length > MAX_DAYS) days.shift();
    }
    return prior >= this.cfg.minPriorDays;
  }

  snapshot(): unknown {
    return this.seen.toJSON();
  }

  restore(state: unknown): void {
    this.seen.load(state, isSeen);
  }

  private near(mask: number, hour: number): boolean {
    for (let d = -this.cfg.hourToleranceHours; d <= this.cfg.hourToleranceHours; d++) {
      if (mask & (1 << ((((hour + d) % 24) + 24) % 24))) return true;
    }
    return false;
  }
}
