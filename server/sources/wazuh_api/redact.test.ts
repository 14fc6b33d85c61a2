import { redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('removes known secret values wherever they appear', () => {
    expect(redactSecrets('login failed for pw hunter2-long in body', ['hunter2-long'])).toBe(
      'login failed for pw [REDACTED] in body',
    );
  });

  it('removes authorization headers, JWTs, URL credentials and key=value secrets by shape', () => {
    const text =
      'Authorization: Basic d2F6dWg6d2F6dWg= then Bearer abc.def.ghi token eyJhbGciOi.eyJzdWIiOi.c2ln ' +
      'url https://wazuh:pa55@manager:55000/ password=topsecret {"password": "quoted"}';
    const out = redactSecrets(text, []);
    for (const secret of ['d2F6dWg6d2F6dWg=', 'abc.def.ghi', 'eyJhbGciOi', 'pa55', 'topsecret', 'quoted']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('https://[REDACTED]@manager:55000/');
  });

  it('leaves ordinary text alone', () => {
    const text = 'GET /agents failed with HTTP 500: Internal Server Error';
    expect(redactSecrets(text, [undefined, 'abc'])).toBe(text);
  });
});
