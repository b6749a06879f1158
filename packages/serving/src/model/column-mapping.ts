import { ValidationError, type ValidationIssue } from '@mlinfra/core';
import type { InstanceRow } from './predictor.js';
import {
  allocateValues,
  elementCount,
  type NamedTensors,
  type TensorModelSpec,
  type TensorSignature,
} from './tensor.js';

/**
 * Which dataset columns feed each model input, in order: `{ features: ['age', 'income'], country:
 * ['country'] }`. An input of shape `[-1, k]` takes k columns, one of shape `[-1]` or `[-1, 1]` one.
 */
export type InputColumns = Readonly<Record<string, readonly string[]>>;

/** Values per row of a batch-major input (product of the dimensions after the first). */
function perRow(spec: TensorModelSpec): number | undefined {
  const rest = spec.shape.slice(1);
  return rest.some((d) => d < 0) ? undefined : elementCount(rest);
}

/**
 * Checks a column mapping against a batched signature once, when a version loads.
 * @throws ValidationError naming each input that is unmapped, unknown or mapped to the wrong count.
 */
export function checkInputColumns(signature: TensorSignature, columns: InputColumns): void {
  const issues: ValidationIssue[] = [];
  for (const spec of signature.inputs) {
    const mapped = columns[spec.name];
    const size = perRow(spec);
    if (mapped === undefined) {
      issues.push({ path: [spec.name], message: `input "${spec.name}" has no columns` });
    } else if (size === undefined) {
      issues.push({
        path: [spec.name],
        message: `input "${spec.name}" has a dynamic dimension after the batch one, so no fixed list of columns can feed it`,
      });
    } else if (mapped.length !== size) {
      issues.push({
        path: [spec.name],
        message: `input "${spec.name}" takes ${size} values per row; map it to ${size} columns, not ${mapped.length}`,
      });
    }
  }
  for (const name of Object.keys(columns)) {
    if (!signature.inputs.some((spec) => spec.name === name))
      issues.push({ path: [name], message: `the model has no input "${name}"` });
  }
  if (issues.length > 0)
    throw new ValidationError('The column-to-input mapping does not fit the model.', issues);
}

/** Converts one raw value (JSON or a dataset cell) to the element type; undefined when it cannot. */
function coerce(value: unknown, spec: TensorModelSpec): number | bigint | string | undefined {
  if (value === undefined || value === null) return undefined;
  switch (spec.datatype) {
    case 'BYTES':
      return typeof value === 'string'
        ? value
        : typeof value === 'object'
          ? undefined
          : String(value);
    case 'BOOL':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value === 0 || value === 1) return value;
      if (value === 'true' || value === 'false') return value === 'true' ? 1 : 0;
      return undefined;
    default: {
      let number: number | bigint | undefined;
      if (typeof value === 'number') number = value;
      else if (typeof value === 'bigint') number = value;
      else if (typeof value === 'boolean') number = value ? 1 : 0;
      else if (typeof value === 'string' && value.trim() !== '') number = Number(value);
      if (number === undefined) return undefined;
      if (spec.datatype === 'FP32' || spec.datatype === 'FP64') {
        const float = Number(number);
        return Number.isFinite(float) ? float : undefined;
      }
      if (typeof number === 'number' && !Number.isSafeInteger(number)) return undefined;
      if (spec.datatype === 'INT64' || spec.datatype === 'UINT64') {
        const integer = BigInt(number);
        if (spec.datatype === 'UINT64' && integer < 0n) return undefined;
        return integer;
      }
      return Number(number);
    }
  }
}

/** Leaf values of a nested array (or one scalar), in row-major order. */
function leaves(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) for (const item of value) leaves(item, out);
  else out.push(value);
}

/**
 * Builds a batched model's input tensors from raw rows: through `columns` when given, else from
 * objects keyed by input name (`{ ids: [1, 2, 3], mask: [true, true, false] }`).
 * @throws ValidationError naming the row and column (or input) that is missing or has the wrong type.
 */
export function rowsToTensors(
  rows: readonly InstanceRow[],
  signature: TensorSignature,
  columns: InputColumns | undefined,
): NamedTensors {
  const issues: ValidationIssue[] = [];
  const tensors: NamedTensors = {};
  for (const spec of signature.inputs) {
    const size = perRow(spec);
    if (size === undefined) {
      throw new ValidationError(
        `Input "${spec.name}" has a dynamic dimension after the batch one; send V2 inference requests instead of rows.`,
      );
    }
    const values = allocateValues(spec.datatype, rows.length * size) as unknown[];
    const mapped = columns?.[spec.name];
    rows.forEach((row, index) => {
      let cells: unknown[];
      let names: readonly string[] | undefined;
      if (mapped !== undefined) {
        cells = mapped.map((column) => row[column]);
        names = mapped;
      } else {
        cells = [];
        leaves(row[spec.name], cells);
        if (row[spec.name] === undefined || cells.length !== size) {
          if (issues.length < 20)
            issues.push({
              path: ['instances', index, spec.name],
              message:
                row[spec.name] === undefined
                  ? `missing input "${spec.name}"; give ${size} value${size > 1 ? 's' : ''} (or register the model with its input columns)`
                  : `input "${spec.name}" takes ${size} values per row, got ${cells.length}`,
            });
          return;
        }
      }
      cells.forEach((cell, position) => {
        const value = coerce(cell, spec);
        if (value === undefined) {
          if (issues.length < 20)
            issues.push({
              path: ['instances', index, names?.[position] ?? spec.name],
              message: `${cell === undefined || cell === null ? 'missing' : `${JSON.stringify(cell)} is not a valid ${spec.datatype} value`} for input "${spec.name}"`,
            });
          return;
        }
        values[index * size + position] = value;
      });
    });
    tensors[spec.name] = {
      datatype: spec.datatype,
      shape: [rows.length, ...spec.shape.slice(1)],
      values: values as never,
    };
  }
  if (issues.length > 0)
    throw new ValidationError('Instances do not match the model inputs.', issues);
  return tensors;
}
