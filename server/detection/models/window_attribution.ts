/**
 * Turns a high-scoring window's ranked contributions into what its finding carries: ATT&CK techniques (from
 * FEATURE_TECHNIQUES, see `attributeTechniques` for the rule), the contributions to show, and the sentence that
 * says where the techniques came from. A window none of whose substantial contributors maps raises no alert (every
 * alert must carry a technique); its score is held per entity and reported as context in that entity's next
 * attributed finding from the same scorer, so the signal is not lost.
 */
import { getTechnique } from '../../../common/attack/catalog';
import {
  attributeTechniques,
  type RankedContribution,
  type TechniqueAttribution,
} from '../../../common/features/feature_techniques';
import type { PendingAnomaly } from './scorer_state';

export interface WindowAttribution {
  techniqueIds: string[];
  /** The top contributors, plus the deeper ones that supplied the techniques (alert shape: no direction). */
  contributions: Array<{ feature: string; value: number; weight: number }>;
  /** The same contributors as the explanation lists them: `feature=value`, low values marked. */
  listed: string;
  /** Sentence fragment for the explanation: the techniques, the features they came from, held context. */
  text: string;
}

export class WindowAttributor {
  /** Entity key -> latest unattributed anomaly, least recently updated first. */
  pending = new Map<string, PendingAnomaly>();
  unattributed = 0;

  constructor(
    private readonly top = 3,
    private readonly maxPending = 1000,
    /** When set, each listed contributor shows its weight in this unit (the model's SHAP values: log-odds). */
    private readonly weightUnit?: string,
  ) {}

  /** Undefined when the window cannot be tied to a technique (it is then held as context). */
  attribute(
    entityKey: string,
    ranked: readonly RankedContribution[],
    windowStart: number,
    score: number,
    /** The window's facts (WindowRow.facts); some feature links need one (FeatureTechniqueLink.requires). */
    facts: readonly string[] = [],
  ): WindowAttribution | undefined {
    const a = attributeTechniques(ranked, { top: this.top, facts });
    if (a.techniqueIds.length === 0) {
      this.unattributed++;
      this.pending.delete(entityKey);
      this.pending.set(entityKey, { windowStart, score });
      if (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value as string);
      return undefined;
    }
    const held = this.pending.get(entityKey);
    this.pending.delete(entityKey);
    const shown = ranked.slice(0, this.top);
    for (const c of a.from) if (!shown.includes(c)) shown.push(c);
    return {
      techniqueIds: a.techniqueIds,
      contributions: shown.map((c) => ({ feature: c.feature, value: c.value, weight: c.weight })),
      listed: shown.map((c) => `${c.feature}=${c.value}${marker(c)}${this.weightUnit ? ` (+${c.weight} ${this.weightUnit})` : ''}`).join(', '),
      text: describe(a, held),
    };
  }
}

function marker(c: RankedContribution): string {
  if (c.tail === 'typical') return ' (typical value)';
  return c.high === false ? ' (unusually low)' : '';
}

function describe(a: TechniqueAttribution, held: PendingAnomaly | undefined): string {
  const ids = a.techniqueIds.map((id) => `${id} ${getTechnique(id)?.name ?? ''}`.trim()).join(', ');
  const from = a.from.map((c) => c.feature).join(', ');
  let text = `ATT&CK ${ids} (evidenced by ${from}${a.deeper ? ', below the top contributors' : ''})`;
  if (held)
    text +=
      `; context: the window starting ${new Date(held.windowStart).toISOString()} also scored ` +
      `${held.score.toFixed(3)} but no contributing feature maps to a technique`;
  return text;
}
