import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '@mlinfra/registry';
import { saveModelArtifact } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../__fixtures__/predictors.js';
import { createPredictionService, type ServingEvent } from '../index.js';

/** A one-layer model whose output is `sum(x) + bias`, so versions are easy to tell apart. */
function biasModel(bias: number): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
  model.setWeights([tf.ones([2, 1]), tf.tensor1d([bias])]);
  return model;
}

describe('serving from @mlinfra/registry', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'serving-registry-'));
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('serves name@alias from a real registry and follows the alias when it moves', async () => {
    const registry = await openRegistry({ url: join(folder, 'registry.db'), store: folder });
    for (const bias of [10, 20]) {
      const { id } = await saveModelArtifact(registry.store, biasModel(bias), {
        signature: { features: ['a', 'b'] },
      });
      await registry.registerModel('churn', { artifact: id });
    }
    await registry.setAlias('churn', 'champion', 1);
    const events: ServingEvent[] = [];
    const service = createPredictionService({
      models: [{ reference: 'churn@champion', versions: { latest: 2 } }],
      source: registry,
      backend: 'cpu',
      onEvent: (event) => events.push(event),
    });
    await service.ready();
    expect(service.metadata('churn').versions.sort()).toEqual(['1', '2']);
    const before = await service.predict('churn', [{ a: 1, b: 2 }]);
    expect((before[0] as number[])[0]).toBeCloseTo(13, 5);
    await registry.setAlias('churn', 'champion', 2);
    await until(() => events.some((event) => event.type === 'swapped'));
    expect(service.metadata('churn').inputs.map((input) => input.name)).toEqual(['a', 'b']);
    const after = await service.infer('churn', {
      inputs: [
        { name: 'a', shape: [1], datatype: 'FP32', data: [1] },
        { name: 'b', shape: [1, 1], datatype: 'FP32', data: [2] },
      ],
    });
    expect(after.model_version).toBe('2');
    expect((after.outputs[0]!.data as number[])[0]).toBeCloseTo(23, 5);
    await service.close();
    await registry.close();
  });
});
