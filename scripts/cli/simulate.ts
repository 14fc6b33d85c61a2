/**
 * `apt-detect simulate`: benign background for an organisation plus labelled attack campaigns, as Winlogbeat
 * (enriched or raw), Wazuh alerts or a mix, to an NDJSON file, Elasticsearch or Kafka. Ground truth goes to a
 * separate labels file (`<out>.labels.ndjson`).
 */
import { parseArgs } from 'util';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import { asAsync, OUTPUT_FORMATS, simulate, SimDoc } from '../../server/simulator/generator';
import { MIN_HOSTS } from '../../server/simulator/org';
import { listScenarioNames, resolveScenarios, Scenario } from '../../server/simulator/scenarios';
import { writeToElasticsearch } from '../../server/simulator/targets/elasticsearch';
import { writeNdjson } from '../../server/simulator/targets/file';
import { writeToKafka } from '../../server/simulator/targets/kafka';
import type { SinkOptions, SinkSummary } from '../../server/simulator/targets/sink_common';

export const summary =
  'generate benign background and labelled attack campaigns (Winlogbeat/Sysmon/Wazuh) to a file, Elasticsearch or Kafka';

const USAGE = `usage: apt-detect simulate [options]

  --scenario <name|all|none>   campaigns to run, comma-separated (default all; known: ${listScenarioNames().join(', ')})
  --hosts N                    organisation size (default 200, minimum ${MIN_HOSTS})
  --days N                     simulated days (default 7; fractions allowed)
  --seed N                     seed; the same seed gives byte-identical output (default 42)
  --start ISO                  first simulated instant (default: midnight UTC today minus --days, i.e. a backfill)
  --to file|es|kafka           target (default file)
  --out FILE                   NDJSON output for --to file; labels go to FILE.labels.ndjson
  --labels FILE                labels file for es/kafka (default simulation-<seed>.labels.ndjson)
  --format F                   winlogbeat | winlogbeat-raw | wazuh | mixed (default winlogbeat)
  --rate N                     at most N events per second (default unlimited)
  --max-events N               stop after N documents
  --es-url URL                 Elasticsearch URL (or env ES_URL)
  --kafka-brokers LIST         Kafka brokers host:port,... (or env KAFKA_BROKERS)`;

const optionsSchema = z.object({
  scenario: z.string().default('all'),
  hosts: z.coerce.number().int().min(MIN_HOSTS).default(200),
  days: z.coerce.number().positive().max(366).default(7),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(42),
  start: z.string().datetime({ offset: true }).optional(),
  to: z.enum(['file', 'es', 'kafka']).default('file'),
  out: z.string().optional(),
  labels: z.string().optional(),
  format: z.enum(OUTPUT_FORMATS as [string, ...string[]]).default('winlogbeat'),
  rate: z.coerce.number().positive().optional(),
  'max-events': z.coerce.number().int().positive().optional(),
  'es-url': z.string().url().optional(),
  'kafka-brokers': z.string().optional(),
});

type Options = z.infer<typeof optionsSchema>;

function parse(argv: string[]): Options | string {
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(
        [
          'scenario',
          'hosts',
          'days',
          'seed',
          'start',
          'to',
          'out',
          'labels',
          'format',
          'rate',
          'max-events',
          'es-url',
          'kafka-brokers',
        ].map((k) => [k, { type: 'string' as const }]),
      ),
    });
    values = parsed.values;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const result = optionsSchema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    return `--${issue.path.join('.')}: ${issue.message}`;
  }
  return result.data;
}

function defaultStart(days: number): number {
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  return today.getTime() - Math.ceil(days) * 86400000;
}

function progressReporter(total: string): SinkOptions['onProgress'] {
  if (!process.stderr.isTTY) return undefined;
  return (s: SinkSummary) => {
    process.stderr.write(`\r  ${s.documents.toLocaleString('en')} documents${total}  `);
  };
}

function printSummary(
  s: SinkSummary,
  scenarios: Scenario[],
  campaigns: ReturnType<typeof simulate>['campaigns'],
  where: string,
  labelsPath: string,
): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
  const lines = [
    `simulate: ${s.documents.toLocaleString('en')} documents to ${where} in ${(s.elapsedMs / 1000).toFixed(1)} s (${s.perSecond.toLocaleString('en')}/s)`,
    `  simulated time: ${s.firstTs ?? '-'} .. ${s.lastTs ?? '-'}`,
    `  by kind: ${Object.entries(s.byKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  by event: ${Object.entries(s.byCode)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  labelled: ${s.labelled.malicious} malicious, ${s.labelled.trap} benign traps -> ${labelsPath}`,
    `  campaigns (${scenarios.length}):`,
    ...campaigns.map(
      (c) =>
        `    ${c.scenario}: victim ${c.actors.victim.name}/${c.actors.victimUser.name}, starts ${new Date(c.start).toISOString()}, ${c.steps.length} steps`,
    ),
  ];
  console.log(lines.join('\n'));
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const opts = parse(argv);
  if (typeof opts === 'string') {
    console.error(`simulate: ${opts}\n\n${USAGE}`);
    return 2;
  }
  let scenarios: Scenario[];
  try {
    scenarios = resolveScenarios(opts.scenario);
  } catch (err) {
    console.error(`simulate: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (opts.to === 'file' && !opts.out) {
    console.error(`simulate: --to file needs --out FILE\n\n${USAGE}`);
    return 2;
  }
  const esUrl = opts['es-url'] ?? process.env.ES_URL;
  const brokers = (opts['kafka-brokers'] ?? process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (opts.to === 'es' && !esUrl) {
    console.error('simulate: --to es needs --es-url URL or ES_URL');
    return 2;
  }
  if (opts.to === 'kafka' && brokers.length === 0) {
    console.error('simulate: --to kafka needs --kafka-brokers host:port,... or KAFKA_BROKERS');
    return 2;
  }
  const start = opts.start ? Date.parse(opts.start) : defaultStart(opts.days);
  const sim = simulate({
    seed: opts.seed,
    hosts: opts.hosts,
    days: opts.days,
    start,
    scenarios,
    format: opts.format as (typeof OUTPUT_FORMATS)[number],
    maxEvents: opts['max-events'],
  });
  const labelsPath = opts.out
    ? `${opts.out}.labels.ndjson`
    : (opts.labels ?? `simulation-${opts.seed}.labels.ndjson`);
  const sinkOpts: SinkOptions = {
    rate: opts.rate,
    labelsPath: opts.labels ?? labelsPath,
    onProgress: progressReporter(opts['max-events'] ? ` of ${opts['max-events']}` : ''),
  };
  const docs: AsyncIterable<SimDoc> = asAsync(sim.documents);
  try {
    let s: SinkSummary;
    let where: string;
    if (opts.to === 'file') {
      s = await writeNdjson(docs, opts.out as string, sinkOpts);
      where = opts.out as string;
    } else if (opts.to === 'es') {
      const client = new Client({ node: esUrl as string });
      try {
        s = await writeToElasticsearch(client, docs, sinkOpts);
      } finally {
        await client.close();
      }
      where = `Elasticsearch ${esUrl}`;
    } else {
      const kafka = new Kafka({ clientId: 'apt-detect-simulate', brokers, logLevel: logLevel.ERROR });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      try {
        s = await writeToKafka(producer, docs, sinkOpts);
      } finally {
        await producer.disconnect();
      }
      where = `Kafka ${brokers.join(',')}`;
    }
    printSummary(s, scenarios, sim.campaigns, where, sinkOpts.labelsPath as string);
    return 0;
  } catch (err) {
    console.error(`simulate: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
