import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * Flags of the project's command lines (`npx itsm`, `npm start`, `npm run bench`, `npm run
 * conformance`), parsed the same way everywhere: `--help`/`-h` prints the usage and exits 0; an
 * unknown flag, a missing value or a stray argument prints one line saying what is wrong and
 * exits 2. Never a stack trace for a typing mistake.
 */
type Options = NonNullable<ParseArgsConfig['options']>;

export interface Cli {
  /** How the user typed the command (`npx itsm token`), for messages. */
  command: string;
  /** The text `--help` prints. */
  usage: string;
  /** How to ask for it, when not `<command> --help` (`npm start -- --help`). */
  help?: string;
}

export function parseCli<O extends Options>(cli: Cli, options: O, args = process.argv.slice(2)) {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(cli.usage);
    process.exit(0);
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    fail(cli, (err as Error).message);
  }
}

/** Say what is wrong with the command line, point at `--help`, exit 2. */
export function fail(cli: Cli, message: string): never {
  console.error(`${cli.command}: ${message}\nRun \`${cli.help ?? `${cli.command} --help`}\` for usage.`);
  process.exit(2);
}

/** A flag that must be a whole number in a range (ports, lifetimes, counts). */
export function integerFlag(
  cli: Cli,
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max)
    fail(cli, `--${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}
