import { z } from 'zod';
import type { JsonValue } from '../types.js';

/** Metric name to finite number. */
export const metricRecord = z.record(
  z.string().min(1).max(250),
  z.number().refine(Number.isFinite, 'must be a finite number'),
);

/** Any JSON value. */
export const jsonValue: z.ZodType<JsonValue> = z.json();

/** `{ description?, tags? }` of createExperiment and createModel. */
export const describedSchema = z.strictObject({
  description: z.string().max(10_000).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
});

/** `{ limit?, pageToken? }` of listing pages. */
export const pageSchema = z.strictObject({
  limit: z.number().int().min(1).max(1000).optional(),
  pageToken: z.string().optional(),
});
