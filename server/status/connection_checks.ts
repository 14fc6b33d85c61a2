/**
 * Reachability checks for the status API: each says whether a connection works and, if not, why.
 */
import type Redis from 'ioredis';
import type { ConnectionStatus } from '../../common/api';
import type { AptDetectionConfig } from '../config';
import type { ElasticsearchClient } from '../kibana_types';
import { kafkaClientConfig } from '../kafka_client';
import { Kafka } from 'kafkajs';
import { wazuhClientFromConfig } from '../sources/wazuh_api/from_plugin_config';
import type { ConnectionCheck } from './status_store';

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function connectionChecks(
  cfg: AptDetectionConfig,
  es: ElasticsearchClient,
  redis: Redis | undefined,
): ConnectionCheck[] {
  const checks: ConnectionCheck[] = [
    async (): Promise<ConnectionStatus> => {
      try {
        const h = await es.cluster.health({ timeout: '5s' });
        return {
          name: 'elasticsearch',
          enabled: true,
          reachable: true,
          detail: `cluster ${h.cluster_name} ${h.status}`,
        };
      } catch (e) {
        return { name: 'elasticsearch', enabled: true, reachable: false, detail: msg(e) };
      }
    },
    async (): Promise<ConnectionStatus> => {
      if (!redis) return { name: 'redis', enabled: false, reachable: false, detail: 'Redis sink disabled' };
      try {
        const pong = await redis.ping();
        return { name: 'redis', enabled: true, reachable: pong === 'PONG', detail: `PING -> ${pong}` };
      } catch (e) {
        return { name: 'redis', enabled: true, reachable: false, detail: msg(e) };
      }
    },
    async (): Promise<ConnectionStatus> => {
      if (!cfg.kafka.enabled)
        return { name: 'kafka', enabled: false, reachable: false, detail: 'Kafka disabled' };
      const admin = new Kafka({
        ...kafkaClientConfig(cfg.kafka, '-status'),
        connectionTimeout: 3000,
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        const c = await admin.describeCluster();
        return {
          name: 'kafka',
          enabled: true,
          reachable: true,
          detail: `cluster ${c.clusterId}, ${c.brokers.length} broker(s)`,
        };
      } catch (e) {
        return { name: 'kafka', enabled: true, reachable: false, detail: msg(e) };
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    async (): Promise<ConnectionStatus> => {
      if (!cfg.wazuh.api.enabled)
        return { name: 'wazuh', enabled: false, reachable: false, detail: 'Wazuh API disabled' };
      try {
        const info = await wazuhClientFromConfig(cfg.wazuh.api).getApiInfo();
        return {
          name: 'wazuh',
          enabled: true,
          reachable: true,
          detail: `${info.title} ${info.apiVersion} on ${info.hostname}`,
        };
      } catch (e) {
        return { name: 'wazuh', enabled: true, reachable: false, detail: msg(e) };
      }
    },
  ];
  return checks;
}
