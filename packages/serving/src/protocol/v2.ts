import { ValidationError, type ValidationIssue } from '@mlinfra/core';
import type {
  InstanceRow,
  OutputSlot,
  Predictor,
  SignatureSizes,
  TensorDatatype,
} from '../model/predictor.js';

/** One input tensor of a KServe V2 inference request. */
export interface InferInputTensor {
  /** Input name from the model's signature. */
  name: string;
  /** Shape, batch dimension first, e.g. `[2, 20]`. */
  shape: readonly number[];
  /** Element type; must equal the signature's. */
  datatype: string;
  /** Values, row-major: flat, or nested to the tensor's shape. */
  data: readonly unknown[];
  /** Per-input parameters (accepted, unused). */
  parameters?: Record<string, unknown>;
}

/** A KServe V2 inference request body (`POST /v2/models/{name}/infer`). */
export interface InferRequest {
  /** Echoed in the response. */
  id?: string;
  /** Request parameters (accepted, unused). */
  parameters?: Record<string, unknown>;
  /** Input tensors. */
  inputs: readonly InferInputTensor[];
  /** Outputs to return; all when absent. */
  outputs?: readonly { name: string; parameters?: Record<string, unknown> }[];
}

/** One output tensor of a KServe V2 inference response. */
export interface InferOutputTensor {
  /** Output name from the model's signature. */
  name: string;
  /** Shape, batch dimension first. */
  shape: number[];
  /** Element type, from the signature (`BYTES` for strings). */
  datatype: TensorDatatype | 'BYTES';
  /** Values, flat and row-major; 64-bit integers past 2^53 as decimal strings. */
  data: number[] | boolean[] | (number | boolean | string)[];
}

/** A KServe V2 inference response body. */
export interface InferResponse {
  /** The served model's name. */
  model_name: string;
  /** The version that answered. */
  model_version: string;
  /** The request's `id`, when it had one. */
  id?: string;
  /** Output tensors. */
  outputs: InferOutputTensor[];
}

/** A parsed, validated inference input. */
export interface ParsedInput {
  id: string | undefined;
  input: Float32Array;
  rows: number;
  /** Names of the outputs to return. */
  outputs: readonly string[];
}

const INTEGER_RANGES: Partial<Record<TensorDatatype, [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** A short rendering of a rejected value: error messages never echo a whole payload. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(message: string, path: (string | number)[], detail: string): never {
  const issue: ValidationIssue = { path, message: detail };
  throw new ValidationError(message, [issue]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Flattens nested arrays into `target`, checking each element's type. Returns values written. */
function fillValues(
  data: readonly unknown[],
  datatype: TensorDatatype,
  target: Float32Array,
  offset: number,
  path: (string | number)[],
): number {
  let written = 0;
  const range = INTEGER_RANGES[datatype];
  for (let index = 0; index < data.length; index++) {
    const value = data[index];
    if (Array.isArray(value)) {
      written += fillValues(value, datatype, target, offset + written, [...path, index]);
      continue;
    }
    if (offset + written >= target.length) return written + 1;
    if (datatype === 'BOOL') {
      if (typeof value !== 'boolean') {
        fail(
          'Invalid input data.',
          [...path, index],
          `expected a boolean (datatype BOOL), got ${preview(value)}`,
        );
      }
      target[offset + written] = value ? 1 : 0;
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        fail(
          'Invalid input data.',
          [...path, index],
          `expected a finite number (datatype ${datatype}), got ${preview(value)}`,
        );
      }
      if (
        range !== undefined &&
        (!Number.isInteger(value) || value < range[0] || value > range[1])
      ) {
        fail(
          'Invalid input data.',
          [...path, index],
          `expected an integer in [${range[0]}, ${range[1]}] (datatype ${datatype}), got ${value}`,
        );
      }
      target[offset + written] = value;
    }
    written++;
  }
  return written;
}

/** True when `shape` is `[n, ...dims[1:]]` with non-negative integers (checked without allocating). */
function validShape(shape: unknown, dims: readonly number[]): shape is number[] {
  if (!Array.isArray(shape) || shape.length !== dims.length) return false;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) return false;
    if (i > 0 && d !== dims[i]) return false;
  }
  return true;
}

const OUTPUT_NAMES = new WeakMap<SignatureSizes, readonly string[]>();

/** The model's output names, computed once per signature rather than per request. */
function outputNames(sizes: SignatureSizes): readonly string[] {
  let names = OUTPUT_NAMES.get(sizes);
  if (names === undefined) {
    names = Object.freeze(sizes.outputs.map((slot) => slot.spec.name));
    OUTPUT_NAMES.set(sizes, names);
  }
  return names;
}

/**
 * Validates a V2 inference request against the model's signature and packs its input into a
 * row-major `Float32Array`.
 * @throws ValidationError naming the offending field.
 */
export function parseInferRequest(body: unknown, sizes: SignatureSizes): ParsedInput {
  if (!isRecord(body))
    fail('Invalid inference request.', [], 'the body must be a JSON object with "inputs"');
  const { id, inputs, outputs } = body;
  if (id !== undefined && typeof id !== 'string')
    fail('Invalid inference request.', ['id'], 'id must be a string');
  if (!Array.isArray(inputs) || inputs.length === 0) {
    fail(
      'Invalid inference request.',
      ['inputs'],
      `"inputs" must be a non-empty array holding input "${sizes.input.name}"`,
    );
  }
  const spec = sizes.input;
  let tensor: Record<string, unknown> | undefined;
  for (let index = 0; index < inputs.length; index++) {
    const candidate = inputs[index] as unknown;
    if (!isRecord(candidate) || typeof candidate.name !== 'string') {
      fail(
        'Invalid inference request.',
        ['inputs', index, 'name'],
        'each input needs a string "name"',
      );
    }
    if (candidate.name !== spec.name) {
      fail(
        'Invalid inference request.',
        ['inputs', index, 'name'],
        `unknown input ${preview(candidate.name)}; the model takes "${spec.name}"`,
      );
    }
    if (tensor !== undefined) {
      fail(
        'Invalid inference request.',
        ['inputs', index, 'name'],
        `input "${spec.name}" is given twice`,
      );
    }
    tensor = candidate;
  }
  if (tensor === undefined)
    fail('Invalid inference request.', ['inputs'], `missing input "${spec.name}"`);
  const position = inputs.indexOf(tensor);
  const field = (name: string): (string | number)[] => ['inputs', position, name];
  if (tensor.datatype !== spec.datatype) {
    fail(
      'Invalid inference request.',
      field('datatype'),
      `input "${spec.name}" has datatype ${spec.datatype}, got ${preview(tensor.datatype)}`,
    );
  }
  const shape = tensor.shape;
  if (!validShape(shape, spec.shape)) {
    const expected = `[${['n', ...spec.shape.slice(1)].join(', ')}]`;
    fail(
      'Invalid inference request.',
      field('shape'),
      `input "${spec.name}" must have shape ${expected}, got ${preview(shape)}`,
    );
  }
  const rows = shape[0] as number;
  if (rows < 1)
    fail('Invalid inference request.', field('shape'), 'the batch dimension must be at least 1');
  if (!Array.isArray(tensor.data)) {
    fail('Invalid inference request.', field('data'), `input "${spec.name}" needs a "data" array`);
  }
  const input = new Float32Array(rows * sizes.inputSize);
  const written = fillValues(tensor.data, spec.datatype, input, 0, field('data'));
  if (written !== input.length) {
    fail(
      'Invalid inference request.',
      field('data'),
      `shape ${JSON.stringify(shape)} needs ${input.length} values, got ${written > input.length ? 'more' : written}`,
    );
  }
  const names = outputNames(sizes);
  let requested = names;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs))
      fail('Invalid inference request.', ['outputs'], '"outputs" must be an array of { name }');
    requested = outputs.map((output: unknown, index: number) => {
      if (!isRecord(output) || typeof output.name !== 'string' || !names.includes(output.name)) {
        fail(
          'Invalid inference request.',
          ['outputs', index, 'name'],
          `unknown output; the model returns ${names.map((name) => `"${name}"`).join(', ')}`,
        );
      }
      return output.name;
    });
  }
  return { id, input, rows, outputs: requested };
}

function outputValues(values: Float32Array, datatype: TensorDatatype): number[] | boolean[] {
  // Plain loops: Array.from over a typed array is several times slower for the small outputs
  // every request builds.
  const length = values.length;
  if (datatype === 'BOOL') {
    const flags = new Array<boolean>(length);
    for (let i = 0; i < length; i++) flags[i] = values[i]! >= 0.5;
    return flags;
  }
  const numbers = new Array<number>(length);
  if (INTEGER_RANGES[datatype] !== undefined) {
    for (let i = 0; i < length; i++) numbers[i] = Math.round(values[i]!);
  } else {
    for (let i = 0; i < length; i++) numbers[i] = values[i]!;
  }
  return numbers;
}

/** Builds the V2 response body for one request's output rows. */
export function buildInferResponse(
  model: string,
  version: string,
  parsed: ParsedInput,
  output: Float32Array,
  sizes: SignatureSizes,
): InferResponse {
  const response: InferResponse = { model_name: model, model_version: version, outputs: [] };
  if (parsed.id !== undefined) response.id = parsed.id;
  for (const name of parsed.outputs) {
    const slot = sizes.outputs.find((candidate) => candidate.spec.name === name)!;
    response.outputs.push({
      name,
      shape: [parsed.rows, ...slot.spec.shape.slice(1)],
      datatype: slot.spec.datatype,
      data: outputValues(slotValues(output, parsed.rows, sizes, slot), slot.spec.datatype),
    });
  }
  return response;
}

/** The values of one output tensor, row-major, out of rows that hold every output. */
function slotValues(
  output: Float32Array,
  rows: number,
  sizes: SignatureSizes,
  slot: OutputSlot,
): Float32Array {
  if (sizes.outputs.length === 1) return output;
  const values = new Float32Array(rows * slot.size);
  for (let row = 0; row < rows; row++) {
    const start = row * sizes.outputSize + slot.offset;
    values.set(output.subarray(start, start + slot.size), row * slot.size);
  }
  return values;
}

function shapeRow(values: Float32Array, dims: readonly number[]): unknown {
  if (dims.length === 0) return values[0];
  const [first, ...rest] = dims;
  const step = values.length / first!;
  const result: unknown[] = [];
  for (let i = 0; i < first!; i++)
    result.push(shapeRow(values.subarray(i * step, (i + 1) * step), rest));
  return result;
}

/**
 * Splits a row-major output into one value per row, shaped like the output tensor (TF Serving's
 * `predictions`); with several outputs each row is an object keyed by output name.
 */
export function outputRows(output: Float32Array, rows: number, sizes: SignatureSizes): unknown[] {
  const result: unknown[] = [];
  for (let row = 0; row < rows; row++) {
    const values = output.subarray(row * sizes.outputSize, (row + 1) * sizes.outputSize);
    if (sizes.outputs.length === 1) {
      result.push(shapeRow(values, sizes.outputs[0]!.spec.shape.slice(1)));
      continue;
    }
    const named: Record<string, unknown> = {};
    for (const slot of sizes.outputs) {
      named[slot.spec.name] = shapeRow(
        values.subarray(slot.offset, slot.offset + slot.size),
        slot.spec.shape.slice(1),
      );
    }
    result.push(named);
  }
  return result;
}

/** A parsed `/v1` predict request. */
export interface ParsedInstances {
  input: Float32Array;
  rows: number;
  /** The instances as sent, for the prediction log. */
  instances: readonly unknown[];
}

/**
 * Validates a `/v1/models/{name}:predict` body (`{ instances: [...] }`) and turns the instances
 * into the input batch: numeric rows directly, objects through the model's feature transform.
 * @throws ValidationError naming the offending instance.
 */
export async function parsePredictRequest(
  body: unknown,
  sizes: SignatureSizes,
  predictor: Predictor,
): Promise<ParsedInstances> {
  if (!isRecord(body) || !Array.isArray(body.instances)) {
    fail(
      'Invalid predict request.',
      ['instances'],
      'the body must be { "instances": [...] } with one entry per row',
    );
  }
  const instances = body.instances as unknown[];
  const rows = instances.length;
  if (rows === 0)
    fail('Invalid predict request.', ['instances'], '"instances" must hold at least one row');
  const allObjects = instances.every(
    (instance) =>
      isRecord(instance) && !(sizes.input.name in instance && Object.keys(instance).length === 1),
  );
  if (allObjects) {
    if (predictor.transform === undefined) {
      fail(
        'Invalid predict request.',
        ['instances', 0],
        'this model has no feature transform; send each instance as an array of numbers',
      );
    }
    let input: Float32Array;
    try {
      input = await predictor.transform(instances as InstanceRow[]);
    } catch (error) {
      if (ValidationError.isInstance(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      fail(
        'Invalid predict request.',
        ['instances'],
        `the feature transform rejected the instances: ${message}`,
      );
    }
    if (!(input instanceof Float32Array) || input.length !== rows * sizes.inputSize) {
      throw new ValidationError(
        `The model's feature transform produced ${input instanceof Float32Array ? input.length : typeof input} values for ${rows} rows; the signature needs ${rows * sizes.inputSize}. Fix the transform.`,
      );
    }
    return { input, rows, instances };
  }
  const input = new Float32Array(rows * sizes.inputSize);
  for (let row = 0; row < rows; row++) {
    let instance = instances[row];
    if (isRecord(instance) && sizes.input.name in instance) instance = instance[sizes.input.name];
    if (!Array.isArray(instance)) {
      fail(
        'Invalid predict request.',
        ['instances', row],
        `expected an array of ${sizes.inputSize} numbers or an object of raw features`,
      );
    }
    const slot = input.subarray(row * sizes.inputSize, (row + 1) * sizes.inputSize);
    const written = fillValues(instance, sizes.input.datatype, slot, 0, ['instances', row]);
    if (written !== sizes.inputSize) {
      fail(
        'Invalid predict request.',
        ['instances', row],
        `expected ${sizes.inputSize} values, got ${written > sizes.inputSize ? 'more' : written}`,
      );
    }
  }
  return { input, rows, instances };
}
