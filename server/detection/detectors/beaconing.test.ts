import { mulberry32 } from '../../../common/prng';
import { parseDetectionConfig } from '../config';
import { BeaconingDetector, regularity } from './beaconing';
import { at, makeEvent } from './test_events';
import type { Finding } from '../types';

const BASE = '2024-06-03T08:00:00.000Z';

function connect(time: string, host: string, image: string, ip: string, domain?: string) {
  return makeEvent({
    time,
    host,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    eventId: 3,
    data: { Image: image, DestinationIp: ip, Initiated: 'true' },
    extra: {
      process: { executable: image },
      destination: { ip, port: 443, ...(domain ? { domain } : {}) },
      network: { direction: 'outbound', transport: 'tcp' },
    },
  });
}

function run(det: BeaconingDetector, events: ReturnType<typeof connect>[]): Finding[] {
  events.sort((a, b) => a['@timestamp'].localeCompare(b['@timestamp']));
  return events.flatMap((e) => det.observe(e));
}

const IMPLANT = 'C:\\Users\\bob\\AppData\\Roaming\\updater.exe';

describe('beaconing detector', () => {
  const cfg = parseDetectionConfig({}).beaconing;

  it('measures regularity as the relative median deviation of the gaps', () => {
    expect(regularity([0, 100, 200, 300, 400])).toEqual({ medianGapMs: 100, jitter: 0, spread: 1 });
    expect(regularity([0, 100, 300, 400])?.spread).toBe(2);
    expect(regularity([0, 100])).toBeUndefined();
  });

  it('keeps the documented error rates of its regularity thresholds (12 check-ins, seeded Monte-Carlo)', () => {
    const passes = (times: number[]): boolean => {
      const r = regularity(times);
      return r !== undefined && r.jitter <= cfg.maxJitter && r.spread <= cfg.maxGapSpread;
    };
    const rand = mulberry32(2024);
    const sequence = (gap: () => number): number[] => {
      const times = [0];
      for (let i = 1; i < cfg.minConnections; i++) times.push(times[i - 1] + gap());
      return times;
    };
    const N = 4000;
    let timers = 0;
    let random = 0;
    for (let i = 0; i < N; i++) {
      if (passes(sequence(() => 300_000 * (1 + 0.4 * (2 * rand() - 1))))) timers++;
      if (passes(sequence(() => -Math.log(1 - rand()) * 300_000))) random++;
    }
    // ±40 % jittered timers: ~99 % pass; exponential (human-like) gaps: ~0.03 % pass.
    expect(timers / N).toBeGreaterThan(0.97);
    expect(random / N).toBeLessThan(0.003);
  });

  it('flags a process checking in every five minutes with 20% jitter to a destination no other host uses', () => {
    const rand = mulberry32(7);
    const events = [];
    let t = 0;
    for (let i = 0; i < 16; i++) {
      events.push(connect(at(BASE, t), 'ws-017', IMPLANT, '203.0.113.45', 'cdn-sync.example-c2.net'));
      t += 300 * (1 + 0.2 * (2 * rand() - 1));
    }
    const findings = run(new BeaconingDetector(cfg), events);
    expect(findings).toHaveLength(1);
    const f = findings[0];
    expect(f.techniqueIds).toEqual(['T1071.001']);
    expect(f.host).toBe('ws-017');
    expect(f.explanation).toMatch(
      /updater\.exe on ws-017 connected to cdn-sync\.example-c2\.net .* 12 times about every 5 min/,
    );
    expect(f.evidence).toHaveLength(12);
    expect(f.firstSeen).toBe(BASE);
  });

  it('stays quiet for irregular (human) traffic to one destination, over many random sessions', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const rand = mulberry32(seed);
      const events = [];
      let t = 0;
      for (let i = 0; i < 40; i++) {
        events.push(
          connect(
            at(BASE, t),
            'ws-017',
            'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
            '198.51.100.7',
          ),
        );
        t += -Math.log(1 - rand()) * 400; // exponential gaps: a person clicking around
      }
      expect([seed, run(new BeaconingDetector(cfg), events)]).toEqual([seed, []]);
    }
  });

  it('stays quiet when the same regular poller runs on many hosts (a fleet-wide service)', () => {
    const events = [];
    for (const host of ['ws-001', 'ws-002', 'ws-003', 'ws-004'])
      for (let i = 0; i < 12; i++)
        events.push(
          connect(at(BASE, i * 600 + host.length), host, 'C:\\Program Files\\Agent\\agent.exe', '192.0.2.10'),
        );
    expect(run(new BeaconingDetector(cfg), events)).toEqual([]);
  });

  it('ignores allow-listed vendor domains and private destinations', () => {
    const events = [];
    for (let i = 0; i < 12; i++) {
      events.push(
        connect(at(BASE, i * 300), 'ws-017', IMPLANT, '203.0.113.9', 'settings-win.data.microsoft.com'),
      );
      events.push(connect(at(BASE, i * 300 + 5), 'ws-017', IMPLANT, '10.1.2.3'));
    }
    expect(run(new BeaconingDetector(cfg), events)).toEqual([]);
  });

  it('keeps its channels across snapshot and restore', () => {
    const a = new BeaconingDetector(cfg);
    const events = Array.from({ length: 12 }, (_, i) =>
      connect(at(BASE, i * 300), 'ws-017', IMPLANT, '203.0.113.45'),
    );
    run(a, events.slice(0, 7));
    const b = new BeaconingDetector(cfg);
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(run(b, events.slice(7))).toHaveLength(1);
  });
});
