import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/backend.js';
import { captureOptimizer, createOptimizer, restoreOptimizer } from './optimizer.js';

/** Runs `steps` updates towards a target that keeps moving, so the weights never settle. */
function step(optimizer: tf.Optimizer, variable: tf.Variable, steps: number, from = 0): void {
  for (let index = from; index < from + steps; index++) {
    tf.tidy(() => {
      const target = tf.tensor1d([Math.sin(index), Math.cos(index * 0.7), (index % 5) - 2]);
      optimizer.minimize(() => tf.sum(tf.square(tf.sub(variable, target))) as tf.Scalar, false, [
        variable,
      ]);
    });
  }
}

describe('optimizer state', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("restores Adam exactly after many steps, where tfjs's own setWeights drifts in the running beta powers", async () => {
    const make = () => createOptimizer({ type: 'adam', learningRate: 0.01 }).optimizer;
    const original = make();
    const variable = tf.variable(tf.tensor1d([1, 2, 3]));
    step(original, variable, 700);
    const saved = new Map((await captureOptimizer(original)).map((array) => [array.name, array]));
    expect([...saved.keys()].some((name) => name.startsWith('optimizer-variable/accBeta'))).toBe(
      true,
    );
    const weightsAt700 = variable.dataSync().slice();

    step(original, variable, 50, 700);
    const continued = Array.from(variable.dataSync());

    const restored = make();
    variable.assign(tf.tensor1d(weightsAt700));
    await restoreOptimizer(restored, saved);
    step(restored, variable, 50, 700);
    expect(Array.from(variable.dataSync())).toEqual(continued);

    // tfjs's setWeights recomputes the beta powers as pow(beta, t + 1) instead of restoring the running product.
    const tfjsOnly = make();
    const named = [...saved.values()]
      .filter((array) => array.name.startsWith('optimizer/'))
      .map((array) => ({
        name: array.name.split('/').slice(2).join('/'),
        tensor: tf.tensor(array.data, array.shape, array.dtype),
      }));
    await tfjsOnly.setWeights(named);
    const powers = (optimizer: tf.Optimizer) =>
      ['accBeta1', 'accBeta2'].map(
        (key) => (optimizer as unknown as Record<string, tf.Variable>)[key]?.dataSync()[0],
      );
    const savedPowers = [
      saved.get('optimizer-variable/accBeta1')?.data[0],
      saved.get('optimizer-variable/accBeta2')?.data[0],
    ];
    expect(powers(tfjsOnly)).not.toEqual(savedPowers);
    variable.assign(tf.tensor1d(weightsAt700));
    step(tfjsOnly, variable, 50, 700);
    expect(Array.from(variable.dataSync())).not.toEqual(continued);
  });
});
