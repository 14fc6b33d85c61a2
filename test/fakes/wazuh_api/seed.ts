import * as fs from 'fs';
import { datasetPath } from '../../../scripts/lib/datasets';

/**
 * Seed data for the fake Wazuh API, read in place from the JSON responses Wazuh's dashboard team serves from
 * their own API mock (wazuh-dashboard-plugins v4.14.7 docker/imposter, copied to the shared datasets).
 */
export type WireAgent = Record<string, unknown> & { id: string };

function readExample(...parts: string[]): unknown {
  return JSON.parse(fs.readFileSync(datasetPath('wazuh', 'api', 'example-responses', ...parts), 'utf8'));
}

function firstItems(body: unknown, file: string): unknown[] {
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
  const items =
    typeof data === 'object' && data !== null ? (data as { affected_items?: unknown }).affected_items : [];
  if (!Array.isArray(items)) throw new Error(`${file}: no data.affected_items`);
  return items;
}

/** The 10 agents (000 manager, active, pending, never connected, disconnected) of agents/agent/agents.json. */
export function seedAgents(): WireAgent[] {
  return firstItems(readExample('agents', 'agent', 'agents.json'), 'agents.json').map((a) => {
    if (typeof a !== 'object' || a === null || typeof (a as { id?: unknown }).id !== 'string') {
      throw new Error('agents.json: agent without a string id');
    }
    return structuredClone(a) as WireAgent;
  });
}

/** `data.affected_items[0]` of manager/info.json (as served by Wazuh's mock). */
export function seedManagerInfo(): Record<string, unknown> {
  const [info] = firstItems(readExample('manager', 'info.json'), 'manager/info.json');
  return structuredClone(info) as Record<string, unknown>;
}

/**
 * `data` of api-info/api_info.json, the body of `GET /`. Wazuh's mock has `revision: 1` where the spec's
 * `BasicInfo.revision` is a string (the real API sends e.g. "rc1"), so the fake serves it as a string.
 */
export function seedApiInfo(): Record<string, unknown> {
  const body = readExample('api-info', 'api_info.json') as { data: Record<string, unknown> };
  const data = structuredClone(body.data);
  if (typeof data.revision === 'number') data.revision = String(data.revision);
  return data;
}

/**
 * `count` agents cloned from the seeded ones (round robin) with fresh ids and names, for paging tests that need
 * more agents than Wazuh's fixtures hold. Ids continue after the highest seeded id, zero-padded like Wazuh's.
 */
export function expandAgents(templates: WireAgent[], count: number): WireAgent[] {
  const usable = templates.filter((t) => t.id !== '000');
  const start = Math.max(...templates.map((t) => Number(t.id))) + 1;
  const out: WireAgent[] = [];
  for (let i = 0; i < count; i += 1) {
    const template = usable[i % usable.length];
    const id = String(start + i).padStart(3, '0');
    out.push({ ...structuredClone(template), id, name: `${String(template.name ?? 'agent')}-${id}` });
  }
  return out;
}
