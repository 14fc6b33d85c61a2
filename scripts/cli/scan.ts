/**
 * `apt-detect scan <files or dirs...>`: offline detection for detection engineers. Reads EVTX and NDJSON/JSON
 * (also gzip) through the file readers, runs the same detection pipeline as the Kibana task, writes one alert per
 * line and prints a summary (alerts per tactic, technique and severity; files and events read) to stderr.
 * Exit codes: 0 success, 1 nothing could be read (no input found, or every document in it rejected), 2 bad usage.
 */
import * as fs from 'fs';
import * as path from 'path';
import { once } from 'events';
import { parseArgs } from 'util';
import type { AlertDoc } from '../../common/alert';
import type { Rejection } from '../../common/event';
import { parseDetectionConfig } from '../../server/detection/config';
import type { Incident } from '../../server/detection/correlation/incident';
import { createHybridScorer } from '../../server/detection/models';
import { DetectionPipeline } from '../../server/detection/pipeline';
import { OUT_OF_ORDER_MS, readEventFiles } from '../../server/sources/files';
import { defaultReadWorkers } from '../../server/sources/files/parallel_reader';

export const summary = 'scan EVTX/NDJSON/JSON files offline and print or write alerts';

const USAGE = `usage: apt-detect scan <files or dirs...> [options]

Reads .evtx, .ndjson/.jsonl/.json (and .gz) files, directories recursively, runs the detection pipeline and
writes one ECS alert per line.

options:
  --out FILE            write alerts to FILE (default: stdout)
  --format ndjson|table output format (default: ndjson)
  --since TIME          skip events before TIME (ISO 8601)
  --until TIME          skip events after TIME (ISO 8601)
  --dead-letter FILE    write events that could not be normalized to FILE (NDJSON with the reason)
  --config FILE         detection thresholds (JSON, same names as the plugin's "detection" settings)
  --rules DIR           detection rules directory (default: the rules shipped with the plugin)
  --models DIR          score with the hybrid model in DIR (default: the shipped models/)
  --no-models           rules and behaviour detectors only (no ONNX model)
  --read-workers N      threads that parse NDJSON files of 32 MiB or more and render EVTX files of 4 MiB or
                        more (default: cores - 2, at most 3); 0: none
  --order time|files|sorted
                        time (default): read all files at once, events merged by @timestamp, as a host's
                        per-channel logs (Security.evtx, System.evtx, Sysmon...) happened; files: one file after
                        the other (each file's windows and incidents then stand apart from the next file's;
                        less memory for folders of hundreds of large logs: a merge keeps every file open);
                        sorted: read every event first, then detect on all of them sorted by @timestamp (for
                        files exported newest first or unsorted; beyond --sort-buffer events, sorted runs go to
                        temporary files under TMPDIR, about 1.6 KB per event, removed when the scan ends)
  --sort-buffer N       with --order sorted: events held in memory before a sorted run goes to disk (default
                        50000, about 150 MB; more is faster and takes some 3 KB of memory per event)
  --quiet               no progress and no summary
  -h, --help            this help

exit codes: 0 done (also when nothing fell in the --since/--until range), 1 nothing could be read (no input
found, or every document rejected: see the summary and --dead-letter), 2 bad usage`;

export interface ScanOptions {
  paths: string[];
  out?: string;
  format: 'ndjson' | 'table';
  since?: Date;
  until?: Date;
  deadLetter?: string;
  config?: string;
  rules?: string;
  /** Directory of the hybrid model; undefined with --no-models. */
  models?: string;
  /** Reader threads for large NDJSON and EVTX files; undefined: the scan's defaults (see the usage text). */
  readWorkers?: number;
  /** How files are read: merged by time (default), one after the other, or all read and then sorted by time. */
  order: 'time' | 'files' | 'sorted';
  /** With --order sorted: events held in memory before a sorted run is written to disk. */
  sortBuffer?: number;
  quiet: boolean;
}

class UsageError extends Error {}

const DEFAULT_MODELS_DIR = path.resolve(__dirname, '..', '..', 'models');

export function parseScanArgs(argv: string[]): ScanOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        format: { type: 'string', default: 'ndjson' },
        since: { type: 'string' },
        until: { type: 'string' },
        'dead-letter': { type: 'string' },
        config: { type: 'string' },
        rules: { type: 'string' },
        models: { type: 'string' },
        'no-models': { type: 'boolean', default: false },
        'read-workers': { type: 'string' },
        order: { type: 'string', default: 'time' },
        'sort-buffer': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length === 0) throw new UsageError('no input: give at least one file or directory');
  if (v.format !== 'ndjson' && v.format !== 'table')
    throw new UsageError(`--format must be ndjson or table, not "${v.format}"`);
  const date = (name: string, s: string | undefined): Date | undefined => {
    if (s === undefined) return undefined;
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} is not a date: "${s}"`);
    return d;
  };
  const since = date('since', v.since);
  const until = date('until', v.until);
  if (since && until && since > until) throw new UsageError('--since is after --until');
  if (v.order !== 'time' && v.order !== 'files' && v.order !== 'sorted')
    throw new UsageError(`--order must be time, files or sorted, not "${v.order}"`);
  const workers = v['read-workers'];
  if (workers !== undefined && !/^\d+$/.test(workers))
    throw new UsageError(`--read-workers must be a whole number: "${workers}"`);
  const sortBuffer = v['sort-buffer'];
  if (sortBuffer !== undefined) {
    if (!/^\d+$/.test(sortBuffer) || Number(sortBuffer) < 1)
      throw new UsageError(`--sort-buffer must be a whole number of events, at least 1: "${sortBuffer}"`);
    if (v.order !== 'sorted') throw new UsageError('--sort-buffer applies to --order sorted only');
  }
  return {
    paths: parsed.positionals,
    out: v.out,
    format: v.format,
    since,
    until,
    deadLetter: v['dead-letter'],
    config: v.config,
    rules: v.rules,
    models: v['no-models'] ? undefined : (v.models ?? DEFAULT_MODELS_DIR),
    readWorkers: workers === undefined ? undefined : Number(workers),
    order: v.order,
    sortBuffer: sortBuffer === undefined ? undefined : Number(sortBuffer),
    quiet: v.quiet === true,
  };
}

/** The share of a file's events that must be out of order for the summary to warn about the file. */
const UNORDERED_SHARE = 0.01;

/** Counters for the closing summary. */
export class ScanSummary {
  files = new Set<string>();
  events = 0;
  /** Events read but outside --since/--until. */
  outOfRange = 0;
  /** Per file: events more than a minute older than one read before them (the file is not oldest first). */
  outOfOrder = new Map<string, number>();
  /** Per file: events read (for the share of them out of order). */
  eventsByFile = new Map<string, number>();
  rejected = 0;
  rejectionReasons = new Map<string, number>();
  alerts = 0;
  bySeverity = new Map<string, number>();
  byTactic = new Map<string, number>();
  byTechnique = new Map<string, number>();
  byRule = new Map<string, number>();
  incidents = new Map<string, Incident>();
  /** Findings kept out of the alerts by the suppressor, by reason (filled from the pipeline at the end). */
  suppressed: Array<[string, number]> = [];

  addAlert(a: AlertDoc): void {
    this.alerts++;
    inc(this.bySeverity, a.apt.severity);
    inc(this.byRule, a.rule.id);
    for (const t of a.threat?.tactic.name ?? []) inc(this.byTactic, t);
    for (const t of a.apt.technique_ids) inc(this.byTechnique, t);
  }

  addRejection(r: Rejection): void {
    this.rejected++;
    inc(this.rejectionReasons, r.reason);
  }

  /**
   * Files with at least UNORDERED_SHARE of their events out of order, as [file, "n of m"]: a clock step in a log
   * (a few events) is not worth a warning, a file exported newest first is.
   */
  unorderedFiles(): Array<[string, string]> {
    const out: Array<[string, number, number]> = [];
    for (const [file, n] of this.outOfOrder) {
      const total = this.eventsByFile.get(file) ?? n;
      if (n >= total * UNORDERED_SHARE) out.push([file, n, total]);
    }
    return out.sort((a, b) => b[1] - a[1]).map(([f, n, total]) => [f, `${n} of ${total}`]);
  }

  render(elapsedMs: number): string {
    const lines: string[] = [];
    const rate = elapsedMs > 0 ? Math.round((this.events / elapsedMs) * 1000) : 0;
    lines.push(
      `files read: ${this.files.size}   events read: ${this.events}   ` +
        (this.outOfRange > 0 ? `outside --since/--until: ${this.outOfRange}   ` : '') +
        `rejected: ${this.rejected}   ` +
        `alerts: ${this.alerts}   incidents: ${this.incidents.size}   time: ${(elapsedMs / 1000).toFixed(1)} s (${rate} events/s)`,
    );
    const order = ['critical', 'high', 'medium', 'low'];
    lines.push(
      '',
      table(
        'severity',
        'alerts',
        [...this.bySeverity].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])),
      ),
    );
    lines.push('', table('tactic', 'alerts', top(this.byTactic, 20)));
    lines.push('', table('technique', 'alerts', top(this.byTechnique, 25)));
    lines.push('', table('rule', 'alerts', top(this.byRule, 25)));
    if (this.incidents.size > 0) {
      const incidents = [...this.incidents.values()].sort((a, b) => b.riskScore - a.riskScore).slice(0, 10);
      lines.push(
        '',
        table(
          'incident',
          'risk',
          incidents.map((i) => [`${i.id.slice(0, 12)} ${i.title}`, i.riskScore]),
        ),
      );
    }
    if (this.rejected > 0)
      lines.push('', table('rejection reason', 'events', top(this.rejectionReasons, 10)));
    const unordered = this.unorderedFiles();
    if (unordered.length > 0)
      lines.push(
        '',
        table('files not in time order', 'events earlier than one before them', unordered.slice(0, 10)),
        `note: at least ${UNORDERED_SHARE * 100}% of these files' events came more than ${OUT_OF_ORDER_MS / 60_000} ` +
          'minute earlier than an event read before them (a file exported newest first, or unsorted). Thresholds, ' +
          'sequences, bursts and incidents follow event time as read, so some of what they hold may not have been ' +
          'detected: scan again with --order sorted, or sort the files by @timestamp.',
      );
    const suppressed = this.suppressed.filter((r) => r[1] > 0);
    if (suppressed.length > 0) lines.push('', table('suppressed or folded findings', 'findings', suppressed));
    return lines.join('\n');
  }
}

/** Readable names for the suppressor's counters (server/detection/correlation/suppression.ts). */
const SUPPRESSION_LABELS: Record<string, string> = {
  droppedKnownPaths: 'known admin path (seen before, usual hours)',
  droppedAdminPractice: 'learned jump-host practice',
  droppedAllowListed: 'allow-listed deployment account',
  droppedRoutine: 'recurring job (same finding, same time of day)',
  foldedIntoDeployments: 'folded into a software rollout',
  foldedDeploymentLogons: 'rollout logons folded',
  deploymentAlerts: 'rollout summary alerts raised',
  burstAlerts: 'remote-activity burst alerts raised',
  groupedIntoBursts: 'grouped into a burst alert',
  foldedIntoBursts: 'folded into an open burst',
  foldedRepeats: 'repeats merged into the same finding',
};

function inc(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function top(m: Map<string, number>, n: number): Array<[string, number]> {
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

function table(head: string, countHead: string, rows: Array<[string, number | string]>): string {
  const width = Math.min(100, Math.max(head.length, ...rows.map((r) => r[0].length)));
  const cut = (s: string): string => (s.length > width ? `${s.slice(0, width - 3)}...` : s);
  const out = [
    `${head.padEnd(width)}  ${countHead}`,
    `${'-'.repeat(width)}  ${'-'.repeat(countHead.length)}`,
  ];
  for (const [k, v] of rows) out.push(`${cut(k).padEnd(width)}  ${String(v).padStart(countHead.length)}`);
  if (rows.length === 0) out.push('(none)');
  return out.join('\n');
}

function tableRow(a: AlertDoc): string {
  const tech = a.apt.technique_ids.join(',');
  return [
    a['@timestamp'],
    a.apt.severity.padEnd(8),
    a.rule.id,
    a.host?.name ?? '-',
    a.user?.name ?? '-',
    tech,
    a.message,
  ].join('  ');
}

/** A writable that respects backpressure (stdout or a file). */
class LineSink {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  async write(line: string): Promise<void> {
    if (!this.stream.write(`${line}\n`)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.stream === process.stdout) return;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

function openSink(file: string | undefined): LineSink {
  return new LineSink(file ? fs.createWriteStream(file, { encoding: 'utf8' }) : process.stdout);
}

function loadConfig(file: string | undefined): unknown {
  if (!file) return {};
  const text = fs.readFileSync(file, 'utf8');
  return JSON.parse(text) as unknown;
}

export async function run(argv: string[]): Promise<number> {
  let opts: ScanOptions | 'help';
  try {
    opts = parseScanArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`apt-detect scan: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (opts === 'help') {
    console.log(USAGE);
    return 0;
  }
  const missing = opts.paths.filter((p) => !fs.existsSync(p));
  for (const p of missing) console.error(`apt-detect scan: cannot read ${p}: no such file or directory`);
  const readable = opts.paths.filter((p) => fs.existsSync(p));
  if (readable.length === 0) return 1;

  let config;
  try {
    config = parseDetectionConfig(loadConfig(opts.config));
  } catch (err) {
    console.error(
      `apt-detect scan: bad --config ${opts.config}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 2;
  }
  // The hybrid model scores entity windows next to the rules; a missing model only disables itself (with a warning).
  const hybrid = opts.models
    ? await createHybridScorer(
        // Inference in a worker thread: it overlaps each batch's rules and detectors on the second core.
        { directory: opts.models, intraOpThreads: 1, hybrid: { enabled: true }, inferenceThread: true },
        { warn: (m) => console.error(`apt-detect scan: ${m}`) },
      )
    : undefined;
  const pipeline = DetectionPipeline.withDefaultRules({
    config,
    rulesDir: opts.rules,
    modelScorers: hybrid ? [hybrid] : [],
  });
  const out = openSink(opts.out);
  const dead = opts.deadLetter ? openSink(opts.deadLetter) : undefined;
  const summaryCounts = new ScanSummary();
  const started = Date.now();
  const tty = !opts.quiet && process.stderr.isTTY === true;
  let lastProgress = 0;
  // Merged by time, every file is read at once: the share shown is of all files' bytes, not of the last one to report.
  const readSoFar = new Map<string, { bytes: number; totalBytes: number }>();
  const progress = (p: { file: string; bytes: number; totalBytes: number }): void => {
    summaryCounts.files.add(p.file);
    if (!tty) return;
    readSoFar.set(p.file, { bytes: p.bytes, totalBytes: p.totalBytes });
    const now = Date.now();
    if (now - lastProgress < 250) return;
    lastProgress = now;
    let bytes = p.bytes;
    let totalBytes = p.totalBytes;
    let name = p.file.length > 50 ? `...${p.file.slice(-47)}` : p.file;
    if (opts.order !== 'files' && readSoFar.size > 1) {
      bytes = 0;
      totalBytes = 0;
      for (const f of readSoFar.values()) {
        bytes += f.bytes;
        totalBytes += f.totalBytes;
      }
      name = `${readSoFar.size} files`;
    }
    const pct = totalBytes > 0 ? Math.floor((bytes / totalBytes) * 100) : 0;
    process.stderr.write(
      opts.order === 'sorted'
        ? `\r\x1b[K${pct}% read  ${name}  (--order sorted: detection starts once every event is read)`
        : `\r\x1b[K${pct}%  ${summaryCounts.events} events  ${summaryCounts.alerts} alerts  ${name}`,
    );
  };
  // With --order sorted, reading is done before the first batch comes: from then on, show detection's progress.
  const detecting = (): void => {
    if (!tty || opts.order !== 'sorted') return;
    const now = Date.now();
    if (now - lastProgress < 250) return;
    lastProgress = now;
    process.stderr.write(`\r\x1b[Kdetecting  ${summaryCounts.events} events  ${summaryCounts.alerts} alerts`);
  };

  const emit = async (alerts: AlertDoc[], incidents: Incident[]): Promise<void> => {
    for (const a of alerts) {
      summaryCounts.addAlert(a);
      await out.write(opts.format === 'table' ? tableRow(a) : JSON.stringify(a));
    }
    // The summary shows the top incidents; past 10,000 it stops collecting rather than grow with the input.
    for (const i of incidents)
      if (summaryCounts.incidents.size < 10_000 || summaryCounts.incidents.has(i.id))
        summaryCounts.incidents.set(i.id, i);
  };

  const workers = opts.readWorkers ?? defaultReadWorkers(2);
  try {
    for await (const batch of readEventFiles(readable, {
      since: opts.since,
      until: opts.until,
      // No keepOriginal: a rejection carries what was read whatever it is set to, and an accepted event's copy of
      // its document would only cost memory (and, for EVTX, an XML rendering of every record).
      onProgress: progress,
      // The scan's main thread (detection) and the ONNX inference thread each keep a core; reader threads get the
      // rest. On two cores a reader thread bought ~12% for ~170 MB more RSS (over the 500 MB budget) on NDJSON, and
      // nothing on EVTX since records are rendered straight into objects (150 MiB, 3 alternating rounds: median
      // 8,578 events/s without, 7,257 with one thread, 40 MB more), so none.
      readWorkers: workers,
      evtxWorkers: workers,
      order: opts.order,
      sortRunEvents: opts.sortBuffer,
    })) {
      summaryCounts.files.add(batch.file);
      summaryCounts.events += batch.events.length;
      summaryCounts.outOfRange += batch.outOfRange ?? 0;
      if (batch.outOfOrder) inc(summaryCounts.outOfOrder, batch.file, batch.outOfOrder);
      // A merged batch's events come from several files; each event names its own.
      for (const e of batch.events) inc(summaryCounts.eventsByFile, e.origin.location);
      for (const r of batch.rejections) {
        summaryCounts.addRejection(r);
        if (dead)
          await dead.write(
            JSON.stringify({ reason: r.reason, field: r.field, origin: r.origin, original: r.original }),
          );
      }
      if (batch.events.length === 0) continue;
      const result = await pipeline.processBatch(batch.events);
      await emit(result.alerts, result.incidents);
      detecting();
    }
    const last = await pipeline.flush();
    await emit(last.alerts, last.incidents);
  } finally {
    await out.close();
    await hybrid?.close();
    if (dead) await dead.close();
    if (tty) process.stderr.write('\r\x1b[K');
  }
  summaryCounts.suppressed = Object.entries(pipeline.stats().suppression ?? {}).map(([reason, n]) => [
    SUPPRESSION_LABELS[reason] ?? reason,
    n,
  ]);
  if (!opts.quiet) console.error(summaryCounts.render(Date.now() - started));
  // Nothing could be read: no event at all (in or out of the --since/--until range), and either no input or input
  // whose every document was rejected (a foreign format, a corrupt file), so a script running the scan notices. An
  // empty file, or files with nothing in the range, are a successful (empty) scan.
  const noEvent = summaryCounts.events + summaryCounts.outOfRange === 0;
  return noEvent && (summaryCounts.rejected > 0 || summaryCounts.files.size === 0) ? 1 : 0;
}
