import { ValidationError } from '@mlinfra/core';

/** KServe V2 tensor data types that a served model may declare. */
export const TENSOR_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
] as const;

/** A KServe V2 tensor data type (`BYTES` is not served: models here take numeric tensors). */
export type TensorDatatype = (typeof TENSOR_DATATYPES)[number];

/** One named tensor of a model's signature, in KServe V2 metadata form. */
export interface TensorSpec {
  /** Tensor name, as clients send it in `inputs[].name` and receive it in `outputs[].name`. */
  name: string;
  /** Element type. Values are carried to the model as `Float32Array` whatever the declared type. */
  datatype: TensorDatatype;
  /** Shape with the batch dimension first as `-1`, e.g. `[-1, 20]` for 20 features per row. */
  shape: readonly number[];
}

/** The input/output signature of a model: one input tensor and one or more output tensors, batch-major. */
export interface ModelSignature {
  /** The model's input tensors. Exactly one is supported. */
  inputs: readonly TensorSpec[];
  /** The model's output tensors, at least one. */
  outputs: readonly TensorSpec[];
}

/** One raw row for `/v1/models/{name}:predict`: a feature-name to value object. */
export type InstanceRow = Readonly<Record<string, unknown>>;

/**
 * One loaded model version, as the server drives it. Any object of this shape can be served:
 * a `@mlinfra/trainer` artifact (the default loader builds one), a tfjs model wrapped in three
 * lines, or a remote call.
 */
export interface Predictor {
  /** Input/output signature used to validate requests and to describe the model. */
  readonly signature: ModelSignature;
  /**
   * Scores `rows` rows at once. `batch` holds `rows * featuresPerRow` values, row-major; the
   * result must hold `rows * outputsPerRow` values, row-major, where a row holds the values of
   * every output tensor one after the other, in signature order (as `@mlinfra/trainer` returns them).
   */
  predict(batch: Float32Array, rows: number): Promise<Float32Array> | Float32Array;
  /**
   * The model's feature transform: turns raw rows (as sent to `/v1/...:predict`) into the
   * row-major input batch. Without one, `/v1` accepts only numeric arrays as instances.
   */
  transform?(instances: readonly InstanceRow[]): Promise<Float32Array> | Float32Array;
  /**
   * The raw features a `/v1` row carries, when known. With them the server refuses (400) a row
   * that leaves out a feature the transform does not fill, and a field that is not a feature
   * (unless `unknownFields: 'ignore'`).
   */
  readonly features?: readonly RawFeature[];
  /**
   * Class names of the first output, when known (e.g. a categorical label's vocabulary). `/v1`
   * then answers `{ label, scores }` per row: for a softmax output of one score per class, or a
   * sigmoid output of one score with two classes (`[negative, positive]`).
   */
  readonly labels?: readonly string[];
  /**
   * Names of the input tensor's columns (its last dimension) when each is one raw feature. V2
   * requests may then send one `[n]` or `[n, 1]` tensor per column by name, and metadata lists
   * those rather than the model's internal input name.
   */
  readonly inputColumns?: readonly string[];
  /** The runtime named as `platform` in KServe V2 metadata. Default `'mlinfra_tfjs'`. */
  readonly platform?: string;
  /** Releases the model's memory. Called once, after the version has drained. */
  dispose?(): Promise<void> | void;
}

/** One raw feature of a `/v1` row. */
export interface RawFeature {
  /** The field name in a raw row. */
  name: string;
  /** True when the feature transform fills the feature in when a row leaves it out. Default false. */
  filled?: boolean;
}

/** True when `value` has the shape of a {@link Predictor}. */
export function isPredictor(value: unknown): value is Predictor {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Predictor>;
  return typeof candidate.predict === 'function' && typeof candidate.signature === 'object';
}

/** One output tensor and where its values sit within an output row. */
export interface OutputSlot {
  spec: TensorSpec;
  /** Offset of this tensor's values within a row. */
  offset: number;
  /** Values per row of this tensor. */
  size: number;
}

/** Sizes derived from a signature: values per row in and out. */
export interface SignatureSizes {
  input: TensorSpec;
  /** The output tensors, in signature order. */
  outputs: OutputSlot[];
  /** Values per input row (product of the input shape after the batch dimension). */
  inputSize: number;
  /** Values per output row, every output tensor together. */
  outputSize: number;
  /** Names of the input's columns, when V2 requests may send one tensor per column. */
  columns?: readonly string[];
}

function rowSize(spec: TensorSpec): number {
  return spec.shape.slice(1).reduce((product, dimension) => product * dimension, 1);
}

/**
 * Checks a predictor's signature once, at load time, and derives per-row sizes.
 * @throws ValidationError when the signature has other than one input, no output, or a
 * shape that is not batch-major with fixed dimensions.
 */
export function checkSignature(
  signature: ModelSignature,
  model: string,
  columns?: readonly string[],
): SignatureSizes {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (signature.inputs.length !== 1) {
    issues.push({ path: ['inputs'], message: 'declare exactly one input tensor' });
  }
  if (signature.outputs.length === 0) {
    issues.push({ path: ['outputs'], message: 'declare at least one output tensor' });
  }
  if (new Set(signature.outputs.map((spec) => spec.name)).size !== signature.outputs.length) {
    issues.push({ path: ['outputs'], message: 'give every output tensor a distinct name' });
  }
  for (const [side, list] of [
    ['inputs', signature.inputs],
    ['outputs', signature.outputs],
  ] as const) {
    list.forEach((spec, index) => {
      if (!(TENSOR_DATATYPES as readonly string[]).includes(spec.datatype)) {
        issues.push({
          path: [side, index, 'datatype'],
          message: `use one of ${TENSOR_DATATYPES.join(', ')}`,
        });
      }
      const [batch, ...rest] = spec.shape;
      if (batch !== -1 || rest.some((d) => !Number.isInteger(d) || d < 1)) {
        issues.push({
          path: [side, index, 'shape'],
          message: `shape ${JSON.stringify(spec.shape)} must be [-1, ...positive sizes] (batch dimension first)`,
        });
      }
    });
  }
  if (issues.length > 0) {
    throw new ValidationError(`Model "${model}" has a signature the server cannot serve.`, issues);
  }
  const input = signature.inputs[0]!;
  const outputs: OutputSlot[] = [];
  let offset = 0;
  for (const spec of signature.outputs) {
    const size = rowSize(spec);
    outputs.push({ spec, offset, size });
    offset += size;
  }
  const sizes: SignatureSizes = { input, outputs, inputSize: rowSize(input), outputSize: offset };
  // Columns name a [-1, width] input's last dimension one by one; anything else keeps one tensor.
  if (
    columns !== undefined &&
    input.shape.length === 2 &&
    columns.length === sizes.inputSize &&
    new Set(columns).size === columns.length
  ) {
    sizes.columns = columns;
  }
  return sizes;
}
