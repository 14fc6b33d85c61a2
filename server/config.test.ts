import { ConfigError, defaultConfig, durationMs, parseConfig, redactConfig } from './config';

describe('plugin configuration', () => {
  it('fills every default from an empty config, with response actions off and dry-run', () => {
    const c = defaultConfig();
    expect(c.sources.winlogbeat.indexPatterns).toContain('winlogbeat-*');
    expect(c.sources.wazuh.indexPatterns).toEqual(['wazuh-alerts-4.x-*']);
    expect(c.response).toEqual({ enabled: false, dryRun: true, allowedCommands: [] });
    expect(c.wazuh.api.tls.verify).toBe(true);
  });

  it('names an unknown key with its full path', () => {
    expect(() => parseConfig({ redis: { url: 'redis://x:1', colour: 'blue' } })).toThrow(
      /aptDetection\.redis\.colour: unknown key/,
    );
  });

  it('names a bad value with its key and the reason', () => {
    try {
      parseConfig({ schedule: { detectionInterval: 'soon' }, ingest: { maxDocuments: 0 } });
      throw new Error('should have failed');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toMatch(/aptDetection\.schedule\.detectionInterval: must be a duration/);
      expect(msg).toMatch(/aptDetection\.ingest\.maxDocuments/);
    }
  });

  it('refuses short ingest tokens', () => {
    expect(() =>
      parseConfig({ ingest: { tokens: [{ name: 'a', token: 'short', privileges: ['all'] }] } }),
    ).toThrow(/aptDetection\.ingest\.tokens\.0\.token/);
  });

  it('redacts secrets wherever they sit', () => {
    const c = parseConfig({
      elasticsearch: { apiKey: 'SECRET-KEY' },
      ingest: { tokens: [{ name: 'a', token: 'x'.repeat(30), privileges: ['read'] }] },
      wazuh: { api: { password: 'pw' } },
    });
    const text = JSON.stringify(redactConfig(c));
    expect(text).not.toMatch(/SECRET-KEY|xxxxxxxxxx|"pw"/);
    expect(text).toMatch(/\[redacted\]/);
  });

  it('converts durations', () => {
    expect(durationMs('90s')).toBe(90000);
    expect(durationMs('5m')).toBe(300000);
    expect(durationMs('2h')).toBe(7200000);
    expect(durationMs('7d')).toBe(604800000);
  });
});
