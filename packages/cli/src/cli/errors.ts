import { MlinfraError } from '@mlinfra/core';

/**
 * Exit codes of the `mlinfra` command. Scripts can branch on them; `--json` prints the error as
 * `{ "error": { code, name, message, issues? } }` on stderr as well.
 */
export const EXIT_CODES = {
  /** The command did what was asked. */
  ok: 0,
  /** An unexpected failure (a bug, or an I/O error such as a full disk). */
  failure: 1,
  /** The command line is wrong: unknown command, missing argument, bad option value. */
  usage: 2,
  /** A dataset, version, model, alias, run or file does not exist. */
  notFound: 3,
  /** The data, config or options are invalid (schema, expectations, config file), or a blob is corrupt. */
  invalid: 4,
  /** A conflicting change: a concurrent commit, or a promotion refused by its gates. */
  conflict: 5,
  /** A budget is spent: training stopped (with a checkpoint) or was refused. */
  budgetExceeded: 6,
  /** An optional dependency is missing, or a feature is not supported here. */
  unsupported: 7,
  /** `drift report --fail-on-drift` found dataset drift. */
  drift: 10,
} as const;

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** A wrong command line. Its message says what to type instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code an error maps to. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT_CODES.usage;
  if (!MlinfraError.isInstance(error)) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ENOENT') return EXIT_CODES.notFound;
    return EXIT_CODES.failure;
  }
  switch (error.code) {
    case 'NOT_FOUND':
      return EXIT_CODES.notFound;
    case 'VALIDATION':
    case 'INTEGRITY':
      return EXIT_CODES.invalid;
    case 'CONFLICT':
      return EXIT_CODES.conflict;
    case 'BUDGET_EXCEEDED':
      return EXIT_CODES.budgetExceeded;
    case 'MISSING_DEPENDENCY':
    case 'UNSUPPORTED':
      return EXIT_CODES.unsupported;
    default:
      return EXIT_CODES.failure;
  }
}
