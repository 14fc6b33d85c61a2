import type { AptDetectionConfig } from '../../config';
import { WazuhClient } from './client';

/** Builds the Wazuh REST client from the plugin's `aptDetection.wazuh.api` settings (validated by the client). */
export function wazuhClientFromConfig(api: AptDetectionConfig['wazuh']['api']): WazuhClient {
  return new WazuhClient({
    url: api.url,
    username: api.username,
    password: api.password,
    tls: { verify: api.tls.verify, ca: api.tls.certificateAuthorities.join('\n') || undefined },
  });
}
