import type { SignatureSizes } from '../model/predictor.js';
import { countTensorValues, fail, isRecord, preview, writeTensorValues } from './tensor-data.js';
import type { RequestLimits } from './v2.js';

const INVALID = 'Invalid inference request.';

/** The batch size of a column tensor's shape (`[n]` or `[n, 1]`), or undefined when it is neither. */
function columnRows(shape: unknown): number | undefined {
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2) return undefined;
  const [rows, width] = shape as unknown[];
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) return undefined;
  if (shape.length === 2 && width !== 1) return undefined;
  return rows;
}

/**
 * A V2 request that sends one tensor per input column, named by the model's features (MLServer's
 * columnar form): checks every column is given once with the same batch size, then packs them
 * into the row-major input.
 * @throws ValidationError naming the offending input or the missing feature.
 */
export function parseColumnInputs(
  inputs: readonly unknown[],
  sizes: SignatureSizes,
  columns: readonly string[],
  limits: RequestLimits | undefined,
): { input: Float32Array; rows: number } {
  const { datatype } = sizes.input;
  const positions = new Map(columns.map((name, index) => [name, index]));
  const given: (readonly unknown[] | undefined)[] = new Array(columns.length);
  let rows: number | undefined;
  inputs.forEach((candidate, index) => {
    if (!isRecord(candidate) || typeof candidate.name !== 'string') {
      fail(INVALID, ['inputs', index, 'name'], 'each input needs a string "name"');
    }
    const name = candidate.name;
    const column = positions.get(name);
    if (column === undefined) {
      fail(
        INVALID,
        ['inputs', index, 'name'],
        `unknown input ${preview(name)}; send one input per feature (${columns.join(', ')}) or the single input "${sizes.input.name}"`,
      );
    }
    if (given[column] !== undefined) {
      fail(INVALID, ['inputs', index, 'name'], `input "${name}" is given twice`);
    }
    if (candidate.datatype !== datatype) {
      fail(
        INVALID,
        ['inputs', index, 'datatype'],
        `input "${name}" has datatype ${datatype}, got ${preview(candidate.datatype)}`,
      );
    }
    const count = columnRows(candidate.shape);
    if (count === undefined || (rows !== undefined && count !== rows)) {
      fail(
        INVALID,
        ['inputs', index, 'shape'],
        `input "${name}" must have shape [n] or [n, 1], with the same n for every feature${rows === undefined ? '' : ` (${rows})`}; got ${preview(candidate.shape)}`,
      );
    }
    rows = count;
    if (!Array.isArray(candidate.data)) {
      fail(INVALID, ['inputs', index, 'data'], `input "${name}" needs a "data" array`);
    }
    given[column] = candidate.data;
  });
  const missing = columns.filter((_, column) => given[column] === undefined);
  if (missing.length > 0 || rows === undefined) {
    fail(
      INVALID,
      ['inputs'],
      `missing input for feature ${missing.map((name) => `"${name}"`).join(', ')}`,
    );
  }
  limits?.checkRows(rows);
  const width = columns.length;
  const input = new Float32Array(rows * width);
  const values = new Float32Array(rows);
  given.forEach((data, column) => {
    const index = inputs.findIndex(
      (candidate) => (candidate as { name: string }).name === columns[column],
    );
    const rule = { tensor: columns[column]!, datatype };
    const count = countTensorValues(data!, rule, 2, ['inputs', index, 'data'], INVALID);
    if (count !== rows) {
      fail(
        INVALID,
        ['inputs', index, 'data'],
        `shape [${rows}] needs ${rows} values, got ${count}`,
      );
    }
    writeTensorValues(data!, values, 0);
    for (let row = 0; row < rows; row++) input[row * width + column] = values[row]!;
  });
  return { input, rows };
}
