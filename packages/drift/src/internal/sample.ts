import { ValidationError } from '@mlinfra/core/schema';
import type { CategoricalSample, NumericSample } from '../input/samples.js';
import { sortedCopyFloat64, sortFloat64 } from './sort.js';

/**
 * Copies `values` into a Float64Array, rejecting NaN, infinities and non-numbers with a
 * ValidationError that names `name`. `minLength` is the smallest allowed size.
 */
export function toFiniteFloat64(values: NumericSample, name: string, minLength = 1): Float64Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new ValidationError(`${name} must be an array or typed array of numbers`, [
      { path: [name], message: 'expected an array of finite numbers' },
    ]);
  }
  const n = values.length;
  if (n < minLength) {
    throw new ValidationError(
      `${name} has ${n} value(s); at least ${minLength} are needed. Pass a larger sample.`,
      [{ path: [name], message: `needs at least ${minLength} values, got ${n}` }],
    );
  }
  if (
    ArrayBuffer.isView(values) &&
    !(values instanceof BigInt64Array || values instanceof BigUint64Array)
  ) {
    // Typed arrays hold numbers only: copy, then one monomorphic pass finds NaN and infinities.
    const copy = values instanceof Float64Array ? values.slice() : Float64Array.from(values);
    checkFinite(copy, name);
    return copy;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (typeof value !== 'number' || value - value !== 0) throwNotFinite(value, name, i);
    out[i] = value as number;
  }
  return out;
}

function checkFinite(values: Float64Array, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v - v !== 0) throwNotFinite(v, name, i);
  }
}

function throwNotFinite(value: unknown, name: string, i: number): never {
  throw new ValidationError(
    `${name}[${i}] is ${describe(value)}; every value must be a finite number. Drop missing values (null, NaN) before testing, or use detectDrift, which counts them separately.`,
    [{ path: [name, i], message: `expected a finite number, got ${describe(value)}` }],
  );
}

/**
 * Like {@link toFiniteFloat64} but returns a Float64Array input itself (after checking it) instead
 * of a copy. The caller must not modify the result.
 */
export function finiteView(values: NumericSample, name: string, minLength = 1): Float64Array {
  if (values instanceof Float64Array && values.length >= minLength) {
    checkFinite(values, name);
    return values;
  }
  return toFiniteFloat64(values, name, minLength);
}

/** Sorted copy of a finite sample. */
export function sortedSample(values: NumericSample, name: string, minLength = 1): Float64Array {
  if (values instanceof Float64Array) return sortedCopyFloat64(finiteView(values, name, minLength));
  return sortFloat64(toFiniteFloat64(values, name, minLength));
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `a ${typeof value}`;
}

/** Counts categorical values, rejecting null and undefined. */
export function countCategories(values: CategoricalSample, name: string): Map<string, number> {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new ValidationError(`${name} must be an array of categories`, [
      { path: [name], message: 'expected an array of strings, numbers or booleans' },
    ]);
  }
  if (values.length === 0) {
    throw new ValidationError(`${name} is empty; pass at least one value`, [
      { path: [name], message: 'needs at least 1 value, got 0' },
    ]);
  }
  const counts = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const type = typeof value;
    if (
      (type !== 'string' && type !== 'number' && type !== 'boolean') ||
      (type === 'number' && Number.isNaN(value))
    ) {
      throw new ValidationError(
        `${name}[${i}] is ${describe(value)}; categories must be strings, numbers or booleans. Drop missing values first.`,
        [{ path: [name, i], message: `expected a category, got ${describe(value)}` }],
      );
    }
    const key = String(value);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Throws a ValidationError for an option value. */
export function invalidOption(path: string, message: string): never {
  throw new ValidationError(`Invalid option ${path}: ${message}`, [{ path: [path], message }]);
}
