import type { EsSinkClient } from './elasticsearch_sink';
import { bulkIndexWithRetry, isRetriableRequestError, templateFor } from './elasticsearch_sink';
import { defaultAlertIndexTemplate } from './elasticsearch_templates';
import type { SinkLogger } from './types';

const logger: SinkLogger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const backoff = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 };

type Item = { index: { status: number; error?: { type: string; reason: string } } };

/** A bulk endpoint that answers each request from a script: per call, the status of each document by id. */
function scriptedBulk(script: Array<Record<string, number> | Error>) {
  const calls: string[][] = [];
  const client = {
    bulk: async ({ operations }: { operations: Array<Record<string, unknown>> }) => {
      const ids = operations
        .filter((_, i) => i % 2 === 0)
        .map((op) => (op as { index: { _id: string } }).index._id);
      calls.push(ids);
      const step = script.shift() ?? {};
      if (step instanceof Error) throw step;
      const items: Item[] = ids.map((id) => {
        const status = step[id] ?? 201;
        return status < 300
          ? { index: { status } }
          : {
              index: {
                status,
                error: {
                  type: status === 429 ? 'es_rejected_execution_exception' : 'mapper_parsing_exception',
                  reason: `status ${status}`,
                },
              },
            };
      });
      return { errors: items.some((i) => i.index.error), items, took: 1 };
    },
  };
  return { client: client as unknown as EsSinkClient, calls };
}

const docs = ['a', 'b', 'c'].map((id) => ({ id, doc: { n: id } }));

describe('bulkIndexWithRetry', () => {
  it('resends only the items rejected as busy (429) until they are written', async () => {
    const { client, calls } = scriptedBulk([{ b: 429 }, { b: 429 }, {}]);
    const out = await bulkIndexWithRetry(client, 'idx', docs, { backoff, logger });
    expect(out).toEqual({ written: 3, errors: [], requests: 3 });
    expect(calls).toEqual([['a', 'b', 'c'], ['b'], ['b']]);
  });

  it('reports permanent item failures by id without retrying them', async () => {
    const { client, calls } = scriptedBulk([{ c: 400 }]);
    const out = await bulkIndexWithRetry(client, 'idx', docs, { backoff, logger });
    expect(out.written).toBe(2);
    expect(out.errors).toEqual([
      { id: 'c', status: 400, type: 'mapper_parsing_exception', reason: 'status 400', retriable: false },
    ]);
    expect(calls).toHaveLength(1);
  });

  it('reports items still busy after the last attempt instead of dropping them', async () => {
    const { client } = scriptedBulk([{ a: 503 }, { a: 503 }, { a: 503 }]);
    const out = await bulkIndexWithRetry(client, 'idx', docs, { backoff, logger });
    expect(out.written).toBe(2);
    expect(out.errors).toEqual([expect.objectContaining({ id: 'a', status: 503, retriable: true })]);
  });

  it('retries a request that failed to connect, and throws when it never succeeds', async () => {
    const connErr = Object.assign(new Error('connect ECONNREFUSED'), { name: 'ConnectionError' });
    const ok = scriptedBulk([connErr, {}]);
    await expect(bulkIndexWithRetry(ok.client, 'idx', docs, { backoff, logger })).resolves.toMatchObject({
      written: 3,
    });
    const down = scriptedBulk([connErr, connErr, connErr]);
    await expect(bulkIndexWithRetry(down.client, 'idx', docs, { backoff, logger })).rejects.toThrow(
      'ECONNREFUSED',
    );
    expect(down.calls).toHaveLength(3);
  });
});

describe('isRetriableRequestError', () => {
  it('retries unreachable and busy clusters but not bad requests', () => {
    expect(isRetriableRequestError(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe(true);
    expect(isRetriableRequestError({ name: 'ResponseError', meta: { statusCode: 429 } })).toBe(true);
    expect(isRetriableRequestError({ name: 'ResponseError', meta: { statusCode: 400 } })).toBe(false);
    expect(isRetriableRequestError('nope')).toBe(false);
  });
});

describe('templateFor', () => {
  it('keeps a named template whose pattern covers the configured index', () => {
    const body = { ...defaultAlertIndexTemplate(), index_patterns: ['apt-detection-alerts*'] };
    const t = templateFor('apt-detection-alerts-default', { name: 'apt-tpl', body });
    expect(t.name).toBe('apt-tpl');
    expect(t.body.index_patterns).toEqual(['apt-detection-alerts*']);
  });

  it('narrows to the configured index when the template would not apply to it', () => {
    const body = { ...defaultAlertIndexTemplate(), index_patterns: ['apt-detection-alerts*'] };
    const t = templateFor('soc.alerts+apt', { name: 'apt-tpl', body });
    expect(t.body.index_patterns).toEqual(['soc.alerts+apt']);
    expect(templateFor('x-alerts', defaultAlertIndexTemplate())).toMatchObject({
      name: 'x-alerts',
      body: { index_patterns: ['x-alerts'] },
    });
  });
});
