/**
 * Process helpers for the development stack: free ports, detached launches with pid files, liveness checks that
 * make sure a pid still belongs to the process we started, and polite-then-forceful stops.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';

export class StackError extends Error {
  constructor(
    readonly service: string,
    message: string,
    readonly logPath?: string,
  ) {
    super(`[${service}] ${message}${logPath ? ` (log: ${logPath})` : ''}`);
    this.name = 'StackError';
  }
}

/** Ports this process has handed out: the services start in parallel and the OS may offer a closed port again. */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return true;
  }
}

/** True when `pid` is alive and its command line or working directory names `marker` (guards against reused pids). */
export function pidMatches(pid: number | undefined, marker: string): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    if (cmd.includes(marker)) return true;
    // Some servers (redis-server) rewrite their command line; every stack process runs inside its own run dir.
    return fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(marker);
  } catch {
    return false;
  }
}

/** Pids of every live process whose command line mentions `marker` (used to find a launcher's children). */
export function pidsMatching(marker: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    if (pidMatches(pid, marker)) out.push(pid);
  }
  return out;
}

/**
 * The processes of one stack service: every live process whose command line names its run directory, and the pid it
 * was launched as while that pid still belongs to it (pidMatches guards against a reused pid).
 */
export function serviceProcesses(pid: number | undefined, runDir: string): number[] {
  const pids = new Set<number>(pidsMatching(runDir));
  if (pid !== undefined && pidMatches(pid, runDir)) pids.add(pid);
  return [...pids];
}

export interface LaunchOptions {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logPath: string;
}

/** Starts a detached process (its own process group) writing stdout/stderr to `logPath`; returns its pid. */
export function launchDetached(opts: LaunchOptions): number {
  const fd = fs.openSync(opts.logPath, 'a');
  try {
    const child = spawn(opts.cmd, opts.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    if (!child.pid) throw new Error(`could not start ${opts.cmd}`);
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Sends SIGTERM to each pid (and its process group), waits up to `graceMs`, then SIGKILLs what is left.
 * Returns the pids that had to be killed forcefully.
 */
export async function terminate(pids: number[], graceMs = 20000): Promise<number[]> {
  const live = pids.filter((p) => pidAlive(p));
  for (const pid of live) {
    signal(pid, 'SIGTERM');
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && live.some((p) => pidAlive(p))) await sleep(200);
  const stubborn = live.filter((p) => pidAlive(p));
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && stubborn.some((p) => pidAlive(p))) await sleep(100);
  return stubborn;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // the process group, when the pid leads one
  } catch {
    /* not a group leader */
  }
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Runs a command synchronously; throws a StackError naming the service with the command's output on failure. */
export function runOrThrow(
  service: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string } = {},
): string {
  const res = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw new StackError(service, `${cmd} could not run: ${res.error.message}`);
  if (res.status !== 0) {
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new StackError(service, `${cmd} ${args.join(' ')} failed with exit ${res.status}:\n${out}`);
  }
  return res.stdout;
}

export function tailFile(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
