/**
 * The simulator's intermediate record: one Windows event as the Event Log holds it (channel, id, PascalCase
 * EventData strings). Renderers turn it into Winlogbeat raw, Winlogbeat enriched or Wazuh alert documents, so every
 * output format describes exactly the same activity.
 */

export const SECURITY = 'Security';
export const SYSTEM = 'System';
export const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
export const POWERSHELL = 'Microsoft-Windows-PowerShell/Operational';
export type Channel = typeof SECURITY | typeof SYSTEM | typeof SYSMON | typeof POWERSHELL;

/** Ground truth for one event. It is written to the labels file only, never into the documents. */
export type EventLabel =
  | {
      kind: 'campaign';
      campaign: string;
      scenario: string;
      step: string;
      stepName: string;
      techniques: string[];
    }
  | { kind: 'trap'; trap: string; techniques: string[] };

export interface WinEvent {
  /** Epoch milliseconds. */
  ts: number;
  /** Sub-millisecond ticks (0-9999, 100 ns each): Security events carry 7 fractional digits. */
  sub: number;
  host: number;
  channel: Channel;
  eventId: number;
  /** EventData with the Windows (PascalCase) names; every value a string, as Windows renders it. */
  data: Record<string, string>;
  /** The data sits in a UserData element of this name (e.g. LogFileCleared for 1102) instead of EventData. */
  userData?: string;
  /** Audit Failure rather than Audit Success (Security channel only). */
  failure?: boolean;
  label?: EventLabel;
}

/** A running process, enough to fill Sysmon and 4688 fields and to be a parent. */
export interface Proc {
  pid: number;
  guid: string;
  image: string;
  commandLine: string;
  user: { name: string; domain: string; sid: string };
  logonId: string;
  integrity: 'Low' | 'Medium' | 'High' | 'System';
  cwd: string;
}

export function baseName(path: string): string {
  const i = path.lastIndexOf('\\');
  return i >= 0 ? path.slice(i + 1) : path;
}

/** Event order for the stream: time, then sub-millisecond tick, then host (stable for ties). */
export function compareEvents(a: WinEvent, b: WinEvent): number {
  return a.ts - b.ts || a.sub - b.sub || a.host - b.host;
}
