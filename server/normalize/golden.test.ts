/**
 * Winlogbeat's own golden pairs (elastic/beats testdata): the collection-stage document (`*.evtx.golden.json`,
 * what Kafka consumers get) and the same event after the ingest pipelines (`*.golden.json`, what Elasticsearch
 * holds) must normalize to the same Event on every field detection reads. Skips when the datasets are absent.
 */
import * as fs from 'fs';
import * as path from 'path';
import { datasetsDir } from '../../scripts/lib/datasets';
import type { Event, NormalizeResult } from '../../common/event';
import { normalizeDocument } from './index';

function goldenDir(): string | undefined {
  try {
    const dir = path.join(datasetsDir(), 'winlogbeat-golden');
    if (fs.existsSync(dir)) return dir;
    console.warn(`golden.test: skipped: ${dir} does not exist`);
  } catch (err) {
    console.warn(`golden.test: skipped: ${(err as Error).message}`);
  }
  return undefined;
}

function pairs(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const sub of fs.readdirSync(dir).sort()) {
    const d = path.join(dir, sub);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d).sort()) {
      if (!f.endsWith('.evtx.golden.json')) continue;
      const twin = path.join(d, f.replace('.evtx.golden.json', '.golden.json'));
      if (fs.existsSync(twin)) out.push([path.join(d, f), twin]);
    }
  }
  return out;
}

/** The detection-relevant projection of an Event. */
function relevant(e: Event): Record<string, unknown> {
  return {
    code: e.event.code,
    host: e.host.name,
    user: e.user,
    process: e.process,
    source: e.source && { ip: e.source.ip, port: e.source.port },
    destination: e.destination && { ip: e.destination.ip, port: e.destination.port },
    dns: e.dns?.question,
    file: e.file,
    registry: e.registry,
    event_id: e.winlog.event_id,
    channel: e.winlog.channel,
    logon_type: e.winlog.logon?.type,
    event_data_keys: Object.keys(e.winlog.event_data ?? {}).sort(),
  };
}

function ok(r: NormalizeResult): Event {
  if ('rejected' in r) throw new Error(`rejected: ${r.field}: ${r.reason}`);
  return r;
}

const dir = goldenDir();
const found = dir ? pairs(dir) : [];

(dir ? describe : describe.skip)('Winlogbeat golden pairs: collection stage vs. after ingest', () => {
  it('has pairs to compare', () => {
    expect(found.length).toBeGreaterThanOrEqual(4);
  });

  it.each(found.map(([pre, post]) => [path.basename(post), pre, post]))('%s', (_name, pre, post) => {
    const before = JSON.parse(fs.readFileSync(pre, 'utf8')) as unknown[];
    const after = JSON.parse(fs.readFileSync(post, 'utf8')) as unknown[];
    expect(before.length).toBe(after.length);
    for (let i = 0; i < before.length; i++) {
      const raw = ok(normalizeDocument(before[i], { kind: 'file', location: pre, id: `${pre}:${i}` }));
      const ecs = ok(normalizeDocument(after[i], { kind: 'file', location: post, id: `${post}:${i}` }));
      expect(raw.origin.format).toBe('winlogbeat_raw');
      expect(ecs.origin.format).toBe('winlogbeat_ecs');
      expect(relevant(raw)).toEqual(relevant(ecs));
      // Values the pipeline kept in event_data are identical (GUIDs compared case-insensitively: see README).
      for (const [k, v] of Object.entries(ecs.winlog.event_data ?? {}))
        expect(`${k}=${(raw.winlog.event_data?.[k] ?? '').toLowerCase()}`).toBe(`${k}=${v.toLowerCase()}`);
    }
  });

  it('maps the pipeline fields the way the after-ingest documents show them', () => {
    // Spot checks against values printed in the post-pipeline goldens (4688: hex ids to numbers, parent).
    const pre = found.find(([p]) => p.includes('4688'));
    if (!pre) return;
    const doc = (JSON.parse(fs.readFileSync(pre[0], 'utf8')) as unknown[])[0];
    const e = ok(normalizeDocument(doc, { kind: 'file', location: pre[0], id: 'x' }));
    expect(e.process).toMatchObject({
      pid: 4556,
      name: 'wevtutil.exe',
      args: ['C:\\Windows\\system32\\wevtutil.exe', 'cl', 'Security'],
      parent: { pid: 4652, name: 'powershell.exe' },
    });
    expect(e.event).toMatchObject({ action: 'created-process', category: ['process'], type: ['start'] });
    expect(e.user).toMatchObject({ name: 'vagrant', domain: 'VAGRANT', effective: { id: 'S-1-0-0' } });
  });
});

/** After-ingest security documents whose pipeline fields (failure texts, group) we must be able to derive. */
function pipelineDerived(): Array<[string, Record<string, unknown>]> {
  if (!dir) return [];
  const out: Array<[string, Record<string, unknown>]> = [];
  const sec = path.join(dir, 'security');
  for (const f of fs.readdirSync(sec).sort()) {
    if (!f.endsWith('.golden.json') || f.endsWith('.evtx.golden.json')) continue;
    const docs = JSON.parse(fs.readFileSync(path.join(sec, f), 'utf8')) as Array<Record<string, unknown>>;
    docs.forEach((d, i) => {
      const logon = (d.winlog as { logon?: { failure?: unknown } } | undefined)?.logon;
      if (logon?.failure !== undefined || d.group !== undefined) out.push([`${f}[${i}]`, d]);
    });
  }
  return out;
}

const derived = pipelineDerived();

(dir ? describe : describe.skip)('fields the security pipeline derives from event data', () => {
  it('finds failed-logon and group-membership documents among the goldens', () => {
    expect(derived.length).toBeGreaterThanOrEqual(3);
  });

  it.each(derived)('%s: failure texts and group come out the same without the pipeline', (name, doc) => {
    const withPipeline = ok(normalizeDocument(doc, { kind: 'file', location: name, id: name }));
    // The same document with the pipeline's derived fields removed: they must be rebuilt from winlog.event_data.
    const stripped = JSON.parse(JSON.stringify(doc)) as Record<string, unknown> & {
      winlog: { logon?: { failure?: unknown } };
      user?: { target?: { group?: unknown } };
    };
    delete stripped.group;
    if (stripped.winlog.logon) delete stripped.winlog.logon.failure;
    if (stripped.user?.target) delete stripped.user.target.group;
    const rebuilt = ok(normalizeDocument(stripped, { kind: 'file', location: name, id: name }));
    const expected = doc as { group?: unknown; winlog: { logon?: { failure?: unknown } } };
    expect(withPipeline.group).toEqual(expected.group);
    expect(withPipeline.winlog.logon?.failure).toEqual(expected.winlog.logon?.failure);
    expect(rebuilt.group).toEqual(expected.group);
    expect(rebuilt.winlog.logon?.failure).toEqual(expected.winlog.logon?.failure);
  });
});
