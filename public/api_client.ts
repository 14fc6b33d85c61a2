/**
 * The apps' only way to the server: the plugin's own API through core's http client.
 */
import { API_PATHS, type AlertsResponse, type StatusResponse } from '../common/api';
import type { HttpSetup } from './kibana_types';

export interface EntitiesResponse {
  type: 'host' | 'user';
  entities: Array<{ name: string; alerts: number; maxRisk: number; lastSeen?: string; techniques: string[] }>;
}
export interface IncidentsResponse {
  incidents: Array<Record<string, unknown> & { id: string }>;
}
export interface ModelsResponse {
  directory: string;
  models: Array<Record<string, unknown> & { file: string }>;
}

export class ApiClient {
  constructor(private readonly http: HttpSetup) {}
  alerts(
    query: { size?: number; host?: string; user?: string; incident?: string } = {},
  ): Promise<AlertsResponse> {
    return this.http.get(API_PATHS.alerts, { query });
  }
  incidents(): Promise<IncidentsResponse> {
    return this.http.get(API_PATHS.incidents);
  }
  entities(type: 'host' | 'user'): Promise<EntitiesResponse> {
    return this.http.get(API_PATHS.entities, { query: { type } });
  }
  models(): Promise<ModelsResponse> {
    return this.http.get(API_PATHS.models);
  }
  status(): Promise<StatusResponse> {
    return this.http.get(API_PATHS.status);
  }
}
