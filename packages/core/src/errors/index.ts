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
export { parseOptions } from './parse-options.js';
export { fromZodIssues } from './zod-issues.js';
