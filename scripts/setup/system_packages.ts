/**
 * Installs missing Debian packages for the commands a step is about to run (see system_packages.sh, which `.ci/run`
 * calls too). Throws with the script's reason when it cannot, so the caller's error names what to install.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const SCRIPT = path.join(__dirname, 'system_packages.sh');

/** True when `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0;
}

export function ensureCommands(commands: string[]): void {
  if (commands.every(hasCommand)) return;
  // stdout stays quiet; the script writes what it installs, and why it cannot, to stderr.
  const r = spawnSync('bash', [SCRIPT, ...commands], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  process.stderr.write(r.stderr ?? '');
  if (r.status !== 0)
    throw new Error((r.stderr ?? '').trim() || `${SCRIPT} failed (exit ${r.status ?? r.signal})`);
}
