import { parseDetectionConfig } from '../config';
import { LateralMovementDetector } from './lateral_movement';
import { at, logon, makeEvent, processStart, serviceInstall } from './test_events';

const T0 = '2024-03-01T10:00:00.000Z';
const cfg = parseDetectionConfig().lateralMovement;

describe('LateralMovementDetector', () => {
  it('reports one source making network logons to many hosts', () => {
    const d = new LateralMovementDetector(cfg);
    const found = [];
    for (let i = 0; i < cfg.fanOutHosts + 2; i++) {
      found.push(
        ...d.observe(logon(at(T0, i * 20), { host: `srv${i}`, user: 'admin', ip: '10.0.0.50', type: 3 })),
      );
    }
    expect(found).toHaveLength(1);
    expect(found[0].ruleId).toBe('apt.behaviour.lateral_fanout');
    expect(found[0].techniqueIds).toEqual(['T1021.002']);
    expect(found[0].explanation).toContain('10.0.0.50');
    expect(found[0].host).toBeUndefined();
    expect(found[0].user).toBe('admin');
  });

  it('adds pass-the-hash when the fan-out logons are NTLM without a session key', () => {
    const d = new LateralMovementDetector(cfg);
    const found = [];
    for (let i = 0; i < cfg.fanOutHosts; i++) {
      found.push(
        ...d.observe(
          logon(at(T0, i), { host: `srv${i}`, user: 'admin', ip: '10.0.0.50', pkg: 'NTLM', keyLength: '0' }),
        ),
      );
    }
    expect(found[0].techniqueIds).toEqual(['T1021.002', 'T1550.002']);
  });

  it('does not count interactive logons, machine accounts or loopback', () => {
    const d = new LateralMovementDetector(cfg);
    let n = 0;
    for (let i = 0; i < 20; i++) {
      n += d.observe(logon(at(T0, i), { host: `srv${i}`, user: 'admin', ip: '10.0.0.50', type: 2 })).length;
      n += d.observe(logon(at(T0, i), { host: `srv${i}`, user: 'WS01$', ip: '10.0.0.51', type: 3 })).length;
      n += d.observe(logon(at(T0, i), { host: `srv${i}`, user: 'bob', ip: '127.0.0.1', type: 3 })).length;
    }
    expect(n).toBe(0);
  });

  it('reports remote execution right after an inbound network logon on the same host', () => {
    const d = new LateralMovementDetector(cfg);
    expect(d.observe(logon(T0, { host: 'srv9', user: 'admin', ip: '10.0.0.50', type: 3 }))).toEqual([]);
    const svc = serviceInstall(at(T0, 4), 'srv9', 'PSEXESVC', '%SystemRoot%\\PSEXESVC.exe');
    const found = d.observe(svc);
    expect(found).toHaveLength(1);
    expect(found[0].ruleId).toBe('apt.behaviour.remote_execution_after_logon');
    expect(found[0].techniqueIds).toEqual(['T1569.002', 'T1021.002']);
    expect(found[0].evidence).toHaveLength(2);
    const wmi = processStart(
      at(T0, 5),
      'srv9',
      'C:\\Windows\\System32\\cmd.exe',
      'cmd /c whoami',
      'admin',
      'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe',
    );
    expect(d.observe(wmi).map((f) => f.techniqueIds)).toEqual([['T1047', 'T1021']]);
  });

  it('resolves the parent of an old-style 4688 (no ParentProcessName) from the pid of an earlier 4688', () => {
    const d = new LateralMovementDetector(cfg);
    d.observe(logon(T0, { host: 'srv7', user: 'admin', ip: '10.0.0.51', type: 3 }));
    const proc = (sec: number, image: string, pid: string, ppid: string) =>
      makeEvent({
        time: at(T0, sec),
        host: 'srv7',
        channel: 'Security',
        eventId: 4688,
        data: { NewProcessName: image, NewProcessId: pid, ProcessId: ppid },
      });
    expect(d.observe(proc(2, 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', '0xae8', '0x248'))).toEqual([]);
    const found = d.observe(proc(3, 'C:\\Windows\\System32\\calc.exe', '0x424', '0xae8'));
    expect(found.map((f) => f.techniqueIds)).toEqual([['T1047', 'T1021']]);
    // The same child under an unrelated parent pid is not attributed to WMI.
    const d2 = new LateralMovementDetector(cfg);
    d2.observe(logon(T0, { host: 'srv7', user: 'admin', ip: '10.0.0.51', type: 3 }));
    d2.observe(proc(2, 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', '0xae8', '0x248'));
    expect(d2.observe(proc(3, 'C:\\Windows\\System32\\calc.exe', '0x424', '0x999'))).toEqual([]);
  });

  it('links a scheduled task created right after a network logon (remote task creation)', () => {
    const d = new LateralMovementDetector(cfg);
    d.observe(logon(T0, { host: 'srv3', user: 'admin', ip: '10.0.0.7', type: 3 }));
    const task = makeEvent({ time: at(T0, 2), host: 'srv3', eventId: 4698, data: { TaskName: '\\Updater' } });
    const found = d.observe(task);
    expect(found.map((f) => f.techniqueIds)).toEqual([['T1053.005', 'T1021']]);
    expect(found[0].explanation).toContain('10.0.0.7');
  });

  it('does not take the per-user services and Group Policy tasks Windows sets up at logon for remote execution', () => {
    const d = new LateralMovementDetector(cfg);
    d.observe(logon(T0, { host: 'ws5', user: 'pgustavo', ip: '1.2.3.4', type: 3 }));
    const perUser = serviceInstall(
      at(T0, 1),
      'ws5',
      'AarSvc_b0b5d',
      'C:\\windows\\system32\\svchost.exe -k AarSvcGroup -p',
    );
    expect(d.observe(perUser)).toEqual([]);
    const gpo = makeEvent({
      time: at(T0, 1),
      host: 'ws5',
      eventId: 4702,
      data: { TaskName: '\\Microsoft\\Windows\\GroupPolicy\\{A7719E0F-10DB-4640-AD8C-490CC6AD5202}' },
    });
    expect(d.observe(gpo)).toEqual([]);
    // The same names with another image, or a task created (not refreshed) there, still count.
    const fake = serviceInstall(at(T0, 2), 'ws5', 'Updater_beef', 'C:\\Users\\Public\\svchost.exe -k x');
    expect(d.observe(fake).map((f) => f.ruleId)).toEqual(['apt.behaviour.remote_execution_after_logon']);
    const created = makeEvent({
      time: at(T0, 3),
      host: 'ws5',
      eventId: 4698,
      data: { TaskName: '\\Microsoft\\Windows\\GroupPolicy\\{A7719E0F-10DB-4640-AD8C-490CC6AD5202}' },
    });
    expect(d.observe(created).map((f) => f.techniqueIds)).toEqual([['T1053.005', 'T1021']]);
  });

  it('does not link remote execution to a logon outside the sequence window', () => {
    const d = new LateralMovementDetector(cfg);
    d.observe(logon(T0, { host: 'srv9', user: 'admin', ip: '10.0.0.50', type: 3 }));
    const svc = serviceInstall(at(T0, cfg.sequenceMinutes * 60 + 60), 'srv9', 'x');
    expect(d.observe(svc)).toEqual([]);
  });

  it('reports new logon paths that appear after the learning period', () => {
    const d = new LateralMovementDetector({ ...cfg, learningHours: 1, fanOutHosts: 50 });
    d.observe(logon(T0, { host: 'srv0', user: 'admin', ip: '10.0.0.50' }));
    const found = [];
    for (let i = 1; i <= cfg.newEdges; i++)
      found.push(...d.observe(logon(at(T0, 7200 + i), { host: `new${i}`, user: 'admin', ip: '10.0.0.50' })));
    expect(found.map((f) => f.ruleId)).toEqual(['apt.behaviour.lateral_new_edges']);
  });

  it('ignores allow-listed jump hosts', () => {
    const d = new LateralMovementDetector({ ...cfg, allowSources: ['10.0.0.50'] });
    let n = 0;
    for (let i = 0; i < 20; i++)
      n += d.observe(logon(at(T0, i), { host: `srv${i}`, user: 'admin', ip: '10.0.0.50' })).length;
    expect(n).toBe(0);
  });
});
