/**
 * Turns scenario files into labelled campaign events: picks the actors (victim workstation and user, pivot,
 * server, admin account, C2 and tunnel domains) from the organisation, places the campaign in the simulated period,
 * and runs each step's action at its time. Campaign events are few compared with the background, so they are built
 * up front and merged into the background stream in time order.
 */
import { ACTIONS, ActionCtx, Actors, CampaignState } from './actions';
import { isWorkingTime, Organisation } from './org';
import { Prng } from './prng';
import type { Scenario } from './scenarios';
import { CLOUD_STORAGE } from './catalog';
import { compareEvents, EventLabel, WinEvent } from './win_event';

const C2_DOMAINS = [
  'cdn-telemetry-sync.com',
  'office365-updates.net',
  'msft-graph-api.com',
  'azure-statuspage.org',
  'cloudfront-cache.info',
];
const TUNNEL_DOMAINS = ['t.ns-resolve.xyz', 'x.dnsq-cache.top', 'r.update-check.click'];

export interface CampaignPlan {
  scenario: string;
  instance: string;
  start: number;
  actors: Actors;
  events: WinEvent[];
  /** Step ids with their scheduled times, for the summary and tests. */
  steps: Array<{ id: string; at: number; techniques: string[] }>;
}

function pickActors(org: Organisation, rng: Prng): Actors {
  const ws = org.workstations;
  const victim = org.hosts[ws[rng.int(0, ws.length - 1)]];
  let pivot = org.hosts[ws[rng.int(0, ws.length - 1)]];
  if (pivot.index === victim.index) pivot = org.hosts[ws[(ws.indexOf(victim.index) + 1) % ws.length]];
  const servers = org.hosts.filter((h) => h.role === 'server');
  return {
    victim,
    victimUser: org.users[victim.primaryUser ?? 0],
    pivot,
    server: servers[rng.int(0, servers.length - 1)],
    fileServer: org.hosts[org.fileServers[rng.int(0, org.fileServers.length - 1)]],
    dc: org.hosts[org.dcs[0]],
    admin: org.users[org.admins[rng.int(0, org.admins.length - 1)]],
    attackerIp: `${rng.pick([45, 91, 185, 193])}.${rng.int(1, 254)}.${rng.int(1, 254)}.${rng.int(1, 254)}`,
    c2Domain: rng.pick(C2_DOMAINS),
    c2Ip: `${rng.pick([104, 172, 198])}.${rng.int(1, 254)}.${rng.int(1, 254)}.${rng.int(1, 254)}`,
    tunnelDomain: rng.pick(TUNNEL_DOMAINS),
    cloud: CLOUD_STORAGE[rng.pick([2, 3, 4, 5, 0])],
  };
}

/** The next instant at or after `ts` inside the user's working hours (searching in 10-minute steps). */
function nextWorkingTime(ts: number, actors: Actors, limit: number): number {
  let t = ts;
  while (t < limit && !isWorkingTime(t, actors.victimUser)) t += 600000;
  return t < limit ? t : ts;
}

export function planCampaigns(
  org: Organisation,
  scenarios: Scenario[],
  startMs: number,
  endMs: number,
): CampaignPlan[] {
  const plans: CampaignPlan[] = [];
  const span = endMs - startMs;
  for (const scenario of scenarios) {
    const rng = Prng.derive(org.seed, 'campaign', scenario.name);
    const actors = pickActors(org, rng);
    const [lo, hi] = scenario.startFraction;
    let start = startMs + Math.floor(span * (lo + (hi - lo) * rng.next()));
    start = nextWorkingTime(start, actors, endMs);
    // Scale delays down when the scenario's nominal length does not fit in the simulated period.
    const nominal = scenario.steps.reduce(
      (s, st) => s + ((st.delayMinutes[0] + st.delayMinutes[1]) / 2) * 60000,
      0,
    );
    const room = Math.max(60000, endMs - start - 3 * 3600000);
    const scale = nominal > room ? room / nominal : 1;
    const events: WinEvent[] = [];
    const state: CampaignState = {
      implantPath: 'C:\\Users\\Public\\Libraries\\svchost.exe',
      stagingDir: 'C:\\Users\\Public\\Libraries\\cache',
      current: actors.victim,
    };
    const instance = `${scenario.name}-${org.seed}`;
    const steps: CampaignPlan['steps'] = [];
    let t = start;
    for (const step of scenario.steps) {
      const [dmin, dmax] = step.delayMinutes;
      t += Math.floor((dmin + (dmax - dmin) * rng.next()) * 60000 * scale);
      if (step.workingHours && scale === 1) t = nextWorkingTime(t, actors, endMs);
      const action = ACTIONS[step.action];
      if (!action)
        throw new Error(`scenario ${scenario.name}, step ${step.id}: unknown action "${step.action}"`);
      const label: EventLabel = {
        kind: 'campaign',
        campaign: instance,
        scenario: scenario.name,
        step: step.id,
        stepName: step.name,
        techniques: step.techniques,
      };
      const actx: ActionCtx = { world: { org, rng, out: events }, label, t, actors, state };
      steps.push({ id: step.id, at: t, techniques: step.techniques });
      t = Math.max(t, action(actx, step.params));
    }
    events.sort(compareEvents);
    plans.push({
      scenario: scenario.name,
      instance,
      start,
      actors,
      events: events.filter((e) => e.ts >= startMs && e.ts < endMs),
      steps,
    });
  }
  return plans;
}

export { ACTIONS };
