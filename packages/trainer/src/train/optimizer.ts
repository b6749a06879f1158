import { ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { CheckpointArray } from './checkpoint-format.js';
import type { optimizerSchema } from './optimizer-options.js';

/**
 * An optimizer by name (with its default learning rate) or with settings, or a tfjs Optimizer.
 * Defaults: adam 0.001 (beta1 0.9, beta2 0.999, epsilon 1e-7), sgd 0.01 (momentum 0), rmsprop 0.001
 * (decay 0.9), adagrad 0.01.
 */
export type OptimizerSpec = z.input<typeof optimizerSchema>;

const DEFAULT_RATES = { adam: 0.001, sgd: 0.01, rmsprop: 0.001, adagrad: 0.01 } as const;

/** Builds the optimizer and returns it with its base learning rate. */
export function createOptimizer(spec: OptimizerSpec): {
  optimizer: tf.Optimizer;
  learningRate: number;
} {
  if (spec instanceof tf.Optimizer) {
    const rate = (spec as unknown as { learningRate?: unknown }).learningRate;
    if (typeof rate !== 'number') {
      throw new ValidationError(
        'The optimizer has no numeric learningRate; pass { type, learningRate } instead',
      );
    }
    return { optimizer: spec, learningRate: rate };
  }
  const settings = (typeof spec === 'string' ? { type: spec } : spec) as {
    type: 'adam' | 'sgd' | 'rmsprop' | 'adagrad';
    learningRate?: number;
    beta1?: number;
    beta2?: number;
    epsilon?: number;
    momentum?: number;
    nesterov?: boolean;
    decay?: number;
    centered?: boolean;
  };
  const learningRate = settings.learningRate ?? DEFAULT_RATES[settings.type];
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new ValidationError(
      `optimizer.learningRate must be a positive number, got ${learningRate}`,
    );
  }
  switch (settings.type) {
    case 'adam':
      return {
        optimizer: tf.train.adam(
          learningRate,
          settings.beta1 ?? 0.9,
          settings.beta2 ?? 0.999,
          settings.epsilon,
        ),
        learningRate,
      };
    case 'sgd':
      return {
        optimizer:
          settings.momentum !== undefined && settings.momentum > 0
            ? tf.train.momentum(learningRate, settings.momentum, settings.nesterov ?? false)
            : tf.train.sgd(learningRate),
        learningRate,
      };
    case 'rmsprop':
      return {
        optimizer: tf.train.rmsprop(
          learningRate,
          settings.decay ?? 0.9,
          settings.momentum ?? 0,
          settings.epsilon,
          settings.centered ?? false,
        ),
        learningRate,
      };
    case 'adagrad':
      return { optimizer: tf.train.adagrad(learningRate), learningRate };
    default:
      throw new ValidationError(
        `Unknown optimizer ${JSON.stringify((settings as { type: unknown }).type)}; use adam, sgd, rmsprop, adagrad or a tf.Optimizer`,
      );
  }
}

/** Sets the learning rate the next update uses (tfjs optimizers read it on every update). */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const target = optimizer as unknown as {
    learningRate: number;
    setLearningRate?: (rate: number) => void;
  };
  if (target.learningRate === learningRate) return;
  if (typeof target.setLearningRate === 'function') target.setLearningRate(learningRate);
  else target.learningRate = learningRate;
}

async function arrayOf(name: string, tensor: tf.Tensor): Promise<CheckpointArray> {
  // Async read: webgpu in Node has no synchronous readback.
  const values = await tensor.data();
  return {
    name,
    dtype: tensor.dtype === 'int32' ? 'int32' : 'float32',
    shape: [...tensor.shape],
    data: tensor.dtype === 'int32' ? new Int32Array(values) : new Float32Array(values),
  };
}

/**
 * Every piece of optimizer state: `getWeights()` (iterations, moments) plus any other tf.Variable
 * the optimizer holds (Adam's running beta powers). tfjs's own `setWeights` recomputes those
 * powers with `pow`, which differs from the running product in the last bit; restoring them
 * verbatim keeps a resumed run bit-identical.
 */
export async function captureOptimizer(optimizer: tf.Optimizer): Promise<CheckpointArray[]> {
  const arrays: CheckpointArray[] = [];
  const weights = await optimizer.getWeights();
  for (const [index, weight] of weights.entries()) {
    arrays.push(
      await arrayOf(`optimizer/${String(index).padStart(6, '0')}/${weight.name}`, weight.tensor),
    );
  }
  for (const [key, value] of Object.entries(optimizer)) {
    if (value instanceof tf.Variable)
      arrays.push(await arrayOf(`optimizer-variable/${key}`, value));
  }
  return arrays;
}

/** Restores {@link captureOptimizer}'s arrays into a fresh optimizer of the same kind. */
export async function restoreOptimizer(
  optimizer: tf.Optimizer,
  arrays: Map<string, CheckpointArray>,
): Promise<void> {
  const weights: Array<{ name: string; tensor: tf.Tensor }> = [];
  for (const [name, array] of [...arrays].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!name.startsWith('optimizer/')) continue;
    weights.push({
      name: name.split('/').slice(2).join('/'),
      tensor: tf.tensor(array.data, array.shape, array.dtype),
    });
  }
  if (weights.length > 0) await optimizer.setWeights(weights);
  for (const [key, value] of Object.entries(optimizer)) {
    const saved = arrays.get(`optimizer-variable/${key}`);
    if (value instanceof tf.Variable && saved !== undefined) {
      tf.tidy(() => value.assign(tf.tensor(saved.data, saved.shape, saved.dtype)));
    }
  }
}
