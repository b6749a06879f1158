export { type Columns, type InferSchemaOptions, inferSchema, type Rows } from './infer-schema.js';
export { rowValidator, validateRows } from './row-validator.js';
export {
  COLUMN_TYPES,
  type ColumnSchema,
  type ColumnType,
  isNumericType,
  parseSchema,
  type TableSchema,
} from './table-schema.js';
