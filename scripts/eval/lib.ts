import type { AlertDoc } from '../../common/alert';
import { getTechnique, resolveTechniqueId } from '../../common/attack/catalog';
import type { Event } from '../../common/event';
import { V19_LABELS } from './attack_v19';
import { parseDetectionConfig, type DetectionConfig } from '../../server/detection/config';
import { DetectionPipeline } from '../../server/detection/pipeline';
import { loadRules, type LoadedRule } from '../../server/detection/rules/engine';
import { readEventFiles } from '../../server/sources/files';
export { readTsv } from '../lib/datasets';

/** Shared helpers of the evaluation: scanning a set of files with a fresh pipeline, technique matching, TSV. */

export interface ScanOutcome {
  alerts: AlertDoc[];
  /** Origin ids of the events read, in order. */
  eventIds: string[];
  events: number;
  rejected: number;
}

let cachedRules: LoadedRule[] | undefined;
export function rules(): LoadedRule[] {
  cachedRules ??= loadRules();
  return cachedRules;
}

export function newPipeline(config: DetectionConfig = parseDetectionConfig()): DetectionPipeline {
  return new DetectionPipeline({ config, rules: rules() });
}

/** Scans `paths` with one fresh pipeline (state does not leak between labelled units). */
export async function scanPaths(paths: string[], keepIds = false): Promise<ScanOutcome> {
  const pipeline = newPipeline();
  const out: ScanOutcome = { alerts: [], eventIds: [], events: 0, rejected: 0 };
  for await (const batch of readEventFiles(paths, {})) {
    out.events += batch.events.length;
    out.rejected += batch.rejections.length;
    if (keepIds) for (const e of batch.events) out.eventIds.push(e.origin.id);
    const r = await pipeline.processBatch(batch.events);
    out.alerts.push(...r.alerts);
  }
  out.alerts.push(...(await pipeline.flush()).alerts);
  return out;
}

/** Runs already-normalized events through one fresh pipeline. */
export async function scanEvents(events: Event[], batchSize = 500): Promise<AlertDoc[]> {
  const pipeline = newPipeline();
  const alerts: AlertDoc[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    alerts.push(...(await pipeline.processBatch(events.slice(i, i + batchSize))).alerts);
  }
  alerts.push(...(await pipeline.flush()).alerts);
  return alerts;
}

/** Current id of a (possibly revoked) technique id, or the id itself when unknown. */
export function current(id: string): string {
  return resolveTechniqueId(id) ?? id.toUpperCase();
}

export function parentOf(id: string): string {
  const c = current(id);
  const dot = c.indexOf('.');
  return dot > 0 ? c.slice(0, dot) : c;
}

/** The v18.1 ids a label stands for: its current id, or for a v19-only id the techniques v19 folded into it. */
export function labelIds(id: string): readonly string[] {
  const up = id.toUpperCase();
  if (getTechnique(up) === undefined && V19_LABELS[up]) return V19_LABELS[up];
  return [current(up)];
}

/** True when some technique of `ours` matches some of `labelled`, exactly or at the parent level. */
export function techniqueMatch(
  ours: readonly string[],
  labelled: readonly string[],
  level: 'exact' | 'parent',
): boolean {
  const wanted = labelled.flatMap(labelIds);
  if (level === 'exact') {
    const want = new Set(wanted);
    return ours.some((t) => want.has(current(t)));
  }
  const want = new Set(wanted.map(parentOf));
  return ours.some((t) => want.has(parentOf(t)));
}

export function isKnownCurrentTechnique(id: string): boolean {
  return getTechnique(id) !== undefined;
}

export function splitIds(s: string | undefined): string[] {
  return (s ?? '')
    .split(/[,;\s]+/)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

export function pct(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((n / d) * 100).toFixed(1)}%`;
}

export function mdTable(head: string[], rows: Array<Array<string | number>>): string {
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
