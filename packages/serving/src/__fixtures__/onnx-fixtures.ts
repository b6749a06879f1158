import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Tensor, TensorElementType, TensorSignature } from '../model/tensor.js';

/** Fixture names; each has `<name>.onnx` and `<name>.json` in `__fixtures__/onnx/`. */
export const ONNX_FIXTURES = [
  'mlp',
  'cnn',
  'two_in_two_out',
  'ids_and_mask',
  'unbatched',
  'sequence',
  'strings',
  'dtypes',
] as const;

/** A KServe V2 tensor as the fixture JSON holds it. */
export interface FixtureTensor {
  name: string;
  datatype: TensorElementType;
  shape: number[];
  data: (number | boolean | string)[];
}

/** One fixture: the model's bytes, inputs, and Python onnxruntime's outputs for them. */
export interface OnnxFixture {
  bytes: Uint8Array;
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
}

/** Reads a fixture from `__fixtures__/onnx/`. */
export function onnxFixture(name: (typeof ONNX_FIXTURES)[number]): OnnxFixture {
  const folder = new URL('./onnx/', import.meta.url);
  const document = JSON.parse(readFileSync(new URL(`${name}.json`, folder), 'utf8')) as {
    inputs: FixtureTensor[];
    outputs: FixtureTensor[];
  };
  return { bytes: readFileSync(new URL(`${name}.onnx`, folder)), ...document };
}

/** Path of a fixture's `.onnx` file. */
export function onnxFixturePath(name: (typeof ONNX_FIXTURES)[number]): string {
  return new URL(`./onnx/${name}.onnx`, import.meta.url).pathname;
}

/** Rows `start` to `start + rows` of a batch-major fixture tensor. */
export function fixtureRows(tensor: FixtureTensor, start: number, rows: number): FixtureTensor {
  const perRow = tensor.data.length / tensor.shape[0]!;
  return {
    ...tensor,
    shape: [rows, ...tensor.shape.slice(1)],
    data: tensor.data.slice(start * perRow, (start + rows) * perRow),
  };
}

/** JSON values of a tensor's values (BigInt as number when safe). */
function plain(values: Tensor['values'] | FixtureTensor['data'], datatype: string): unknown[] {
  return Array.from(values as ArrayLike<unknown>, (value) => {
    if (typeof value === 'bigint') return Number(value);
    if (datatype === 'BOOL' && typeof value === 'number') return value !== 0;
    return value;
  });
}

/**
 * Asserts `actual` equals the reference: floats within `relative` (of the larger magnitude,
 * with 1e-7 absolute slack near zero), everything else exactly.
 */
export function expectMatchesReference(
  actual: {
    name: string;
    datatype: string;
    shape: readonly number[];
    data?: unknown;
    values?: unknown;
  },
  expected: FixtureTensor,
  relative = 1e-6,
): void {
  expect(actual.datatype, `datatype of ${expected.name}`).toBe(expected.datatype);
  expect([...actual.shape], `shape of ${expected.name}`).toEqual(expected.shape);
  const values = plain((actual.data ?? actual.values) as Tensor['values'], actual.datatype);
  expect(values.length).toBe(expected.data.length);
  if (expected.datatype === 'FP32' || expected.datatype === 'FP64') {
    expected.data.forEach((reference, index) => {
      const got = values[index] as number;
      const bound = relative * Math.max(Math.abs(reference as number), Math.abs(got)) + 1e-7;
      expect(
        Math.abs(got - (reference as number)),
        `${expected.name}[${index}]: ${got} vs ${reference}`,
      ).toBeLessThanOrEqual(bound);
    });
  } else {
    expect(values).toEqual(plain(expected.data, expected.datatype));
  }
}

/** The signature the `ids_and_mask` fixture declares (an INT64 and a BOOL input). */
export const IDS_AND_MASK_SIGNATURE = {
  inputs: [
    { name: 'ids', datatype: 'INT64', shape: [-1, 3] },
    { name: 'mask', datatype: 'BOOL', shape: [-1, 3] },
  ],
  outputs: [
    { name: 'pooled', datatype: 'FP32', shape: [-1, 4] },
    { name: 'count', datatype: 'INT64', shape: [-1] },
  ],
} as const satisfies TensorSignature;
