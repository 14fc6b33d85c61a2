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

/** The datasets folder, or undefined with a warning naming `who` and why (tests that skip when it is absent). */
export function datasetsDirOrWarn(who: string): string | undefined {
  try {
    return datasetsDir();
  } catch (err) {
    console.warn(`${who}: skipped: ${(err as Error).message}`);
    return undefined;
  }
}

export function datasetPath(...parts: string[]): string {
  return path.join(datasetsDir(), ...parts);
}

/** Rows of a dataset's tab-separated labels file, keyed by the header; a missing file is named in the error. */
export function readTsv(file: string): Array<Record<string, string>> {
  if (!fs.existsSync(file)) throw new Error(`labels file ${file} is missing`);
  const lines = fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const head = lines[0].split('\t');
  return lines.slice(1).map((line) => {
    const cells = line.split('\t');
    const row: Record<string, string> = {};
    head.forEach((h, i) => (row[h] = cells[i] ?? ''));
    return row;
  });
}
