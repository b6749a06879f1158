import { resolve } from 'node:path';
import { MlinfraError, ValidationError } from '@mlinfra/core';
import { costCommands } from '../commands/cost.js';
import { datasetCommands } from '../commands/datasets.js';
import { deployCommands } from '../commands/deploy.js';
import { driftCommands } from '../commands/drift.js';
import { modelCommands } from '../commands/models.js';
import { runCommands } from '../commands/runs.js';
import { serveCommands } from '../commands/serve.js';
import { sweepCommands } from '../commands/sweep.js';
import { trainCommands } from '../commands/train.js';
import { uiCommands } from '../commands/ui.js';
import { type Command, commandHelp, parseCommandArgs, stringOption } from './command.js';
import { EXIT_CODES, type ExitCode, exitCodeOf, UsageError } from './errors.js';
import { withCommandHints } from './hints.js';
import { resolveDatabase, resolveHome, resolveStoreLocation } from './home.js';
import { type CommandContext, type CommandIO, jsonReplacer } from './output.js';

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [
  ...datasetCommands,
  ...trainCommands,
  ...sweepCommands,
  ...modelCommands,
  ...runCommands,
  ...serveCommands,
  ...driftCommands,
  ...costCommands,
  ...uiCommands,
  ...deployCommands,
];

/** The version of this package, set at build time from package.json. */
declare const __CLI_VERSION__: string | undefined;
const VERSION = typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : '0.0.0';

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.path.join(' ').length));
  return [
    'Usage: mlinfra <command> [arguments] [--json] [--home <dir>]',
    '',
    'ML infrastructure from a terminal: versioned datasets, training, a model registry, serving,',
    'drift reports and cost. Everything lives in one home folder ($MLINFRA_HOME, else ./.mlinfra).',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.path.join(' ').padEnd(width)}  ${command.summary}`),
    '',
    "Run 'mlinfra <command> --help' for its options. --json prints machine-readable output.",
    'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 invalid input, 5 conflict or refused',
    'promotion, 6 budget exceeded, 7 missing dependency, 10 drift (with drift report --fail-on-drift).',
    '',
  ].join('\n');
}

/** The help of a command group (`mlinfra datasets --help`): its commands and an example each. */
function groupHelp(group: string): string | undefined {
  const commands = COMMANDS.filter(
    (command) => command.path[0] === group && command.path.length > 1,
  );
  if (commands.length === 0) return undefined;
  const width = Math.max(...commands.map((command) => command.path.join(' ').length));
  const examples = commands.flatMap((command) => {
    const example = /^\s+(mlinfra .+)$/m.exec(command.details ?? '')?.[1];
    return example === undefined ? [] : [`  ${example}`];
  });
  return [
    `Usage: mlinfra ${group} <command> [arguments] [options]`,
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.path.join(' ').padEnd(width)}  ${command.summary}`),
    ...(examples.length === 0 ? [] : ['', 'Examples:', ...examples]),
    '',
    `Run 'mlinfra ${group} <command> --help' for its options.`,
    '',
  ].join('\n');
}

/** Finds the command the leading words select (`datasets commit ...`). */
function findCommand(words: readonly string[]): { command: Command; rest: string[] } | undefined {
  const matches = COMMANDS.filter((command) =>
    command.path.every((word, index) => words[index] === word),
  ).sort((a, b) => b.path.length - a.path.length);
  const command = matches[0];
  return command === undefined ? undefined : { command, rest: words.slice(command.path.length) };
}

function suggestion(words: readonly string[]): string {
  const group = COMMANDS.filter((command) => command.path[0] === words[0]);
  if (group.length > 0 && group[0]!.path.length > 1) {
    return `"${words[0]}" takes one of: ${group.map((command) => command.path[1]).join(', ')}. Example: mlinfra ${group[0]!.path.join(' ')} --help`;
  }
  const groups = [...new Set(COMMANDS.map((command) => command.path[0]))];
  return `Unknown command ${JSON.stringify(words.join(' '))}; use one of: ${groups.join(', ')} (mlinfra --help lists them)`;
}

function printError(io: CommandIO, json: boolean, error: unknown): void {
  const nodeError = error as { code?: unknown; path?: unknown } | null;
  const code = MlinfraError.isInstance(error)
    ? error.code
    : error instanceof UsageError
      ? 'USAGE'
      : nodeError?.code === 'ENOENT'
        ? 'NOT_FOUND'
        : 'INTERNAL';
  const message =
    nodeError?.code === 'ENOENT' && typeof nodeError.path === 'string'
      ? `No such file: ${nodeError.path}; check the path (relative paths start at ${io.cwd})`
      : withCommandHints(error instanceof Error ? error.message : String(error));
  const issues = error instanceof ValidationError ? error.issues : undefined;
  if (json) {
    io.stderr(
      `${JSON.stringify({ error: { code, name: error instanceof Error ? error.name : 'Error', message, ...(issues === undefined ? {} : { issues }) } }, jsonReplacer)}\n`,
    );
    return;
  }
  // A ValidationError's message already lists its issues (core formats them once).
  const lines = [`mlinfra: ${message}`];
  if (
    code === 'INTERNAL' &&
    error instanceof Error &&
    error.stack !== undefined &&
    !(error as { code?: unknown }).code
  ) {
    lines.push('', 'This looks like a bug; please report it with the output above.', error.stack);
  }
  io.stderr(`${lines.join('\n')}\n`);
}

/** The process streams and environment, for the bin. */
export function processIO(): CommandIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * Runs one `mlinfra` command line (without the `node mlinfra` part) and returns its exit code.
 * Never throws: errors are printed on stderr (as JSON with `--json`) and mapped to {@link EXIT_CODES}.
 *
 * @example
 * ```ts
 * const code = await run(['models', 'list', '--json']);
 * ```
 */
export async function run(
  commandLine: readonly string[],
  io: CommandIO = processIO(),
): Promise<ExitCode> {
  const json = commandLine.includes('--json');
  try {
    // Global options may come before the command (`mlinfra --home x models list`): move them after it.
    const leading: string[] = [];
    let start = 0;
    while (start < commandLine.length) {
      const arg = commandLine[start]!;
      const valued = ['--home', '--store', '--database', '--result'];
      if (arg === '--json' || valued.some((name) => arg.startsWith(`${name}=`))) {
        leading.push(arg);
        start += 1;
      } else if (valued.includes(arg) && start + 1 < commandLine.length) {
        leading.push(arg, commandLine[start + 1]!);
        start += 2;
      } else break;
    }
    let argv = [...commandLine.slice(start), ...leading];
    // `mlinfra help [command...]` is `mlinfra [command...] --help`.
    if (argv[0] === 'help') argv = [...argv.slice(1), '--help'];
    const firstFlag = argv.findIndex((arg) => arg.startsWith('-'));
    const words = (firstFlag === -1 ? argv : argv.slice(0, firstFlag)).slice(0, 2);
    if (argv.length === 0 || (words.length === 0 && (argv[0] === '--help' || argv[0] === '-h'))) {
      io.stdout(overview());
      return argv.length === 0 ? EXIT_CODES.usage : EXIT_CODES.ok;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      io.stdout(`${VERSION}\n`);
      return EXIT_CODES.ok;
    }
    const found = findCommand(argv);
    if (found === undefined) {
      const group = words[0] === undefined ? undefined : groupHelp(words[0]);
      if (argv.includes('--help') || argv.includes('-h')) {
        io.stdout(group ?? overview());
        return EXIT_CODES.ok;
      }
      throw new UsageError(suggestion(words));
    }
    const { args, options } = parseCommandArgs(found.command, found.rest);
    if (options.help === true) {
      io.stdout(commandHelp(found.command));
      return EXIT_CODES.ok;
    }
    const context: CommandContext = {
      io,
      json: options.json === true,
      home: resolveHome(stringOption(options, 'home'), io.env, io.cwd),
    };
    const store = resolveStoreLocation(stringOption(options, 'store'), io.env, io.cwd);
    const database = resolveDatabase(stringOption(options, 'database'), io.env);
    if (store !== undefined) context.store = store;
    if (database !== undefined) context.database = database;
    const result = stringOption(options, 'result');
    if (result !== undefined) context.result = resolve(io.cwd, result);
    return (await found.command.run(context, args, options)) ?? EXIT_CODES.ok;
  } catch (error) {
    printError(io, json, error);
    return exitCodeOf(error);
  }
}
