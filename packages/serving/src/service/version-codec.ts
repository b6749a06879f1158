import { ValidationError } from '@mlinfra/core';
import { type BatchExecutor, float32Executor } from '../batching/dynamic-batcher.js';
import { checkSignature, type Predictor, type TensorSpec } from '../model/predictor.js';
import type { TensorModelSpec } from '../model/tensor.js';
import type { PreparedBatching } from '../options.js';
import type { UnknownFields } from '../protocol/raw-rows.js';
import { outputRows, parsePredictRequest } from '../protocol/v1.js';
import {
  buildInferResponse,
  type InferResponse,
  parseInferRequest,
  type RequestLimits,
} from '../protocol/v2.js';

/** One request's input, parsed against the version that will answer it. */
export interface CodecCall {
  /** What the version's batcher takes. */
  input: unknown;
  /** Rows in the request. */
  rows: number;
  /** The V2 request id. */
  id?: string | undefined;
  /** The inputs of one row as the prediction log records them. */
  logged(row: number): unknown;
  /** For a shadow copy: the request's rows as one `Float32Array`, when it has that form. */
  float32?: Float32Array | undefined;
}

/** A parsed V2 inference request and how to answer it. */
export interface CodecInfer {
  call: CodecCall;
  /** Builds the V2 response from this request's share of the batch output. */
  respond(output: unknown, model: string, version: string): InferResponse;
}

/** What the metadata route says about a version. */
export interface CodecMetadata {
  platform: string;
  inputs: readonly (TensorSpec | TensorModelSpec)[];
  outputs: readonly (TensorSpec | TensorModelSpec)[];
  /** Batching facts: whether the model has a batch dimension and whether requests are joined. */
  parameters: { batch_dimension: boolean; dynamic_batching: boolean };
}

/**
 * How the request path talks to one kind of predictor: parses requests into what its batcher
 * takes, runs batches, and turns outputs into responses, predictions and log records.
 */
export interface VersionCodec {
  readonly metadata: CodecMetadata;
  /** Batching for this version: the configured one, or off for a model without a batch dimension. */
  readonly batching: PreparedBatching;
  readonly executor: BatchExecutor<unknown, unknown>;
  /** Runs the model once on placeholder input before it takes traffic. */
  warm(): Promise<void>;
  /**
   * @param limits - refuses a request of more rows than a batch takes, before its input is allocated.
   * @throws ValidationError naming what does not fit the signature.
   */
  parseInfer(body: unknown, limits: RequestLimits): CodecInfer;
  /**
   * `/v1` instances to a call.
   * @param unknownFields - what to do with raw-row fields that are not features.
   * @throws ValidationError
   */
  parsePredict(
    instances: readonly unknown[],
    limits: RequestLimits,
    unknownFields: UnknownFields,
  ): Promise<CodecCall>;
  /** One `/v1` prediction per row. */
  predictions(output: unknown, rows: number): unknown[];
  /** The outputs of one row as the prediction log records them (numbers, flattened). */
  logOutputs(output: unknown, row: number): number[];
  /** The input a shadow copy of `call` gives this version. @throws ValidationError when it cannot take it */
  shadowInput(call: CodecCall): unknown;
  /** Releases the model. */
  dispose(): Promise<void> | void;
}

/** The codec of a {@link Predictor}: one `Float32Array` input, rows of values in and out. */
export function float32Codec(
  predictor: Predictor,
  model: string,
  version: string,
  batching: PreparedBatching,
): VersionCodec {
  const sizes = checkSignature(predictor.signature, model, predictor.inputColumns);
  const { inputSize, outputSize } = sizes;
  const call = (input: Float32Array, rows: number, logged: (row: number) => unknown) => ({
    input,
    rows,
    logged,
    float32: input,
  });
  return {
    metadata: {
      platform: predictor.platform ?? 'mlinfra_tfjs',
      // A model whose input columns are its features takes (and lists) one input per feature.
      inputs:
        sizes.columns === undefined
          ? predictor.signature.inputs
          : sizes.columns.map((column) => ({
              name: column,
              datatype: sizes.input.datatype,
              shape: [-1, 1],
            })),
      outputs: predictor.signature.outputs,
      parameters: { batch_dimension: true, dynamic_batching: batching.enabled },
    },
    batching,
    executor: float32Executor({
      model,
      version,
      inputSize,
      outputSize,
      run: (batch, rows) => predictor.predict(batch, rows),
    }) as BatchExecutor<unknown, unknown>,
    async warm() {
      const counts =
        batching.enabled && batching.maxBatchSize > 1 ? [1, batching.maxBatchSize] : [1];
      for (const rows of counts) {
        const output = await predictor.predict(new Float32Array(rows * inputSize), rows);
        if (!(output instanceof Float32Array) || output.length !== rows * outputSize) {
          throw new ValidationError(
            `Model "${model}" version ${version} failed its warm-up: ${rows} rows gave ${output instanceof Float32Array ? output.length : typeof output} values, its signature needs a Float32Array of ${rows * outputSize}. Fix the predictor or its signature.`,
          );
        }
      }
    },
    parseInfer(body, limits) {
      const parsed = parseInferRequest(body, sizes, limits);
      const { input } = parsed;
      return {
        call: {
          ...call(input, parsed.rows, (row) =>
            Array.from(input.subarray(row * inputSize, (row + 1) * inputSize)),
          ),
          id: parsed.id,
        },
        respond: (output, name, answered) =>
          buildInferResponse(name, answered, parsed, output as Float32Array, sizes),
      };
    },
    async parsePredict(instances, limits, unknownFields) {
      const parsed = await parsePredictRequest(
        { instances },
        sizes,
        predictor,
        limits,
        unknownFields,
      );
      return call(parsed.input, parsed.rows, (row) => parsed.instances[row]);
    },
    predictions: (output, rows) =>
      outputRows(output as Float32Array, rows, sizes, predictor.labels),
    logOutputs: (output, row) =>
      Array.from((output as Float32Array).subarray(row * outputSize, (row + 1) * outputSize)),
    shadowInput(shadowed) {
      const input = shadowed.float32;
      if (input === undefined || input.length !== shadowed.rows * inputSize) {
        throw new ValidationError(
          `Shadow model "${model}" takes ${inputSize} FP32 values per row; the request it mirrors does not have that form.`,
        );
      }
      // The copy: the primary's input buffer may be reused by the caller.
      return input.slice();
    },
    dispose: () => predictor.dispose?.(),
  };
}
