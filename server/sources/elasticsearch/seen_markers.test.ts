import { markerId, seenIndexFor, validateSourceName } from './seen_markers';

describe('seen markers', () => {
  it('puts a marker in the index of its document day (UTC)', () => {
    expect(seenIndexFor('winlogbeat', Date.parse('2024-05-01T23:59:59.999Z'))).toBe(
      '.apt-detection-seen-winlogbeat-2024.05.01',
    );
    expect(seenIndexFor('wazuh', Date.parse('2024-05-02T00:00:00Z'))).toBe(
      '.apt-detection-seen-wazuh-2024.05.02',
    );
  });

  it('keys a marker by source index and id, hashing pairs too long for an _id', () => {
    expect(markerId('winlogbeat-8.15.0', 'abc')).toBe('winlogbeat-8.15.0/abc');
    const long = markerId('idx', 'x'.repeat(600));
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(markerId('idx', 'x'.repeat(600))).toBe(long);
    expect(markerId('idx', 'y'.repeat(600))).not.toBe(long);
  });

  it('refuses source names that cannot be part of an index name, naming the field', () => {
    expect(validateSourceName('winlogbeat')).toBe('winlogbeat');
    expect(() => validateSourceName('Win logs')).toThrow(/^name: /);
    expect(() => validateSourceName('')).toThrow(/^name: /);
    expect(() => validateSourceName(undefined)).toThrow(/^name: /);
  });
});
