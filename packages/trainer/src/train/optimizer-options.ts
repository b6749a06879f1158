import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

const rate = z.number().positive();

const adamShape = {
  /** Optimizer kind. */
  type: z.literal('adam'),
  /** Learning rate. Default 0.001. */
  learningRate: rate.optional(),
  /** Default 0.9. */
  beta1: z.number().min(0).lt(1).optional(),
  /** Default 0.999. */
  beta2: z.number().min(0).lt(1).optional(),
  /** Default tfjs's backend epsilon (1e-7). */
  epsilon: z.number().positive().optional(),
};

const sgdShape = {
  /** Optimizer kind. */
  type: z.literal('sgd'),
  /** Learning rate. Default 0.01. */
  learningRate: rate.optional(),
  /** Momentum; above 0 uses tfjs's momentum optimizer. Default 0. */
  momentum: z.number().min(0).optional(),
  /** Nesterov momentum. Default false. */
  nesterov: z.boolean().optional(),
};

const rmspropShape = {
  /** Optimizer kind. */
  type: z.literal('rmsprop'),
  /** Learning rate. Default 0.001. */
  learningRate: rate.optional(),
  /** Default 0.9. */
  decay: z.number().min(0).optional(),
  /** Default 0. */
  momentum: z.number().min(0).optional(),
  /** Default tfjs's backend epsilon. */
  epsilon: z.number().positive().optional(),
  /** Default false. */
  centered: z.boolean().optional(),
};

const adagradShape = {
  /** Optimizer kind. */
  type: z.literal('adagrad'),
  /** Learning rate. Default 0.01. */
  learningRate: rate.optional(),
};

// Named shapes and annotated schemas keep each field's TSDoc in the published .d.ts.
const adamSchema: z.ZodObject<typeof adamShape, z.core.$strict> = z.strictObject(adamShape);
const sgdSchema: z.ZodObject<typeof sgdShape, z.core.$strict> = z.strictObject(sgdShape);
const rmspropSchema: z.ZodObject<typeof rmspropShape, z.core.$strict> =
  z.strictObject(rmspropShape);
const adagradSchema: z.ZodObject<typeof adagradShape, z.core.$strict> =
  z.strictObject(adagradShape);

const optimizerSettingsSchema: z.ZodDiscriminatedUnion<
  [typeof adamSchema, typeof sgdSchema, typeof rmspropSchema, typeof adagradSchema],
  'type'
> = z.discriminatedUnion('type', [adamSchema, sgdSchema, rmspropSchema, adagradSchema]);

/**
 * The optimizer option: a name (with its default learning rate), settings, or a tfjs Optimizer.
 * Defaults: adam 0.001 (beta1 0.9, beta2 0.999, epsilon 1e-7), sgd 0.01 (momentum 0), rmsprop 0.001
 * (decay 0.9), adagrad 0.01.
 */
export const optimizerSchema = z.union([
  z.enum(['adam', 'sgd', 'rmsprop', 'adagrad']),
  z.custom<tf.Optimizer>((value) => value instanceof tf.Optimizer, 'a tf.Optimizer'),
  optimizerSettingsSchema,
]);
