// attack-id-check: allow-revoked (this file tests ATT&CK v19 ids that the v18.1 catalog cannot know)
import { getTechnique } from '../../common/attack/catalog';
import { V19_LABELS } from './attack_v19';
import { labelIds, techniqueMatch } from './lib';

describe('evaluation technique matching', () => {
  it('maps every v19-only label id to techniques the v18.1 catalog knows as current', () => {
    for (const [v19, ids] of Object.entries(V19_LABELS)) {
      expect(getTechnique(v19)).toBeUndefined();
      for (const id of ids) expect(getTechnique(id)?.id).toBe(id);
    }
  });

  it('meets a v19 label with the v18.1 technique it replaced, and only that one', () => {
    expect(techniqueMatch(['T1562.001'], ['T1685'], 'exact')).toBe(true);
    expect(techniqueMatch(['T1070.001'], ['T1685.005'], 'exact')).toBe(true);
    expect(techniqueMatch(['T1562.004'], ['T1686.003'], 'exact')).toBe(true);
    expect(techniqueMatch(['T1562.001'], ['T1685.001'], 'exact')).toBe(false);
    expect(techniqueMatch(['T1562.001'], ['T1685.001'], 'parent')).toBe(true);
    expect(techniqueMatch(['T1070.004'], ['T1685.005'], 'parent')).toBe(true);
    expect(techniqueMatch(['T1059.001'], ['T1685'], 'parent')).toBe(false);
  });

  it('leaves v18.1 and revoked labels to the catalog', () => {
    expect(labelIds('t1059.001')).toEqual(['T1059.001']);
    expect(techniqueMatch(['T1059.001'], ['T1059'], 'parent')).toBe(true);
    expect(techniqueMatch(['T1059.001'], ['T1059.003'], 'exact')).toBe(false);
  });
});
