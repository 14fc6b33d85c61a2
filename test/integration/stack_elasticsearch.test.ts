import { Client } from '@elastic/elasticsearch';
import { stackUrls, uniqueName } from '../stack_env';

describe('development Elasticsearch', () => {
  let es: Client;
  beforeAll(() => {
    es = new Client({ node: stackUrls().esUrl });
  });
  afterAll(() => es.close());

  it('creates a data stream from an index template and finds what was written to it', async () => {
    const name = uniqueName('logs-apttest');
    await es.indices.putIndexTemplate({
      name,
      index_patterns: [`${name}*`],
      data_stream: {},
      template: {
        mappings: {
          properties: {
            '@timestamp': { type: 'date' },
            host: { properties: { name: { type: 'keyword' } } },
            event: { properties: { code: { type: 'keyword' } } },
          },
        },
      },
    });
    const docs = Array.from({ length: 25 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
      host: { name: i % 5 === 0 ? 'dc01' : 'ws-' + i },
      event: { code: '4624' },
    }));
    const bulk = await es.bulk({
      refresh: true,
      operations: docs.flatMap((d) => [{ create: { _index: name } }, d]),
    });
    expect(bulk.errors).toBe(false);

    const res = await es.search<{ host: { name: string } }>({
      index: name,
      query: { term: { 'host.name': 'dc01' } },
      sort: [{ '@timestamp': 'asc' }],
    });
    expect(res.hits.hits.map((h) => h._source?.host.name)).toEqual(['dc01', 'dc01', 'dc01', 'dc01', 'dc01']);
    // Documents landed in the data stream's backing index, not in a plain index of that name.
    expect(res.hits.hits[0]._index).toMatch(new RegExp(`^\\.ds-${name}-`));
    const count = await es.count({ index: name });
    expect(count.count).toBe(25);
  });
});
