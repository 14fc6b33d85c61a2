import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

// The Python self-checks of the LightGBM ablation (HHOSSA feature selection, SMOTE scope, decision rule).
// They need the pinned training environment that `npm run train` creates; without it the test says so and skips.
const trainDir = __dirname;
const python = path.resolve(trainDir, '..', '..', '.venv-train', 'bin', 'python');
const haveVenv = fs.existsSync(python);
if (!haveVenv)
  console.log(`scripts/train self-checks skipped: ${python} is missing (run npm run train once)`);
const maybe = haveVenv ? it : it.skip;

function runSelfTest(script: string): { status: number | null; output: string } {
  const r = spawnSync(python, [script, '--self-test'], { cwd: trainDir, encoding: 'utf8', timeout: 280_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('scripts/train python self-checks', () => {
  maybe(
    'hhossa.py selects the informative features of a synthetic problem',
    () => {
      const r = runSelfTest('hhossa.py');
      expect(r.output).toContain('hhossa self-test: ok');
      expect(r.status).toBe(0);
    },
    300_000,
  );

  maybe('ablation.py decides on validation only, applies SMOTE to its input rows only, masks columns', () => {
    const r = runSelfTest('ablation.py');
    expect(r.output).toContain('ablation self-test: ok');
    expect(r.status).toBe(0);
  });

  maybe('dev_metrics.py maps dev runs to sets and computes the threshold and domain-shift numbers', () => {
    const r = runSelfTest('dev_metrics.py');
    expect(r.output).toContain('dev_metrics self-test: ok');
    expect(r.status).toBe(0);
  });
});
