import { ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { checkInputColumns, rowsToTensors } from './column-mapping.js';
import type { TensorSignature } from './tensor.js';

const signature: TensorSignature = {
  inputs: [
    { name: 'ids', datatype: 'INT64', shape: [-1, 3] },
    { name: 'mask', datatype: 'BOOL', shape: [-1, 3] },
    { name: 'text', datatype: 'BYTES', shape: [-1] },
  ],
  outputs: [{ name: 'out', datatype: 'FP32', shape: [-1, 1] }],
};
const columns = { ids: ['a', 'b', 'c'], mask: ['ma', 'mb', 'mc'], text: ['t'] };

describe('rowsToTensors', () => {
  it('feeds each input from its dataset columns, converting cells to the element type', () => {
    const tensors = rowsToTensors(
      [
        { a: 1, b: 2n, c: '3', ma: true, mb: 0, mc: 'false', t: 'dog', other: 'ignored' },
        { a: 4, b: 5, c: 6, ma: false, mb: 1, mc: true, t: 7 },
      ],
      signature,
      columns,
    );
    expect(tensors.ids).toEqual({
      datatype: 'INT64',
      shape: [2, 3],
      values: BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]),
    });
    expect(tensors.mask!.values).toEqual(Uint8Array.from([1, 0, 0, 0, 1, 1]));
    expect(tensors.text).toEqual({ datatype: 'BYTES', shape: [2], values: ['dog', '7'] });
  });

  it('takes objects keyed by input name without a mapping', () => {
    const tensors = rowsToTensors(
      [{ ids: [1, 2, 3], mask: [true, false, true], text: 'cat' }],
      signature,
      undefined,
    );
    expect(tensors.ids!.values).toEqual(BigInt64Array.from([1n, 2n, 3n]));
    expect(tensors.text!.values).toEqual(['cat']);
  });

  it('names the row and column that is missing or of the wrong type', () => {
    const error = (() => {
      try {
        rowsToTensors([{ a: 1, b: 'x', ma: true, mb: true, mc: 2, t: 'a' }], signature, columns);
      } catch (caught) {
        return caught as ValidationError;
      }
    })();
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error!.issues).toEqual([
      { path: ['instances', 0, 'b'], message: '"x" is not a valid INT64 value for input "ids"' },
      { path: ['instances', 0, 'c'], message: 'missing for input "ids"' },
      { path: ['instances', 0, 'mc'], message: '2 is not a valid BOOL value for input "mask"' },
    ]);
    expect(() => rowsToTensors([{ ids: [1, 2] }], signature, undefined)).toThrow(
      /input "ids" takes 3 values per row, got 2/,
    );
  });
});

describe('checkInputColumns', () => {
  it('accepts a mapping that fits and lists every mismatch of one that does not', () => {
    expect(() => checkInputColumns(signature, columns)).not.toThrow();
    expect(() =>
      checkInputColumns(signature, { ids: ['a', 'b'], text: ['t'], nope: ['x'] }),
    ).toThrow(
      /takes 3 values per row; map it to 3 columns, not 2[\s\S]*"mask" has no columns[\s\S]*no input "nope"/,
    );
  });
});
