/**
 * Where the development stack keeps things, and which versions it runs.
 * - cache: unpacked Elasticsearch and Kafka's jars (downloads themselves are cached by Maven in ~/.m2);
 * - state: `.stack/state.json` in the repository (pids, ports, data dirs) so stop ends only what start began;
 * - data and logs: a fresh temporary directory per start, removed by stop.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ES_VERSION = '8.19.21';
export const KAFKA_VERSION = '3.9.1';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const STATE_DIR = path.join(REPO_ROOT, '.stack');
export const STATE_FILE = path.join(STATE_DIR, 'state.json');

/** Elasticsearch refuses to run as root, so as root the stack runs it as this unprivileged system user. */
export const ES_RUN_USER = 'apt-stack';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * The unpack cache. As root it must be readable by ES_RUN_USER, so it is not under /root.
 */
export function cacheDir(): string {
  const dir =
    process.env.APT_STACK_CACHE ??
    (isRoot() ? '/var/cache/apt-detection-stack' : path.join(os.homedir(), '.cache', 'apt-detection-stack'));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function m2Repository(): string {
  return process.env.MAVEN_REPO_LOCAL ?? path.join(os.homedir(), '.m2', 'repository');
}

export function newRunDir(service: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `apt-stack-${service}-`));
}

export function javaHome(): string {
  if (process.env.JAVA_HOME && fs.existsSync(path.join(process.env.JAVA_HOME, 'bin', 'java'))) {
    return process.env.JAVA_HOME;
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const java = path.join(dir, 'java');
    if (fs.existsSync(java)) return path.dirname(path.dirname(fs.realpathSync(java)));
  }
  throw new Error(
    'no Java found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless) or set JAVA_HOME',
  );
}
