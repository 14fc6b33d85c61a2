/**
 * The development stack as a whole: idempotent start (reuses what already runs), status, and a stop that ends only
 * what start began (pids recorded in `.stack/state.json`, checked against their command line before signalling).
 * `ES_URL`, `KAFKA_BROKERS` and `REDIS_URL` point the project at existing services instead.
 */
import * as fs from 'fs';
import { STATE_DIR, STATE_FILE } from './paths';
import { serviceProcesses, terminate } from './proc';
import { ensureCommands } from '../setup/system_packages';
import {
  elasticsearchStatus,
  kafkaStatus,
  redisStatus,
  ServiceName,
  ServiceState,
  ServiceStatus,
  startElasticsearch,
  startKafka,
  startRedis,
} from './services';

export interface StackUrls {
  esUrl: string;
  kafkaBrokers: string[];
  redisUrl: string;
}

type StackState = Partial<Record<ServiceName, ServiceState>>;

const SERVICES: ServiceName[] = ['elasticsearch', 'kafka', 'redis'];

const ENV_OVERRIDE: Record<ServiceName, string> = {
  elasticsearch: 'ES_URL',
  kafka: 'KAFKA_BROKERS',
  redis: 'REDIS_URL',
};

const STARTERS: Record<ServiceName, () => Promise<ServiceState>> = {
  elasticsearch: startElasticsearch,
  kafka: startKafka,
  redis: startRedis,
};

async function probe(name: ServiceName, url: string): Promise<{ up: boolean; detail: string }> {
  if (name === 'elasticsearch') return elasticsearchStatus(url);
  if (name === 'kafka') return kafkaStatus(url);
  return redisStatus(url);
}

export function readState(): StackState {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as StackState;
  } catch {
    return {};
  }
}

function writeState(state: StackState): void {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  const tmp = `${STATE_FILE}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
  fs.renameSync(tmp, STATE_FILE);
}

function external(name: ServiceName): string | undefined {
  const v = process.env[ENV_OVERRIDE[name]];
  return v && v.trim() ? v.trim() : undefined;
}

function isOurs(s: ServiceState | undefined): s is ServiceState {
  return !!s && serviceProcesses(s.pid, s.runDir).length > 0;
}

export interface StartResult {
  urls: StackUrls;
  /** Services this call started (the rest were external or already running). */
  started: ServiceName[];
}

/** Starts every service that is neither external nor already running; returns the URLs of all three. */
export async function startStack(log: (msg: string) => void = () => undefined): Promise<StartResult> {
  const state = readState();
  const started: ServiceName[] = [];
  const urls: Partial<Record<ServiceName, string>> = {};
  const failures: string[] = [];
  // A fresh machine's packages are installed before any service starts: apt-get blocks this process and opens
  // connections from ephemeral ports, which must not happen while a started service binds the port it was given.
  if (!external('redis')) {
    try {
      ensureCommands(['redis-server']);
    } catch (e) {
      throw new Error(
        `development stack failed to start:\n[redis] ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  await Promise.all(
    SERVICES.map(async (name) => {
      const ext = external(name);
      if (ext) {
        urls[name] = ext;
        log(`${name}: using ${ENV_OVERRIDE[name]}=${ext}`);
        return;
      }
      const prev = state[name];
      if (isOurs(prev) && (await probe(name, prev.url)).up) {
        urls[name] = prev.url;
        log(`${name}: already running at ${prev.url} (pid ${prev.pid})`);
        return;
      }
      if (prev) await stopService(prev); // stale or unhealthy: clean it up before starting afresh
      log(`${name}: starting...`);
      const t0 = Date.now();
      try {
        const s = await STARTERS[name]();
        state[name] = s;
        writeState(state);
        urls[name] = s.url;
        started.push(name);
        log(`${name}: up at ${s.url} in ${((Date.now() - t0) / 1000).toFixed(1)}s (log ${s.logPath})`);
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
      }
    }),
  );
  if (failures.length) {
    // All or nothing: the services this call started would otherwise run on with nobody to stop them (a failed
    // jest global setup never runs its teardown); a CI run left Elasticsearch and Redis behind when Kafka failed.
    for (const name of started) {
      const s = state[name];
      if (!s) continue;
      log(`${await stopService(s)} (another service failed to start)`);
      delete state[name];
    }
    writeState(state);
    throw new Error(`development stack failed to start:\n${failures.join('\n')}`);
  }
  return {
    started,
    urls: {
      esUrl: urls.elasticsearch!,
      kafkaBrokers: urls.kafka!.split(','),
      redisUrl: urls.redis!,
    },
  };
}

async function stopService(s: ServiceState): Promise<string> {
  // Only signal processes whose command line names this service's own temporary directory.
  const pids = serviceProcesses(s.pid, s.runDir);
  const forced = await terminate(pids);
  fs.rmSync(s.runDir, { recursive: true, force: true });
  if (!pids.length) return `${s.name}: was not running`;
  return `${s.name}: stopped (pids ${pids.join(', ')}${forced.length ? `; forced ${forced.join(', ')}` : ''})`;
}

/** Stops what the stack scripts started (all, or the named services). Harmless when nothing runs. */
export async function stopStack(
  only?: ServiceName[],
  log: (msg: string) => void = () => undefined,
): Promise<void> {
  const state = readState();
  for (const name of only ?? SERVICES) {
    const s = state[name];
    if (!s) {
      log(`${name}: not started by the stack scripts`);
      continue;
    }
    log(await stopService(s));
    delete state[name];
    writeState(state);
  }
}

export async function stackStatus(): Promise<ServiceStatus[]> {
  const state = readState();
  return Promise.all(
    SERVICES.map(async (name): Promise<ServiceStatus> => {
      const ext = external(name);
      const s = state[name];
      const url = ext ?? s?.url;
      if (!url) return { name, url: '-', up: false, detail: 'not started', managedBy: 'stack' };
      const p = await probe(name, url);
      return {
        name,
        url,
        up: p.up,
        detail: p.detail,
        managedBy: ext ? 'external' : 'stack',
        pid: ext ? undefined : s?.pid,
        logPath: ext ? undefined : s?.logPath,
      };
    }),
  );
}

/** URLs of a running stack (env overrides first, then the state file); undefined when a service is unknown. */
export function currentUrls(): StackUrls | undefined {
  const state = readState();
  const es = external('elasticsearch') ?? state.elasticsearch?.url;
  const kafka = external('kafka') ?? state.kafka?.url;
  const redis = external('redis') ?? state.redis?.url;
  if (!es || !kafka || !redis) return undefined;
  return { esUrl: es, kafkaBrokers: kafka.split(','), redisUrl: redis };
}
