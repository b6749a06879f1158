import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatasets } from '@mlinfra/datasets';
import { openRegistry, type Registry } from '@mlinfra/registry';
import { saveModelArtifact } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCall } from './__fixtures__/http.js';
import {
  expectMatchesReference,
  type FixtureTensor,
  fixtureRows,
  IDS_AND_MASK_SIGNATURE,
  ONNX_FIXTURES,
  onnxFixture,
  onnxFixturePath,
} from './__fixtures__/onnx-fixtures.js';
import { until } from './__fixtures__/predictors.js';
import {
  createServer,
  loadOnnxModel,
  type ModelServer,
  type PredictionRecord,
  type ServingEvent,
  scoreDataset,
} from './index.js';

let folder: string;
let registry: Registry;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'serving-onnx-'));
  registry = await openRegistry({ url: join(folder, 'registry.db'), store: folder });
  // Every fixture registered from its file: the registry records format "onnx" from the name.
  for (const name of ONNX_FIXTURES) {
    await registry.registerModel(name, { artifact: { file: onnxFixturePath(name) } });
    await registry.setAlias(name, 'champion', 1);
  }
});
afterAll(async () => {
  await registry.close();
  await rm(folder, { recursive: true, force: true });
});

/** POSTs a JSON body (or raw text) and returns the status and the JSON answer. */
async function post(port: number, path: string, body: unknown) {
  const reply = await httpCall(
    port,
    'POST',
    path,
    typeof body === 'string' ? body : JSON.stringify(body),
  );
  return { status: reply.status, body: (reply.json ?? {}) as Record<string, unknown> };
}

/** GETs a route: its JSON, or its text when it is not JSON. */
async function get(
  port: number,
  path: string,
): Promise<Record<string, unknown> & { text: string }> {
  const reply = await httpCall(port, 'GET', path);
  return { ...((reply.json ?? {}) as Record<string, unknown>), text: reply.text };
}

async function serve(
  options: Omit<Parameters<typeof createServer>[0], 'source' | 'shutdown'>,
): Promise<{ server: ModelServer; port: number }> {
  const server = createServer({ source: registry, shutdown: { signals: [] }, ...options });
  const { port } = await server.listen(0, '127.0.0.1');
  await server.ready();
  return { server, port };
}

describe('serving ONNX models from the registry over HTTP', () => {
  it('answers V2 inference for every fixture as Python onnxruntime does', async () => {
    const { server, port } = await serve({
      models: ONNX_FIXTURES.map((name) => `${name}@champion`),
      onnx: { intraOpNumThreads: 1 },
    });
    try {
      for (const name of ONNX_FIXTURES) {
        const fixture = onnxFixture(name);
        const { status, body } = await post(port, `/v2/models/${name}/infer`, {
          id: `req-${name}`,
          inputs: fixture.inputs,
        });
        expect(status, JSON.stringify(body)).toBe(200);
        expect(body.id).toBe(`req-${name}`);
        const outputs = body.outputs as FixtureTensor[];
        expect(outputs.map((output) => output.name)).toEqual(
          fixture.outputs.map((output) => output.name),
        );
        fixture.outputs.forEach((expected, index) => {
          expectMatchesReference(outputs[index]!, expected);
        });
      }
    } finally {
      await server.close();
    }
  });

  it('shows the signature in V2 metadata and states when a model is served unbatched', async () => {
    const { server, port } = await serve({ models: ['ids_and_mask@champion', 'unbatched'] });
    try {
      const { text: _text, ...metadata } = await get(port, '/v2/models/ids_and_mask');
      expect(metadata).toEqual({
        name: 'ids_and_mask',
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        ...IDS_AND_MASK_SIGNATURE,
        parameters: { batch_dimension: true, dynamic_batching: true },
      });
      const fixed = await get(port, '/v2/models/unbatched');
      expect(fixed.inputs).toEqual([{ name: 'table', datatype: 'FP32', shape: [4, 3] }]);
      expect(fixed.parameters).toEqual({ batch_dimension: false, dynamic_batching: false });
      const rows = await post(port, '/v1/models/unbatched:predict', { instances: [{ table: 1 }] });
      expect(rows.status).toBe(400);
      expect(String(rows.body.error)).toMatch(/no batch dimension.*\/v2\/models\/unbatched\/infer/);
    } finally {
      await server.close();
    }
  });

  it('returns only the outputs asked for', async () => {
    const { server, port } = await serve({ models: ['two_in_two_out@champion'] });
    try {
      const fixture = onnxFixture('two_in_two_out');
      const { status, body } = await post(port, '/v2/models/two_in_two_out/infer', {
        inputs: [...fixture.inputs].reverse(),
        outputs: [{ name: 'embedding' }],
      });
      expect(status).toBe(200);
      const outputs = body.outputs as FixtureTensor[];
      expect(outputs).toHaveLength(1);
      expectMatchesReference(outputs[0]!, fixture.outputs[1]!);
    } finally {
      await server.close();
    }
  });

  it('batches concurrent requests with zero mismatches against unbatched answers', async () => {
    const fixture = onnxFixture('ids_and_mask');
    const events: ServingEvent[] = [];
    const { server, port } = await serve({
      models: ['ids_and_mask@champion'],
      batching: { maxBatchSize: 64, maxQueueDelayMs: 2 },
      onEvent: (event) => events.push(event),
    });
    const alone = await loadOnnxModel(fixture.bytes, { intraOpNumThreads: 1 });
    try {
      const requests = Array.from({ length: 300 }, (_, index) => {
        const rows = 1 + (index % 3);
        const ids = Array.from({ length: rows * 3 }, (_, i) => (index * 7 + i * 3) % 10);
        const mask = Array.from({ length: rows * 3 }, (_, i) => (index + i) % 3 !== 0);
        return {
          inputs: [
            { name: 'ids', datatype: 'INT64', shape: [rows, 3], data: ids },
            { name: 'mask', datatype: 'BOOL', shape: [rows, 3], data: mask },
          ],
        };
      });
      const answers = await Promise.all(
        requests.map((request) => post(port, '/v2/models/ids_and_mask/infer', request)),
      );
      let mismatches = 0;
      for (const [index, answer] of answers.entries()) {
        expect(answer.status).toBe(200);
        const request = requests[index]!;
        const expected = await alone.run({
          ids: {
            datatype: 'INT64',
            shape: request.inputs[0]!.shape,
            values: BigInt64Array.from(request.inputs[0]!.data as number[], BigInt),
          },
          mask: {
            datatype: 'BOOL',
            shape: request.inputs[1]!.shape,
            values: Uint8Array.from(request.inputs[1]!.data as boolean[], Number),
          },
        });
        const outputs = answer.body.outputs as FixtureTensor[];
        const pooled = Array.from(expected.pooled!.values as Float32Array);
        const count = Array.from(expected.count!.values as BigInt64Array, Number);
        if (JSON.stringify(outputs[0]!.data) !== JSON.stringify(pooled)) mismatches++;
        if (JSON.stringify(outputs[1]!.data) !== JSON.stringify(count)) mismatches++;
      }
      expect(mismatches).toBe(0);
      // Batching happened: fewer model calls than requests.
      const metrics = (await get(port, '/metrics')).text;
      const batches = Number(/mlinfra_serving_batch_size_count\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
      expect(batches).toBeGreaterThan(0);
      expect(batches).toBeLessThan(requests.length);
      expect(metrics).toMatch(
        /mlinfra_serving_requests_total\{[^}]*model="ids_and_mask"[^}]*\} 300/,
      );
    } finally {
      await alone.dispose();
      await server.close();
    }
  });

  it('batches concurrent requests of different dynamic lengths, answering each correctly', async () => {
    const { server, port } = await serve({
      models: ['sequence@champion'],
      batching: { maxBatchSize: 64, maxQueueDelayMs: 2 },
    });
    try {
      const metadata = await get(port, '/v2/models/sequence');
      expect(metadata.inputs).toEqual([{ name: 'tokens', datatype: 'FP32', shape: [-1, -1] }]);
      const requests = Array.from({ length: 60 }, (_, index) => {
        const length = 1 + (index % 4);
        return Array.from({ length: 2 * length }, (_, i) => Math.fround(((index + i) % 7) / 7));
      });
      const answers = await Promise.all(
        requests.map((data) =>
          post(port, '/v2/models/sequence/infer', {
            inputs: [{ name: 'tokens', datatype: 'FP32', shape: [2, data.length / 2], data }],
          }),
        ),
      );
      answers.forEach((answer, index) => {
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const data = requests[index]!;
        const length = data.length / 2;
        const expected = [0, 1].map((row) =>
          data.slice(row * length, (row + 1) * length).reduce((sum, x) => sum + Math.tanh(x), 0),
        );
        const got = (answer.body.outputs as FixtureTensor[])[0]!.data as number[];
        got.forEach((value, row) => {
          expect(Math.abs(value - expected[row]!)).toBeLessThan(1e-5);
        });
      });
      const metrics = (await get(port, '/metrics')).text;
      const batches = Number(/mlinfra_serving_batch_size_count\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
      expect(batches).toBeLessThan(requests.length);
    } finally {
      await server.close();
    }
  });

  it('answers hostile inputs with 400s that name the tensor', async () => {
    const { server, port } = await serve({
      models: ['ids_and_mask@champion', 'strings@champion', 'sequence@champion'],
    });
    const ids = { name: 'ids', datatype: 'INT64', shape: [1, 3], data: [1, 2, 3] };
    const mask = { name: 'mask', datatype: 'BOOL', shape: [1, 3], data: [true, true, false] };
    const cases: [unknown, RegExp][] = [
      [{ inputs: [ids] }, /missing input "mask"/],
      [{ inputs: [{ ...ids, datatype: 'FP32' }, mask] }, /input "ids" has datatype INT64/],
      [{ inputs: [ids, { ...mask, data: [1, 1, 0] }] }, /input "mask" is BOOL/],
      [{ inputs: [{ ...ids, data: [1.5, 2, 3] }, mask] }, /input "ids" is INT64/],
      [{ inputs: [{ ...ids, shape: [1e9, 3] }, mask] }, /1000000000 rows .* at most 256/],
      [{ inputs: [{ ...ids, shape: [1, 4] }, mask] }, /input "ids" must have shape \[n, 3\]/],
      [{ inputs: [ids, mask, { ...ids, name: 'x' }] }, /unknown input "x"/],
      [{ inputs: [ids, mask], outputs: [{ name: 'y' }] }, /unknown output "y"/],
      // Passes the signature, but token 42 is outside the embedding table.
      [{ inputs: [{ ...ids, data: [42, 0, 0] }, mask] }, /onnxruntime rejected the inputs/],
      ['{"inputs": [', /JSON/i],
    ];
    try {
      for (const [body, message] of cases) {
        const answer = await post(port, '/v2/models/ids_and_mask/infer', body);
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(String(answer.body.error)).toMatch(message);
      }
      const strings = await post(port, '/v2/models/strings/infer', {
        inputs: [{ name: 'text', datatype: 'BYTES', shape: [2], data: ['cat', 7] }],
      });
      expect(strings.status).toBe(400);
      expect(String(strings.body.error)).toMatch(/input "text" is BYTES/);
      // A dynamic length lets one row ask for a huge tensor: refused before anything is allocated.
      const long = await post(port, '/v2/models/sequence/infer', {
        inputs: [{ name: 'tokens', datatype: 'FP32', shape: [1, 1e9], data: [0] }],
      });
      expect(long.status).toBe(400);
      expect(String(long.body.error)).toMatch(
        /input "tokens" shape \[1,1000000000\] holds .* at most/,
      );
      // The server still answers good requests.
      expect(
        (await post(port, '/v2/models/ids_and_mask/infer', { inputs: [ids, mask] })).status,
      ).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('ONNX models in rollouts, shadow, the prediction log, /v1 and scoreDataset', () => {
  const columns = Array.from({ length: 8 }, (_, i) => `f${i}`);
  const rowsOf = (fixture: ReturnType<typeof onnxFixture>) => {
    const data = fixture.inputs[0]!.data as number[];
    return Array.from({ length: 5 }, (_, row) =>
      Object.fromEntries(columns.map((column, i) => [column, data[row * 8 + i]])),
    );
  };

  it('swaps an alias from a tfjs model to an ONNX one under load with zero failed requests', async () => {
    await tf.setBackend('cpu');
    const tfjs = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 1 })] });
    const { id } = await saveModelArtifact(registry.store, tfjs, {
      signature: { features: columns },
    });
    await registry.registerModel('scorer', { artifact: id });
    await registry.registerModel('scorer', {
      artifact: { file: onnxFixturePath('mlp') },
      inputColumns: { features: columns },
    });
    await registry.setAlias('scorer', 'champion', 1);
    const events: ServingEvent[] = [];
    const { server, port } = await serve({
      models: ['scorer@champion'],
      backend: 'cpu',
      onEvent: (event) => events.push(event),
    });
    const fixture = onnxFixture('mlp');
    const instances = rowsOf(fixture).slice(0, 1);
    const versions = new Set<string>();
    let failures = 0;
    let stop = false;
    const client = async () => {
      while (!stop) {
        const answer = await post(port, '/v1/models/scorer:predict', { instances });
        if (answer.status !== 200) {
          failures++;
          continue;
        }
        // The tfjs model answers one value per row, the ONNX MLP three probabilities.
        const [prediction] = answer.body.predictions as number[][];
        versions.add(prediction!.length === 1 ? 'tfjs' : 'onnx');
      }
    };
    try {
      const clients = Array.from({ length: 8 }, client);
      await until(() => versions.has('tfjs'));
      await registry.setAlias('scorer', 'champion', 2);
      await until(() => versions.has('onnx') && events.some((event) => event.type === 'unloaded'));
      stop = true;
      await Promise.all(clients);
      expect(failures).toBe(0);
      const answer = await post(port, '/v1/models/scorer:predict', { instances: rowsOf(fixture) });
      // Rows are checked against the mapped columns as for tfjs models' features.
      const extra = await post(port, '/v1/models/scorer:predict', {
        instances: [{ ...instances[0], oops: 1 }],
      });
      expect(extra.status).toBe(400);
      expect(String(extra.body.error)).toMatch(/unknown field "oops"/);
      const { f3: _dropped, ...missing } = instances[0]!;
      const short = await post(port, '/v1/models/scorer:predict', { instances: [missing] });
      expect(short.status).toBe(400);
      expect(String(short.body.error)).toMatch(/missing feature "f3"/);
      const predictions = answer.body.predictions as number[][];
      expectMatchesReference(
        { name: 'probabilities', datatype: 'FP32', shape: [5, 3], data: predictions.flat() },
        fixture.outputs[0]!,
      );
    } finally {
      stop = true;
      await server.close();
    }
  });

  it('mirrors every request to an ONNX shadow and logs both', async () => {
    const records: PredictionRecord[] = [];
    const { server, port } = await serve({
      models: [
        {
          reference: 'two_in_two_out@champion',
          name: 'pair',
          shadow: { reference: 'two_in_two_out/1' },
        },
      ],
      log: { sink: { write: (batch) => void records.push(...batch) }, flushIntervalMs: 10 },
    });
    const fixture = onnxFixture('two_in_two_out');
    try {
      for (let row = 0; row < 5; row++) {
        const { status } = await post(port, '/v2/models/pair/infer', {
          inputs: fixture.inputs.map((tensor) => fixtureRows(tensor, row, 1)),
        });
        expect(status).toBe(200);
      }
      await until(() => records.filter((record) => record.shadow).length === 5);
      const primary = records.filter((record) => !record.shadow);
      expect(primary).toHaveLength(5);
      // One row per record: the score, then the two embedding values, as numbers.
      expect(primary.every((record) => record.outputs.length === 3)).toBe(true);
      expect(primary[0]!.inputs).toMatchObject({
        numeric: expect.any(Array),
        extra: expect.any(Array),
      });
    } finally {
      await server.close();
    }
  });

  it('scores a dataset through the registered column mapping', async () => {
    const fixture = onnxFixture('mlp');
    await registry.registerModel('mapped', {
      artifact: { file: onnxFixturePath('mlp') },
      inputColumns: { features: columns },
    });
    const datasets = openDatasets({ store: folder });
    await datasets.commit(
      'customers',
      rowsOf(fixture).map((row, index) => ({ id: `c${index}`, ...row })),
    );
    await scoreDataset('mapped/1', datasets.dataset('customers'), {
      source: registry,
      onnx: { intraOpNumThreads: 1, graphOptimizationLevel: 'basic' },
      output: { datasets, name: 'customer-scores' },
      keepColumns: ['id'],
    });
    // A one-input model loaded by hand scores through "features" instead of registered columns.
    const model = await loadOnnxModel(fixture.bytes);
    await scoreDataset(model, datasets.dataset('customers'), {
      output: { datasets, name: 'customer-scores-by-features' },
      features: columns,
      predictionColumn: 'p',
    });
    await model.dispose();
    const byFeatures = await datasets.dataset('customer-scores-by-features').rows();
    expect(Object.keys(byFeatures[0]!)).toEqual(['p_0', 'p_1', 'p_2']);
    const scored = await datasets.dataset('customer-scores').rows();
    expect(Object.keys(scored[0]!)).toEqual(['id', 'prediction_0', 'prediction_1', 'prediction_2']);
    expectMatchesReference(
      {
        name: 'probabilities',
        datatype: 'FP32',
        shape: [5, 3],
        data: scored.flatMap((row) => [row.prediction_0, row.prediction_1, row.prediction_2]),
      },
      fixture.outputs[0]!,
    );
    expect(byFeatures.map((row) => [row.p_0, row.p_1, row.p_2])).toEqual(
      scored.map((row) => [row.prediction_0, row.prediction_1, row.prediction_2]),
    );
  });
});
