import { spawnSync } from 'child_process';
import * as path from 'path';
import { ensureCommands, hasCommand } from './system_packages';

const SCRIPT = path.join(__dirname, 'system_packages.sh');

describe('system package installer', () => {
  it('finds commands on the PATH and not the ones that are absent', () => {
    expect(hasCommand('sh')).toBe(true);
    expect(hasCommand('no-such-command-apt-detection')).toBe(false);
  });

  it('does nothing when every command is present', () => {
    expect(() => ensureCommands(['sh'])).not.toThrow();
  });

  it('refuses, with exit 2 and the command named, a command it has no package for', () => {
    const r = spawnSync('bash', [SCRIPT, 'no-such-command-apt-detection'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no Debian package known for the command 'no-such-command-apt-detection'");
    expect(() => ensureCommands(['no-such-command-apt-detection'])).toThrow(/no Debian package known/);
  });
});
