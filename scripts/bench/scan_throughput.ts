/**
 * Throughput of the offline scan: generates (or takes) a Winlogbeat 8 NDJSON file and measures, in one run,
 * (1) `apt-detect scan` over it (file reader + normalizer + rules + behaviour detectors + correlation + alert
 * writing, output to /dev/null) and (2) plain line reading + JSON.parse of the same file, plus peak RSS sampled
 * during the scan. Target: scan rate >= 50% of the plain rate; RSS < 500 MB and flat between 1M and 5M events.
 * The plain rate is measured before and after the scan and averaged, so a load change on a shared machine during the
 * run biases the ratio less; CPU seconds (all threads: the scan's ONNX inference thread counts) are printed too.
 *
 * Documents: by default the simulator's Winlogbeat 8 documents (~2 KB each, the size the floor assumes, and
 * the variety of a real organisation: logons, process trees, DNS, flows, services); `--docs compact` uses small
 * (~0.7 KB) uniform documents instead, where JSON.parse is cheap and per-event detection cost dominates.
 *
 *   npx tsx scripts/bench/scan_throughput.ts [--lines 1000000] [--docs simulator|compact] [--file existing.ndjson]
 *     [--keep] [--no-models] [--read-workers N]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { tuneHeapForBulkReading } from '../lib/gc_tuning';
import { run as scan } from '../cli/scan';
import { mulberry32 } from '../../common/prng';
import { benchArgs, runBench } from './bench_args';
import { benchInput, writeSimulatedNdjson } from './simulated_file';

const HOSTS = 200;
const USERS = 400;

const PROCS = [
  ['C:\\Windows\\System32\\svchost.exe', 'svchost.exe -k netsvcs -p'],
  ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'chrome.exe --type=renderer'],
  ['C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c dir C:\\Users'],
  ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -NoProfile Get-Date'],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', 'WINWORD.EXE /n report.docx'],
];
const DOMAINS = [
  'www.google.com',
  'outlook.office365.com',
  'login.microsoftonline.com',
  'dc01.corp.local',
  'github.com',
];

function doc(i: number, rand: () => number, base: number): Record<string, unknown> {
  const host = `ws-${String(Math.floor(rand() * HOSTS)).padStart(3, '0')}`;
  const user = `user${Math.floor(rand() * USERS)}`;
  const ts = new Date(base + i * 50).toISOString();
  const r = rand();
  const common = {
    '@timestamp': ts,
    agent: { type: 'winlogbeat', version: '8.17.0' },
    ecs: { version: '8.17.0' },
    host: { name: host },
  };
  if (r < 0.45) {
    const [image, cmd] = PROCS[Math.floor(rand() * PROCS.length)];
    return {
      ...common,
      event: {
        code: '1',
        kind: 'event',
        provider: 'Microsoft-Windows-Sysmon',
        category: ['process'],
        type: ['start'],
        action: 'Process Create (rule: ProcessCreate)',
        module: 'sysmon',
      },
      process: {
        pid: 1000 + (i % 5000),
        executable: image,
        name: path.win32.basename(image),
        command_line: cmd,
        parent: { executable: 'C:\\Windows\\explorer.exe', name: 'explorer.exe' },
      },
      user: { name: user, domain: 'CORP' },
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        event_id: '1',
        computer_name: host,
        record_id: String(i),
        provider_name: 'Microsoft-Windows-Sysmon',
        event_data: { IntegrityLevel: 'Medium', LogonId: '0x3e7' },
      },
    };
  }
  if (r < 0.65) {
    const name = DOMAINS[Math.floor(rand() * DOMAINS.length)];
    return {
      ...common,
      event: {
        code: '22',
        kind: 'event',
        provider: 'Microsoft-Windows-Sysmon',
        category: ['network'],
        type: ['info'],
        action: 'Dns query (rule: DnsQuery)',
        module: 'sysmon',
      },
      dns: { question: { name } },
      process: { executable: 'C:\\Windows\\System32\\svchost.exe', name: 'svchost.exe' },
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        event_id: '22',
        computer_name: host,
        record_id: String(i),
        provider_name: 'Microsoft-Windows-Sysmon',
        event_data: { QueryStatus: '0' },
      },
    };
  }
  if (r < 0.85) {
    return {
      ...common,
      event: {
        code: '3',
        kind: 'event',
        provider: 'Microsoft-Windows-Sysmon',
        category: ['network'],
        type: ['connection', 'start'],
        action: 'Network connection detected (rule: NetworkConnect)',
        module: 'sysmon',
      },
      source: { ip: `10.0.${Math.floor(rand() * 4)}.${Math.floor(rand() * 250)}`, port: 49152 + (i % 10000) },
      destination: { ip: `93.184.216.${Math.floor(rand() * 250)}`, port: 443 },
      network: { transport: 'tcp', direction: 'egress' },
      process: {
        executable: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
        name: 'chrome.exe',
      },
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        event_id: '3',
        computer_name: host,
        record_id: String(i),
        provider_name: 'Microsoft-Windows-Sysmon',
        event_data: { Initiated: 'true' },
      },
    };
  }
  const failed = rand() < 0.1;
  return {
    ...common,
    event: {
      code: failed ? '4625' : '4624',
      kind: 'event',
      provider: 'Microsoft-Windows-Security-Auditing',
      category: ['authentication'],
      type: ['start'],
      action: failed ? 'logon-failed' : 'logged-in',
      outcome: failed ? 'failure' : 'success',
      module: 'security',
    },
    user: { name: user, domain: 'CORP' },
    source: { ip: `10.0.${Math.floor(rand() * 4)}.${Math.floor(rand() * 250)}` },
    winlog: {
      channel: 'Security',
      event_id: failed ? '4625' : '4624',
      computer_name: host,
      record_id: String(i),
      provider_name: 'Microsoft-Windows-Security-Auditing',
      logon: { type: rand() < 0.5 ? 'Network' : 'Interactive' },
      event_data: { LogonType: '3', AuthenticationPackageName: 'Kerberos', TargetUserName: user },
    },
  };
}

async function generateCompact(file: string, lines: number): Promise<void> {
  const rand = mulberry32(42);
  const base = Date.parse('2024-06-01T00:00:00.000Z');
  const out = fs.createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < lines; i++) {
    chunk += `${JSON.stringify(doc(i, rand, base))}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

async function plainRate(file: string): Promise<{ lines: number; seconds: number; cpuSeconds: number }> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let lines = 0;
  for await (const line of rl) {
    if (line.length === 0) continue;
    JSON.parse(line);
    lines++;
  }
  const c = process.cpuUsage(c0);
  return {
    lines,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    cpuSeconds: (c.user + c.system) / 1e6,
  };
}

async function main(): Promise<number> {
  const { values } = benchArgs(
    {
      options: {
        lines: { type: 'string', default: '1000000' },
        file: { type: 'string' },
        keep: { type: 'boolean', default: false },
        'no-models': { type: 'boolean', default: false },
        'read-workers': { type: 'string' },
        docs: { type: 'string', default: 'simulator' },
      },
    },
    'scan_throughput.ts [--lines 1000000] [--docs simulator|compact] [--file existing.ndjson] [--keep] [--no-models] [--read-workers N]',
  );
  if (values.docs !== 'simulator' && values.docs !== 'compact') {
    console.error('--docs must be simulator or compact');
    return 2;
  }
  const lines = Number(values.lines);
  if (!Number.isInteger(lines) || lines <= 0) {
    console.error('--lines must be a positive integer');
    return 2;
  }
  const input = await benchInput(
    values.file,
    lines,
    'apt-scan-bench-',
    values.docs === 'compact' ? generateCompact : writeSimulatedNdjson,
  );
  const file = input.file;
  const mb = fs.statSync(file).size / 1048576;
  const plainBefore = await plainRate(file);

  // Sample RSS during the scan: the peak and whether it keeps growing (first vs last quarter of the samples).
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(process.memoryUsage().rss), 200);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  // Models on by default, as `apt-detect scan` runs; --no-models measures rules and detectors alone.
  const noModels = values['no-models'] === true;
  const readWorkers = values['read-workers'];
  const code = await scan([
    file,
    '--out',
    os.devNull,
    '--quiet',
    ...(noModels ? ['--no-models'] : []),
    ...(readWorkers !== undefined ? ['--read-workers', readWorkers] : []),
  ]);
  const scanSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const scanCpu = process.cpuUsage(c0);
  const scanCpuSeconds = (scanCpu.user + scanCpu.system) / 1e6;
  clearInterval(timer);
  const peakScanRss = Math.max(...samples, process.memoryUsage().rss) / 1048576;
  const q = Math.max(1, Math.floor(samples.length / 4));
  const firstQ = Math.max(...samples.slice(0, q)) / 1048576;
  const lastQ = Math.max(...samples.slice(-q)) / 1048576;

  const plainAfter = await plainRate(file);
  const plain = {
    lines: plainAfter.lines,
    seconds: (plainBefore.seconds + plainAfter.seconds) / 2,
    cpuSeconds: (plainBefore.cpuSeconds + plainAfter.cpuSeconds) / 2,
  };
  const scanRate = plain.lines / scanSeconds;
  const plainRateEv = plain.lines / plain.seconds;
  const rows = [
    ['events', String(plain.lines)],
    ['file size', `${mb.toFixed(0)} MB`],
    ['scan exit code', String(code)],
    [
      'scan (read + normalize + detect + write)',
      `${Math.round(scanRate)} events/s (${(mb / scanSeconds).toFixed(1)} MB/s, ${scanSeconds.toFixed(1)} s)`,
    ],
    [
      'plain readline + JSON.parse (mean of before/after)',
      `${Math.round(plainRateEv)} events/s (${(mb / plain.seconds).toFixed(1)} MB/s, ${plain.seconds.toFixed(1)} s; ` +
        `before ${plainBefore.seconds.toFixed(1)} s, after ${plainAfter.seconds.toFixed(1)} s)`,
    ],
    ['scan / plain', `${((scanRate / plainRateEv) * 100).toFixed(0)}% (target >= 50%)`],
    [
      'CPU seconds: scan vs plain',
      `${scanCpuSeconds.toFixed(1)} vs ${plain.cpuSeconds.toFixed(1)} (plain/scan ${((plain.cpuSeconds / scanCpuSeconds) * 100).toFixed(0)}%)`,
    ],
    ['load average (1 min) at the end', os.loadavg()[0].toFixed(2)],
    ['peak RSS during scan', `${peakScanRss.toFixed(0)} MB (target < 500 MB)`],
    ['RSS peak first vs last quarter of the scan', `${firstQ.toFixed(0)} MB -> ${lastQ.toFixed(0)} MB`],
    ['process maxRSS (whole run)', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  input.dispose(values.keep);
  return 0;
}

// Same heap tuning as `apt-detect` (both sides of the comparison run with it).
tuneHeapForBulkReading();
runBench(main);
