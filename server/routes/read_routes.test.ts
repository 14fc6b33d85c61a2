import { toEcsThreat, toEcsThreatFlat } from '../../common/attack/catalog';
import { toAlertSummary } from './read_routes';

describe('toAlertSummary', () => {
  it('lists each tactic and technique of a flat ECS threat (parallel id/name arrays) separately', () => {
    const threat = toEcsThreatFlat(['T1078.002', 'T1110.003']);
    const s = toAlertSummary('a1', { '@timestamp': '2026-01-01T00:00:00Z', threat });
    expect(s.techniques.map((t) => t.id).sort()).toEqual(['T1078.002', 'T1110.003']);
    expect(s.tactics.map((t) => t.name)).toContain('Credential Access');
    expect(s.tactics.every((t) => !t.name.includes(','))).toBe(true);
    expect(s.tactics.find((t) => t.id === 'TA0006')?.name).toBe('Credential Access');
  });

  it('reads one-threat-per-tactic documents the same way', () => {
    const s = toAlertSummary('a2', {
      '@timestamp': '2026-01-01T00:00:00Z',
      threat: toEcsThreat(['T1003.001']),
    });
    expect(s.techniques).toEqual([{ id: 'T1003.001', name: 'LSASS Memory' }]);
    expect(s.tactics).toEqual([{ id: 'TA0006', name: 'Credential Access' }]);
  });
});
