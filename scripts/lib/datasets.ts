import * as fs from 'fs';
import * as path from 'path';

/**
 * Location of the shared development datasets (`../shared/datasets` beside the clone, as in CI).
 * They are never copied into this repository; tests and evaluation scripts read them in place.
 * `APT_DATASETS_DIR` overrides the location.
 */
export function datasetsDir(): string {
  const dir = process.env.APT_DATASETS_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'datasets');
  if (!fs.existsSync(path.join(dir, 'README.md'))) {
    throw new Error(
      `development datasets not found at ${dir}: clone the project beside ../shared (as CI does) ` +
        'or set APT_DATASETS_DIR to the datasets folder',
    );
  }
  return dir;
}

export function datasetPath(...parts: string[]): string {
  return path.join(datasetsDir(), ...parts);
}
