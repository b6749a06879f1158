import { ValidationError } from '@mlinfra/core';
import {
  allocateValues,
  elementCount,
  jsonValues,
  type NamedTensors,
  type Tensor,
  type TensorElementType,
  type TensorModelSpec,
  type TensorSignature,
  type TensorValues,
} from '../model/tensor.js';
import type { RequestLimits } from './v2.js';

/** Most elements one input tensor of a request may hold (2^26 = 64 Mi, 256 MiB as FP32). */
export const MAX_TENSOR_ELEMENTS = 2 ** 26;

/** A validated V2 request to a tensor model. */
export interface ParsedTensorRequest {
  /** The request's `id`. */
  id: string | undefined;
  /** One tensor per signature input. */
  inputs: NamedTensors;
  /** Rows (the batch dimension); 1 for a model without one. */
  rows: number;
  /** Names of the outputs to return, in request order (all, in signature order, by default). */
  outputs: readonly string[];
}

/** One output tensor of a V2 response from a tensor model. */
export interface TensorOutput {
  /** Output name. */
  name: string;
  /** Element type. */
  datatype: TensorElementType;
  /** Shape. */
  shape: number[];
  /** Values, flat and row-major; 64-bit integers past 2^53 as decimal strings. */
  data: (number | boolean | string)[];
}

/** The largest finite float32. */
const FP32_MAX = 3.4028234663852886e38;

const RANGES: Partial<Record<TensorElementType, [bigint, bigint]>> = {
  UINT8: [0n, 255n],
  UINT16: [0n, 65535n],
  UINT32: [0n, 4294967295n],
  UINT64: [0n, 18446744073709551615n],
  INT8: [-128n, 127n],
  INT16: [-32768n, 32767n],
  INT32: [-2147483648n, 2147483647n],
  INT64: [-9223372036854775808n, 9223372036854775807n],
};

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(path: (string | number)[], message: string): never {
  throw new ValidationError('Invalid inference request.', [{ path, message }]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Counts leaf values of nested arrays, stopping past `limit`; -1 when arrays nest deeper than
 * `depth` levels (so hostile nesting never reaches the recursive fill).
 */
function countLeaves(data: readonly unknown[], limit: number, depth: number): number {
  let count = 0;
  for (const value of data) {
    if (Array.isArray(value)) {
      if (depth <= 1) return -1;
      const inner = countLeaves(value, limit - count, depth - 1);
      if (inner < 0) return -1;
      count += inner;
    } else {
      count++;
    }
    if (count > limit) return count;
  }
  return count;
}

/** Reads one element; `where` names the tensor for the message. */
function element(
  value: unknown,
  datatype: TensorElementType,
  where: () => (string | number)[],
  tensor: string,
): number | bigint | string {
  switch (datatype) {
    case 'BYTES':
      if (typeof value !== 'string')
        fail(where(), `input "${tensor}" is BYTES: expected a string, got ${preview(value)}`);
      return value;
    case 'BOOL':
      if (typeof value !== 'boolean')
        fail(where(), `input "${tensor}" is BOOL: expected true or false, got ${preview(value)}`);
      return value ? 1 : 0;
    case 'FP32':
    case 'FP64':
      // FP32 past its largest finite value would reach the model as Infinity.
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        (datatype === 'FP32' && Math.abs(value) > FP32_MAX)
      )
        fail(
          where(),
          `input "${tensor}" is ${datatype}: expected a finite ${datatype === 'FP32' ? 'float32 ' : ''}number, got ${preview(value)}`,
        );
      return value;
    default: {
      const range = RANGES[datatype]!;
      let integer: bigint | undefined;
      if (typeof value === 'number' && Number.isSafeInteger(value)) integer = BigInt(value);
      // 64-bit integers past 2^53 travel as decimal strings (JSON numbers lose them).
      else if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) integer = BigInt(value);
      if (integer === undefined || integer < range[0] || integer > range[1])
        fail(
          where(),
          `input "${tensor}" is ${datatype}: expected an integer in [${range[0]}, ${range[1]}], got ${preview(value)}`,
        );
      return datatype === 'INT64' || datatype === 'UINT64' ? integer : Number(integer);
    }
  }
}

function fill(
  data: readonly unknown[],
  datatype: TensorElementType,
  values: TensorValues,
  offset: number,
  path: (string | number)[],
  tensor: string,
): number {
  let written = offset;
  for (let index = 0; index < data.length; index++) {
    const value = data[index];
    if (Array.isArray(value)) {
      written = fill(value, datatype, values, written, [...path, index], tensor);
      continue;
    }
    (values as unknown[])[written++] = element(value, datatype, () => [...path, index], tensor);
  }
  return written;
}

function shapeText(spec: TensorModelSpec): string {
  return `[${spec.shape.map((d) => (d < 0 ? 'n' : d)).join(', ')}]`;
}

/** Validates one input tensor against its spec and converts its data. */
function parseTensor(
  tensor: Record<string, unknown>,
  spec: TensorModelSpec,
  position: number,
  checkRows: ((rows: number) => void) | undefined,
): Tensor {
  const field = (name: string): (string | number)[] => ['inputs', position, name];
  if (tensor.datatype !== spec.datatype) {
    fail(
      field('datatype'),
      `input "${spec.name}" has datatype ${spec.datatype}, got ${preview(tensor.datatype)}`,
    );
  }
  const shape = tensor.shape;
  const expected = shapeText(spec);
  if (
    !Array.isArray(shape) ||
    shape.length !== spec.shape.length ||
    shape.some(
      (d: unknown, i) =>
        typeof d !== 'number' ||
        !Number.isSafeInteger(d) ||
        d < 0 ||
        (spec.shape[i]! >= 0 && d !== spec.shape[i]),
    )
  ) {
    fail(field('shape'), `input "${spec.name}" must have shape ${expected}, got ${preview(shape)}`);
  }
  const dims = shape as number[];
  checkRows?.(dims[0]!);
  const count = elementCount(dims);
  if (count > MAX_TENSOR_ELEMENTS) {
    fail(
      field('shape'),
      `input "${spec.name}" shape ${preview(dims)} holds ${count} values; at most ${MAX_TENSOR_ELEMENTS} are accepted, split the request`,
    );
  }
  const data = tensor.data;
  if (!Array.isArray(data)) fail(field('data'), `input "${spec.name}" needs a "data" array`);
  const given = countLeaves(data, count, Math.max(1, dims.length));
  if (given < 0)
    fail(
      field('data'),
      `input "${spec.name}" nests its data deeper than its ${dims.length} dimensions; send it flat or nested to its shape`,
    );
  if (given !== count) {
    fail(
      field('data'),
      `input "${spec.name}" with shape ${JSON.stringify(dims)} needs ${count} values, got ${given > count ? 'more' : given}`,
    );
  }
  const values = allocateValues(spec.datatype, count);
  fill(data, spec.datatype, values, 0, field('data'), spec.name);
  return { datatype: spec.datatype, shape: dims, values };
}

/**
 * Validates a V2 inference request against a tensor model's signature: every input present
 * once, with its datatype and a shape that fits the signature (dynamic dimensions any size,
 * one batch size across inputs when `batched`), and the `outputs` selection.
 * @param limits - refuses more rows than a batch takes before any input is allocated.
 * @throws ValidationError naming the offending tensor and field.
 */
export function parseTensorRequest(
  body: unknown,
  signature: TensorSignature,
  batched: boolean,
  limits?: RequestLimits,
): ParsedTensorRequest {
  if (!isRecord(body)) fail([], 'the body must be a JSON object with "inputs"');
  const { id, inputs, outputs } = body;
  if (id !== undefined && typeof id !== 'string') fail(['id'], 'id must be a string');
  const expected = signature.inputs.map((spec) => `"${spec.name}"`).join(', ');
  if (!Array.isArray(inputs) || inputs.length === 0)
    fail(['inputs'], `"inputs" must be a non-empty array holding ${expected}`);
  const parsed: NamedTensors = {};
  let rows: number | undefined;
  inputs.forEach((candidate: unknown, index: number) => {
    if (!isRecord(candidate) || typeof candidate.name !== 'string')
      fail(['inputs', index, 'name'], 'each input needs a string "name"');
    const spec = signature.inputs.find((input) => input.name === candidate.name);
    if (spec === undefined)
      fail(
        ['inputs', index, 'name'],
        `unknown input ${preview(candidate.name)}; the model takes ${expected}`,
      );
    if (Object.hasOwn(parsed, spec.name))
      fail(['inputs', index, 'name'], `input "${spec.name}" is given twice`);
    const tensor = parseTensor(
      candidate,
      spec,
      index,
      batched && limits !== undefined ? (count) => limits.checkRows(count) : undefined,
    );
    if (batched) {
      const size = tensor.shape[0]!;
      if (size < 1) fail(['inputs', index, 'shape'], 'the batch dimension must be at least 1');
      if (rows !== undefined && size !== rows)
        fail(
          ['inputs', index, 'shape'],
          `input "${spec.name}" has ${size} rows but the other inputs have ${rows}; every input needs the same batch size`,
        );
      rows = size;
    }
    parsed[spec.name] = tensor;
  });
  const missing = signature.inputs.filter((spec) => !Object.hasOwn(parsed, spec.name));
  if (missing.length > 0)
    fail(
      ['inputs'],
      `missing input${missing.length > 1 ? 's' : ''} ${missing.map((spec) => `"${spec.name}"`).join(', ')}; the model takes ${expected}`,
    );
  const names = signature.outputs.map((spec) => spec.name);
  let selected: readonly string[] = names;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs) || outputs.length === 0)
      fail(['outputs'], '"outputs" must be a non-empty array of { name }');
    const asked = outputs.map((output: unknown, index: number) => {
      if (!isRecord(output) || typeof output.name !== 'string' || !names.includes(output.name))
        fail(
          ['outputs', index, 'name'],
          `unknown output ${preview(isRecord(output) ? output.name : output)}; the model returns ${names.map((name) => `"${name}"`).join(', ')}`,
        );
      return output.name;
    });
    selected = [...new Set(asked)];
  }
  return { id, inputs: parsed, rows: rows ?? 1, outputs: selected };
}

/** The V2 output tensors of a model's answer, for the names asked for. */
export function tensorOutputs(outputs: NamedTensors, names: readonly string[]): TensorOutput[] {
  return names.map((name) => {
    const tensor = outputs[name]!;
    return {
      name,
      datatype: tensor.datatype,
      shape: [...tensor.shape],
      data: jsonValues(tensor),
    };
  });
}
