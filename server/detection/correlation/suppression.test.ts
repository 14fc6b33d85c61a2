import type { AlertDoc } from '../../../common/alert';
import type { Event } from '../../../common/event';
import type { DetectionConfigInput } from '../config';
import { adminShareWrite, at, logon, makeEvent, serviceInstall } from '../detectors/test_events';
import { DetectionPipeline } from '../pipeline';
import { loadRules } from '../rules/engine';
import { imageBinary } from './admin_paths';
import { BURST_RULE_ID } from './bursts';
import { DEPLOYMENT_RULE_ID } from './suppression';

const rules = loadRules();
const DAY = 86_400;
const T0 = '2025-03-05T10:00:00.000Z';

function pipeline(config: DetectionConfigInput = {}): DetectionPipeline {
  return new DetectionPipeline({ config, rules });
}

async function run(p: DetectionPipeline, events: Event[], flush = true): Promise<AlertDoc[]> {
  const alerts = [...(await p.processBatch(events)).alerts];
  if (flush) alerts.push(...(await p.flush()).alerts);
  return alerts;
}

const count = (alerts: AlertDoc[], ruleId: string): number =>
  alerts.filter((a) => a.rule.id === ruleId).length;

/** What a push install leaves on one target: network logon, executable on ADMIN$, service install (7045 + 4697). */
function pushInstall(
  time: string,
  host: string,
  opts: { user?: string; ip?: string; service?: string } = {},
): Event[] {
  const user = opts.user ?? 'svc-deploy';
  const ip = opts.ip ?? '10.0.0.5';
  const service = opts.service ?? 'agentsetup';
  const image = `C:\\Windows\\${service}\\${service}.exe /install`;
  return [
    logon(time, { host, user, ip, type: 3 }),
    adminShareWrite(at(time, 1), host, user, ip, `${service}\\${service}.exe`),
    serviceInstall(at(time, 2), host, service, image),
    makeEvent({
      time: at(time, 2),
      host,
      eventId: 4697,
      data: { SubjectUserName: user, ServiceName: service, ServiceFileName: image },
    }),
  ];
}

function rollout(hosts: number, opts: { user?: string; service?: string } = {}): Event[] {
  const events: Event[] = [];
  for (let i = 0; i < hosts; i++)
    events.push(...pushInstall(at(T0, i * 40), `ws${String(i).padStart(3, '0')}`, opts));
  return events;
}

describe('software deployment prevalence', () => {
  it('folds a service pushed to many hosts by one account into one low-severity alert naming the count', async () => {
    const alerts = await run(pipeline(), rollout(8));
    const rollouts = alerts.filter((a) => a.rule.id === DEPLOYMENT_RULE_ID);
    expect(rollouts).toHaveLength(1);
    expect(rollouts[0].apt.severity).toBe('low');
    expect(rollouts[0].apt.explanation).toMatch(/on \d+ hosts by svc-deploy/);
    expect(count(alerts, 'apt.persist.new_service')).toBe(0);
    expect(count(alerts, 'apt.lm.admin_share_write')).toBe(0);
    expect(count(alerts, 'apt.behaviour.remote_execution_after_logon')).toBe(0);
    // The deploying account's logons (a fan-out to 8 hosts) belong to the rollout too.
    expect(count(alerts, 'apt.behaviour.lateral_fanout')).toBe(0);
    expect(alerts).toHaveLength(1);
  });

  it('alerts per host as before when suppression is off (the same events)', async () => {
    const alerts = await run(
      pipeline({ suppression: { deployments: { enabled: false }, adminPaths: { enabled: false } } }),
      rollout(8),
    );
    expect(count(alerts, 'apt.persist.new_service')).toBeGreaterThanOrEqual(8);
    expect(count(alerts, DEPLOYMENT_RULE_ID)).toBe(0);
  });

  it('releases the held findings unchanged when the artifact stays on a few hosts', async () => {
    const p = pipeline();
    const early = await run(p, rollout(2), false);
    // Held while the rollout might still show...
    expect(count(early, 'apt.persist.new_service')).toBe(0);
    // ...and released once event time has moved past the hold.
    const later = await run(p, [logon(at(T0, 3600), { host: 'ws900', user: 'bob', ip: '10.0.0.77' })], false);
    // Both installs came from one source within a minute: one burst alert names both hosts and every technique.
    const bursts = later.filter((a) => a.rule.id === BURST_RULE_ID);
    expect(bursts).toHaveLength(1);
    expect(bursts[0].apt.explanation).toMatch(/ws000, ws001/);
    expect(bursts[0].apt.technique_ids).toEqual(expect.arrayContaining(['T1543.003', 'T1569.002', 'T1570']));
    expect(count(later, DEPLOYMENT_RULE_ID)).toBe(0);
  });

  it('releases held findings on flush (single recordings)', async () => {
    const alerts = await run(pipeline(), pushInstall(T0, 'srv01', { user: 'mallory', service: 'evil' }));
    expect(alerts.map((a) => a.rule.id)).toEqual([BURST_RULE_ID]);
    expect(alerts[0].apt.technique_ids).toEqual(expect.arrayContaining(['T1543.003', 'T1570']));
  });

  it('raises nothing for a rollout when aggregation is off', async () => {
    const alerts = await run(pipeline({ suppression: { deployments: { aggregate: false } } }), rollout(8));
    expect(alerts.filter((a) => a.apt.evidence.length > 0 && /agentsetup/i.test(a.apt.explanation))).toEqual(
      [],
    );
  });

  it('drops artifacts of allow-listed deployment accounts even on one host', async () => {
    const alerts = await run(
      pipeline({ suppression: { deployments: { accounts: ['CORP\\svc-deploy'] } } }),
      pushInstall(T0, 'ws001'),
    );
    expect(count(alerts, 'apt.persist.new_service')).toBe(0);
    expect(count(alerts, 'apt.lm.admin_share_write')).toBe(0);
  });

  it('rejects a bad threshold naming the field', () => {
    expect(() => pipeline({ suppression: { deployments: { minHosts: 1 } } })).toThrow(/minHosts/);
  });
});

describe('learned admin paths', () => {
  const rdp = (time: string, host = 'jump01', user = 'adm-ann', ip = '10.0.1.20'): Event =>
    logon(time, { host, user, ip, type: 10 });

  it('alerts on a first-time RDP edge, not on its repeat a day later in the usual hours', async () => {
    const p = pipeline();
    expect(count(await run(p, [rdp(T0)]), 'apt.lm.rdp_logon')).toBe(1);
    expect(count(await run(p, [rdp(at(T0, DAY + 1800))]), 'apt.lm.rdp_logon')).toBe(0);
  });

  it('still alerts on a known edge used outside the account usual hours', async () => {
    const p = pipeline();
    await run(p, [rdp(T0)]);
    expect(count(await run(p, [rdp(at(T0, DAY + 14 * 3600))]), 'apt.lm.rdp_logon')).toBe(1);
  });

  it('still alerts on a new destination or a new source for the account', async () => {
    const p = pipeline();
    await run(p, [rdp(T0)]);
    const next = await run(p, [
      rdp(at(T0, DAY), 'db01'),
      rdp(at(T0, DAY + 60), 'jump01', 'adm-ann', '10.9.9.9'),
    ]);
    expect(count(next, 'apt.lm.rdp_logon')).toBe(2);
  });

  it('learns the state across getState/restoreState', async () => {
    const first = pipeline();
    await run(first, [rdp(T0)]);
    const second = pipeline();
    second.restoreState(JSON.parse(JSON.stringify(first.getState())));
    expect(count(await run(second, [rdp(at(T0, DAY + 600))]), 'apt.lm.rdp_logon')).toBe(0);
    const fresh = pipeline();
    expect(count(await run(fresh, [rdp(at(T0, DAY + 600))]), 'apt.lm.rdp_logon')).toBe(1);
  });

  it('suppresses a repeated PsExec-style admin action on a known edge but alerts on its first use', async () => {
    const p = pipeline({ suppression: { deployments: { enabled: false } } });
    const psexec = (time: string): Event[] =>
      pushInstall(time, 'app01', { user: 'adm-ann', ip: '10.0.1.30', service: 'PSEXESVC' });
    const first = await run(p, psexec(T0));
    expect(first.map((a) => a.rule.id)).toEqual([BURST_RULE_ID]);
    expect(first[0].apt.technique_ids).toEqual(expect.arrayContaining(['T1021.002', 'T1569.002']));
    const repeat = await run(p, psexec(at(T0, DAY + 900)));
    expect(repeat).toEqual([]);
  });

  it('never quiets a rule that opts out of admin paths, even on a known edge in the usual hours', async () => {
    // Learned routine (the same finding at the same hour on earlier days) is another matter: off here.
    const p = pipeline({ suppression: { routine: { enabled: false } } });
    const fromKali = (time: string): Event => {
      const e = rdp(time);
      (e.winlog.event_data as Record<string, string>).WorkstationName = 'kali';
      return e;
    };
    const KALI_RULE = 'apt.initial.offensive_distro_workstation_logon';
    const first = await run(p, [fromKali(T0)]);
    expect([count(first, 'apt.lm.rdp_logon'), count(first, KALI_RULE)]).toEqual([1, 1]);
    // A day later the edge is known: the RDP logon is routine administration, the attacker's hostname is not.
    const repeat = await run(p, [fromKali(at(T0, DAY + 1800))]);
    expect([count(repeat, 'apt.lm.rdp_logon'), count(repeat, KALI_RULE)]).toEqual([0, 1]);
  });

  it('treats allow-listed admin sources as known from the start', async () => {
    const p = pipeline({ suppression: { adminPaths: { sources: ['10.0.1.20'] } } });
    expect(count(await run(p, [rdp(T0)]), 'apt.lm.rdp_logon')).toBe(0);
  });
});

describe('imageBinary', () => {
  it.each([
    ['%SystemRoot%\\PSEXESVC.exe', 'psexesvc.exe'],
    ['"C:\\Program Files\\A B\\svc.exe" -k x', 'svc.exe'],
    ['C:\\Windows\\x\\setup.exe /runservice', 'setup.exe'],
  ])('%s -> %s', (path, want) => expect(imageBinary(path)).toBe(want));
});
