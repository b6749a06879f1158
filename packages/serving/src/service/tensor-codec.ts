import { ValidationError } from '@mlinfra/core';
import type { BatchExecutor } from '../batching/dynamic-batcher.js';
import { rowsToTensors } from '../model/column-mapping.js';
import type { InstanceRow } from '../model/predictor.js';
import {
  allocateValues,
  jsonValues,
  type NamedTensors,
  sliceBatch,
  type Tensor,
} from '../model/tensor.js';
import { batchKey, runTensorBatch, type TensorCall } from '../model/tensor-batch.js';
import type { TensorPredictor } from '../model/tensor-predictor.js';
import type { PreparedBatching } from '../options.js';
import { checkRawRows } from '../protocol/raw-rows.js';
import type { InferResponse } from '../protocol/v2.js';
import { parseTensorRequest, tensorOutputs } from '../protocol/v2-tensor.js';
import type { CodecCall, VersionCodec } from './version-codec.js';

/** One row of a tensor as JSON: a scalar when the row holds one value. */
function rowJson(tensor: Tensor, row: number): unknown {
  const values = jsonValues(sliceBatch(tensor, row, 1));
  return tensor.shape.length <= 1 ? values[0] : values;
}

/** Numbers of one row of every output, flattened, for the prediction log (strings are left out). */
function rowNumbers(outputs: NamedTensors, row: number, batched: boolean): number[] {
  const numbers: number[] = [];
  for (const name in outputs) {
    const tensor = outputs[name]!;
    const values = batched ? sliceBatch(tensor, row, 1).values : tensor.values;
    if (Array.isArray(values)) continue;
    const numeric = values as ArrayLike<number | bigint>;
    for (let i = 0; i < numeric.length; i++) numbers.push(Number(numeric[i]));
  }
  return numbers;
}

/**
 * The codec of a {@link TensorPredictor} (an ONNX model): several named inputs of any V2 element
 * type, `outputs` selection, and batching along the first dimension when the model has one.
 */
export function tensorCodec(
  predictor: TensorPredictor,
  model: string,
  version: string,
  configured: PreparedBatching,
): VersionCodec {
  const { signature, batched } = predictor;
  const label = `Model "${model}" version ${version}`;
  const outputNames = signature.outputs.map((spec) => spec.name);
  const single = signature.inputs.length === 1 ? signature.inputs[0]! : undefined;
  const floatInput = single?.datatype === 'FP32' && batched ? single : undefined;
  const dynamicInner = signature.inputs.some((spec) => spec.shape.slice(1).some((d) => d < 0));
  const batching: PreparedBatching = batched
    ? configured
    : { ...configured, enabled: false, maxBatchSize: 1, maxQueueDelayMs: 0 };
  const executor: BatchExecutor<TensorCall, NamedTensors> = {
    ...(dynamicInner ? { key: batchKey } : {}),
    execute: (calls) => runTensorBatch(predictor, calls, label),
  };
  const toCall = (
    inputs: NamedTensors,
    rows: number,
    outputs: readonly string[],
    logged: (row: number) => unknown,
  ): CodecCall => {
    const input: TensorCall = { inputs, rows, outputs };
    const float32 = floatInput === undefined ? undefined : inputs[floatInput.name]!.values;
    return { input, rows, logged, float32: float32 as Float32Array | undefined };
  };
  return {
    metadata: {
      platform: predictor.platform ?? 'mlinfra_tensor',
      inputs: signature.inputs,
      outputs: signature.outputs,
      parameters: { batch_dimension: batched, dynamic_batching: batching.enabled },
    },
    batching,
    executor: executor as BatchExecutor<unknown, unknown>,
    async warm() {
      const inputs: NamedTensors = {};
      for (const spec of signature.inputs) {
        const shape = spec.shape.map((d) => (d < 0 ? 1 : d));
        let count = 1;
        for (const d of shape) count *= d;
        inputs[spec.name] = {
          datatype: spec.datatype,
          shape,
          values: allocateValues(spec.datatype, count),
        };
      }
      try {
        await predictor.run(inputs);
      } catch (error) {
        // Zeros may be values the model refuses (an id, a string it does not know): that is no
        // reason to refuse the model, only a warm-up that did not happen.
        if (!ValidationError.isInstance(error)) throw error;
      }
    },
    parseInfer(body, limits) {
      const parsed = parseTensorRequest(body, signature, batched, limits);
      const { inputs } = parsed;
      const logged = (row: number) => {
        const values: Record<string, unknown> = {};
        for (const name in inputs)
          values[name] = batched ? rowJson(inputs[name]!, row) : jsonValues(inputs[name]!);
        return values;
      };
      return {
        call: { ...toCall(inputs, parsed.rows, parsed.outputs, logged), id: parsed.id },
        respond(output, name, answered) {
          const response: InferResponse = {
            model_name: name,
            model_version: answered,
            outputs: tensorOutputs(output as NamedTensors, parsed.outputs),
          };
          if (parsed.id !== undefined) response.id = parsed.id;
          return response;
        },
      };
    },
    async parsePredict(instances, limits, unknownFields) {
      if (!batched) {
        throw new ValidationError(
          `${label} has no batch dimension, so it takes no rows; send a V2 inference request (POST /v2/models/${model}/infer).`,
        );
      }
      if (instances.length === 0)
        throw new ValidationError('Invalid predict request.', [
          { path: ['instances'], message: '"instances" must hold at least one row' },
        ]);
      instances.forEach((instance, index) => {
        if (typeof instance !== 'object' || instance === null || Array.isArray(instance))
          throw new ValidationError('Invalid predict request.', [
            {
              path: ['instances', index],
              message: `expected an object of columns or of inputs (${signature.inputs.map((spec) => spec.name).join(', ')})`,
            },
          ]);
      });
      limits.checkRows(instances.length);
      const rows = instances as readonly InstanceRow[];
      if (predictor.features !== undefined) checkRawRows(rows, predictor.features, unknownFields);
      const inputs = predictor.fromRows?.(rows) ?? rowsToTensors(rows, signature, undefined);
      return toCall(inputs, rows.length, outputNames, (row) => instances[row]);
    },
    predictions(output, rows) {
      const outputs = output as NamedTensors;
      const result: unknown[] = [];
      for (let row = 0; row < rows; row++) {
        if (outputNames.length === 1) {
          result.push(rowJson(outputs[outputNames[0]!]!, row));
          continue;
        }
        const named: Record<string, unknown> = {};
        for (const name of outputNames) named[name] = rowJson(outputs[name]!, row);
        result.push(named);
      }
      return result;
    },
    logOutputs: (output, row) => rowNumbers(output as NamedTensors, row, batched),
    shadowInput(shadowed) {
      const input = shadowed.input as Partial<TensorCall>;
      if (input.inputs !== undefined) {
        // Tensors are never written to after parsing, so the shadow can share them.
        const fits = signature.inputs.every((spec) => {
          const tensor = input.inputs![spec.name];
          return (
            tensor !== undefined &&
            tensor.datatype === spec.datatype &&
            tensor.shape.length === spec.shape.length &&
            tensor.shape.every((d, i) => spec.shape[i]! < 0 || d === spec.shape[i])
          );
        });
        if (fits) return { inputs: input.inputs, rows: shadowed.rows, outputs: outputNames };
      } else if (floatInput !== undefined && shadowed.float32 !== undefined) {
        const shape = [shadowed.rows, ...floatInput.shape.slice(1)];
        let count = 1;
        for (const d of shape) count *= d;
        if (count === shadowed.float32.length && shape.every((d) => d >= 0))
          return {
            inputs: {
              [floatInput.name]: { datatype: 'FP32', shape, values: shadowed.float32.slice() },
            },
            rows: shadowed.rows,
            outputs: outputNames,
          } satisfies TensorCall;
      }
      throw new ValidationError(
        `Shadow model "${model}" takes inputs ${signature.inputs.map((spec) => `"${spec.name}" ${spec.datatype} [${spec.shape.join(', ')}]`).join(', ')}; the request it mirrors does not fit them.`,
      );
    },
    dispose: () => predictor.dispose?.(),
  };
}
