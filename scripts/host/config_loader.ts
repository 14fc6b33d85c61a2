/**
 * Configuration for the standalone host: the same `aptDetection.*` keys as kibana.yml, read from a YAML file
 * (`--config FILE` or `APT_DETECTION_CONFIG`, default `config/apt_detection.yml` when present) and then from the
 * environment. Environment names are the dotted key in upper snake case after `APT_DETECTION__`, with `__` between
 * levels: `APT_DETECTION__REDIS__URL=redis://...`, `APT_DETECTION__SINKS__KAFKA__ENABLED=true`. Values are parsed as
 * YAML scalars (numbers, booleans, lists in [a, b] form). ES_URL, KAFKA_BROKERS and REDIS_URL are honoured too.
 */
import * as fs from 'fs';
import * as yaml from 'js-yaml';
import { parseConfig, type AptDetectionConfig } from '../../server/config';

export interface HostSettings {
  host: string;
  port: number;
  esUrl?: string;
  /** Task documents index of this host's scheduler (default `apt-detection-host-tasks`). */
  tasksIndex?: string;
}

type Obj = Record<string, unknown>;

function setPath(target: Obj, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    if (!cur[key] || typeof cur[key] !== 'object') cur[key] = {};
    cur = cur[key] as Obj;
  }
  cur[path[path.length - 1]] = value;
}

/** `REDIS__URL` -> ['redis', 'url']; `SINKS__ELASTICSEARCH__ALERTS_INDEX` -> ['sinks','elasticsearch','alertsIndex']. */
function envKeyToPath(key: string): string[] {
  return key
    .split('__')
    .map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()));
}

export function loadHostConfig(
  env: NodeJS.ProcessEnv = process.env,
  file?: string,
): { config: AptDetectionConfig; settings: HostSettings; source: string } {
  const path =
    file ??
    env.APT_DETECTION_CONFIG ??
    (fs.existsSync('config/apt_detection.yml') ? 'config/apt_detection.yml' : undefined);
  let raw: Obj = {};
  let host: Obj = {};
  if (path) {
    const doc = (yaml.load(fs.readFileSync(path, 'utf8')) ?? {}) as Obj;
    // Accept both `aptDetection: {...}` (as in kibana.yml) and a bare object; `host:` holds host-only settings.
    raw = ((doc.aptDetection as Obj | undefined) ??
      Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'host'))) as Obj;
    host = (doc.host as Obj | undefined) ?? {};
  }
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('APT_DETECTION__') || v === undefined) continue;
    setPath(raw, envKeyToPath(k.slice('APT_DETECTION__'.length)), yaml.load(v));
  }
  if (env.REDIS_URL) setPath(raw, ['redis', 'url'], env.REDIS_URL);
  if (env.KAFKA_BROKERS) {
    setPath(raw, ['kafka', 'brokers'], env.KAFKA_BROKERS.split(','));
  }
  const config = parseConfig(raw);
  const settings: HostSettings = {
    host: String(env.APT_HOST ?? host.address ?? '127.0.0.1'),
    port: Number(env.APT_PORT ?? host.port ?? 5601),
    esUrl: env.ES_URL ?? (config.elasticsearch.hosts[0] || undefined),
    tasksIndex: (env.APT_TASKS_INDEX ?? host.tasksIndex) as string | undefined,
  };
  return { config, settings, source: path ?? '(defaults and environment)' };
}
