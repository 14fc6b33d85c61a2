import { techniqueStatus } from '../attack/catalog';
import { attributeTechniques, FEATURE_TECHNIQUES, type RankedContribution } from './feature_techniques';
import { WINDOW_FEATURES } from './schema';

const c = (feature: string, weight: number): RankedContribution => ({ feature, value: 1, weight });

describe('FEATURE_TECHNIQUES', () => {
  it('maps only schema features, to current catalog ids, each with a reason', () => {
    const entries = Object.entries(FEATURE_TECHNIQUES);
    expect(entries.length).toBeGreaterThan(15);
    for (const [feature, link] of entries) {
      expect(WINDOW_FEATURES).toContain(feature);
      expect(link?.why.length).toBeGreaterThan(20);
      expect(link?.techniqueIds.length).toBeGreaterThan(0);
      for (const id of link?.techniqueIds ?? [])
        expect([feature, id, techniqueStatus(id).status]).toEqual([feature, id, 'active']);
    }
  });

  it('leaves features that say when or how much, not what, unmapped', () => {
    for (const f of ['is_user', 'hour_of_day', 'events_log', 'count_other', 'rare_processes'] as const)
      expect(FEATURE_TECHNIQUES[f]).toBeUndefined();
  });
});

describe('attributeTechniques', () => {
  it('takes the techniques of the top contributors in rank order, at most three', () => {
    const a = attributeTechniques(
      [c('count_proc_access', 0.5), c('hour_of_day', 0.3), c('count_service', 0.2), c('count_tgs', 0.1)],
      { facts: ['lsass_access'] },
    );
    expect(a.techniqueIds).toEqual(['T1003.001', 'T1543.003', 'T1569.002']);
    expect(a.from.map((x) => x.feature)).toEqual(['count_proc_access', 'count_service']);
    expect(a.deeper).toBe(false);
  });

  it('does not repeat an id that two features share', () => {
    const a = attributeTechniques([
      c('dns_entropy_max', 0.4),
      c('dns_qname_len_max', 0.3),
      c('count_tgs', 0.2),
    ]);
    expect(a.techniqueIds).toEqual(['T1071.004', 'T1558.003']);
    expect(a.from.map((x) => x.feature)).toEqual(['dns_entropy_max', 'count_tgs']);
  });

  it('looks further down only to contributors that still carry weight', () => {
    const ranked = [
      c('hour_of_day', 0.4),
      c('events_log', 0.3),
      c('count_proc', 0.2),
      c('count_logon_fail', 0.15),
      c('count_tgs', 0.01),
    ];
    const a = attributeTechniques(ranked);
    expect(a).toEqual({ techniqueIds: ['T1110'], from: [ranked[3]], deeper: true });
    expect(attributeTechniques(ranked, { minRelativeWeight: 0.5 }).techniqueIds).toEqual([]);
    expect(attributeTechniques(ranked, { depth: 3 }).techniqueIds).toEqual([]);
  });

  it('never takes a technique from a feature that is unusual for being low', () => {
    const low = { ...c('out_bytes_log', 0.9), high: false };
    const a = attributeTechniques(
      [low, c('hour_of_day', 0.3), c('count_proc_access', 0.2), c('events_log', 0.1)],
      { facts: ['lsass_access'] },
    );
    expect(a.techniqueIds).toEqual(['T1003.001']);
    expect(attributeTechniques([low]).techniqueIds).toEqual([]);
  });

  it('ties process-access counts to LSASS dumping only when the window touched lsass.exe', () => {
    const ranked = [c('count_proc_access', 0.6), c('hour_of_day', 0.3), c('count_service', 0.1)];
    expect(attributeTechniques(ranked, { facts: ['lsass_access'] }).techniqueIds[0]).toBe('T1003.001');
    // A shell opening netstat.exe or cmd.exe with full rights is not credential dumping.
    const other = attributeTechniques(ranked, { facts: [] });
    expect(other.techniqueIds).toEqual(['T1543.003', 'T1569.002']);
    expect(other.from.map((x) => x.feature)).toEqual(['count_service']);
    expect(attributeTechniques(ranked).techniqueIds).not.toContain('T1003.001');
  });

  it('returns nothing for an empty or unmapped ranking', () => {
    expect(attributeTechniques([])).toEqual({ techniqueIds: [], from: [], deeper: false });
    expect(attributeTechniques([c('is_user', 1)]).techniqueIds).toEqual([]);
  });
});
