import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const BIN = path.join(__dirname, 'apt_detect.js');

describe('the apt-detect executable', () => {
  it('runs when started through a link named apt-detect, as npx and npm bin links start it', () => {
    // npm links node_modules/.bin/apt-detect to apt_detect.js; an earlier entry point ran only when the path it was
    // started by ended in apt_detect.js, so `npx apt-detect ...` printed nothing and exited 0.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apt-detect-bin-'));
    try {
      const link = path.join(dir, 'apt-detect');
      fs.symlinkSync(BIN, link);
      const help = spawnSync(process.execPath, [link, '--help'], { encoding: 'utf8', timeout: 60_000 });
      expect(help.stdout).toContain('usage: apt-detect <command>');
      expect(help.status).toBe(0);
      // A command's own module loads too (the bin runs under tsx's CommonJS hook only).
      const sub = spawnSync(process.execPath, [link, 'simulate', '--help'], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(sub.stdout).toContain('usage: apt-detect simulate');
      expect(sub.status).toBe(0);
      const bad = spawnSync(process.execPath, [link, 'no-such-command'], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(bad.status).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
