/**
 * The MITRE ATT&CK Enterprise catalog (version in `ATTACK_VERSION`), generated from the STIX bundle by
 * `scripts/attack/build_catalog.ts`, and the lookups detection and the apps use: technique and tactic by id,
 * revoked id -> current id, and ECS `threat.*` objects for alerts.
 *
 * Isomorphic: the data is a JSON import, so this works in the Kibana server, the browser bundle and the CLI.
 */
import catalogJson from './catalog_data.json';
import { techniqueUrl, type CatalogData, type CatalogTactic } from './catalog_types';

export type { CatalogTactic } from './catalog_types';

// JSON imports widen tuples to arrays; the generator writes exactly CatalogData (checked by catalog.test.ts).
const catalog = catalogJson as unknown as CatalogData;

export const ATTACK_VERSION: string = catalog.version;
export const ATTACK_FRAMEWORK = 'MITRE ATT&CK';
export const ATTACK_ATTRIBUTION: string = catalog.attribution;

export interface AttackTechnique {
  id: string;
  name: string;
  url: string;
  /** TA ids, ordered by kill chain. */
  tacticIds: string[];
  isSubtechnique: boolean;
  /** For a sub-technique, the parent technique id (`T1003` for `T1003.001`). */
  parentId?: string;
}

export type TechniqueStatus =
  | { status: 'active'; technique: AttackTechnique }
  | { status: 'revoked'; replacement: string | null }
  | { status: 'deprecated'; name: string }
  | { status: 'unknown' };

/** ECS `threat.*` object (https://www.elastic.co/guide/en/ecs/current/ecs-threat.html), one per tactic. */
export interface EcsThreat {
  framework: 'MITRE ATT&CK';
  tactic: { id: string[]; name: string[]; reference: string[] };
  technique: {
    id: string[];
    name: string[];
    reference: string[];
    subtechnique?: { id: string[]; name: string[]; reference: string[] };
  };
}

/** Tactics in kill-chain order (Reconnaissance first, Impact last). */
export const tacticOrder: readonly CatalogTactic[] = Object.freeze(
  catalog.tactics.map((t) => Object.freeze(t)),
);

const tacticRank = new Map(catalog.tactics.map((t, i) => [t.id, i]));
const tacticsById = new Map(catalog.tactics.map((t) => [t.id, t]));
const tacticsByShortname = new Map(catalog.tactics.map((t) => [t.shortname, t]));
const tacticsByName = new Map(catalog.tactics.map((t) => [t.name.toLowerCase(), t]));

const techniques = new Map<string, AttackTechnique>();
for (const [id, name, tactics] of catalog.techniques) {
  const dot = id.indexOf('.');
  techniques.set(id, {
    id,
    name,
    url: techniqueUrl(id),
    tacticIds: [...tactics].sort((a, b) => (tacticRank.get(a) ?? 99) - (tacticRank.get(b) ?? 99)),
    isSubtechnique: dot > 0,
    parentId: dot > 0 ? id.slice(0, dot) : undefined,
  });
}

function normalizeId(id: string): string {
  return id.trim().toUpperCase();
}

/** A current (neither revoked nor deprecated) technique or sub-technique, or undefined. */
export function getTechnique(id: string): AttackTechnique | undefined {
  return techniques.get(normalizeId(id));
}

/** What the catalog knows about an id: active, revoked (with its replacement), deprecated, or unknown. */
export function techniqueStatus(id: string): TechniqueStatus {
  const key = normalizeId(id);
  const technique = techniques.get(key);
  if (technique) return { status: 'active', technique };
  if (key in catalog.revoked) return { status: 'revoked', replacement: catalog.revoked[key] };
  if (key in catalog.deprecated) return { status: 'deprecated', name: catalog.deprecated[key] };
  return { status: 'unknown' };
}

/**
 * The current id for `id`: itself when active, its `revoked-by` replacement when revoked, undefined when unknown
 * or deprecated (deprecated techniques have no replacement in ATT&CK).
 */
export function resolveTechniqueId(id: string): string | undefined {
  const s = techniqueStatus(id);
  if (s.status === 'active') return s.technique.id;
  if (s.status === 'revoked') return s.replacement ?? undefined;
  return undefined;
}

/** A tactic by TA id, shortname (`credential-access`) or name (`Credential Access`), case-insensitive. */
export function getTactic(idOrName: string): CatalogTactic | undefined {
  const key = idOrName.trim();
  return (
    tacticsById.get(key.toUpperCase()) ??
    tacticsByShortname.get(key.toLowerCase()) ??
    tacticsByName.get(key.toLowerCase())
  );
}

/** The tactics of a technique (sub-techniques share their own kill-chain phases), in kill-chain order. */
export function tacticsForTechnique(id: string): CatalogTactic[] {
  const resolved = resolveTechniqueId(id);
  const t = resolved ? techniques.get(resolved) : undefined;
  if (!t) return [];
  return t.tacticIds.map((tid) => tacticsById.get(tid)).filter((x): x is CatalogTactic => x !== undefined);
}

/** Every current technique and sub-technique, sorted by id (for coverage views). */
export function allTechniques(): AttackTechnique[] {
  return [...techniques.values()];
}

/**
 * ECS `threat.*` for a set of technique ids: one entry per tactic (kill-chain order), holding the techniques of
 * that tactic; sub-techniques are listed under `technique.subtechnique` with their parent in `technique`.
 * Revoked ids are mapped to their replacement; unknown and deprecated ids are dropped.
 */
export function toEcsThreat(techniqueIds: readonly string[]): EcsThreat[] {
  const resolved = [...new Set(techniqueIds.map(resolveTechniqueId).filter((x): x is string => !!x))].sort();
  const byTactic = new Map<string, { techniques: Set<string>; subs: Set<string> }>();
  for (const id of resolved) {
    const t = techniques.get(id);
    if (!t) continue;
    for (const tacticId of t.tacticIds) {
      let slot = byTactic.get(tacticId);
      if (!slot) byTactic.set(tacticId, (slot = { techniques: new Set(), subs: new Set() }));
      if (t.parentId) {
        slot.techniques.add(t.parentId);
        slot.subs.add(t.id);
      } else {
        slot.techniques.add(t.id);
      }
    }
  }
  const out: EcsThreat[] = [];
  for (const tactic of catalog.tactics) {
    const slot = byTactic.get(tactic.id);
    if (!slot) continue;
    const techs = [...slot.techniques]
      .sort()
      .map((id) => techniques.get(id))
      .filter(isDefined);
    const subs = [...slot.subs]
      .sort()
      .map((id) => techniques.get(id))
      .filter(isDefined);
    const threat: EcsThreat = {
      framework: 'MITRE ATT&CK',
      tactic: { id: [tactic.id], name: [tactic.name], reference: [tactic.url] },
      technique: {
        id: techs.map((t) => t.id),
        name: techs.map((t) => t.name),
        reference: techs.map((t) => t.url),
      },
    };
    if (subs.length > 0) {
      threat.technique.subtechnique = {
        id: subs.map((t) => t.id),
        name: subs.map((t) => t.name),
        reference: subs.map((t) => t.url),
      };
    }
    out.push(threat);
  }
  return out;
}

function isDefined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

/**
 * One ECS `threat` object merging every tactic (ECS keeps `threat.tactic.*` and `threat.technique.*` as parallel
 * keyword arrays), for documents that carry a single `threat` field such as our alerts.
 */
export function toEcsThreatFlat(techniqueIds: readonly string[]): EcsThreat | undefined {
  const perTactic = toEcsThreat(techniqueIds);
  if (perTactic.length === 0) return undefined;
  const uniq = (xs: string[]): string[] => [...new Set(xs)];
  const pick = (f: (t: EcsThreat) => string[] | undefined): string[] =>
    uniq(perTactic.flatMap((t) => f(t) ?? []));
  const flat: EcsThreat = {
    framework: 'MITRE ATT&CK',
    tactic: {
      id: pick((t) => t.tactic.id),
      name: pick((t) => t.tactic.name),
      reference: pick((t) => t.tactic.reference),
    },
    technique: {
      id: pick((t) => t.technique.id),
      name: pick((t) => t.technique.name),
      reference: pick((t) => t.technique.reference),
    },
  };
  const subIds = pick((t) => t.technique.subtechnique?.id);
  if (subIds.length > 0) {
    flat.technique.subtechnique = {
      id: subIds,
      name: pick((t) => t.technique.subtechnique?.name),
      reference: pick((t) => t.technique.subtechnique?.reference),
    };
  }
  return flat;
}
