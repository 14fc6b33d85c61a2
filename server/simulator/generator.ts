/**
 * The simulation stream: background windows for every host merged with the planned campaign events, in time
 * order, rendered into the requested output shape. Generation is lazy (one 10-minute window in memory at a time),
 * deterministic for a seed, and every document carries a unique id derived from its position in the stream.
 */
import { backgroundWindow, WINDOW_MS } from './background';
import { CampaignPlan, planCampaigns } from './campaigns';
import { buildOrganisation, Organisation } from './org';
import { Prng } from './prng';
import type { Doc } from './render_raw';
import { renderRaw } from './render_raw';
import { renderEcs } from './render_ecs';
import { renderWazuh } from './render_wazuh';
import type { Scenario } from './scenarios';
import { compareEvents, EventLabel, SECURITY, SYSMON, SYSTEM, WinEvent } from './win_event';

export type OutputFormat = 'winlogbeat' | 'winlogbeat-raw' | 'wazuh' | 'mixed';
export type DocKind = 'winlogbeat' | 'winlogbeat-raw' | 'wazuh';
export const OUTPUT_FORMATS: OutputFormat[] = ['winlogbeat', 'winlogbeat-raw', 'wazuh', 'mixed'];

export interface SimulateOptions {
  seed: number;
  hosts: number;
  /** Simulated period: [start, start + days). */
  start: number;
  days: number;
  scenarios: Scenario[];
  format: OutputFormat;
  /** Stop after this many documents. */
  maxEvents?: number;
}

export interface SimDoc {
  kind: DocKind;
  /** Deterministic unique id (event.id for Winlogbeat documents, the alert id for Wazuh); use it as the ES _id. */
  id: string;
  /** Event time (epoch ms): the daily index is chosen from it. */
  ts: number;
  doc: Doc;
  /** Ground truth, for the labels file only. */
  label?: EventLabel;
  /** Event code and channel, for summaries. */
  code: string;
  channel: string;
}

export interface Simulation {
  org: Organisation;
  campaigns: CampaignPlan[];
  documents: Generator<SimDoc>;
}

function channelIndex(ev: WinEvent): number {
  return ev.channel === SECURITY ? 0 : ev.channel === SYSMON ? 1 : ev.channel === SYSTEM ? 2 : 3;
}

/** All events in time order, window by window. Events that spill past a window's end wait for the next one. */
export function* eventStream(
  org: Organisation,
  campaigns: CampaignPlan[],
  start: number,
  end: number,
): Generator<WinEvent> {
  const campaignEvents = campaigns.flatMap((c) => c.events).sort(compareEvents);
  let ci = 0;
  let carry: WinEvent[] = [];
  const firstWindow = Math.floor(start / WINDOW_MS) * WINDOW_MS;
  for (let ws = firstWindow; ws < end; ws += WINDOW_MS) {
    const we = ws + WINDOW_MS;
    const out: WinEvent[] = carry;
    backgroundWindow({ org, rng: Prng.derive(org.seed, 'window', ws), out }, ws);
    while (ci < campaignEvents.length && campaignEvents[ci].ts < we) out.push(campaignEvents[ci++]);
    out.sort(compareEvents);
    carry = [];
    for (const ev of out) {
      if (ev.ts >= we) carry.push(ev);
      else if (ev.ts >= start && ev.ts < end) yield ev;
    }
  }
}

export function simulate(opts: SimulateOptions): Simulation {
  const org = buildOrganisation(opts.seed, opts.hosts);
  const end = opts.start + opts.days * 86400000;
  const campaigns = planCampaigns(org, opts.scenarios, opts.start, end);
  return { org, campaigns, documents: documents(org, campaigns, opts, end) };
}

function* documents(
  org: Organisation,
  campaigns: CampaignPlan[],
  opts: SimulateOptions,
  end: number,
): Generator<SimDoc> {
  const records = new Map<number, number>();
  const max = opts.maxEvents ?? Infinity;
  let seq = 0;
  let emitted = 0;
  for (const ev of eventStream(org, campaigns, opts.start, end)) {
    if (emitted >= max) return;
    const key = ev.host * 4 + channelIndex(ev);
    const recordId = (records.get(key) ?? 1000 + ((org.hosts[ev.host].index * 7919) % 50000)) + 1;
    records.set(key, recordId);
    seq++;
    const kind: DocKind =
      opts.format === 'mixed'
        ? org.hosts[ev.host].collector === 'wazuh'
          ? 'wazuh'
          : 'winlogbeat'
        : opts.format;
    let doc: Doc | undefined;
    let id: string;
    if (kind === 'wazuh') {
      doc = renderWazuh(org, ev, recordId, seq);
      if (!doc) continue;
      id = doc.id as string;
    } else {
      id = `sim-${org.seed}-${seq.toString(36)}`;
      doc = kind === 'winlogbeat' ? renderEcs(org, ev, recordId, id) : renderRaw(org, ev, recordId, id);
    }
    emitted++;
    yield { kind, id, ts: ev.ts, doc, label: ev.label, code: String(ev.eventId), channel: ev.channel };
  }
}

/** The labels-file line for a document (only labelled documents get one). */
export function labelLine(d: SimDoc): Record<string, unknown> | undefined {
  if (!d.label) return undefined;
  const base = { id: d.id, kind: d.kind, '@timestamp': new Date(d.ts).toISOString(), code: d.code };
  if (d.label.kind === 'trap')
    return { ...base, label: 'benign_trap', trap: d.label.trap, techniques: d.label.techniques };
  return {
    ...base,
    label: 'malicious',
    campaign: d.label.campaign,
    scenario: d.label.scenario,
    step: d.label.step,
    step_name: d.label.stepName,
    techniques: d.label.techniques,
  };
}

/** Yields to the event loop every `batch` documents so a long simulation never starves timers or I/O. */
export async function* asAsync<T>(gen: Iterable<T>, batch = 2000): AsyncGenerator<T> {
  let n = 0;
  for (const item of gen) {
    yield item;
    if (++n % batch === 0) await new Promise<void>((r) => setImmediate(r));
  }
}
