/**
 * Detector windows and open incidents survive restarts here, one document per stream (Winlogbeat task, Wazuh task,
 * intake task, Kafka worker), saved after every acknowledged batch. Task Manager state holds only the small source
 * cursor: pipeline state can reach megabytes and Task Manager rewrites its task document on every run.
 */
import type { ElasticsearchClient } from '../kibana_types';

export class PipelineStateStore {
  constructor(
    private readonly es: ElasticsearchClient,
    private readonly index: string,
  ) {}

  async load(stream: string): Promise<unknown> {
    try {
      const res = await this.es.get<{ state: string }>({ index: this.index, id: stream });
      return res._source ? JSON.parse(res._source.state) : undefined;
    } catch (e) {
      if ((e as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
      throw e;
    }
  }

  async save(stream: string, state: unknown): Promise<void> {
    await this.es.index({
      index: this.index,
      id: stream,
      // Stored as a string in a field that is not indexed: detector state is opaque and must not grow the mapping.
      document: { '@timestamp': new Date().toISOString(), stream, state: JSON.stringify(state) },
    });
  }

  async ensureIndex(): Promise<void> {
    const exists = await this.es.indices.exists({ index: this.index });
    if (exists) return;
    try {
      await this.es.indices.create({
        index: this.index,
        settings: { number_of_shards: 1, number_of_replicas: 0, 'index.hidden': true },
        mappings: {
          dynamic: 'strict',
          properties: {
            '@timestamp': { type: 'date' },
            stream: { type: 'keyword' },
            state: { type: 'text', index: false },
          },
        },
      });
    } catch (e) {
      // Another Kibana instance created it between the check and the create.
      if (!/resource_already_exists/.test(String((e as Error).message))) throw e;
    }
    // A get on a shard that has not started yet fails: wait until the new index is usable.
    await this.es.cluster.health({ index: this.index, wait_for_status: 'yellow', timeout: '30s' });
  }
}
