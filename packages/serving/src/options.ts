import { isStore, type Store } from '@mlinfra/core';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { PredictionSink } from './log/prediction-log.js';
import type { ModelLoader } from './model/loader.js';
import type { ModelSource } from './model/model-source.js';
import { parseReference } from './model/model-source.js';
import { onnxOptionsSchema } from './model/onnx/onnx-options.js';
import { isPredictor } from './model/predictor.js';
import { isTensorPredictor, type ServablePredictor } from './model/tensor-predictor.js';

/** A model lifecycle event. */
export interface ServingEvent {
  type: 'loaded' | 'swapped' | 'unloaded' | 'load-failed' | 'shadow-failed' | 'log-failed';
  model: string;
  version?: string;
  /** For `swapped`: the version that stopped taking new requests. */
  previousVersion?: string;
  error?: unknown;
}

const isFunction = (value: unknown): boolean => typeof value === 'function';
const predictorSchema = z.custom<ServablePredictor>(
  (value) => isPredictor(value) || isTensorPredictor(value),
  {
    message:
      'expected a Predictor { signature, predict(batch, rows) } or a TensorPredictor { signature, batched, run(inputs) } such as loadOnnxModel() returns',
  },
);
const versionLabelSchema = z.union([z.string().min(1), z.number()]);
const formatSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, 'a format is a lower-case name such as "tfjs" or "onnx"');

const batchingObjectSchema = z.strictObject({
  /** Most rows in one batch; a request with more rows is rejected with 400. Default 256. */
  maxBatchSize: z.number().int().min(1).optional(),
  /**
   * How long a batch that is not full may wait for more requests, in ms, counted from its oldest
   * request. Default 0: run whatever is waiting as soon as the model is free.
   */
  maxQueueDelayMs: z.number().min(0).optional(),
  /** Most requests waiting per model version; more get 503 with `Retry-After`. Default 1024. */
  maxQueue: z.number().int().min(1).optional(),
  /** Batches that may run at once per model version. Default 1. */
  instances: z.number().int().min(1).optional(),
});
const batchingSchema = z.union([z.literal(false), batchingObjectSchema]);

/** Dynamic batching settings (Triton's `dynamic_batching`). */
export type BatchingOptions = z.input<typeof batchingObjectSchema>;

const TARGET_KINDS = 'give exactly one of "reference", "path" or "predictor"';

/** Parses `value` with `schema` inside another schema's transform, keeping the inner issues. */
function parseWithin(schema: z.ZodType, value: unknown, context: z.RefinementCtx): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) context.addIssue({ ...issue });
  return z.NEVER;
}

/**
 * A schema that parses with `route` (which picks the branch an input meant), typed and
 * introspectable as the plain union of `branches`: tools that walk a schema (core's
 * nearest-known-key hint) see every branch's keys. The leading `z.unknown()` accepts everything,
 * so the union's branches never run themselves.
 */
function routedUnion<const Branches extends readonly [z.ZodType, z.ZodType, ...z.ZodType[]]>(
  branches: Branches,
  route: (value: unknown, context: z.RefinementCtx) => unknown,
): z.ZodUnion<Branches> {
  const routed = z.union([z.unknown(), z.union(branches)]).transform(route);
  return routed as unknown as z.ZodUnion<Branches>;
}

/**
 * A union whose branch is picked by the one key of `keys` the input holds, so a bad input gets
 * the errors of the branch it meant (a typo, a bad predictor) rather than zod's "Invalid input"
 * for a union whose every branch failed.
 */
function keyedUnion<const Branches extends readonly [z.ZodType, z.ZodType, ...z.ZodType[]]>(
  keys: readonly string[],
  branches: Branches,
  message: string,
): z.ZodUnion<Branches> {
  return routedUnion(branches, (value, context) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const present = keys.flatMap((key, index) => (key in value ? [index] : []));
      if (present.length === 1) return parseWithin(branches[present[0]!]!, value, context);
    }
    context.addIssue({ code: 'custom', message, input: value });
    return z.NEVER;
  });
}

/** The three ways to name one model version, each a strict object with `extra` fields. */
function targetSchema<Extra extends z.ZodRawShape>(extra: Extra) {
  return keyedUnion(
    ['reference', 'path', 'predictor'],
    [
      z.strictObject({
        /** `name@alias` (followed as the alias moves), `name/3` (fixed) or `name` (latest, followed). */
        reference: z.string().min(1),
        ...extra,
      }),
      z.strictObject({
        /**
         * An artifact location the loader understands. The default loaders take a digest in
         * `store` (`'sha256:...'`) or `'<store folder>#sha256:...'` for an artifact in another store.
         */
        path: z.string().min(1),
        /** Version label to report. Default `'1'`. */
        version: versionLabelSchema.optional(),
        /** Artifact format, which picks the loader (see `loaders`). Default `'tfjs'`. */
        format: formatSchema.optional(),
        ...extra,
      }),
      z.strictObject({
        /** A ready predictor. */
        predictor: predictorSchema,
        /** Version label to report. Default `'1'`. */
        version: versionLabelSchema.optional(),
        ...extra,
      }),
    ],
    TARGET_KINDS,
  );
}

const unknownFieldsSchema = z.enum(['ignore', 'reject']);

const plainTargetSchema = targetSchema({});
const modelSchema = targetSchema({
  /** Name clients use in URLs. Default: the reference's model name; required with path or predictor. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-"')
    .optional(),
  /**
   * Extra versions also served (addressable as `/versions/{v}`): the `latest` n versions of the
   * source (needs `ModelSource.listVersions`, followed as versions are added) or `specific` ones.
   */
  versions: z
    .union([
      z.strictObject({ latest: z.number().int().min(1) }),
      z.strictObject({ specific: z.array(versionLabelSchema).min(1) }),
    ])
    .optional(),
  /** Batching for this model; overrides the server's. `false`: each request runs alone. */
  batching: batchingSchema.optional(),
  /** What `/v1` does with raw-row fields that are not features; overrides the server's. */
  unknownFields: unknownFieldsSchema.optional(),
  /** Canary: this share of unversioned requests, in percent (0 to 100), goes to another version. */
  canary: targetSchema({ percent: z.number().min(0).max(100) }).optional(),
  /** Shadow: a mirror model gets a copy of each request; its output is logged, never returned. */
  shadow: plainTargetSchema.optional(),
});

/** An object form or a plain value (a string reference), each with its own errors. */
function objectOrPlain<Plain extends z.ZodType, Form extends z.ZodType>(
  plain: Plain,
  form: Form,
): z.ZodUnion<[Plain, Form]> {
  return routedUnion([plain, form], (value, context) =>
    parseWithin(typeof value === 'object' && value !== null ? form : plain, value, context),
  );
}

/** A served model: a reference string such as `'churn@champion'`, or model options. */
const modelEntrySchema = objectOrPlain(z.string().min(1), modelSchema);

/** Where one model version comes from: a source reference, an artifact path, or a predictor. */
export type TargetOptions = z.input<typeof plainTargetSchema>;
/** One served model. */
export type ModelOptions = z.input<typeof modelSchema>;

const logSchema = z.strictObject({
  /** Where records go. */
  sink: z.custom<PredictionSink>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as PredictionSink).write === 'function',
    { message: 'expected a PredictionSink: { write(records) }' },
  ),
  /** Share of requests logged, 0 to 1. Default 1. */
  sampleRate: z.number().min(0).max(1).optional(),
  /** Most records buffered; beyond it records are dropped and counted. Default 10,000. */
  maxPending: z.number().int().min(1).optional(),
  /** Most records per `sink.write` call. Default 1,000. */
  maxBatch: z.number().int().min(1).optional(),
  /** Longest a record waits before a write, in ms. Default 1,000. */
  flushIntervalMs: z.number().min(0).optional(),
});

/** Options of the prediction log. */
export type LogOptions = z.input<typeof logSchema>;

/** Request limits of the prediction service (the server adds its HTTP ones). */
export const serviceLimitsShape = {
  /** Per-request timeout from arrival to answer, in ms; past it the answer is 504. Default 30,000. */
  requestTimeoutMs: z.number().positive().optional(),
  /** Largest accepted request body, in bytes; larger is 413. Default 16 MiB. */
  maxBodyBytes: z.number().int().positive().optional(),
};

/** The fields of {@link createPredictionService}'s options; `createServer` adds its own. */
export const serviceShape = {
  /** Models to serve: references like `'churn@champion'`, or model options. At least one. */
  models: z.array(modelEntrySchema).min(1, 'serve at least one model'),
  /** Resolves references and reports changes; needed for any `reference`. */
  source: z
    .custom<ModelSource>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as ModelSource).resolve === 'function',
      { message: 'expected a ModelSource: { resolve(reference) }' },
    )
    .optional(),
  /**
   * Loads every resolved artifact into a predictor, whatever its format (replaces `loaders`).
   * Default: the loader of the artifact's format in `loaders`.
   */
  loader: z.custom<ModelLoader>(isFunction, { message: 'expected a function' }).optional(),
  /**
   * Loaders by artifact format (`ResolvedModel.format`, `'tfjs'` when absent); they replace the
   * built-in ones. Built in: `tfjs` (`@mlinfra/trainer`'s `loadModelArtifact`, an optional peer).
   */
  loaders: z
    .record(formatSchema, z.custom<ModelLoader>(isFunction, { message: 'expected a function' }))
    .optional(),
  /** Store holding artifacts, for the built-in loaders: a store or its location. Default: the source's store, else `createStore()`. */
  store: z
    .union([z.string().min(1), z.custom<Store>(isStore, { message: 'expected a Store' })])
    .optional(),
  /**
   * TensorFlow.js backend for the `tfjs` loader (`'auto'`, `'wasm'`, `'cpu'`, `'webgpu'`, `'tensorflow'`,
   * `'tensorflow-gpu'`, `'current'`), as `@mlinfra/trainer` names them. Default `'auto'`.
   */
  backend: z.string().min(1).optional(),
  /**
   * onnxruntime session options for the `onnx` loader: `intraOpNumThreads`, `interOpNumThreads`,
   * `graphOptimizationLevel` (default `'all'`), `executionProviders` (default `['cpu']`), `worker`
   * (default `'auto'`: the session runs on its own thread when a one-row run takes >= 0.5 ms).
   */
  onnx: onnxOptionsSchema.optional(),
  /** Batching for every model. `false`: each request runs alone. Defaults: see {@link BatchingOptions}. */
  batching: batchingSchema.optional(),
  /**
   * What `/v1` does with a raw-row field that is not one of the model's features (when the model
   * declares them): `'reject'` answers 400 naming it, `'ignore'` drops it. Default `'reject'`.
   */
  unknownFields: unknownFieldsSchema.optional(),
  /** Request limits. */
  limits: z.strictObject(serviceLimitsShape).optional(),
  /** Prediction log; off when absent. */
  log: logSchema.optional(),
  /** Prometheus metrics; `false` turns `/metrics` off. */
  metrics: z
    .union([
      z.literal(false),
      z.strictObject({
        /** Registry to add the metrics to. Default: a new one. */
        registry: z
          .custom<Registry>((value) => typeof value === 'object' && value !== null)
          .optional(),
        /** Metric name prefix. Default `mlinfra_serving_`. */
        prefix: z
          .string()
          .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
          .optional(),
      }),
    ])
    .optional(),
  /** Poll the source this often for alias moves when it has no `watch`, in ms. 0: never. Default 30,000. */
  pollIntervalMs: z.number().min(0).optional(),
  /** Run each version on zero-filled batches before it takes traffic. Default true. */
  warmup: z.boolean().optional(),
  /** Called on model lifecycle events (loads, swaps, unloads, failures). */
  onEvent: z.custom<(event: ServingEvent) => void>(isFunction).optional(),
};

interface ServiceFields {
  models?: readonly unknown[];
  source?: unknown;
}

/** The rules across fields: what a reference, a path and a version policy each need. */
export function checkServiceFields(options: ServiceFields, context: z.RefinementCtx): void {
  const names = new Set<string>();
  (options.models ?? []).forEach((entry, index) => {
    if (typeof entry !== 'string' && (typeof entry !== 'object' || entry === null)) return;
    const model = (typeof entry === 'string' ? { reference: entry } : entry) as {
      reference?: unknown;
      name?: unknown;
      versions?: unknown;
    };
    const isReference = typeof model.reference === 'string';
    if (isReference && options.source === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['models', index],
        message: 'a reference needs a "source" (a ModelSource such as a registry)',
      });
    }
    if (!isReference && model.name === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['models', index, 'name'],
        message: 'give a name to a model served by path or predictor',
      });
    }
    if (model.versions !== undefined && !isReference) {
      context.addIssue({
        code: 'custom',
        path: ['models', index, 'versions'],
        message: 'a version policy needs a "reference" resolved through the source',
      });
    }
    const name =
      typeof model.name === 'string'
        ? model.name
        : isReference
          ? parseReference(model.reference as string).name
          : undefined;
    if (name !== undefined) {
      if (names.has(name)) {
        context.addIssue({
          code: 'custom',
          path: ['models', index, 'name'],
          message: `model name "${name}" is served twice; give each model a distinct "name"`,
        });
      }
      names.add(name);
    }
  });
}

/** The options schema of {@link createPredictionService}. */
export const predictionServiceOptionsSchema = z
  .strictObject(serviceShape)
  .superRefine(checkServiceFields);

/** Options of `createPredictionService` (and of `createServer`, which adds the HTTP ones). */
export type PredictionServiceOptions = z.input<typeof predictionServiceOptionsSchema>;

/**
 * Options of `createPredictor`.
 * @deprecated Use {@link PredictionServiceOptions}; this alias goes in the next minor release.
 */
export type PredictorOptions = PredictionServiceOptions;

/** Resolved batching settings. */
export interface PreparedBatching {
  enabled: boolean;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueue: number;
  instances: number;
}

/** Applies batching defaults; a model's own setting replaces the server's. */
export function prepareBatching(value: BatchingOptions | false | undefined): PreparedBatching {
  if (value === false)
    return { enabled: false, maxBatchSize: 1, maxQueueDelayMs: 0, maxQueue: 1024, instances: 1 };
  return {
    enabled: true,
    maxBatchSize: value?.maxBatchSize ?? 256,
    maxQueueDelayMs: value?.maxQueueDelayMs ?? 0,
    maxQueue: value?.maxQueue ?? 1024,
    instances: value?.instances ?? 1,
  };
}
