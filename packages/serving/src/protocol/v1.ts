import { ValidationError } from '@mlinfra/core';
import type { InstanceRow, Predictor, SignatureSizes } from '../model/predictor.js';
import { checkNesting, MAX_RAW_ROW_DEPTH } from './nesting.js';
import { checkRawRows, type UnknownFields } from './raw-rows.js';
import { checkFinite, fail, isRecord, packTensorValues } from './tensor-data.js';
import type { RequestLimits } from './v2.js';

const INVALID = 'Invalid predict request.';

function shapeRow(values: Float32Array, dims: readonly number[]): unknown {
  if (dims.length === 0) return values[0];
  const [first, ...rest] = dims;
  const step = values.length / first!;
  const result: unknown[] = [];
  for (let i = 0; i < first!; i++)
    result.push(shapeRow(values.subarray(i * step, (i + 1) * step), rest));
  return result;
}

/** One row's prediction for a classifier whose class names are known. */
export interface LabeledPrediction {
  /** The most likely class. */
  label: string;
  /** Every class's score (probability), by class name. */
  scores: Record<string, number>;
}

/**
 * A classifier output row with class names: a softmax row of one score per class, or a sigmoid
 * row of one score with two classes (`[negative, positive]`); undefined for any other output.
 */
function labeled(values: Float32Array, labels: readonly string[]): LabeledPrediction | undefined {
  let scores: number[];
  if (labels.length >= 2 && values.length === labels.length) scores = Array.from(values);
  else if (labels.length === 2 && values.length === 1) scores = [1 - values[0]!, values[0]!];
  else return undefined;
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return {
    label: labels[best]!,
    // fromEntries defines own properties, so a class named "__proto__" stays a class.
    scores: Object.fromEntries(labels.map((label, i) => [label, scores[i]!])),
  };
}

/**
 * Splits a row-major output into one value per row, shaped like the output tensor (TF Serving's
 * `predictions`); with several outputs each row is an object keyed by output name. With class
 * `labels`, the first output of a classifier becomes a {@link LabeledPrediction}.
 */
export function outputRows(
  output: Float32Array,
  rows: number,
  sizes: SignatureSizes,
  labels?: readonly string[],
): unknown[] {
  const result: unknown[] = [];
  const shaped = (values: Float32Array, index: number): unknown => {
    const slot = sizes.outputs[index]!;
    const named = index === 0 && labels !== undefined ? labeled(values, labels) : undefined;
    return named ?? shapeRow(values, slot.spec.shape.slice(1));
  };
  for (let row = 0; row < rows; row++) {
    const values = output.subarray(row * sizes.outputSize, (row + 1) * sizes.outputSize);
    if (sizes.outputs.length === 1) {
      result.push(shaped(values, 0));
      continue;
    }
    const named: Record<string, unknown> = {};
    sizes.outputs.forEach((slot, index) => {
      named[slot.spec.name] = shaped(values.subarray(slot.offset, slot.offset + slot.size), index);
    });
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
  limits?: RequestLimits,
  unknownFields: UnknownFields = 'reject',
): Promise<ParsedInstances> {
  if (!isRecord(body) || !Array.isArray(body.instances)) {
    fail(INVALID, ['instances'], 'the body must be { "instances": [...] } with one entry per row');
  }
  const instances = body.instances as unknown[];
  const rows = instances.length;
  if (rows === 0) fail(INVALID, ['instances'], '"instances" must hold at least one row');
  limits?.checkRows(rows);
  const inputName = sizes.input.name;
  const allObjects = instances.every(
    (instance) =>
      isRecord(instance) && !(inputName in instance && Object.keys(instance).length === 1),
  );
  if (allObjects) {
    const raw = instances as InstanceRow[];
    if (predictor.features !== undefined) checkRawRows(raw, predictor.features, unknownFields);
    return { input: await transformRows(raw, sizes, predictor), rows, instances };
  }
  const input = new Float32Array(rows * sizes.inputSize);
  const rule = { tensor: inputName, datatype: sizes.input.datatype };
  // A row holds the input tensor without its batch dimension: nested at most rank - 1 levels.
  const rowDepth = Math.max(1, sizes.input.shape.length - 1);
  for (let row = 0; row < rows; row++) {
    let instance = instances[row];
    if (isRecord(instance) && inputName in instance) instance = instance[inputName];
    if (!Array.isArray(instance)) {
      fail(
        INVALID,
        ['instances', row],
        `expected an array of ${sizes.inputSize} numbers or an object of raw features`,
      );
    }
    // The row's slot is allocated already (rows come from the body), so check and pack at once.
    const path = ['instances', row];
    const offset = row * sizes.inputSize;
    const slot = input.subarray(0, offset + sizes.inputSize);
    const count = packTensorValues(instance, rule, rowDepth, path, INVALID, slot, offset);
    if (count !== sizes.inputSize) {
      fail(INVALID, path, `expected ${sizes.inputSize} values, got ${count}`);
    }
  }
  return { input, rows, instances };
}

/** Raw rows through the model's feature transform, checked before and after. */
async function transformRows(
  instances: readonly InstanceRow[],
  sizes: SignatureSizes,
  predictor: Predictor,
): Promise<Float32Array> {
  if (predictor.transform === undefined) {
    fail(
      INVALID,
      ['instances', 0],
      'this model has no feature transform; send each instance as an array of numbers',
    );
  }
  instances.forEach((instance, row) => {
    checkNesting(instance, MAX_RAW_ROW_DEPTH, ['instances', row], INVALID);
  });
  let input: Float32Array;
  try {
    input = await predictor.transform(instances);
  } catch (error) {
    if (ValidationError.isInstance(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    fail(INVALID, ['instances'], `the feature transform rejected the instances: ${message}`);
  }
  const rows = instances.length;
  if (!(input instanceof Float32Array) || input.length !== rows * sizes.inputSize) {
    throw new ValidationError(
      `The model's feature transform produced ${input instanceof Float32Array ? input.length : typeof input} values for ${rows} rows; the signature needs ${rows * sizes.inputSize}. Fix the transform.`,
    );
  }
  checkFinite(input, sizes.inputSize, ['instances'], INVALID);
  return input;
}
