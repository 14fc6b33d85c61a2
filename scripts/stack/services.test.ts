import { kafkaClusterId } from './services';

describe('kafkaClusterId', () => {
  it('is 16 random bytes as unpadded base64url, never starting with "-" (StorageTool would read it as an option)', () => {
    // 0xF8 = 111110.. : the first base64url digit is 62, "-".
    const draws = [Buffer.from([0xf8, ...new Array<number>(15).fill(1)]), Buffer.alloc(16, 7)];
    let calls = 0;
    const id = kafkaClusterId(() => draws[calls++]);
    expect(draws[0].toString('base64url').startsWith('-')).toBe(true);
    expect(calls).toBe(2);
    expect(id).toBe(Buffer.alloc(16, 7).toString('base64url'));
    expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('draws fresh ids', () => {
    const ids = new Set(Array.from({ length: 200 }, () => kafkaClusterId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id.startsWith('-')).toBe(false);
  });
});
