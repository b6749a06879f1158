/**
 * `@mlinfra/cli`: the `mlinfra` command (datasets, train, sweep, models, runs, serve, drift, cost,
 * ui, deploy), and `run(argv)` to call it from a script.
 * @packageDocumentation
 */
export type { OptionSpec } from './cli/command.js';
export { EXIT_CODES, type ExitCode, UsageError } from './cli/errors.js';
export type { CommandIO } from './cli/output.js';
export { processIO, run } from './cli/run.js';
export { type TrainConfig, trainConfigSchema } from './commands/train.js';
