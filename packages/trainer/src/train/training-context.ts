import { ValidationError } from '@mlinfra/core';
import type * as tf from '@tensorflow/tfjs';
import type { TrainingContext } from '../callbacks/types.js';
import type { StopRequest } from './final-status.js';
import { setWeightsOf, weightsOf } from './model-weights.js';
import type { TrainerState } from './trainer-state.js';

/** The context callbacks see; `train()` sets `status` when training ends. */
export type MutableTrainingContext = TrainingContext & { status: TrainingContext['status'] };

/**
 * The context handed to callbacks: live views of the run's epoch, step and learning-rate factor
 * (a factor set here is checkpointed with the state), weight access, and `stopTraining`, which
 * records the request in `stop`.
 */
export function createTrainingContext(
  model: tf.LayersModel,
  state: TrainerState,
  stop: StopRequest,
): MutableTrainingContext {
  return {
    model,
    status: 'running',
    get epoch() {
      return state.epoch;
    },
    get step() {
      return state.step;
    },
    get learningRateFactor() {
      return state.learningRateFactor;
    },
    set learningRateFactor(value: number) {
      if (!(value >= 0) || !Number.isFinite(value))
        throw new ValidationError(`learningRateFactor must be >= 0, got ${value}`);
      state.learningRateFactor = value;
    },
    stopTraining(reason: string) {
      stop.requested = true;
      stop.reason = reason;
    },
    getWeights: () => weightsOf(model),
    setWeights: (weights) => setWeightsOf(model, weights),
  };
}
