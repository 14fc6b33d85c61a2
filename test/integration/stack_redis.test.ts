import Redis from 'ioredis';
import { stackUrls, uniqueName } from '../stack_env';

describe('development Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(stackUrls().redisUrl);
  });
  afterAll(() => redis.quit());

  it('appends to a capped stream and reads entries back in order with XREAD', async () => {
    const key = uniqueName('apt:test:stream');
    for (let i = 0; i < 10; i++) {
      await redis.xadd(key, 'MAXLEN', '~', '1000', '*', 'alert', JSON.stringify({ n: i }));
    }
    const res = await redis.xread('COUNT', 100, 'STREAMS', key, '0');
    const entries = res![0][1];
    expect(entries.map(([, fields]) => (JSON.parse(fields[1]) as { n: number }).n)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    // Reading after the last id returns nothing new.
    const lastId = entries[entries.length - 1][0];
    expect(await redis.xread('COUNT', 10, 'STREAMS', key, lastId)).toBeNull();
    await redis.del(key);
  });

  it('delivers published messages to a subscriber', async () => {
    const channel = uniqueName('apt:test:live');
    const sub = new Redis(stackUrls().redisUrl);
    try {
      const got = new Promise<string>((resolve) => sub.on('message', (_c, msg) => resolve(msg)));
      await sub.subscribe(channel);
      const receivers = await redis.publish(channel, 'incident-1');
      expect(receivers).toBe(1);
      await expect(got).resolves.toBe('incident-1');
    } finally {
      sub.disconnect();
    }
  });
});
