import { signWebhookBody, verifyWebhookSignature, WebhookSink } from './webhook_sink';

describe('webhook signatures', () => {
  const secret = 'sixteen-chars-at-least';

  it('is the HMAC-SHA256 of "<timestamp>.<body>" and verifies only with the same secret, time and body', () => {
    const sig = signWebhookBody(secret, '1714557600', '{"a":1}');
    // Independently computed: printf '1714557600.{"a":1}' | openssl dgst -sha256 -hmac sixteen-chars-at-least
    expect(sig).toBe('sha256=9d7be806479ef22f8893d3c685f2ea9005dfa9133a212a98c16e81e740e1a9c2');
    expect(verifyWebhookSignature(secret, '1714557600', '{"a":1}', sig)).toBe(true);
    expect(verifyWebhookSignature(secret, '1714557601', '{"a":1}', sig)).toBe(false);
    expect(verifyWebhookSignature(secret, '1714557600', '{"a":2}', sig)).toBe(false);
    expect(verifyWebhookSignature('another-secret-value', '1714557600', '{"a":1}', sig)).toBe(false);
    expect(verifyWebhookSignature(secret, '1714557600', '{"a":1}', 'sha256=short')).toBe(false);
  });

  it('refuses a short secret', () => {
    expect(() => new WebhookSink({ url: 'http://x', secret: 'short', logger: console })).toThrow(
      '16 characters',
    );
  });
});
