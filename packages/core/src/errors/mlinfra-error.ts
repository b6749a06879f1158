/** Where a class's guard keeps the marker symbol it checks, so the constructor can stamp it. */
const GUARD_MARKER = Symbol.for('mlinfra.error.guardMarker');

/**
 * Machine-readable error codes. Callers branch on `code`, never on the message. `CLOSED`: the
 * object was closed; `UNAVAILABLE`: overloaded right now, retry later; `UNSUPPORTED`: not
 * available in this setup (the message says what is); `STORAGE`: the operating system refused
 * an I/O operation (disk full, permission, read-only file system; see {@link StorageError}).
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
  | 'STORAGE'
  | 'INTERNAL';

/** A type guard built by {@link errorGuard}; it carries the marker it checks. */
export type ErrorGuard<T extends MlinfraError> = ((value: unknown) => value is T) & {
  readonly [GUARD_MARKER]: symbol;
};

/**
 * Builds the `isInstance` guard of an error class: `static override isInstance =
 * errorGuard<MyError>('MyError')`. Each class gets its own marker,
 * `Symbol.for('mlinfra.error.<name>')`, which {@link MlinfraError}'s constructor puts on every
 * instance of that class and of its subclasses; so `MyError.isInstance(value)` is true exactly for
 * a `MyError` or a subclass of it, also when it comes from a second copy of the package in
 * `node_modules`. `name` must be unique across every package (use the class name).
 */
export function errorGuard<T extends MlinfraError>(name: string): ErrorGuard<T> {
  const marker = Symbol.for(`mlinfra.error.${name}`);
  const guard = (value: unknown): value is T =>
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[marker] === true;
  return Object.assign(guard, { [GUARD_MARKER]: marker }) as ErrorGuard<T>;
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
 * A subclass declares `static override isInstance = errorGuard<Sub>('Sub')` (see
 * {@link errorGuard}); without it, it shares its parent's identity.
 */
export class MlinfraError extends Error {
  /** Machine-readable code. */
  readonly code: MlinfraErrorCode;

  constructor(
    message: string,
    code: MlinfraErrorCode = 'INTERNAL',
    options: MlinfraErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    // Stamp the marker of every class from this one up to MlinfraError.
    for (
      let level: unknown = new.target;
      typeof level === 'function' && level !== Error;
      level = Object.getPrototypeOf(level)
    ) {
      if (!Object.hasOwn(level, 'isInstance')) continue;
      const marker = (level as { isInstance?: Partial<ErrorGuard<MlinfraError>> }).isInstance?.[
        GUARD_MARKER
      ];
      if (typeof marker === 'symbol') {
        Object.defineProperty(this, marker, { value: true, enumerable: false });
      }
    }
  }

  /**
   * True when `value` is an mlinfra error (any class). Works across duplicate installs and
   * unbound (`errors.filter(MlinfraError.isInstance)`). Each subclass has its own `isInstance`
   * that is true only for that class and its subclasses.
   */
  static isInstance: (value: unknown) => value is MlinfraError =
    errorGuard<MlinfraError>('MlinfraError');
}

/** The thing asked for does not exist (unknown blob, ref, model, alias, version). */
export class NotFoundError extends MlinfraError {
  /** True when `value` is a NotFoundError (any copy of the package). */
  static override isInstance = errorGuard<NotFoundError>('NotFoundError');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'NOT_FOUND', options);
  }
}

/** A compare-and-set or uniqueness check failed: someone else changed the state first. Re-read and retry. */
export class ConflictError extends MlinfraError {
  /** True when `value` is a ConflictError (any copy of the package). */
  static override isInstance = errorGuard<ConflictError>('ConflictError');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'CONFLICT', options);
  }
}

/** Stored bytes no longer match their digest: the blob is corrupted. */
export class IntegrityError extends MlinfraError {
  /** True when `value` is an IntegrityError (any copy of the package). */
  static override isInstance = errorGuard<IntegrityError>('IntegrityError');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'INTEGRITY', options);
  }
}

/** A budget ran out; the operation was stopped. */
export class BudgetExceededError extends MlinfraError {
  /** True when `value` is a BudgetExceededError (any copy of the package). */
  static override isInstance = errorGuard<BudgetExceededError>('BudgetExceededError');
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
  static override isInstance = errorGuard<ValidationError>('ValidationError');
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
  static override isInstance = errorGuard<MissingDependencyError>('MissingDependencyError');
  constructor(message: string, options: MlinfraErrorOptions = {}) {
    super(message, 'MISSING_DEPENDENCY', options);
  }
}

/**
 * The operating system refused a storage operation: disk full (`ENOSPC`, `EDQUOT`), no permission
 * (`EACCES`, `EPERM`), read-only file system (`EROFS`), too many open files (`EMFILE`, `ENFILE`),
 * a device error (`EIO`). `systemCode` is that code and `path` the file or folder involved.
 * Nothing half-written becomes visible: the operation failed as a whole.
 */
export class StorageError extends MlinfraError {
  /** True when `value` is a StorageError (any copy of the package). */
  static override isInstance = errorGuard<StorageError>('StorageError');
  /** The operating system's error code, such as `ENOSPC`. */
  readonly systemCode: string;
  /** The file or folder the operation touched. */
  readonly path: string;
  constructor(
    message: string,
    systemCode: string,
    path: string,
    options: MlinfraErrorOptions = {},
  ) {
    super(message, 'STORAGE', options);
    this.systemCode = systemCode;
    this.path = path;
  }
}
