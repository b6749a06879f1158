export {
  BudgetExceededError,
  ConflictError,
  type ErrorGuard,
  errorGuard,
  IntegrityError,
  MissingDependencyError,
  MlinfraError,
  type MlinfraErrorCode,
  type MlinfraErrorOptions,
  NotFoundError,
  StorageError,
  ValidationError,
  type ValidationIssue,
} from './mlinfra-error.js';
export { isModuleNotFound } from './module-not-found.js';
export { parseOptions } from './parse-options.js';
export { UnavailableError } from './unavailable-error.js';
export { fromZodIssues } from './zod-issues.js';
