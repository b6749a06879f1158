import { TENSOR_DATATYPES, type TensorDatatype } from './predictor.js';

/** A KServe V2 element type a tensor model takes (every V2 type but `FP16`). */
export type TensorElementType = Exclude<TensorDatatype, 'FP16'> | 'BYTES';

/**
 * Element types a tensor model (an ONNX model) takes and returns, in KServe V2 names. `BOOL` is
 * carried as a `Uint8Array` of 0/1, `INT64`/`UINT64` as `BigInt64Array`/`BigUint64Array`,
 * `BYTES` (strings) as a `string[]`.
 */
export const TENSOR_ELEMENT_TYPES: readonly TensorElementType[] = [
  ...TENSOR_DATATYPES.filter(
    (datatype): datatype is Exclude<TensorDatatype, 'FP16'> => datatype !== 'FP16',
  ),
  'BYTES',
];

/** The values of one tensor, flat and row-major, in the array type its element type needs. */
export type TensorValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[];

/** One tensor: element type, shape and flat row-major values. */
export interface Tensor {
  /** Element type. */
  datatype: TensorElementType;
  /** Dimensions; their product is `values.length`. */
  shape: readonly number[];
  /** Values, row-major. */
  values: TensorValues;
}

/** Tensors by name, as a model takes or returns them. */
export type NamedTensors = Record<string, Tensor>;

/** One named tensor of a tensor model's signature (KServe V2 metadata form). */
export interface TensorModelSpec {
  /** Tensor name. */
  name: string;
  /** Element type. */
  datatype: TensorElementType;
  /** Dimensions; `-1` for a dynamic one (the batch dimension first, when the model has one). */
  shape: readonly number[];
}

/** A tensor model's signature: several named inputs and outputs. */
export interface TensorSignature {
  /** Input tensors, in the model's order. */
  inputs: readonly TensorModelSpec[];
  /** Output tensors, in the model's order. */
  outputs: readonly TensorModelSpec[];
}

type TypedArrayConstructor = new (length: number) => Exclude<TensorValues, string[]>;

const ARRAYS: Record<Exclude<TensorElementType, 'BYTES'>, TypedArrayConstructor> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/** A zero-filled value array of `length` elements for `datatype` (empty strings for `BYTES`). */
export function allocateValues(datatype: TensorElementType, length: number): TensorValues {
  if (datatype === 'BYTES') return new Array<string>(length).fill('');
  return new ARRAYS[datatype](length);
}

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dimension of shape) count *= dimension;
  return count;
}

/**
 * Joins tensors along their first (batch) dimension; all must share the element type and the
 * dimensions after the first. One tensor is returned as is.
 */
export function concatBatch(parts: readonly Tensor[]): Tensor {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  let rows = 0;
  let length = 0;
  for (const part of parts) {
    rows += part.shape[0]!;
    length += part.values.length;
  }
  const shape = [rows, ...first.shape.slice(1)];
  if (Array.isArray(first.values)) {
    const values: string[] = [];
    for (const part of parts) for (const value of part.values as string[]) values.push(value);
    return { datatype: first.datatype, shape, values };
  }
  const values = allocateValues(first.datatype, length) as Exclude<TensorValues, string[]>;
  let offset = 0;
  for (const part of parts) {
    // Same element type on both sides, so the set copies bytes.
    (values as Float32Array).set(part.values as Float32Array, offset);
    offset += part.values.length;
  }
  return { datatype: first.datatype, shape, values };
}

/** Rows `start` to `start + rows` of a batch-major tensor (a view for typed arrays). */
export function sliceBatch(tensor: Tensor, start: number, rows: number): Tensor {
  const total = tensor.shape[0]!;
  if (start === 0 && rows === total) return tensor;
  const perRow = total === 0 ? 0 : tensor.values.length / total;
  const values = Array.isArray(tensor.values)
    ? tensor.values.slice(start * perRow, (start + rows) * perRow)
    : tensor.values.subarray(start * perRow, (start + rows) * perRow);
  return { datatype: tensor.datatype, shape: [rows, ...tensor.shape.slice(1)], values };
}

/** Plain JSON values of a tensor: numbers, booleans or strings (64-bit integers past 2^53 as strings). */
export function jsonValues(tensor: Tensor): (number | boolean | string)[] {
  const { values, datatype } = tensor;
  const length = values.length;
  if (Array.isArray(values)) return values.slice();
  if (datatype === 'BOOL') {
    const flags = new Array<boolean>(length);
    for (let i = 0; i < length; i++) flags[i] = values[i] !== 0;
    return flags;
  }
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const out = new Array<number | string>(length);
    for (let i = 0; i < length; i++) {
      const value = values[i]!;
      const number = Number(value);
      out[i] = Number.isSafeInteger(number) ? number : value.toString();
    }
    return out;
  }
  // Plain loop: Array.from over a typed array is several times slower for small outputs.
  const numbers = new Array<number>(length);
  for (let i = 0; i < length; i++) numbers[i] = (values as Float32Array)[i]!;
  return numbers;
}
