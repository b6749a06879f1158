import { ValidationError, type ValidationIssue } from '@mlinfra/core';
import type { TensorDatatype } from '../model/predictor.js';

/** Largest finite float32: values are carried to models as `Float32Array`. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Value ranges of the integer datatypes (64-bit ones up to what a JSON number holds exactly). */
export const INTEGER_RANGES: Partial<Record<TensorDatatype, readonly [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** A path into the request body, such as `['inputs', 0, 'data', 3]`. */
export type FieldPath = readonly (string | number)[];

/** A short rendering of a rejected value: messages never echo a whole payload, nor overflow on one. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    // Nested too deep (or cyclic, in process) to render.
    text = Array.isArray(value) ? 'a nested array' : typeof value;
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Throws the ValidationError of one bad field. */
export function fail(message: string, path: FieldPath, detail: string): never {
  const issue: ValidationIssue = { path, message: detail };
  throw new ValidationError(message, [issue]);
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a leaf value of a tensor must be. */
export interface LeafRule {
  /** The tensor's name, for messages. */
  tensor: string;
  datatype: TensorDatatype;
}

/** Why a leaf value is not acceptable for `rule`, or undefined when it is. */
function leafProblem(value: unknown, rule: LeafRule): string | undefined {
  const { datatype, tensor } = rule;
  if (datatype === 'BOOL') {
    return typeof value === 'boolean'
      ? undefined
      : `expected a boolean (datatype BOOL) in "${tensor}", got ${preview(value)}`;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return `expected a finite number (datatype ${datatype}) in "${tensor}", got ${preview(value)}`;
  }
  const range = INTEGER_RANGES[datatype];
  if (range !== undefined) {
    return Number.isInteger(value) && value >= range[0] && value <= range[1]
      ? undefined
      : `expected an integer in [${range[0]}, ${range[1]}] (datatype ${datatype}) in "${tensor}", got ${value}`;
  }
  // Models compute in float32: a larger value would silently become Infinity (and null outputs).
  return Math.abs(value) <= FLOAT32_MAX
    ? undefined
    : `${value} is outside the float32 range (±${FLOAT32_MAX.toPrecision(8)}) that "${tensor}" is computed in; scale the value down`;
}

/** True when `value` is an acceptable leaf for `rule` (the hot check; {@link leafProblem} says why not). */
function isLeaf(
  value: unknown,
  bool: boolean,
  range: readonly [number, number] | undefined,
): boolean {
  if (bool) return typeof value === 'boolean';
  if (typeof value !== 'number') return false;
  // NaN and ±Infinity fail both comparisons.
  if (range === undefined) return value <= FLOAT32_MAX && value >= -FLOAT32_MAX;
  return Number.isInteger(value) && value >= range[0] && value <= range[1];
}

/**
 * Walks nested arrays depth first without recursion (a body may nest 10,000 levels) and returns
 * the number of leaves. With `check` it checks every leaf against `rule` and arrays nested more
 * than `maxDepth` levels (the outermost is level 1), failing with the leaf's path; with `target`
 * it writes the leaves from `offset`, as many as fit (the caller compares the count).
 */
function walkValues(
  data: readonly unknown[],
  rule: LeafRule,
  maxDepth: number,
  path: FieldPath,
  message: string,
  check: boolean,
  target: Float32Array | undefined,
  offset: number,
): number {
  const bool = rule.datatype === 'BOOL';
  const range = INTEGER_RANGES[rule.datatype];
  const room = target === undefined ? 0 : target.length - offset;
  // The open arrays and, for each, the index of its next element; the top is kept in locals.
  const arrays: (readonly unknown[])[] = [];
  const nexts: number[] = [];
  let array = data;
  let index = 0;
  let count = 0;
  for (;;) {
    if (index >= array.length) {
      if (arrays.length === 0) return count;
      array = arrays.pop()!;
      index = nexts.pop()!;
      continue;
    }
    const value = array[index++];
    if (Array.isArray(value)) {
      if (check && arrays.length + 1 >= maxDepth) {
        fail(
          message,
          [...path, ...nexts.map((next) => next - 1), index - 1],
          `arrays nested deeper than ${maxDepth} levels; send the values flat or nested as the shape`,
        );
      }
      arrays.push(array);
      nexts.push(index);
      array = value;
      index = 0;
      continue;
    }
    if (check && !isLeaf(value, bool, range)) {
      const at = [...path, ...nexts.map((next) => next - 1), index - 1];
      fail(message, at, leafProblem(value, rule) ?? 'invalid value');
    }
    if (count < room) {
      target![offset + count] = typeof value === 'boolean' ? (value ? 1 : 0) : (value as number);
    }
    count++;
  }
}

/**
 * Checks tensor data (flat, or nested at most `maxDepth` levels) value by value without
 * allocating, and counts its values, so a shape can be checked against the data actually sent.
 * @throws ValidationError naming the path of the first bad value, and the tensor.
 */
export function countTensorValues(
  data: readonly unknown[],
  rule: LeafRule,
  maxDepth: number,
  path: FieldPath,
  message: string,
): number {
  return walkValues(data, rule, maxDepth, path, message, true, undefined, 0);
}

/**
 * Checks tensor data like {@link countTensorValues} and, in the same pass, writes its values into
 * `target` from `offset` (as many as fit). Returns the number of values.
 * @throws ValidationError naming the path of the first bad value, and the tensor.
 */
export function packTensorValues(
  data: readonly unknown[],
  rule: LeafRule,
  maxDepth: number,
  path: FieldPath,
  message: string,
  target: Float32Array,
  offset: number,
): number {
  return walkValues(data, rule, maxDepth, path, message, true, target, offset);
}

/** Writes the values of data checked by {@link countTensorValues} into `target` from `offset`. */
export function writeTensorValues(
  data: readonly unknown[],
  target: Float32Array,
  offset: number,
): void {
  const any = { tensor: '', datatype: 'FP32' } as const;
  walkValues(data, any, Number.POSITIVE_INFINITY, [], '', false, target, offset);
}

/**
 * Fails when a model input holds a value that is not finite (a feature transform's output).
 * @throws ValidationError naming the row and column.
 */
export function checkFinite(
  input: Float32Array,
  columns: number,
  path: FieldPath,
  message: string,
): void {
  for (let i = 0; i < input.length; i++) {
    if (!Number.isFinite(input[i]!)) {
      const row = Math.floor(i / columns);
      fail(
        message,
        [...path, row],
        `the feature transform gave ${input[i]} for input column ${i % columns}: a value is missing or outside the float32 range (±${FLOAT32_MAX.toPrecision(8)})`,
      );
    }
  }
}
