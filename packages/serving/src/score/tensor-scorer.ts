import { ValidationError } from '@mlinfra/core';
import { rowsToTensors } from '../model/column-mapping.js';
import type { InstanceRow } from '../model/predictor.js';
import { elementCount, jsonValues } from '../model/tensor.js';
import type { TensorPredictor } from '../model/tensor-predictor.js';

/** A block of rows as column arrays. */
export interface Chunk {
  columns: Readonly<Record<string, ArrayLike<unknown>>>;
}

/** Scores row ranges of chunks into prediction columns. */
export interface Scorer {
  /** Names of the prediction columns, in order. */
  readonly columns: readonly string[];
  /** Prediction columns for rows `start` to `end` of `chunk`. */
  score(chunk: Chunk, start: number, end: number): Promise<Record<string, unknown[]>>;
}

function plain(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** Rows `start` to `end` of a chunk as objects keyed by column (BigInt cells as numbers). */
export function chunkRows(chunk: Chunk, start: number, end: number): InstanceRow[] {
  const rows: InstanceRow[] = [];
  const names = Object.keys(chunk.columns);
  for (let row = start; row < end; row++) {
    const record: Record<string, unknown> = {};
    for (const name of names) record[name] = plain(chunk.columns[name]![row]);
    rows.push(record);
  }
  return rows;
}

/**
 * Scores with a {@link TensorPredictor}: dataset rows reach its inputs through its column mapping
 * (`fromRows`, from the registered `inputColumns`), or through `features` for a one-input model.
 * One prediction column per output value: `<column>` for a single value, `<column>_<i>` for
 * several, and `<column>_<output>[_<i>]` when the model has several outputs.
 * @throws ValidationError when the model has no batch dimension or no way to map columns.
 */
export function tensorScorer(
  predictor: TensorPredictor,
  column: string,
  features: readonly string[] | undefined,
): Scorer {
  const { signature } = predictor;
  if (!predictor.batched)
    throw new ValidationError(
      'This model has no batch dimension, so it cannot score rows; export it with a dynamic first dimension.',
    );
  let toTensors = predictor.fromRows?.bind(predictor);
  if (features !== undefined) {
    const input = signature.inputs[0]!;
    if (signature.inputs.length !== 1)
      throw new ValidationError(
        `"features" feeds a one-input model, but this one takes ${signature.inputs.map((spec) => spec.name).join(', ')}; register it with inputColumns instead.`,
      );
    const columns = { [input.name]: features };
    toTensors = (rows) => rowsToTensors(rows, signature, columns);
  }
  if (toTensors === undefined)
    throw new ValidationError(
      'This model has no column mapping; register it with inputColumns (input name to dataset columns) or pass "features".',
    );
  const slots = signature.outputs.map((spec) => {
    const size = elementCount(spec.shape.slice(1).map((d) => Math.max(d, 1)));
    const base = signature.outputs.length === 1 ? column : `${column}_${spec.name}`;
    const names = size === 1 ? [base] : Array.from({ length: size }, (_, i) => `${base}_${i}`);
    return { spec, size, names };
  });
  const map = toTensors;
  return {
    columns: slots.flatMap((slot) => slot.names),
    async score(chunk, start, end) {
      const rows = chunkRows(chunk, start, end);
      const outputs = await predictor.run(map(rows));
      const result: Record<string, unknown[]> = {};
      for (const slot of slots) {
        const tensor = outputs[slot.spec.name]!;
        const values = jsonValues(tensor);
        if (values.length !== rows.length * slot.size)
          throw new ValidationError(
            `Output "${slot.spec.name}" has ${values.length} values for ${rows.length} rows; expected ${rows.length * slot.size}.`,
          );
        slot.names.forEach((name, index) => {
          result[name] = Array.from(
            { length: rows.length },
            (_, row) => values[row * slot.size + index],
          );
        });
      }
      return result;
    },
  };
}
