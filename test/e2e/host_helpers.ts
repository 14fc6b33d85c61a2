import { createLogger } from '../../scripts/host/logger';
import { StandaloneHost } from '../../scripts/host/standalone_host';
import { parseConfig, type AptDetectionConfig } from '../../server/config';
import { stackUrls, uniqueName } from '../stack_env';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
export const VIEWER_TOKEN = 'viewer-token-for-tests-0123456789abcdef';

/** A host on the real stack with its own indices (so tests never see each other's data) and a free port. */
export async function startTestHost(
  overrides: Record<string, unknown> = {},
): Promise<{ host: StandaloneHost; config: AptDetectionConfig }> {
  const urls = stackUrls();
  const prefix = uniqueName('apt-e2e');
  const config = parseConfig({
    redis: { url: urls.redisUrl, keyPrefix: `${prefix}:` },
    ingest: {
      tokens: [
        { name: 'admin', token: ADMIN_TOKEN, privileges: ['all'] },
        { name: 'viewer', token: VIEWER_TOKEN, privileges: ['read'] },
      ],
    },
    intake: { index: `${prefix}-intake`, deadLetterIndex: `${prefix}-dead-letter` },
    state: { index: `${prefix}-state` },
    sinks: { elasticsearch: { alertsIndex: `${prefix}-alerts`, incidentsIndex: `${prefix}-incidents` } },
    sources: {
      winlogbeat: { indexPatterns: [`${prefix}-winlogbeat-*`] },
      wazuh: { indexPatterns: [`${prefix}-wazuh-*`] },
    },
    schedule: { detectionInterval: '1h', housekeepingInterval: '1d' },
    ...overrides,
  });
  const host = new StandaloneHost({
    config,
    esUrl: urls.esUrl,
    port: 0,
    logger: createLogger('e2e-host', 'warn'),
    scheduler: { ownerId: prefix, index: `${prefix}-tasks` },
  });
  await host.start();
  return { host, config };
}

export { bruteForceLines } from '../fixtures/winlogbeat_docs';
