const MARKER = Symbol.for('mlinfra.error');

/**
 * Machine-readable error codes. Callers branch on `code`, never on the message. `CLOSED`: the
 * object was closed; `UNAVAILABLE`: overloaded right now, retry later; `UNSUPPORTED`: not
 * available in this setup (the message says what is).
 */
export type MlinfraErrorCode =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'VALIDATION'
  | 'INTEGRITY'
  | 'BUDGET_EXCEEDED'
  | 'MISSING_DEPENDENCY'
  | 'UNSUPPORTED'
  | 'CLOSED'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'INTERNAL';

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { [MARKER]?: unknown })[MARKER];
  return typeof code === 'string' ? code : undefined;
}

/** Builds the `isInstance` guard of a subclass: an mlinfra error carrying `code`. */
function guard<T extends MlinfraError>(code: MlinfraErrorCode): (value: unknown) => value is T {
  return (value: unknown): value is T => codeOf(value) === code;
}

/** Options shared by every mlinfra error. */
export interface MlinfraErrorOptions {
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
}

/**
 * Base class of every error mlinfra throws. Its message names the fix.
 *
 * Use `MlinfraError.isInstance(value)` (or `NotFoundError.isInstance(value)`) instead of
 * `instanceof`: it also recognises errors from a second copy of the package in `node_modules`.
 */
export class MlinfraError extends Error {
  /** Machine-readable code. */
  readonly code: MlinfraErrorCode;
  declare readonly [MARKER]: MlinfraErrorCode;

  constructor(
    message: string,
    code: MlinfraErrorCode = 'INTERNAL',
    options: MlinfraErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    Object.defineProperty(this, MARKER, { value: code, enumerable: false });
  }

  /**
   * True when `value` is an mlinfra error (any code). Works across duplicate installs and
   * unbound (`errors.filter(MlinfraError.isInstance)`). Each subclass has its own `isInstance`
   * that also checks its code.
   */
  static isInstance = (value: unknown): value is MlinfraError => codeOf(value) !== undefined;
}

/** The thing asked for does not exist (unknown blob, ref, model, alias, version). */
export class NotFoundError extends MlinfraError {
  /** True when `value` is a NotFoundError (any copy of the package). */
  static override isInstance = guard<NotFoundError>('NOT_FOUND');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'NOT_FOUND', options);
  }
}

/** A compare-and-set or uniqueness check failed: someone else changed the state first. Re-read and retry. */
export class ConflictError extends MlinfraError {
  /** True when `value` is a ConflictError (any copy of the package). */
  static override isInstance = guard<ConflictError>('CONFLICT');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'CONFLICT', options);
  }
}

/** Stored bytes no longer match their digest: the blob is corrupted. */
export class IntegrityError extends MlinfraError {
  /** True when `value` is a IntegrityError (any copy of the package). */
  static override isInstance = guard<IntegrityError>('INTEGRITY');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'INTEGRITY', options);
  }
}

/** A budget ran out; the operation was stopped. */
export class BudgetExceededError extends MlinfraError {
  /** True when `value` is a BudgetExceededError (any copy of the package). */
  static override isInstance = guard<BudgetExceededError>('BUDGET_EXCEEDED');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'BUDGET_EXCEEDED', options);
  }
}

/** One problem found in an input. */
export interface ValidationIssue {
  /** Where the problem is: property names and array indexes from the root of the input. */
  path: ReadonlyArray<string | number>;
  /** What is wrong and how to fix it. */
  message: string;
}

/** Input was rejected. Carries every issue found, not only the first. */
export class ValidationError extends MlinfraError {
  /** True when `value` is a ValidationError (any copy of the package). */
  static override isInstance = guard<ValidationError>('VALIDATION');
  /** Every problem found in the input. */
  readonly issues: readonly ValidationIssue[];

  constructor(
    message: string,
    issues: readonly ValidationIssue[] = [],
    options: MlinfraErrorOptions = {},
  ) {
    super(ValidationError.format(message, issues), 'VALIDATION', options);
    this.issues = issues.length > 0 ? issues : [{ path: [], message }];
  }

  private static format(message: string, issues: readonly ValidationIssue[]): string {
    if (issues.length === 0) return message;
    const shown = issues.slice(0, 20).map((issue) => {
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return `  - ${where}${issue.message}`;
    });
    const more = issues.length > 20 ? `\n  ... and ${issues.length - 20} more` : '';
    return `${message}\n${shown.join('\n')}${more}`;
  }
}

/** An optional dependency is not installed. The message gives the install command. */
export class MissingDependencyError extends MlinfraError {
  /** True when `value` is a MissingDependencyError (any copy of the package). */
  static override isInstance = guard<MissingDependencyError>('MISSING_DEPENDENCY');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'MISSING_DEPENDENCY', options);
  }
}
