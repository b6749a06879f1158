import { ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { IDS_AND_MASK_SIGNATURE } from '../__fixtures__/onnx-fixtures.js';
import type { TensorSignature } from '../model/tensor.js';
import { MAX_TENSOR_ELEMENTS, parseTensorRequest, tensorOutputs } from './v2-tensor.js';

const signature: TensorSignature = IDS_AND_MASK_SIGNATURE;
const ids = { name: 'ids', datatype: 'INT64', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] };
const mask = {
  name: 'mask',
  datatype: 'BOOL',
  shape: [2, 3],
  data: [
    [true, false, true],
    [false, false, true],
  ],
};

function rejection(body: unknown, model = signature, batched = true): string {
  try {
    parseTensorRequest(body, model, batched);
  } catch (error) {
    expect(ValidationError.isInstance(error)).toBe(true);
    return (error as ValidationError).issues.map((issue) => issue.message).join('\n');
  }
  throw new Error('expected a ValidationError');
}

describe('parseTensorRequest', () => {
  it('reads several named inputs into typed arrays, nested or flat', () => {
    const parsed = parseTensorRequest({ id: 'r1', inputs: [mask, ids] }, signature, true);
    expect(parsed.id).toBe('r1');
    expect(parsed.rows).toBe(2);
    expect(parsed.inputs.ids!.values).toEqual(BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]));
    expect(parsed.inputs.mask!.values).toEqual(Uint8Array.from([1, 0, 1, 0, 0, 1]));
    expect(parsed.outputs).toEqual(['pooled', 'count']);
    const selected = parseTensorRequest(
      { inputs: [ids, mask], outputs: [{ name: 'count' }] },
      signature,
      true,
    );
    expect(selected.outputs).toEqual(['count']);
    const twice = parseTensorRequest(
      { inputs: [ids, mask], outputs: [{ name: 'count' }, { name: 'pooled' }, { name: 'count' }] },
      signature,
      true,
    );
    expect(twice.outputs).toEqual(['count', 'pooled']);
  });

  it('takes 64-bit integers past 2^53 as decimal strings and checks every range', () => {
    const big = { ...ids, data: ['9223372036854775807', 0, 0, 0, 0, -1] };
    const parsed = parseTensorRequest({ inputs: [big, mask] }, signature, true);
    expect(parsed.inputs.ids!.values[0]).toBe(9223372036854775807n);
    expect(
      rejection({ inputs: [{ ...ids, data: ['9223372036854775808', 0, 0, 0, 0, 0] }, mask] }),
    ).toMatch(/input "ids" is INT64: expected an integer/);
    const small: TensorSignature = {
      inputs: [{ name: 'x', datatype: 'UINT8', shape: [-1] }],
      outputs: signature.outputs,
    };
    expect(
      rejection({ inputs: [{ name: 'x', datatype: 'UINT8', shape: [1], data: [256] }] }, small),
    ).toMatch(/\[0, 255\]/);
    expect(
      rejection({ inputs: [{ name: 'x', datatype: 'UINT8', shape: [1], data: [1.5] }] }, small),
    ).toMatch(/UINT8/);
  });

  it('answers hostile requests with the tensor named', () => {
    expect(rejection({ inputs: [ids] })).toMatch(/missing input "mask"/);
    expect(rejection({ inputs: [ids, mask, { ...mask, name: 'extra' }] })).toMatch(
      /unknown input "extra"; the model takes "ids", "mask"/,
    );
    expect(rejection({ inputs: [ids, ids, mask] })).toMatch(/input "ids" is given twice/);
    expect(rejection({ inputs: [{ ...ids, datatype: 'FP32' }, mask] })).toMatch(
      /input "ids" has datatype INT64, got "FP32"/,
    );
    expect(rejection({ inputs: [ids, { ...mask, data: [1, 0, 1, 0, 0, 1] }] })).toMatch(
      /input "mask" is BOOL: expected true or false, got 1/,
    );
    expect(rejection({ inputs: [{ ...ids, shape: [2, 4] }, mask] })).toMatch(
      /input "ids" must have shape \[n, 3\], got \[2,4\]/,
    );
    expect(rejection({ inputs: [{ ...ids, shape: [1, 3] }, mask] })).toMatch(
      /needs 3 values, got more/,
    );
    expect(rejection({ inputs: [{ ...ids, shape: [1, 3], data: [1, 2, 3] }, mask] })).toMatch(
      /input "mask" has 2 rows but the other inputs have 1/,
    );
    expect(rejection({ inputs: [ids, mask], outputs: [{ name: 'nope' }] })).toMatch(
      /unknown output "nope"; the model returns "pooled", "count"/,
    );
    expect(rejection({ inputs: [] })).toMatch(/non-empty array/);
    expect(rejection([1, 2])).toMatch(/JSON object/);
    expect(rejection({ inputs: [{ ...ids, shape: [0, 3], data: [] }, mask] })).toMatch(
      /at least 1/,
    );
  });

  it('refuses huge shapes before allocating anything', () => {
    const huge = { ...ids, shape: [2 ** 40, 3], data: [1, 2, 3] };
    expect(rejection({ inputs: [huge, mask] })).toMatch(
      new RegExp(`holds \\d+ values; at most ${MAX_TENSOR_ELEMENTS}`),
    );
    const deep = { ...ids, shape: [1, 3], data: [[[[[[1]]]]], 2, 3] };
    expect(rejection({ inputs: [deep, mask] })).toMatch(/nests its data deeper than its 2/);
    let nested: unknown = 1;
    for (let i = 0; i < 100_000; i++) nested = [nested];
    expect(rejection({ inputs: [{ ...ids, data: nested }, mask] })).toMatch(/nests its data/);
    // A wrong-typed leaf or wrong-typed leaf names its position.
    expect(rejection({ inputs: [{ ...ids, data: [1, 2, 3, 4, 5, null] }, mask] })).toMatch(
      /input "ids" is INT64/,
    );
  });

  it('refuses FP32 values a float32 cannot hold', () => {
    const floats: TensorSignature = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
      outputs: signature.outputs,
    };
    expect(
      rejection({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1e39] }] }, floats),
    ).toMatch(/input "x" is FP32: expected a finite float32 number, got 1e\+39/);
  });

  it('serves a model without a batch dimension as one row', () => {
    const fixed: TensorSignature = {
      inputs: [{ name: 'table', datatype: 'FP32', shape: [4, 3] }],
      outputs: [{ name: 'means', datatype: 'FP32', shape: [3] }],
    };
    const table = { name: 'table', datatype: 'FP32', shape: [4, 3], data: new Array(12).fill(0.5) };
    expect(parseTensorRequest({ inputs: [table] }, fixed, false).rows).toBe(1);
    expect(
      rejection(
        { inputs: [{ ...table, shape: [8, 3], data: new Array(24).fill(0) }] },
        fixed,
        false,
      ),
    ).toMatch(/must have shape \[4, 3\]/);
  });
});

describe('tensorOutputs', () => {
  it('writes JSON values: booleans for BOOL, strings past 2^53, plain numbers otherwise', () => {
    const outputs = tensorOutputs(
      {
        flag: { datatype: 'BOOL', shape: [2], values: Uint8Array.from([1, 0]) },
        big: { datatype: 'INT64', shape: [2], values: BigInt64Array.from([3n, 2n ** 60n]) },
        text: { datatype: 'BYTES', shape: [1], values: ['dog'] },
      },
      ['big', 'flag', 'text'],
    );
    expect(outputs).toEqual([
      { name: 'big', datatype: 'INT64', shape: [2], data: [3, '1152921504606846976'] },
      { name: 'flag', datatype: 'BOOL', shape: [2], data: [true, false] },
      { name: 'text', datatype: 'BYTES', shape: [1], data: ['dog'] },
    ]);
  });
});
