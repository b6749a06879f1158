export {
  BudgetExceededError,
  ConflictError,
  IntegrityError,
  MissingDependencyError,
  MlinfraError,
  type MlinfraErrorCode,
  type MlinfraErrorOptions,
  NotFoundError,
  ValidationError,
  type ValidationIssue,
} from './mlinfra-error.js';
export { fromZodIssues } from './zod-issues.js';
