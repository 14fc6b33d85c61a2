import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { datasetPath } from '../../scripts/lib/datasets';
import { asAsync, SimDoc, simulate, SimulateOptions } from './generator';
import { listScenarioNames, loadScenario, resolveScenarios } from './scenarios';
import { writeNdjson } from './targets/file';
import { RateLimiter } from './targets/sink_common';
import { MITRE } from './wazuh_rules';

const START = Date.parse('2025-03-03T00:00:00Z'); // a Monday
const TRAPS = [
  'admin-psexec-change-window',
  'nightly-backup-upload',
  'security-scanner-share-probe',
  'software-deployment-service',
];

function opts(over: Partial<SimulateOptions> = {}): SimulateOptions {
  return {
    seed: 42,
    hosts: 16,
    days: 1,
    start: START,
    scenarios: resolveScenarios('all'),
    format: 'mixed',
    ...over,
  };
}

async function toFile(o: SimulateOptions): Promise<{ out: Buffer; labels: Buffer }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-'));
  const out = path.join(dir, 'events.ndjson');
  await writeNdjson(asAsync(simulate(o).documents), out, { labelsPath: `${out}.labels.ndjson` });
  const result = { out: fs.readFileSync(out), labels: fs.readFileSync(`${out}.labels.ndjson`) };
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

describe('determinism', () => {
  it('writes byte-identical documents and labels for the same seed', async () => {
    const a = await toFile(opts());
    const b = await toFile(opts());
    expect(a.out.length).toBeGreaterThan(1_000_000);
    expect(a.out.equals(b.out)).toBe(true);
    expect(a.labels.equals(b.labels)).toBe(true);
  });

  it('writes different documents for a different seed', async () => {
    const a = await toFile(opts({ maxEvents: 3000 }));
    const b = await toFile(opts({ seed: 43, maxEvents: 3000 }));
    expect(a.out.equals(b.out)).toBe(false);
  });
});

describe('a week of a small organisation', () => {
  const docs: SimDoc[] = [];
  beforeAll(() => {
    for (const d of simulate(opts({ hosts: 24, days: 7, format: 'winlogbeat' })).documents) docs.push(d);
  });

  it('labels at least one document for every step of every scenario file', () => {
    const seen = new Set(
      docs
        .filter((d) => d.label?.kind === 'campaign')
        .map((d) => (d.label?.kind === 'campaign' ? `${d.label.scenario}/${d.label.step}` : '')),
    );
    const expected = listScenarioNames().flatMap((n) => loadScenario(n).steps.map((s) => `${n}/${s.id}`));
    expect(expected.length).toBeGreaterThan(30);
    expect(expected.filter((s) => !seen.has(s))).toEqual([]);
  });

  it('contains every false-positive trap, labelled as benign', () => {
    const traps = new Set(
      docs.map((d) => (d.label?.kind === 'trap' ? d.label.trap : undefined)).filter(Boolean),
    );
    expect([...traps].sort()).toEqual(TRAPS);
  });

  it('gives every document a unique id and keeps them in time order', () => {
    expect(new Set(docs.map((d) => d.id)).size).toBe(docs.length);
    for (let i = 1; i < docs.length; i++) expect(docs[i].ts).toBeGreaterThanOrEqual(docs[i - 1].ts);
  });

  it('never writes ground truth into the documents', () => {
    for (const d of docs) {
      if (!d.label) continue;
      const text = JSON.stringify(d.doc);
      expect(text).not.toContain(d.label.kind === 'campaign' ? d.label.campaign : d.label.trap);
      expect(d.doc).not.toHaveProperty('label');
    }
  });

  it('produces every common logon type and the background a SOC expects', () => {
    const logonTypes = new Set(
      docs
        .filter((d) => d.code === '4624')
        .map((d) => (d.doc.winlog as { event_data: { LogonType: string } }).event_data.LogonType),
    );
    for (const t of ['2', '3', '5', '7', '10', '11']) expect(logonTypes).toContain(t);
    const dns = docs
      .filter((d) => d.code === '22')
      .map((d) => (d.doc.dns as { question: { name: string } }).question.name);
    expect(dns.some((n) => n.startsWith('_ldap._tcp.dc._msdcs.'))).toBe(true);
    const flows = docs.filter((d) => d.code === '3');
    expect(flows.every((d) => typeof (d.doc.source as { bytes?: number }).bytes === 'number')).toBe(true);
  });
});

describe('output formats', () => {
  it('Wazuh alerts: level >= 3, string values with doubled backslashes, a real-shaped id', () => {
    let n = 0;
    for (const d of simulate(opts({ format: 'wazuh' })).documents) {
      n++;
      const doc = d.doc as {
        rule: { level: number; id: string };
        id: string;
        data: { win: Record<string, Record<string, unknown>> };
      };
      expect(doc.rule.level).toBeGreaterThanOrEqual(3);
      expect(doc.rule.id).toMatch(/^\d{5}$/);
      expect(doc.id).toMatch(/^\d{10}\.\d+$/);
      for (const [section, values] of Object.entries(doc.data.win)) {
        for (const [k, v] of Object.entries(values)) {
          expect(typeof v).toBe('string');
          expect(k[0]).toBe(k[0].toLowerCase());
          if (section !== 'system' || k !== 'message')
            expect(String(v).replace(/\\\\/g, '')).not.toContain('\\');
        }
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('Winlogbeat raw documents keep the collection shape (numeric record_id, no categorisation)', () => {
    for (const d of simulate(opts({ format: 'winlogbeat-raw', maxEvents: 5000 })).documents) {
      expect(typeof (d.doc.winlog as { record_id: unknown }).record_id).toBe('number');
      expect((d.doc.event as { category?: unknown }).category).toBeUndefined();
      expect(d.doc['@metadata']).toEqual({ beat: 'winlogbeat', type: '_doc', version: '8.17.0' });
    }
  });

  it('mixed output routes each host to its collector', () => {
    const kinds = new Set<string>();
    for (const d of simulate(opts({ maxEvents: 20000 })).documents) kinds.add(d.kind);
    expect([...kinds].sort()).toEqual(['wazuh', 'winlogbeat']);
  });
});

describe('ATT&CK ids', () => {
  const bundle = JSON.parse(
    fs.readFileSync(datasetPath('attack', 'enterprise-attack-18.1.json'), 'utf8'),
  ) as {
    objects: Array<{
      type: string;
      name: string;
      revoked?: boolean;
      x_mitre_deprecated?: boolean;
      external_references?: Array<{ source_name: string; external_id?: string }>;
    }>;
  };
  const current = new Map<string, string>();
  for (const o of bundle.objects) {
    if (o.type !== 'attack-pattern' || o.revoked || o.x_mitre_deprecated) continue;
    const id = o.external_references?.find((r) => r.source_name === 'mitre-attack')?.external_id;
    if (id) current.set(id, o.name);
  }

  it('every scenario step uses current (not revoked, not deprecated) ATT&CK v18.1 technique ids', () => {
    const used = listScenarioNames().flatMap((n) => loadScenario(n).steps.flatMap((s) => s.techniques));
    expect(used.filter((t) => !current.has(t))).toEqual([]);
  });

  it('the technique names in Wazuh rule.mitre match ATT&CK v18.1', () => {
    for (const [id, [name]] of Object.entries(MITRE)) expect([id, current.get(id)]).toEqual([id, name]);
  });
});

describe('RateLimiter', () => {
  it('holds a stream to the configured events per second', async () => {
    const limiter = new RateLimiter(2000);
    const t0 = Date.now();
    for (let i = 0; i < 1000; i++) await limiter.take(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
  });
});
