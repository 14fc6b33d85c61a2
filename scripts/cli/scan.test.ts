/**
 * @jest-environment ./server/detection/models/ort_test_environment.js
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { datasetPath } from '../lib/datasets';
import { listZipMembers, openZipMember } from '../../server/sources/files/zip_entries';
import { parseScanArgs, run } from './scan';

/** Winlogbeat collection-stage Security events, hand-written: 12 failed logons for one account, then a success. */
function fixture(): string {
  const lines: string[] = [];
  const base = Date.parse('2024-02-02T08:00:00.000Z');
  for (let i = 0; i <= 12; i++) {
    const failed = i < 12;
    const code = failed ? '4625' : '4624';
    lines.push(
      JSON.stringify({
        '@timestamp': new Date(base + i * 5000).toISOString(),
        agent: { type: 'winlogbeat', version: '8.17.0' },
        event: {
          code,
          kind: 'event',
          provider: 'Microsoft-Windows-Security-Auditing',
          outcome: failed ? 'failure' : 'success',
        },
        host: { name: 'SRV-FILES.corp.local' },
        winlog: {
          channel: 'Security',
          event_id: code,
          record_id: 1000 + i,
          computer_name: 'SRV-FILES.corp.local',
          provider_name: 'Microsoft-Windows-Security-Auditing',
          event_data: {
            TargetUserName: 'backup_admin',
            TargetDomainName: 'CORP',
            LogonType: '3',
            IpAddress: '10.1.2.3',
            IpPort: '51515',
          },
        },
      }),
    );
  }
  lines.push('{"this is": "not an event"}');
  return `${lines.join('\n')}\n`;
}

describe('apt-detect scan', () => {
  let dir: string;
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-test-'));
    stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    stderr.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects bad usage with exit code 2', async () => {
    expect(await run([])).toBe(2);
    expect(await run(['x.ndjson', '--format', 'xml'])).toBe(2);
    expect(await run(['x.ndjson', '--since', 'yesterday-ish'])).toBe(2);
    expect(await run(['x.ndjson', '--bogus'])).toBe(2);
    expect(await run(['x.ndjson', '--order', 'random'])).toBe(2);
    expect(await run(['x.ndjson', '--order', 'sorted', '--sort-buffer', '0'])).toBe(2);
    expect(() => parseScanArgs(['a', '--sort-buffer', '10'])).toThrow(
      '--sort-buffer applies to --order sorted only',
    );
    expect(() => parseScanArgs(['a', '--since', '2024-02-02', '--until', '2024-01-01'])).toThrow(
      '--since is after --until',
    );
  });

  it('returns 1 when nothing can be read', async () => {
    expect(await run([path.join(dir, 'missing.ndjson')])).toBe(1);
  });

  it('returns 1 when every document is rejected, still dead-lettering them, and 0 for an empty file', async () => {
    const garbage = path.join(dir, 'garbage.ndjson');
    fs.writeFileSync(garbage, 'not json\n{"truncated": \n');
    const dead = path.join(dir, 'dead.ndjson');
    expect(await run([garbage, '--out', path.join(dir, 'a.ndjson'), '--dead-letter', dead])).toBe(1);
    expect(fs.readFileSync(dead, 'utf8').trim().split('\n')).toHaveLength(2);
    const empty = path.join(dir, 'empty.ndjson');
    fs.writeFileSync(empty, '');
    expect(await run([empty, '--out', path.join(dir, 'b.ndjson')])).toBe(0);
  });

  it('writes one ECS alert per line, dead-letters what it could not normalize, and summarizes on stderr', async () => {
    const input = path.join(dir, 'security.ndjson');
    fs.writeFileSync(input, fixture());
    const out = path.join(dir, 'alerts.ndjson');
    const dead = path.join(dir, 'dead.ndjson');
    expect(await run([input, '--out', out, '--dead-letter', dead])).toBe(0);

    const alerts = fs
      .readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            rule: { id: string };
            event: { kind: string };
            log: { file: { path: string[] } };
            apt: { incident_id: string };
          },
      );
    expect(alerts.map((a) => a.rule.id)).toEqual(
      expect.arrayContaining(['apt.behaviour.brute_force', 'apt.behaviour.brute_force_success']),
    );
    for (const a of alerts) {
      expect(a.event.kind).toBe('alert');
      expect(a.log.file.path).toEqual([input]);
    }
    const deadLines = fs.readFileSync(dead, 'utf8').trim().split('\n');
    expect(deadLines).toHaveLength(1);
    expect(JSON.parse(deadLines[0])).toMatchObject({
      reason: expect.any(String),
      original: { 'this is': 'not an event' },
    });

    const summary = stderr.mock.calls.map((c) => String(c[0])).join('\n');
    expect(summary).toMatch(/files read: 1\s+events read: 13\s+rejected: 1/);
    expect(summary).toContain('Credential Access');
    expect(summary).toContain('T1110.001');
  });

  it('warns about a file whose events run newest first and reads it in time order with --order sorted', async () => {
    const docs = fixture()
      .trim()
      .split('\n')
      .slice(0, 13)
      .map((l, i) => ({
        ...JSON.parse(l),
        '@timestamp': new Date(Date.UTC(2024, 1, 2, 8, 2 * i)).toISOString(),
      }));
    const stderrText = (): string => stderr.mock.calls.map((c) => String(c[0])).join('\n');
    const writeNdjson = (name: string, ds: unknown[]): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, ds.map((d) => JSON.stringify(d)).join('\n'));
      return f;
    };
    const newestFirst = writeNdjson('newest_first.ndjson', [...docs].reverse());
    expect(await run([newestFirst, '--out', path.join(dir, 'a.ndjson')])).toBe(0);
    const summary = stderrText();
    expect(summary).toMatch(/files not in time order/);
    expect(summary).toMatch(new RegExp(`${newestFirst.replace(/[.\\/]/g, '\\$&')}\\s+12 of 13`));
    expect(summary).toMatch(/--order sorted/);

    stderr.mockClear();
    const oldestFirst = writeNdjson('oldest_first.ndjson', docs);
    expect(await run([oldestFirst, '--out', path.join(dir, 'b.ndjson')])).toBe(0);
    expect(stderrText()).not.toMatch(/not in time order/);

    // --order sorted reads the newest-first file into time order: no warning, and the alerts of the sorted file.
    stderr.mockClear();
    expect(await run([newestFirst, '--order', 'sorted', '--out', path.join(dir, 'c.ndjson')])).toBe(0);
    expect(stderrText()).not.toMatch(/not in time order/);
    const rules = (f: string): string[] =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { rule: { id: string } }).rule.id)
        .sort();
    expect(rules('c.ndjson')).toEqual(rules('b.ndjson'));
    // The same through sorted runs on disk (5 events each) as through the in-memory sort.
    expect(
      await run([
        newestFirst,
        '--order',
        'sorted',
        '--sort-buffer',
        '5',
        '--out',
        path.join(dir, 'd.ndjson'),
      ]),
    ).toBe(0);
    expect(rules('d.ndjson')).toEqual(rules('b.ndjson'));
    expect(rules('b.ndjson')).toContain('apt.behaviour.brute_force_success');
    expect(rules('a.ndjson')).not.toEqual(rules('b.ndjson'));
  });

  it('produces the same alerts on a second run (deterministic ids)', async () => {
    const input = path.join(dir, 'security.ndjson');
    fs.writeFileSync(input, fixture());
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    await run([input, '--out', a, '--quiet']);
    await run([input, '--out', b, '--quiet']);
    expect(fs.readFileSync(a, 'utf8')).toBe(fs.readFileSync(b, 'utf8'));
  });

  it('honours --since/--until', async () => {
    const input = path.join(dir, 'security.ndjson');
    fs.writeFileSync(input, fixture());
    const out = path.join(dir, 'alerts.ndjson');
    expect(await run([input, '--out', out, '--quiet', '--since', '2030-01-01T00:00:00Z'])).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('');
  });

  // An OTRF recording of Empire's PsExec (Sysmon, Security, System, PowerShell and WMI events of two hosts in one
  // time-ordered file), split into one file per channel the way a host's logs are exported.
  const RECORDING = datasetPath(
    'otrf',
    'datasets',
    'atomic',
    'windows',
    'lateral_movement',
    'host',
    'empire_psexec_dcerpc_tcp_svcctl.zip',
  );
  (fs.existsSync(RECORDING) ? it : it.skip)(
    'scans per-channel files of one recording like the recording itself (--order time, the default)',
    async () => {
      const [member] = listZipMembers(RECORDING).filter((m) => m.name.endsWith('.json'));
      const chunks: Buffer[] = [];
      for await (const c of openZipMember(RECORDING, member)) chunks.push(c as Buffer);
      const lines = Buffer.concat(chunks)
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      fs.writeFileSync(path.join(dir, 'recording.ndjson'), `${lines.join('\n')}\n`);
      const byChannel = new Map<string, string[]>();
      for (const l of lines) {
        const channel = String((JSON.parse(l) as { Channel?: string }).Channel ?? 'none').replace(
          /\W+/g,
          '_',
        );
        byChannel.set(channel, [...(byChannel.get(channel) ?? []), l]);
      }
      expect(byChannel.size).toBeGreaterThan(3);
      const split = path.join(dir, 'split');
      fs.mkdirSync(split);
      for (const [channel, ls] of byChannel)
        fs.writeFileSync(path.join(split, `${channel}.ndjson`), `${ls.join('\n')}\n`);

      // What an alert is, independent of which file its evidence came from.
      const alerts = async (args: string[]): Promise<string[]> => {
        const out = path.join(dir, `alerts-${args.join('-').replace(/\W+/g, '_')}.ndjson`);
        expect(await run([...args, '--out', out, '--quiet', '--no-models'])).toBe(0);
        return fs
          .readFileSync(out, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map(
            (l) =>
              JSON.parse(l) as {
                rule: { id: string };
                '@timestamp': string;
                apt: { evidence_count: number };
              },
          )
          .map((a) => `${a.rule.id} ${a['@timestamp']} ${a.apt.evidence_count}`)
          .sort();
      };
      const whole = await alerts([path.join(dir, 'recording.ndjson')]);
      expect(whole.length).toBeGreaterThan(0);
      expect(await alerts([split])).toEqual(whole);
      // One file after the other, the System channel's service install reaches the detectors after the Sysmon file's
      // later events: too late to join the remote-activity burst it belongs to.
      expect(await alerts([split, '--order', 'files'])).not.toEqual(whole);
    },
  );
});
