import { parseArgs } from 'node:util';
import { type ExitCode, UsageError } from './errors.js';
import type { CommandContext } from './output.js';

/** One option of a command, as `node:util` parseArgs takes it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in `--help`: what it does and its default. */
  description: string;
  /** Placeholder of the value in `--help`, e.g. `<n>`. */
  value?: string;
}

/** Parsed options of a command. */
export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** A command of the CLI, such as `datasets commit`. */
export interface Command {
  /** The words that select it, e.g. `['datasets', 'commit']`. */
  path: readonly string[];
  /** Positional arguments, e.g. `['<name>', '<file>', '[ref]']` (brackets: optional). */
  args: readonly string[];
  /** One line for the command list. */
  summary: string;
  /** More help: examples, notes. */
  details?: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Runs it; returns an exit code (0 when done). Errors are mapped to exit codes by the runner. */
  run(
    context: CommandContext,
    args: readonly string[],
    options: OptionValues,
  ): Promise<ExitCode | undefined>;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  home: {
    type: 'string',
    value: '<dir>',
    description:
      'mlinfra home: blobs, refs and registry.db (default $MLINFRA_HOME, else ./.mlinfra)',
  },
  store: {
    type: 'string',
    value: '<dir|s3://bucket/prefix>',
    description: 'blobs and refs (default $MLINFRA_STORE, else the home)',
  },
  database: {
    type: 'string',
    value: '<postgres://...>',
    description: 'registry database (default $MLINFRA_DATABASE_URL, else <home>/registry.db)',
  },
  json: { type: 'boolean', description: 'print JSON on stdout (for scripts) instead of text' },
  result: {
    type: 'string',
    value: '<file.json>',
    description: 'also write the result as JSON to this file (for workflow engines and CI steps)',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

/** Parses a command's arguments. @throws UsageError naming what is wrong and how to fix it. */
export function parseCommandArgs(
  command: Command,
  argv: readonly string[],
): { args: string[]; options: OptionValues } {
  const all = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(all).map(([name, spec]) => [
          name,
          {
            type: spec.type,
            ...(spec.short === undefined ? {} : { short: spec.short }),
            ...(spec.multiple === undefined ? {} : { multiple: spec.multiple }),
          },
        ]),
      ),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `${message.replace(/\. To specify.*$/s, '')}. See: mlinfra ${command.path.join(' ')} --help`,
    );
  }
  const required = command.args.filter((arg) => arg.startsWith('<'));
  const rest = command.args.some((arg) => arg.endsWith('...>') || arg.endsWith('...]'));
  if (parsed.values.help !== true) {
    if (parsed.positionals.length < required.length) {
      const missing = required.slice(parsed.positionals.length);
      throw new UsageError(`Missing ${missing.join(' ')}. Usage: mlinfra ${usageLine(command)}`);
    }
    if (!rest && parsed.positionals.length > command.args.length) {
      throw new UsageError(
        `Unexpected argument ${JSON.stringify(parsed.positionals[command.args.length])}. Usage: mlinfra ${usageLine(command)}`,
      );
    }
  }
  return { args: parsed.positionals, options: parsed.values as OptionValues };
}

/** `datasets commit <name> <file> [options]`. */
export function usageLine(command: Command): string {
  return [...command.path, ...command.args, '[options]'].join(' ');
}

/** The `--help` text of a command. */
export function commandHelp(command: Command): string {
  const options = { ...command.options, ...GLOBAL_OPTIONS };
  const names = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...names.map(([flag]) => flag.length));
  return [
    `Usage: mlinfra ${usageLine(command)}`,
    '',
    command.summary,
    ...(command.details === undefined ? [] : ['', command.details]),
    '',
    'Options:',
    ...names.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`),
    '',
  ].join('\n');
}

/** A string option, or undefined. @throws UsageError when given twice. */
export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`--${name} takes a value`);
  return value;
}

/** A numeric option. @throws UsageError naming the option when it is not a number in range. */
export function numberOption(
  options: OptionValues,
  name: string,
  { integer = false, min = Number.NEGATIVE_INFINITY }: { integer?: boolean; min?: number } = {},
): number | undefined {
  const text = stringOption(options, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < min
  ) {
    throw new UsageError(
      `--${name} must be ${integer ? 'an integer' : 'a number'}${Number.isFinite(min) ? ` >= ${min}` : ''}; got ${JSON.stringify(text)}`,
    );
  }
  return value;
}
