/**
 * `apt-detect <command> [options]`: the offline command line for detection engineers.
 * Each command lives in its own module and exports `run(argv): Promise<number>` (the exit code), so this file only
 * dispatches. Exit codes: 0 success, 1 nothing could be done (e.g. no input readable), 2 bad usage.
 */
import { tuneHeapForBulkReading } from '../lib/gc_tuning';

type CommandModule = { run(argv: string[]): Promise<number>; summary: string };

// Loaded on demand (a command's module pulls in its own large dependencies) with require rather than import(): the
// `apt-detect` bin runs under tsx's CommonJS hook, which does not resolve a dynamic import of a .ts file.
/* eslint-disable @typescript-eslint/no-require-imports */
const commands: Record<string, () => CommandModule> = {
  scan: () => require('./scan') as CommandModule,
  simulate: () => require('./simulate') as CommandModule,
  'export-rules': () => require('./export_rules') as CommandModule,
};
/* eslint-enable @typescript-eslint/no-require-imports */

function usage(): string {
  return [
    'usage: apt-detect <command> [options]',
    '',
    'commands:',
    '  scan <files or dirs...>   scan EVTX/NDJSON/JSON files offline and print or write alerts',
    '  simulate                  generate benign background and labelled attack campaigns',
    '  export-rules              export detection rules to Elastic Security NDJSON and Sigma YAML',
    '',
    'run `apt-detect <command> --help` for the options of a command',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`apt-detect: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  tuneHeapForBulkReading();
  const mod = load();
  return mod.run(rest);
}

/** Runs the command line in process.argv and sets the exit code (the `apt-detect` bin and `tsx apt_detect.ts`). */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`apt-detect: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runCli();
