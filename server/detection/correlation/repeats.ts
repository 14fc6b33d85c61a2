import { isRecord } from '../detectors/bounded_map';
import { capEvidence } from '../detectors/event_fields';
import type { Finding } from '../types';

/**
 * Repeats: the same finding again within a short time is one alert, not several. Windows writes one 5145 per access
 * check of a single share access, a tool re-reads the same registry value, one program loads the same DLL into three
 * processes; on the development recordings a fifth of the alerts repeated one raised less than a minute before, most
 * of them within a second.
 *
 * The same finding means the same rule, host, user and explanation (the explanation names the process, file, pipe
 * or value, so a different one is a different finding). Each new finding waits `windowSeconds` of event time;
 * repeats that come meanwhile add their evidence to it (up to the evidence cap: the first and the latest) and are
 * counted; then it goes out as one alert whose explanation says how many times it was seen. Event time only, so the
 * outcome does not depend on where a batch ends; held findings are part of the pipeline state.
 */

interface Held {
  key: string;
  finding: Finding;
  /** Event time (ms) at which it goes out. */
  releaseAt: number;
  /** Findings merged into it. */
  repeats: number;
}

function isHeld(v: unknown): v is Held {
  return (
    isRecord(v) &&
    typeof v.key === 'string' &&
    isRecord(v.finding) &&
    typeof v.releaseAt === 'number' &&
    typeof v.repeats === 'number'
  );
}

function keyOf(f: Finding): string {
  return `${f.ruleId}\u0000${f.host ?? ''}\u0000${f.user ?? ''}\u0000${f.explanation}`;
}

function span(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** The held finding as it goes out: the explanation names the count when repeats were merged into it. */
function released(h: Held): Finding {
  if (h.repeats === 0) return h.finding;
  const f = h.finding;
  const times = `${h.repeats + 1} times in ${span(Date.parse(f.lastSeen) - Date.parse(f.firstSeen))}`;
  const text = f.explanation.replace(/\s+$/, '');
  const explanation = text.endsWith('.') ? `${text.slice(0, -1)} (${times}).` : `${text} (${times})`;
  return { ...f, explanation };
}

export class RepeatFolder {
  /** By key, in the order they were first seen (which is the order they go out). */
  private held = new Map<string, Held>();
  /** Earliest releaseAt among the held (Infinity when none). */
  private next = Infinity;
  /** Findings merged into an earlier one, by this instance (like the suppressor's other counters, not saved). */
  folded = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxEvidence: number,
    private readonly maxHeld: number,
  ) {}

  /** Findings held. */
  get size(): number {
    return this.held.size;
  }

  /** Whether a held finding is due at event time `now`. */
  due(now: number): boolean {
    return now >= this.next;
  }

  /** Takes the findings that passed suppression; returns those to alert on now (the held ones that are due). */
  pass(findings: readonly Finding[], now: number): Finding[] {
    const out: Finding[] = [];
    // Held findings whose window has passed go first: a later finding must not merge into them.
    this.release(now, false, out);
    for (const f of findings) this.add(f, out);
    // Findings that came late (a batch's model findings) may be past their window already.
    this.release(now, false, out);
    return out;
  }

  /** Every held finding, now (end of a scan): nothing held is ever lost. */
  flush(): Finding[] {
    const out: Finding[] = [];
    this.release(Infinity, true, out);
    return out;
  }

  snapshot(): unknown {
    return { held: [...this.held.values()] };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.held = new Map();
    this.next = Infinity;
    if (Array.isArray(s.held))
      for (const h of s.held.filter(isHeld).slice(0, this.maxHeld)) {
        this.held.set(h.key, h);
        this.next = Math.min(this.next, h.releaseAt);
      }
  }

  private add(f: Finding, out: Finding[]): void {
    const key = keyOf(f);
    const t = Date.parse(f.lastSeen);
    const time = Number.isFinite(t) ? t : 0;
    const h = this.held.get(key);
    if (h && time >= h.releaseAt) {
      // Its window is over (the finding came in late): it goes out, and this one starts anew.
      this.held.delete(key);
      out.push(released(h));
    } else if (h) {
      const merged = h.finding;
      merged.evidence = capEvidence([...merged.evidence, ...f.evidence], this.maxEvidence);
      if (f.events) merged.events = capEvidence([...(merged.events ?? []), ...f.events], this.maxEvidence);
      if (f.lastSeen > merged.lastSeen) merged.lastSeen = f.lastSeen;
      if (f.firstSeen < merged.firstSeen) merged.firstSeen = f.firstSeen;
      h.repeats++;
      this.folded++;
      return;
    }
    // Bounded: past maxHeld the oldest goes out at once instead of waiting (nothing is dropped).
    if (this.held.size >= this.maxHeld) {
      const [oldestKey, oldest] = this.held.entries().next().value as [string, Held];
      this.held.delete(oldestKey);
      out.push(released(oldest));
    }
    const releaseAt = time + this.windowMs;
    // A copy: merging must not change a finding object the caller still holds.
    this.held.set(key, { key, finding: { ...f, evidence: [...f.evidence] }, releaseAt, repeats: 0 });
    if (releaseAt < this.next) this.next = releaseAt;
  }

  private release(now: number, all: boolean, out: Finding[]): void {
    if (!all && now < this.next) return;
    this.next = Infinity;
    for (const [key, h] of this.held) {
      if (all || now >= h.releaseAt) {
        this.held.delete(key);
        out.push(released(h));
      } else if (h.releaseAt < this.next) this.next = h.releaseAt;
    }
  }
}
