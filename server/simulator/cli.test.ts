import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../../scripts/cli/simulate';

describe('apt-detect simulate (CLI)', () => {
  let errors: string[];
  let logs: string[];
  beforeEach(() => {
    errors = [];
    logs = [];
    jest.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
    jest.spyOn(console, 'log').mockImplementation((m: unknown) => void logs.push(String(m)));
  });
  afterEach(() => jest.restoreAllMocks());

  it.each([
    [['--bogus'], 'bogus'],
    [['--to', 'file'], '--out'],
    [['--scenario', 'no_such', '--out', '/tmp/x'], 'unknown scenario'],
    [['--hosts', '3', '--out', '/tmp/x'], '--hosts'],
    [['--format', 'json', '--out', '/tmp/x'], '--format'],
    [['--to', 'es'], 'ES_URL'],
  ])('exits 2 with a message for bad usage %j', async (argv, fragment) => {
    const saved = process.env.ES_URL;
    delete process.env.ES_URL;
    try {
      expect(await run(argv)).toBe(2);
    } finally {
      if (saved !== undefined) process.env.ES_URL = saved;
    }
    expect(errors.join('\n')).toContain(fragment);
  });

  it('writes NDJSON plus <out>.labels.ndjson and prints a summary', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-cli-'));
    const out = path.join(dir, 'w.ndjson');
    const code = await run([
      '--hosts',
      '14',
      '--days',
      '1',
      '--seed',
      '5',
      '--start',
      '2025-03-04T00:00:00Z',
      '--format',
      'wazuh',
      '--out',
      out,
      '--scenario',
      'credential_access',
      '--max-events',
      '400',
    ]);
    expect(code).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(400);
    expect(JSON.parse(lines[0])).toHaveProperty('rule.id');
    expect(fs.existsSync(`${out}.labels.ndjson`)).toBe(true);
    expect(logs.join('\n')).toMatch(/400 documents to .*w\.ndjson/);
    expect(logs.join('\n')).toContain('credential_access');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
