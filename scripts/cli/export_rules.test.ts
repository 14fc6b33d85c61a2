import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from './export_rules';
import { loadRules } from '../../server/detection/rules/engine';

describe('export-rules command', () => {
  let log: jest.SpyInstance;
  let err: jest.SpyInstance;
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    log.mockRestore();
    err.mockRestore();
  });

  it('writes the Elastic NDJSON and one Sigma file per rule', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'export-'));
    expect(await run(['--format', 'all', '--out', out])).toBe(0);
    const n = loadRules().length;
    const ndjson = fs.readFileSync(path.join(out, 'elastic', 'apt_detection_rules.ndjson'), 'utf8');
    expect(ndjson.trimEnd().split('\n')).toHaveLength(n);
    expect(fs.readdirSync(path.join(out, 'sigma')).filter((f) => f.endsWith('.yml'))).toHaveLength(n);
  });

  it('exits 2 on bad usage', async () => {
    expect(await run([])).toBe(2);
    expect(await run(['--format', 'splunk', '--out', '/tmp/x'])).toBe(2);
    expect(await run(['--format', 'sigma'])).toBe(2);
    expect(await run(['--bogus'])).toBe(2);
  });
});
