import { MlinfraError, ValidationError } from '@mlinfra/core';
import { concatBatch, type NamedTensors, sliceBatch } from './tensor.js';
import type { TensorPredictor } from './tensor-predictor.js';

/** One request to a tensor model, as the batcher queues it. */
export interface TensorCall {
  /** One tensor per model input. */
  inputs: NamedTensors;
  /** Rows (the batch dimension); 1 for a model without one. */
  rows: number;
  /** Outputs this request asked for. */
  outputs: readonly string[];
}

/** What one request of a batch got: its outputs or its error. */
export type CallResult = { output: NamedTensors } | { error: unknown };

/**
 * The key that decides which requests may share a batch: requests whose inputs differ in a
 * dimension after the batch one (a dynamic sequence length) never do.
 */
export function batchKey(call: TensorCall): string {
  let key = '';
  for (const name in call.inputs) key += `${call.inputs[name]!.shape.slice(1).join('x')};`;
  return key;
}

function select(outputs: NamedTensors, names: readonly string[]): NamedTensors {
  const selected: NamedTensors = {};
  for (const name of names) selected[name] = outputs[name]!;
  return selected;
}

async function runOne(predictor: TensorPredictor, call: TensorCall): Promise<CallResult> {
  try {
    return { output: select(await predictor.run(call.inputs, call.outputs), call.outputs) };
  } catch (error) {
    return { error };
  }
}

/**
 * Runs several requests to a batched tensor model as one call: every input joined along the
 * batch dimension, the outputs any of them asked for computed once, then split back by rows.
 * When the joined call fails on input values (a {@link ValidationError}), each request is run
 * alone so that one bad request fails alone.
 */
export async function runTensorBatch(
  predictor: TensorPredictor,
  calls: readonly TensorCall[],
  label: string,
): Promise<CallResult[]> {
  if (calls.length === 1 || !predictor.batched)
    return Promise.all(calls.map((call) => runOne(predictor, call)));
  const wanted = new Set<string>();
  for (const call of calls) for (const name of call.outputs) wanted.add(name);
  const names = predictor.signature.outputs
    .map((spec) => spec.name)
    .filter((name) => wanted.has(name));
  const inputs: NamedTensors = {};
  for (const spec of predictor.signature.inputs)
    inputs[spec.name] = concatBatch(calls.map((call) => call.inputs[spec.name]!));
  let rows = 0;
  for (const call of calls) rows += call.rows;
  let outputs: NamedTensors;
  try {
    outputs = await predictor.run(inputs, names);
  } catch (error) {
    if (ValidationError.isInstance(error))
      return Promise.all(calls.map((call) => runOne(predictor, call)));
    return calls.map(() => ({ error }));
  }
  for (const name of names) {
    const got = outputs[name]?.shape[0];
    if (got !== rows) {
      const error = new MlinfraError(
        `${label} returned ${got ?? 'no'} rows of output "${name}" for a batch of ${rows}; serve it with batching: false, or export it with the batch dimension on every output.`,
      );
      return calls.map(() => ({ error }));
    }
  }
  const results: CallResult[] = [];
  let start = 0;
  for (const call of calls) {
    const output: NamedTensors = {};
    for (const name of call.outputs) output[name] = sliceBatch(outputs[name]!, start, call.rows);
    results.push({ output });
    start += call.rows;
  }
  return results;
}
