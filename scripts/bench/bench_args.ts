/**
 * Command-line options for the bench scripts: `--help` prints the usage and exits 0; an unknown or malformed option
 * prints the reason and the usage and exits 2 (what the product's own CLIs do), instead of a parseArgs stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'util';

export function benchArgs<T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> {
  const argv = config.args ?? process.argv.slice(2);
  // Options after `--` belong to whatever the script passes them on to.
  const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (own.includes('--help') || own.includes('-h')) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\nusage: ${usage}`);
    process.exit(2);
  }
}

/** Runs a bench script's main: its result is the exit code; a throw prints the stack and exits 1. */
export function runBench(main: () => Promise<number>): void {
  main().then(
    (c) => {
      process.exitCode = c;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 1;
    },
  );
}
