/**
 * `@mlinfra/core`: crash-safe content-addressed storage, table schema and typed errors.
 * @packageDocumentation
 */

export { currentActor } from './actor/actor.js';
export {
  CsvRecordReader,
  type CsvRecordSink,
  type CsvSyntaxOptions,
  parseCsvRecords,
} from './csv/index.js';
export {
  BudgetExceededError,
  ConflictError,
  type ErrorGuard,
  errorGuard,
  fromZodIssues,
  IntegrityError,
  isModuleNotFound,
  MissingDependencyError,
  MlinfraError,
  type MlinfraErrorCode,
  type MlinfraErrorOptions,
  NotFoundError,
  parseOptions,
  StorageError,
  UnavailableError,
  ValidationError,
  type ValidationIssue,
} from './errors/index.js';
export {
  COLUMN_TYPES,
  type ColumnSchema,
  type Columns,
  type ColumnType,
  type InferSchemaOptions,
  inferSchema,
  isNumericType,
  parseSchema,
  type Rows,
  rowValidator,
  type TableSchema,
  validateRows,
} from './schema/index.js';
export type {
  BlobWriter,
  RefProblem,
  RefProblemHandler,
  StoreBackend,
} from './store/backend.js';
export { type BlobBackend, combineBackends, type RefBackend } from './store/combined-backend.js';
export { FileBackend } from './store/file-backend.js';
export {
  assertDigest,
  assertRefName,
  type Digest,
  isDigest,
  MAX_REF_NAME_LENGTH,
} from './store/names.js';
export { redactUrl } from './store/redact-url.js';
export {
  type BlobInfo,
  type BlobSource,
  type BlobStat,
  type CompareAndSetOptions,
  createStore,
  type GcOptions,
  type GcReport,
  isStore,
  type ListRefsOptions,
  type Pin,
  type PinOptions,
  type PutFileOptions,
  type PutOptions,
  type Refs,
  type Store,
} from './store/store.js';
export { DATABASE_URL_ENV, STORE_ENV, type StoreOptions } from './store/store-config.js';
