import { parseDetectionConfig } from '../config';
import type { Finding } from '../types';
import {
  DnsTunnelDetector,
  computeDnsMetrics,
  dominantEncoding,
  fallbackRegisteredDomain,
  labelEncoding,
  shannonEntropy,
} from './dns_tunnel';
import { at, dnsQuery, prng, randomBase64 } from './test_events';

const T0 = '2024-03-01T10:00:00.000Z';
const cfg = parseDetectionConfig().dnsTunnel;

function tunnelName(rand: () => number): string {
  const long = rand() < 0.6;
  const labels = long
    ? [randomBase64(rand, 63), randomBase64(rand, 63), randomBase64(rand, 50)]
    : [randomBase64(rand, 10)];
  return `${labels.join('.')}.tunnel-example.org.`;
}

describe('DnsTunnelDetector', () => {
  it('flags a base64 tunnel domain within 50 queries and names the domain and the host', () => {
    const d = new DnsTunnelDetector(cfg);
    const rand = prng(7);
    let firstAt = -1;
    for (let i = 0; i < 50 && firstAt < 0; i++) {
      const findings = d.observe(dnsQuery(at(T0, i), tunnelName(rand), 'ws-17'));
      if (findings.length > 0) {
        firstAt = i + 1;
        expect(findings[0].techniqueIds).toEqual(expect.arrayContaining(['T1071.004', 'T1572']));
        expect(findings[0].explanation).toContain('tunnel-example.org');
        expect(findings[0].host).toBe('ws-17');
        expect(findings[0].evidence.length).toBeGreaterThan(0);
      }
    }
    expect(firstAt).toBeGreaterThan(0);
    expect(firstAt).toBeLessThanOrEqual(50);
  });

  it('reports a domain once per window, not on every further query', () => {
    const d = new DnsTunnelDetector(cfg);
    const rand = prng(3);
    let count = 0;
    for (let i = 0; i < 200; i++) count += d.observe(dnsQuery(at(T0, i), tunnelName(rand))).length;
    expect(count).toBe(1);
  });

  it('does not flag many ordinary host names of one domain nor repeated popular names', () => {
    const d = new DnsTunnelDetector(cfg);
    const words = [
      'www',
      'mail',
      'api',
      'cdn',
      'static',
      'img',
      'login',
      'docs',
      'shop',
      'news',
      'blog',
      'm',
      'app',
    ];
    let count = 0;
    for (let i = 0; i < 400; i++) {
      const name = `${words[i % words.length]}${i % 37}.example.com.`;
      count += d.observe(dnsQuery(at(T0, i), name)).length;
      count += d.observe(dnsQuery(at(T0, i), 'www.google.com.')).length;
    }
    expect(count).toBe(0);
  });

  it('ignores allow-listed CDNs, reverse lookups and AD service records', () => {
    const d = new DnsTunnelDetector(cfg);
    const rand = prng(11);
    let count = 0;
    for (let i = 0; i < 100; i++) {
      count += d.observe(
        dnsQuery(at(T0, i), `${randomBase64(rand, 40).replace(/[+/]/g, 'a')}.akamaiedge.net.`),
      ).length;
      count += d.observe(dnsQuery(at(T0, i), `${i}.${i % 200}.168.192.in-addr.arpa.`)).length;
      count += d.observe(dnsQuery(at(T0, i), `_ldap._tcp.dc${i}._msdcs.corp.local.`)).length;
    }
    expect(count).toBe(0);
  });

  it('forgets queries older than the window, so a slow trickle is not summed across hours', () => {
    const d = new DnsTunnelDetector({ ...cfg, minUniqueSubdomains: 20 });
    const rand = prng(5);
    let count = 0;
    // One query every 2 minutes: at most 5 in a 10-minute window.
    for (let i = 0; i < 100; i++) count += d.observe(dnsQuery(at(T0, i * 120), tunnelName(rand))).length;
    expect(count).toBe(0);
  });

  it('keeps at most maxDomains domains', () => {
    const d = new DnsTunnelDetector({ ...cfg, maxDomains: 10 });
    for (let i = 0; i < 100; i++) d.observe(dnsQuery(at(T0, i), `a${i}.domain${i}.com.`));
    const snap = d.snapshot() as { domains: unknown[] };
    expect(snap.domains.length).toBe(10);
  });

  it('continues from a restored snapshot as if it had never stopped', () => {
    const rand = prng(9);
    const names = Array.from({ length: 60 }, () => tunnelName(rand));
    const whole = new DnsTunnelDetector(cfg);
    const wholeAt = names.findIndex((n, i) => whole.observe(dnsQuery(at(T0, i), n)).length > 0);

    const first = new DnsTunnelDetector(cfg);
    names.slice(0, 10).forEach((n, i) => first.observe(dnsQuery(at(T0, i), n)));
    const second = new DnsTunnelDetector(cfg);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const restAt = names
      .slice(10)
      .findIndex((n, i) => second.observe(dnsQuery(at(T0, i + 10), n)).length > 0);
    expect(wholeAt).toBeGreaterThanOrEqual(10);
    expect(restAt + 10).toBe(wholeAt);
  });

  it('computes entropy, percentiles and shares from the window', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBeCloseTo(2);
    const m = computeDnsMetrics(
      [
        [0, 'abc', 1, 0, 'h', 'id1', 'f'],
        [1, 'abc', 0, 1, 'h', 'id2', 'f'],
        [2, 'x+y', 0, 0, 'h', 'id3', 'f'],
      ],
      2,
    );
    expect(m.payloadTypeShare).toBeCloseTo(1 / 3);
    expect(m.nxdomainShare).toBeCloseTo(1 / 3);
    expect(m.oddCharShare).toBeCloseTo(0.5);
    expect(m.uniqueRatio).toBeCloseTo(2 / 3);
  });

  it('falls back to a two- or three-label registered domain', () => {
    expect(fallbackRegisteredDomain('a.b.example.com')).toBe('example.com');
    expect(fallbackRegisteredDomain('www.globo.com.br')).toBe('globo.com.br');
    expect(fallbackRegisteredDomain('news.bbc.co.uk')).toBe('bbc.co.uk');
  });

  describe('payload encoding (T1132.001)', () => {
    const pick = (rand: () => number, alphabet: string, n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');

    it('recognises hex, base32 and base64 labels and leaves host-name words alone', () => {
      expect(labelEncoding('a3f09b12c4d5e6f70819')).toBe('hex');
      expect(labelEncoding('p1k3mz0qa5rt4bnx2c0dzz')).toBe('base32');
      expect(labelEncoding('MZXW6YTBOI2DGMZRGQ3TQ')).toBe('base32');
      expect(labelEncoding('aB3xY9qR2tZk7LmN')).toBe('base64');
      expect(labelEncoding('aB3+xY9/qR2tZk7=')).toBe('base64');
      // Words, hyphenated host names and short ids are not payload.
      expect(labelEncoding('verylongsubdomainname')).toBeUndefined();
      expect(labelEncoding('edge-node-01-frankfurt')).toBeUndefined();
      expect(labelEncoding('a1b2c3')).toBeUndefined();
    });

    it('names the encoding most subdomains use, and none when most are plain', () => {
      const rand = prng(5);
      const dnscat = Array.from(
        { length: 30 },
        () => `${pick(rand, '0123456789abcdef', 50)}.${pick(rand, '0123456789abcdef', 24)}`,
      );
      expect(dominantEncoding(dnscat)).toBe('hex');
      const iodine = Array.from(
        { length: 30 },
        () => `p${pick(rand, 'abcdefghijklmnopqrstuvwxyz012345', 50)}`,
      );
      expect(dominantEncoding(iodine)).toBe('base32');
      const plain = Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0 ? pick(rand, '0123456789abcdef', 40) : `shop${i}`,
      );
      expect(dominantEncoding(plain)).toBeUndefined();
    });

    it('adds T1132.001 and names the encoding when a hex tunnel is reported', () => {
      const d = new DnsTunnelDetector(cfg);
      const rand = prng(9);
      const found: Finding[] = [];
      for (let i = 0; i < 60; i++) {
        const name = `${pick(rand, '0123456789abcdef', 52)}.${pick(rand, '0123456789abcdef', 30)}.hex-tunnel.example.`;
        found.push(...d.observe(dnsQuery(at(T0, i * 5), name, 'ws-3', 'TXT')));
      }
      expect(found).toHaveLength(1);
      expect(found[0].techniqueIds).toContain('T1132.001');
      expect(found[0].explanation).toContain('hex-encoded');
    });

    it('does not add T1132.001 for a tunnel whose names are not encoded', () => {
      const d = new DnsTunnelDetector(cfg);
      const words = [
        'alpha',
        'bravo',
        'charlie',
        'delta',
        'echo',
        'foxtrot',
        'golf',
        'hotel',
        'india',
        'juliet',
      ];
      const found: Finding[] = [];
      for (let i = 0; i < 80; i++) {
        const name = `${words[i % 10]}-${words[(i * 7) % 10]}-${words[(i * 3) % 10]}-${i}.status-${words[(i * 9) % 10]}-${i}.wordy.example.`;
        found.push(...d.observe(dnsQuery(at(T0, i * 5), name, 'ws-4', 'TXT')));
      }
      expect(found.length).toBeGreaterThan(0);
      expect(found[0].techniqueIds).not.toContain('T1132.001');
    });
  });
});
