import { parseDetectionConfig } from '../config';
import { BruteForceDetector } from './brute_force';
import { at, logon, makeEvent } from './test_events';

const T0 = '2024-03-01T10:00:00.000Z';
const cfg = parseDetectionConfig().bruteForce;

describe('BruteForceDetector', () => {
  it('reports password guessing against one account once the failure count reaches the threshold', () => {
    const d = new BruteForceDetector(cfg);
    const found = [];
    for (let i = 0; i < cfg.failuresPerUser + 5; i++) {
      found.push(
        ...d.observe(logon(at(T0, i * 10), { host: 'dc01', user: 'admin', ip: '10.0.0.66', code: 4625 })),
      );
    }
    expect(found).toHaveLength(1);
    expect(found[0].techniqueIds).toEqual(['T1110.001']);
    expect(found[0].user).toBe('admin');
    expect(found[0].explanation).toContain(`${cfg.failuresPerUser} times`);
  });

  it('does not count failures spread wider than the window', () => {
    const d = new BruteForceDetector(cfg);
    let n = 0;
    for (let i = 0; i < 30; i++) {
      n += d.observe(
        logon(at(T0, i * 300), { host: 'dc01', user: 'admin', ip: '10.0.0.66', code: 4625 }),
      ).length;
    }
    expect(n).toBe(0);
  });

  it('reports spraying when one source fails against many accounts', () => {
    const d = new BruteForceDetector(cfg);
    const found = [];
    for (let i = 0; i < cfg.usersPerSource; i++) {
      found.push(
        ...d.observe(logon(at(T0, i), { host: 'dc01', user: `user${i}`, ip: '10.0.0.99', code: 4625 })),
      );
    }
    expect(found.map((f) => f.techniqueIds[0])).toEqual(['T1110.003']);
    expect(found[0].explanation).toContain('10.0.0.99');
  });

  it('raises a critical finding when the guessed account then logs on', () => {
    const d = new BruteForceDetector(cfg);
    for (let i = 0; i < 6; i++)
      d.observe(logon(at(T0, i), { host: 'srv1', user: 'svc_sql', ip: '10.0.0.5', code: 4625 }));
    const found = d.observe(logon(at(T0, 30), { host: 'srv1', user: 'svc_sql', ip: '10.0.0.5', type: 3 }));
    expect(found).toHaveLength(1);
    expect(found[0].ruleId).toBe('apt.behaviour.brute_force_success');
    expect(found[0].severity).toBe('critical');
    expect(found[0].techniqueIds).toContain('T1078');
    expect(found[0].evidence.length).toBe(7);
  });

  it('treats a successful logon without earlier failures as nothing', () => {
    const d = new BruteForceDetector(cfg);
    expect(d.observe(logon(T0, { host: 'srv1', user: 'bob', ip: '10.0.0.5' }))).toEqual([]);
  });

  it('reads 4776 status: zero is success, anything else is a failure', () => {
    const d = new BruteForceDetector({ ...cfg, failuresPerUser: 3 });
    const ntlm = (i: number, status: string) =>
      makeEvent({
        time: at(T0, i),
        host: 'dc01',
        eventId: 4776,
        data: { TargetUserName: 'carol', Workstation: 'WS9', Status: status },
      });
    expect(d.observe(ntlm(0, '0x0'))).toEqual([]);
    expect(d.observe(ntlm(1, '0xc000006a'))).toEqual([]);
    expect(d.observe(ntlm(2, '0xc000006a'))).toEqual([]);
    expect(d.observe(ntlm(3, '0xc000006a')).map((f) => f.ruleId)).toEqual(['apt.behaviour.brute_force']);
  });

  it('ignores allow-listed sources such as the vulnerability scanner', () => {
    const d = new BruteForceDetector({ ...cfg, allowSources: ['10.9.9.9'] });
    let n = 0;
    for (let i = 0; i < 40; i++)
      n += d.observe(
        logon(at(T0, i), { host: 'dc01', user: `u${i % 12}`, ip: '10.9.9.9', code: 4625 }),
      ).length;
    expect(n).toBe(0);
  });

  it('survives a snapshot round trip', () => {
    const a = new BruteForceDetector(cfg);
    for (let i = 0; i < cfg.failuresPerUser - 1; i++)
      a.observe(logon(at(T0, i), { host: 'dc01', user: 'admin', ip: '10.0.0.66', code: 4625 }));
    const b = new BruteForceDetector(cfg);
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(
      b.observe(logon(at(T0, 20), { host: 'dc01', user: 'admin', ip: '10.0.0.66', code: 4625 })),
    ).toHaveLength(1);
  });
});
