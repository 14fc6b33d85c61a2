import { freePort } from './proc';

describe('freePort', () => {
  it('never hands out the same port twice in one process, even to callers asking at the same time', async () => {
    // The stack starts Elasticsearch, Kafka and Redis in parallel, each asking for one or two ports.
    const ports = await Promise.all(Array.from({ length: 300 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.every((p) => p > 0 && p < 65536)).toBe(true);
  });
});
