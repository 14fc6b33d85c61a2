/**
 * Fetches the stack's Java artifacts from Maven Central with the machine's Maven (cached in ~/.m2):
 * Elasticsearch's integ-test-zip distribution and Kafka's broker jars.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, ES_VERSION, KAFKA_VERSION, m2Repository } from './paths';
import { runOrThrow, StackError } from './proc';
import { ensureCommands } from '../setup/system_packages';

export const ES_ARTIFACT = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip`;

/** Runs Maven (installing Debian's maven first on a fresh machine) in batch mode without transfer progress. */
function runMaven(service: 'elasticsearch' | 'kafka', args: string[]): void {
  ensureCommands(['mvn']);
  // Batch mode and no transfer progress keep CI logs readable.
  runOrThrow(service, 'mvn', ['-B', '-q', '--no-transfer-progress', ...args]);
}

/** Returns the path of the Elasticsearch zip in the local Maven repository, downloading it once. */
export function fetchElasticsearchZip(): string {
  const zip = path.join(
    m2Repository(),
    'org/elasticsearch/distribution/integ-test-zip/elasticsearch',
    ES_VERSION,
    `elasticsearch-${ES_VERSION}.zip`,
  );
  if (!fs.existsSync(zip)) {
    runMaven('elasticsearch', ['dependency:get', `-Dartifact=${ES_ARTIFACT}`, '-Dtransitive=false']);
  }
  if (!fs.existsSync(zip)) throw new StackError('elasticsearch', `Maven did not leave ${zip}`);
  return zip;
}

/** Unpacks Elasticsearch into the cache (once) and returns its home directory. */
export function installElasticsearch(): string {
  const home = path.join(cacheDir(), `elasticsearch-${ES_VERSION}`);
  if (fs.existsSync(path.join(home, 'bin', 'elasticsearch'))) return home;
  const zip = fetchElasticsearchZip();
  const tmp = `${home}.partial`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  ensureCommands(['unzip']);
  runOrThrow('elasticsearch', 'unzip', ['-q', zip, '-d', tmp]);
  fs.renameSync(path.join(tmp, `elasticsearch-${ES_VERSION}`), home);
  fs.rmSync(tmp, { recursive: true, force: true });
  return home;
}

/** Copies Kafka's jars into the cache (once) and returns the directory holding them. */
export function installKafka(): string {
  const libs = path.join(cacheDir(), `kafka-${KAFKA_VERSION}`, 'libs');
  const marker = path.join(libs, `kafka_2.13-${KAFKA_VERSION}.jar`);
  if (fs.existsSync(marker)) return libs;
  const pom = path.join(__dirname, 'kafka', 'pom.xml');
  runMaven('kafka', [
    '-f',
    pom,
    `-Dkafka.version=${KAFKA_VERSION}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${libs}`,
  ]);
  if (!fs.existsSync(marker)) throw new StackError('kafka', `Maven did not leave ${marker}`);
  return libs;
}
