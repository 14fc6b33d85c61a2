import { needsRenewal, tokenExpiryMs, tokenState } from './token';

function fakeJwt(payload: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'ES512', typ: 'JWT' })}.${enc(payload)}.signature`;
}

describe('token renewal', () => {
  const issued = 1_700_000_000_000;

  it('reads exp from the JWT and renews the refresh margin before it', () => {
    const token = fakeJwt({ exp: issued / 1000 + 900 });
    expect(tokenExpiryMs(token)).toBe(issued + 900_000);
    const state = tokenState(token, issued, 900, 60);
    expect(needsRenewal(state, issued + 839_999)).toBe(false);
    expect(needsRenewal(state, issued + 840_000)).toBe(true);
  });

  it('prefers the token exp over the configured lifetime (administrators change auth_token_exp_timeout)', () => {
    const state = tokenState(fakeJwt({ exp: issued / 1000 + 300 }), issued, 900, 60);
    expect(state.renewAtMs).toBe(issued + 240_000);
  });

  it('falls back to the configured lifetime for tokens without a readable exp', () => {
    expect(tokenExpiryMs('not-a-jwt')).toBeUndefined();
    expect(tokenExpiryMs('a.%%%.c')).toBeUndefined();
    expect(tokenState('opaque', issued, 900, 60).renewAtMs).toBe(issued + 840_000);
  });

  it('never uses more than half of a short lifetime as margin', () => {
    expect(tokenState(fakeJwt({ exp: issued / 1000 + 30 }), issued, 900, 60).renewAtMs).toBe(issued + 15_000);
  });

  it('needs a token when there is none', () => {
    expect(needsRenewal(undefined, issued)).toBe(true);
  });
});
