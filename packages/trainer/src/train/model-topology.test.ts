import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { modelTopology, topologyDifferences } from './model-topology.js';

function mlp(activation: 'relu' | 'tanh', units = 4): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units, inputShape: [3], activation }));
  model.add(tf.layers.dense({ units: 1 }));
  return model;
}

describe('modelTopology', () => {
  it('gives the same fingerprint to the same architecture built twice (other generated names, weights)', () => {
    const first = mlp('relu');
    const second = mlp('relu');
    expect(first.layers[0]?.name).not.toBe(second.layers[0]?.name);
    expect(modelTopology(first).fingerprint).toBe(modelTopology(second).fingerprint);
    expect(modelTopology(first).fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('tells architectures apart and names the differing fields', () => {
    const relu = modelTopology(mlp('relu'));
    const tanh = modelTopology(mlp('tanh'));
    const wider = modelTopology(mlp('relu', 5));
    expect(relu.fingerprint).not.toBe(tanh.fingerprint);
    expect(topologyDifferences(relu, tanh)).toEqual([
      'layer 0 (Dense) activation: "relu" in the checkpoint, "tanh" now',
    ]);
    expect(topologyDifferences(relu, wider)).toContain(
      'layer 0 (Dense) units: 4 in the checkpoint, 5 now',
    );
  });

  it('handles functional models with a layer shared between tensors of different shapes', () => {
    const input = tf.input({ shape: [2] });
    const shared = tf.layers.activation({ activation: 'relu' });
    const left = shared.apply(input) as tf.SymbolicTensor;
    const wide = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const right = shared.apply(wide) as tf.SymbolicTensor;
    const output = tf.layers.concatenate().apply([left, right]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    expect(() => shared.outputShape).toThrow();
    const topology = modelTopology(model);
    const activation = topology.layers.find((layer) => layer.className === 'Activation');
    expect(activation?.inbound).toHaveLength(2);
    expect(activation?.outputShape).toEqual([[[null, 2]], [[null, 3]]]);
  });
});
