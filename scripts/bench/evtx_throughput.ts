/**
 * Throughput of `apt-detect scan` on a large EVTX file, without and with reader threads. The file is built in the
 * temporary folder from a development-set recording (its chunks repeated, the header's chunk count and checksum set
 * to match), so it is a valid EVTX file of the requested size made of real records; it is never written into the
 * project. Each run is its own process (`--read-workers 0`, then `--read-workers 1`), alternating for `--rounds`
 * rounds, since this machine's speed drifts within minutes; peak RSS is the process's VmHWM (Linux).
 *
 *   npx tsx scripts/bench/evtx_throughput.ts [--mb 150] [--rounds 3] [--source F.evtx] [--keep]
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { datasetPath } from '../lib/datasets';
import { chunkRecords, EVTX_CHUNK_BYTES, evtxPieces } from '../../server/sources/files/evtx_records';
import { benchArgs, runBench } from './bench_args';

const USAGE = 'evtx_throughput.ts [--mb 150] [--rounds 3] [--source F.evtx] [--keep]';
const HEADER = 0x1000;
const CHUNK_COUNT_OFFSET = 0x2a;
const HEADER_CHECKSUM_OFFSET = 0x7c;
/** The header field is 16 bits. */
const MAX_CHUNKS = 0xffff;

interface Built {
  file: string;
  records: number;
  bytes: number;
}

/** A valid EVTX file of about `mb` MiB: the source's chunks in use, repeated, under the source's header. */
async function build(source: string, mb: number): Promise<Built> {
  const chunks: Buffer[] = [];
  let recordsPerRound = 0;
  for await (const piece of evtxPieces(fs.createReadStream(source))) {
    if (!('chunk' in piece)) continue;
    chunks.push(Buffer.from(piece.chunk.bytes));
    for (const r of chunkRecords(piece.chunk)) if (r.error === undefined) recordsPerRound++;
  }
  if (chunks.length === 0) throw new Error(`${source} has no readable chunk`);
  const count = Math.min(MAX_CHUNKS, Math.max(1, Math.round((mb * 2 ** 20) / EVTX_CHUNK_BYTES)));
  const header = Buffer.from(fs.readFileSync(source).subarray(0, HEADER));
  header.writeUInt16LE(count, CHUNK_COUNT_OFFSET);
  header.writeUInt32LE(zlib.crc32(header.subarray(0, 0x78)), HEADER_CHECKSUM_OFFSET);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'apt-evtx-bench-')), 'repeated.evtx');
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, header);
    for (let i = 0; i < count; i++) fs.writeSync(fd, chunks[i % chunks.length]);
  } finally {
    fs.closeSync(fd);
  }
  const whole = Math.floor(count / chunks.length);
  let records = whole * recordsPerRound;
  for (let i = 0; i < count % chunks.length; i++)
    for (const r of chunkRecords({ index: i, bytes: chunks[i] })) if (r.error === undefined) records++;
  return { file, records, bytes: HEADER + count * EVTX_CHUNK_BYTES };
}

function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** One scan in its own process: wall seconds and the last peak RSS seen while it ran. */
function scanOnce(file: string, extra: string[]): Promise<{ seconds: number; rssMb?: number }> {
  const cli = path.join(__dirname, '..', 'cli', 'apt_detect.ts');
  const args = ['--import', 'tsx', cli, 'scan', file, '--out', os.devNull, '--quiet', ...extra];
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  let rssMb: number | undefined;
  const timer = setInterval(() => {
    rssMb = peakRssMb(child.pid ?? -1) ?? rssMb;
  }, 200);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`scan exited with ${code}`));
      else resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, rssMb });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<number> {
  const { values } = benchArgs(
    {
      options: {
        mb: { type: 'string', default: '150' },
        rounds: { type: 'string', default: '3' },
        source: { type: 'string' },
        keep: { type: 'boolean', default: false },
      },
    },
    USAGE,
  );
  const mb = Number(values.mb);
  const rounds = Number(values.rounds);
  if (!(mb > 0) || !Number.isInteger(rounds) || rounds < 1) {
    console.error(`--mb must be a positive number and --rounds a whole number >= 1\nusage: ${USAGE}`);
    return 2;
  }
  const source =
    values.source ?? datasetPath('evtx-attack-samples', 'Lateral Movement', 'LM_5145_Remote_FileCopy.evtx');
  if (!fs.existsSync(source)) {
    console.error(`${source} not found (../shared/datasets absent?); pass --source F.evtx`);
    return 1;
  }
  const built = await build(source, mb);
  console.log(
    `${built.file}: ${(built.bytes / 2 ** 20).toFixed(0)} MiB, ${built.records} records (chunks of ${path.basename(source)})`,
  );
  const runs: { threads: string; rate: number; rssMb?: number }[] = [];
  try {
    for (let r = 1; r <= rounds; r++)
      for (const [threads, extra] of [
        ['0', ['--read-workers', '0']],
        ['1', ['--read-workers', '1']],
      ] as const) {
        const { seconds, rssMb } = await scanOnce(built.file, [...extra]);
        const rate = built.records / seconds;
        runs.push({ threads, rate, rssMb });
        console.log(
          `round ${r}  reader threads ${threads.padEnd(7)}  ${seconds.toFixed(1)} s  ${Math.round(rate)} events/s  ` +
            `peak RSS ${rssMb === undefined ? 'n/a' : `${rssMb.toFixed(0)} MB`}`,
        );
      }
  } finally {
    if (!values.keep) fs.rmSync(path.dirname(built.file), { recursive: true, force: true });
  }
  for (const threads of ['0', '1']) {
    const mine = runs.filter((x) => x.threads === threads);
    const rss = mine.map((x) => x.rssMb).filter((x): x is number => x !== undefined);
    console.log(
      `median, reader threads ${threads}: ${Math.round(median(mine.map((x) => x.rate)))} events/s` +
        (rss.length ? `, peak RSS up to ${Math.max(...rss).toFixed(0)} MB` : ''),
    );
  }
  return 0;
}

runBench(main);
