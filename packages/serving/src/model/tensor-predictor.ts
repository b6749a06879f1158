import type { InstanceRow, Predictor, RawFeature } from './predictor.js';
import type { NamedTensors, TensorSignature } from './tensor.js';

/**
 * A model that takes and returns named tensors of any V2 element type (an ONNX model is one:
 * `loadOnnxModel` returns it). The server serves it as it serves a {@link Predictor}: V2
 * inference with several inputs and `outputs` selection, dynamic batching along the first
 * dimension when `batched`, canary, shadow, the prediction log and metrics.
 */
export interface TensorPredictor {
  /** Inputs and outputs; `-1` marks a dynamic dimension (the batch dimension first when `batched`). */
  readonly signature: TensorSignature;
  /** True when requests can be joined along the first dimension of every input and output. */
  readonly batched: boolean;
  /** The runtime named as `platform` in KServe V2 metadata, e.g. `'onnxruntime_onnx'`. */
  readonly platform?: string;
  /**
   * Runs one batch: one tensor per input.
   * @param outputs - the outputs to compute; default all.
   */
  run(inputs: NamedTensors, outputs?: readonly string[]): Promise<NamedTensors>;
  /**
   * Turns raw rows (`/v1` instances, dataset rows in `scoreDataset`) into the input tensors,
   * e.g. through a column-to-input mapping. Without one, `/v1` instances must be objects keyed by
   * input name.
   */
  fromRows?(rows: readonly InstanceRow[]): NamedTensors;
  /**
   * The fields a raw row carries (the mapped columns, or the input names), when known. With them
   * `/v1` refuses (400) a row that leaves one out, and a field that is not one of them (unless
   * `unknownFields: 'ignore'`).
   */
  readonly features?: readonly RawFeature[];
  /** Releases the model. Called once, after the version has drained. */
  dispose?(): Promise<void> | void;
}

/** True when `value` has the shape of a {@link TensorPredictor}. */
export function isTensorPredictor(value: unknown): value is TensorPredictor {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<TensorPredictor>;
  return (
    typeof candidate.run === 'function' &&
    typeof candidate.batched === 'boolean' &&
    typeof candidate.signature === 'object' &&
    candidate.signature !== null &&
    Array.isArray(candidate.signature.inputs) &&
    Array.isArray(candidate.signature.outputs)
  );
}

/** Anything the server can serve: a row-major {@link Predictor} or a {@link TensorPredictor}. */
export type ServablePredictor = Predictor | TensorPredictor;
