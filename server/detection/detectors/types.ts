import type { Event } from '../../../common/event';
import type { Finding } from '../types';

/**
 * A stateful behaviour detector. It sees every event once, in (roughly) time order, keeps bounded per-entity state
 * over event-time windows, and returns findings as soon as a behaviour is established.
 */
export interface Detector {
  /** Stable id, also the prefix of the rule ids of its findings (e.g. `apt.behaviour.dns_tunnel`). */
  readonly id: string;
  observe(event: Event): Finding[];
  /**
   * Expire state older than the window before `now` (ISO time; default: the latest event time seen) and return
   * findings that only a closed window can establish.
   */
  flush(now?: string): Finding[];
  /** JSON-serialisable state, so a host can persist it between runs. */
  snapshot(): unknown;
  /** Replace the state with one produced by `snapshot()`; invalid input resets to empty state. */
  restore(state: unknown): void;
}
