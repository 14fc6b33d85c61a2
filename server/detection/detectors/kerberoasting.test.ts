import { parseDetectionConfig } from '../config';
import { KerberoastingDetector } from './kerberoasting';
import { at, makeEvent } from './test_events';

const T0 = '2024-03-01T10:00:00.000Z';
const cfg = parseDetectionConfig().kerberoasting;

function tgs(i: number, service: string, enc = '0x17', user = 'mallory@CORP.LOCAL') {
  return makeEvent({
    time: at(T0, i),
    host: 'dc01',
    eventId: 4769,
    data: {
      TargetUserName: user,
      ServiceName: service,
      TicketEncryptionType: enc,
      Status: '0x0',
      IpAddress: '::ffff:10.0.0.23',
    },
  });
}

describe('KerberoastingDetector', () => {
  it('reports one account requesting RC4 tickets for many distinct SPNs', () => {
    const d = new KerberoastingDetector(cfg);
    const found = [];
    for (let i = 0; i < cfg.distinctSpns + 3; i++) found.push(...d.observe(tgs(i, `svc_${i}`)));
    expect(found).toHaveLength(1);
    expect(found[0].techniqueIds).toEqual(['T1558.003']);
    expect(found[0].user).toBe('mallory');
    expect(found[0].explanation).toContain('10.0.0.23');
    expect(found[0].evidence).toHaveLength(cfg.distinctSpns);
  });

  it('ignores AES tickets, krbtgt, computer accounts and repeats of one SPN', () => {
    const d = new KerberoastingDetector(cfg);
    let n = 0;
    for (let i = 0; i < 20; i++) {
      n += d.observe(tgs(i, `svc_${i}`, '0x12')).length;
      n += d.observe(tgs(i, 'krbtgt')).length;
      n += d.observe(tgs(i, `host${i}$`)).length;
      n += d.observe(tgs(i, 'svc_sql')).length;
    }
    expect(n).toBe(0);
  });

  it('does not sum requests across windows', () => {
    const d = new KerberoastingDetector(cfg);
    let n = 0;
    for (let i = 0; i < 20; i++) n += d.observe(tgs(i * cfg.windowMinutes * 30, `svc_${i}`)).length;
    expect(n).toBe(0);
  });
});
