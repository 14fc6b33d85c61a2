/**
 * The three development services: how each one starts on 127.0.0.1 with a free port and a fresh temporary data
 * directory, how its health is checked, and what status it reports. Production never runs this code.
 */
import { execFileSync, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { installElasticsearch, installKafka } from './maven';
import { ES_RUN_USER, ES_VERSION, isRoot, javaHome, KAFKA_VERSION, newRunDir } from './paths';
import {
  freePort,
  launchDetached,
  pidAlive,
  runOrThrow,
  serviceProcesses,
  sleep,
  StackError,
  tailFile,
  terminate,
} from './proc';
import { hasCommand } from '../setup/system_packages';

export type ServiceName = 'elasticsearch' | 'kafka' | 'redis';

export interface ServiceState {
  name: ServiceName;
  /** Connection string: an http URL (ES), `host:port` (Kafka), a redis:// URL (Redis). */
  url: string;
  pid: number;
  runDir: string;
  logPath: string;
  startedAt: string;
}

export interface ServiceStatus {
  name: ServiceName;
  url: string;
  up: boolean;
  /** What the service says about itself (version, cluster id, PING answer), or why it is down. */
  detail: string;
  managedBy: 'stack' | 'external';
  pid?: number;
  logPath?: string;
}

const START_TIMEOUT_MS = Number(process.env.APT_STACK_START_TIMEOUT_MS ?? 180000);

async function waitFor(
  service: ServiceName,
  pid: number,
  logPath: string,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) {
      throw new StackError(service, `exited during start-up:\n${tailFile(logPath)}`, logPath);
    }
    try {
      if (await probe()) return;
    } catch {
      /* not ready yet */
    }
    await sleep(500);
  }
  const tail = tailFile(logPath);
  // A service that never became healthy is stopped here: nobody else knows its pid (it is not in the state file).
  // Its run directory is the log's folder.
  await terminate(serviceProcesses(pid, path.dirname(logPath)));
  throw new StackError(service, `not healthy after ${START_TIMEOUT_MS / 1000}s (stopped):\n${tail}`, logPath);
}

// ---------------------------------------------------------------- Elasticsearch

function ensureRunUser(): void {
  const known = spawnSync('id', ['-u', ES_RUN_USER]);
  if (known.status === 0) return;
  runOrThrow('elasticsearch', 'useradd', [
    '--system',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    ES_RUN_USER,
  ]);
}

export async function startElasticsearch(): Promise<ServiceState> {
  const home = installElasticsearch();
  const runDir = newRunDir('elasticsearch');
  const conf = path.join(runDir, 'config');
  fs.cpSync(path.join(home, 'config'), conf, { recursive: true });
  for (const d of ['data', 'logs', 'tmp']) fs.mkdirSync(path.join(runDir, d));
  const logPath = path.join(runDir, 'elasticsearch.out.log');
  const port = await freePort();
  const transportPort = await freePort();
  const settings = [
    `path.data=${path.join(runDir, 'data')}`,
    `path.logs=${path.join(runDir, 'logs')}`,
    'http.host=127.0.0.1',
    `http.port=${port}`,
    'transport.host=127.0.0.1',
    `transport.port=${transportPort}`,
    'discovery.type=single-node',
    'cluster.name=apt-detection-dev',
    'node.name=apt-dev-1',
    // The integ-test distribution carries the security module; the dev stack is loopback-only and unauthenticated.
    'xpack.security.enabled=false',
    // Developers' disks are often nearly full; a read-only cluster would fail tests for the wrong reason.
    'cluster.routing.allocation.disk.threshold_enabled=false',
    'action.destructive_requires_name=false',
  ];
  const args = [...settings.flatMap((s) => ['-E', s]), '-p', path.join(runDir, 'es.pid')];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ES_JAVA_HOME: javaHome(),
    ES_PATH_CONF: conf,
    ES_TMPDIR: path.join(runDir, 'tmp'),
    ES_JAVA_OPTS: process.env.APT_STACK_ES_JAVA_OPTS ?? '-Xms1g -Xmx1g',
  };
  const bin = path.join(home, 'bin', 'elasticsearch');
  let pid: number;
  if (isRoot()) {
    ensureRunUser();
    execFileSync('chown', ['-R', ES_RUN_USER, runDir]);
    execFileSync('chmod', ['-R', 'a+rX', home]);
    // runuser keeps the environment we pass (no login shell), so ES_* reach the launcher.
    pid = launchDetached({
      cmd: 'runuser',
      args: ['-u', ES_RUN_USER, '--', bin, ...args],
      env,
      logPath,
      cwd: runDir,
    });
  } else {
    pid = launchDetached({ cmd: bin, args, env, logPath, cwd: runDir });
  }
  const url = `http://127.0.0.1:${port}`;
  await waitFor('elasticsearch', pid, logPath, async () => {
    const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`);
    return res.ok;
  });
  return { name: 'elasticsearch', url, pid, runDir, logPath, startedAt: new Date().toISOString() };
}

export async function elasticsearchStatus(url: string): Promise<{ up: boolean; detail: string }> {
  try {
    // This distribution has no rest-root module, so `GET /` is absent: the local node info carries the version.
    const res = await fetch(`${url}/_nodes/_local?filter_path=cluster_name,nodes.*.version,nodes.*.name`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return { up: false, detail: `HTTP ${res.status}` };
    const body = (await res.json()) as {
      cluster_name?: string;
      nodes?: Record<string, { version?: string }>;
    };
    const version = Object.values(body.nodes ?? {})[0]?.version ?? 'unknown';
    const health = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(5000) });
    const h = (await health.json()) as { status?: string };
    return { up: true, detail: `version ${version}, cluster ${body.cluster_name}, health ${h.status}` };
  } catch (e) {
    return { up: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

// ---------------------------------------------------------------- Kafka

/**
 * A Kafka cluster id: 16 random bytes, base64url without padding (the format StorageTool random-uuid prints). Like
 * Kafka's own Uuid.randomUuid(), an id starting with '-' is drawn again: StorageTool's argument parser reads
 * "-t -Lrln..." as a missing value followed by an option (one start in 64 failed that way).
 */
export function kafkaClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export async function startKafka(): Promise<ServiceState> {
  const libs = installKafka();
  const runDir = newRunDir('kafka');
  const logPath = path.join(runDir, 'kafka.out.log');
  const port = await freePort();
  const controllerPort = await freePort();
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${path.join(runDir, 'data')}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
  ];
  const propsFile = path.join(runDir, 'server.properties');
  fs.writeFileSync(propsFile, props.join('\n') + '\n');
  const log4j = path.join(runDir, 'log4j.properties');
  fs.writeFileSync(
    log4j,
    [
      'log4j.rootLogger=INFO, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${path.join(runDir, 'server.log')}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    ].join('\n') + '\n',
  );
  const java = path.join(javaHome(), 'bin', 'java');
  const cp = `${libs}/*`;
  const clusterId = kafkaClusterId();
  runOrThrow('kafka', java, [
    `-Dlog4j.configuration=file:${log4j}`,
    '-cp',
    cp,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    propsFile,
  ]);
  const heap = process.env.APT_STACK_KAFKA_HEAP ?? '512m';
  const pid = launchDetached({
    cmd: java,
    args: [
      `-Xmx${heap}`,
      `-Xms${heap}`,
      `-Dlog4j.configuration=file:${log4j}`,
      `-Dkafka.logs.dir=${runDir}`,
      '-cp',
      cp,
      'kafka.Kafka',
      propsFile,
    ],
    logPath,
    cwd: runDir,
  });
  const url = `127.0.0.1:${port}`;
  await waitFor('kafka', pid, logPath, async () => (await kafkaStatus(url)).up);
  return { name: 'kafka', url, pid, runDir, logPath, startedAt: new Date().toISOString() };
}

export async function kafkaStatus(brokers: string): Promise<{ up: boolean; detail: string }> {
  const kafka = new Kafka({
    clientId: 'apt-stack-status',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    const brokerList = c.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',');
    return { up: true, detail: `Kafka ${KAFKA_VERSION}, cluster id ${c.clusterId}, brokers ${brokerList}` };
  } catch (e) {
    return { up: false, detail: e instanceof Error ? e.message : String(e) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- Redis

export async function startRedis(): Promise<ServiceState> {
  // startStack installs Debian's package on a fresh machine before any service starts.
  if (!hasCommand('redis-server'))
    throw new StackError('redis', 'redis-server not found: install it with `apt-get install redis-server`');
  const runDir = newRunDir('redis');
  const logPath = path.join(runDir, 'redis.log');
  const port = await freePort();
  const pid = launchDetached({
    cmd: 'redis-server',
    args: [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      runDir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      '--logfile',
      logPath,
    ],
    logPath: path.join(runDir, 'redis.out.log'),
    cwd: runDir,
  });
  const url = `redis://127.0.0.1:${port}`;
  await waitFor('redis', pid, logPath, async () => (await redisStatus(url)).up);
  return { name: 'redis', url, pid, runDir, logPath, startedAt: new Date().toISOString() };
}

export async function redisStatus(url: string): Promise<{ up: boolean; detail: string }> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const pong = await client.ping();
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return { up: pong === 'PONG', detail: `PING -> ${pong}, Redis ${version}` };
  } catch (e) {
    return { up: false, detail: e instanceof Error ? e.message : String(e) };
  } finally {
    client.disconnect();
  }
}

export const ES_DESCRIPTION = `Elasticsearch ${ES_VERSION} (integ-test-zip, no x-pack features)`;
