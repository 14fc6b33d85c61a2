import { API_PRIVILEGES, PLUGIN_ID, PLUGIN_NAME } from '../common/api';
import type { KibanaFeatureConfig } from './kibana_types';

/**
 * The Kibana feature `aptDetection` (category Security). Its privileges' `api` lists are the names routes require:
 * `read` may look, `all` may also ingest and change things. Cases owner `securitySolution` lets the task open cases
 * that Elastic Security's Cases UI shows.
 */
export const aptDetectionFeature: KibanaFeatureConfig = {
  id: PLUGIN_ID,
  name: PLUGIN_NAME,
  category: { id: 'security', label: 'Security' },
  app: [PLUGIN_ID],
  catalogue: [PLUGIN_ID],
  privileges: {
    all: {
      app: [PLUGIN_ID],
      api: [API_PRIVILEGES.read, API_PRIVILEGES.write],
      savedObject: { all: [], read: [] },
      ui: ['show', 'ingest'],
      catalogue: [PLUGIN_ID],
    },
    read: {
      app: [PLUGIN_ID],
      api: [API_PRIVILEGES.read],
      savedObject: { all: [], read: [] },
      ui: ['show'],
      catalogue: [PLUGIN_ID],
    },
  },
};
