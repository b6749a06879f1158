import type { OutputSlot, SignatureSizes, TensorDatatype } from '../model/predictor.js';
import {
  countTensorValues,
  fail,
  INTEGER_RANGES,
  isRecord,
  packTensorValues,
  preview,
  writeTensorValues,
} from './tensor-data.js';

const INVALID = 'Invalid inference request.';

import { parseColumnInputs } from './v2-columns.js';

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

/** Limits a request is checked against before its input is allocated. */
export interface RequestLimits {
  /** Throws when a request of `rows` rows is larger than the model takes. */
  checkRows(rows: number): void;
}

/** A parsed, validated inference input. */
export interface ParsedInput {
  id: string | undefined;
  input: Float32Array;
  rows: number;
  /** Names of the outputs to return. */
  outputs: readonly string[];
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

/** The one input tensor of a request, checked against the signature and packed row-major. */
function parseTensorInput(
  inputs: readonly unknown[],
  sizes: SignatureSizes,
  limits: RequestLimits | undefined,
): { input: Float32Array; rows: number } {
  const spec = sizes.input;
  let tensor: Record<string, unknown> | undefined;
  for (let index = 0; index < inputs.length; index++) {
    const candidate = inputs[index] as unknown;
    if (!isRecord(candidate) || typeof candidate.name !== 'string') {
      fail(INVALID, ['inputs', index, 'name'], 'each input needs a string "name"');
    }
    if (candidate.name !== spec.name) {
      fail(
        INVALID,
        ['inputs', index, 'name'],
        `unknown input ${preview(candidate.name)}; the model takes "${spec.name}"${sizes.columns === undefined ? '' : ` or one input per feature (${sizes.columns.join(', ')})`}`,
      );
    }
    if (tensor !== undefined) {
      fail(INVALID, ['inputs', index, 'name'], `input "${spec.name}" is given twice`);
    }
    tensor = candidate;
  }
  if (tensor === undefined) fail(INVALID, ['inputs'], `missing input "${spec.name}"`);
  const position = inputs.indexOf(tensor);
  const field = (name: string): (string | number)[] => ['inputs', position, name];
  if (tensor.datatype !== spec.datatype) {
    fail(
      INVALID,
      field('datatype'),
      `input "${spec.name}" has datatype ${spec.datatype}, got ${preview(tensor.datatype)}`,
    );
  }
  const shape = tensor.shape;
  if (!validShape(shape, spec.shape)) {
    const expected = `[${['n', ...spec.shape.slice(1)].join(', ')}]`;
    fail(
      INVALID,
      field('shape'),
      `input "${spec.name}" must have shape ${expected}, got ${preview(shape)}`,
    );
  }
  const rows = shape[0] as number;
  if (rows < 1) fail(INVALID, field('shape'), 'the batch dimension must be at least 1');
  // Checked before anything is allocated: a shape such as [1e12, 4] costs nothing.
  limits?.checkRows(rows);
  if (!Array.isArray(tensor.data)) {
    fail(INVALID, field('data'), `input "${spec.name}" needs a "data" array`);
  }
  const needed = rows * sizes.inputSize;
  const rule = { tensor: spec.name, datatype: spec.datatype };
  const depth = spec.shape.length;
  let input: Float32Array | undefined;
  let count: number;
  if (tensor.data.length === needed || tensor.data.length === rows) {
    // Flat data, or one element per row (nested): the part of the size the client chose (rows)
    // is matched by elements actually sent, the rest is the model's row width, so allocating is
    // safe and one pass checks and packs.
    input = new Float32Array(needed);
    count = packTensorValues(tensor.data, rule, depth, field('data'), INVALID, input, 0);
  } else {
    count = countTensorValues(tensor.data, rule, depth, field('data'), INVALID);
  }
  if (count !== needed) {
    fail(
      INVALID,
      field('data'),
      `shape ${JSON.stringify(shape)} needs ${needed} values, got ${count}`,
    );
  }
  if (input === undefined) {
    input = new Float32Array(needed);
    writeTensorValues(tensor.data, input, 0);
  }
  return { input, rows };
}

/**
 * Validates a V2 inference request against the model's signature and packs its input into a
 * row-major `Float32Array`.
 * @throws ValidationError naming the offending field.
 */
export function parseInferRequest(
  body: unknown,
  sizes: SignatureSizes,
  limits?: RequestLimits,
): ParsedInput {
  if (!isRecord(body)) fail(INVALID, [], 'the body must be a JSON object with "inputs"');
  const { id, inputs, outputs } = body;
  if (id !== undefined && typeof id !== 'string') fail(INVALID, ['id'], 'id must be a string');
  if (!Array.isArray(inputs) || inputs.length === 0) {
    fail(
      INVALID,
      ['inputs'],
      `"inputs" must be a non-empty array holding input "${sizes.input.name}"`,
    );
  }
  const first = inputs[0] as unknown;
  const { input, rows } =
    sizes.columns !== undefined && isRecord(first) && first.name !== sizes.input.name
      ? parseColumnInputs(inputs, sizes, sizes.columns, limits)
      : parseTensorInput(inputs, sizes, limits);
  const names = outputNames(sizes);
  let requested = names;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs))
      fail(INVALID, ['outputs'], '"outputs" must be an array of { name }');
    requested = outputs.map((output: unknown, index: number) => {
      if (!isRecord(output) || typeof output.name !== 'string' || !names.includes(output.name)) {
        fail(
          INVALID,
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
