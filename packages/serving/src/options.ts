import { fromZodIssues, isStore, type Store, ValidationError } from '@mlinfra/core';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { PredictionSink } from './log/prediction-log.js';
import type { ModelSource, ResolvedModel } from './model/model-source.js';
import { isPredictor, type Predictor } from './model/predictor.js';

/** Dynamic batching settings (Triton's `dynamic_batching`). */
export interface BatchingOptions {
  /** Most rows in one batch; a request with more rows is rejected with 400. Default 256. */
  maxBatchSize?: number;
  /**
   * How long a batch that is not full may wait for more requests, in ms, counted from its oldest
   * request. Default 0: run whatever is waiting as soon as the model is free.
   */
  maxQueueDelayMs?: number;
  /** Most requests waiting per model version; more get 503 with `Retry-After`. Default 1024. */
  maxQueue?: number;
  /** Batches that may run at once per model version. Default 1. */
  instances?: number;
}

/** Where one model version comes from: a source reference, an artifact path, or a predictor. */
export type TargetOptions =
  | {
      /** `name@alias` (followed as the alias moves), `name/3` (fixed) or `name` (latest, followed). */
      reference: string;
    }
  | {
      /**
       * An artifact location the loader understands. The default loader takes a digest in
       * `store` (`'sha256:...'`) or `'<store folder>#sha256:...'` for an artifact in another store.
       */
      path: string;
      /** Version label to report. Default `'1'`. */
      version?: string | number;
    }
  | {
      /** A ready predictor. */
      predictor: Predictor;
      /** Version label to report. Default `'1'`. */
      version?: string | number;
    };

/** One served model. */
export type ModelOptions = TargetOptions & {
  /** Name clients use in URLs. Default: the reference's model name; required with path or predictor. */
  name?: string;
  /**
   * Extra versions also served (addressable as `/versions/{v}`): the `latest` n versions of the
   * source (needs `ModelSource.listVersions`, followed as versions are added) or `specific` ones.
   */
  versions?: { latest: number } | { specific: readonly (string | number)[] };
  /** Batching for this model; overrides the server's. `false`: each request runs alone. */
  batching?: BatchingOptions | false;
  /** Canary: this share of unversioned requests, in percent (0 to 100), goes to another version. */
  canary?: TargetOptions & { percent: number };
  /** Shadow: a mirror model gets a copy of each request; its output is logged, never returned. */
  shadow?: TargetOptions;
};

/** Options of the prediction log. */
export interface LogOptions {
  /** Where records go. */
  sink: PredictionSink;
  /** Share of requests logged, 0 to 1. Default 1. */
  sampleRate?: number;
  /** Most records buffered; beyond it records are dropped and counted. Default 10,000. */
  maxPending?: number;
  /** Most records per `sink.write` call. Default 1,000. */
  maxBatch?: number;
  /** Longest a record waits before a write, in ms. Default 1,000. */
  flushIntervalMs?: number;
}

/** Options of {@link createPredictor} and `createServer`. */
export interface PredictorOptions {
  /** Models to serve: references like `'churn@champion'`, or model options. At least one. */
  models: readonly (string | ModelOptions)[];
  /** Resolves references and reports changes; needed for any `reference`. */
  source?: ModelSource;
  /**
   * Loads a resolved artifact into a predictor. Default: `@mlinfra/trainer`'s
   * `loadModelArtifact(store, artifact)` (an optional peer dependency).
   */
  loader?: (resolved: ResolvedModel) => Promise<Predictor>;
  /** Store holding artifacts, for the default loader: a store or its location. Default `createStore()`. */
  store?: Store | string;
  /**
   * TensorFlow.js backend for the default loader (`'auto'`, `'wasm'`, `'cpu'`, `'webgpu'`, `'tensorflow'`,
   * `'tensorflow-gpu'`, `'current'`), as `@mlinfra/trainer` names them. Default `'auto'`.
   */
  backend?: string;
  /** Batching for every model. `false`: each request runs alone. Defaults: see {@link BatchingOptions}. */
  batching?: BatchingOptions | false;
  /** Request limits. */
  limits?: {
    /** Per-request timeout from arrival to answer, in ms; past it the answer is 504. Default 30,000. */
    requestTimeoutMs?: number;
    /** Largest accepted request body, in bytes; larger is 413. Default 16 MiB. */
    maxBodyBytes?: number;
  };
  /** Prediction log; off when absent. */
  log?: LogOptions;
  /** Prometheus metrics; `false` turns `/metrics` off. */
  metrics?:
    | false
    | {
        /** Registry to add the metrics to. Default: a new one. */
        registry?: Registry;
        /** Metric name prefix. Default `mlinfra_serving_`. */
        prefix?: string;
      };
  /** Poll the source this often for alias moves when it has no `watch`, in ms. 0: never. Default 30,000. */
  pollIntervalMs?: number;
  /** Run each version on zero-filled batches before it takes traffic. Default true. */
  warmup?: boolean;
  /** Called on model lifecycle events (loads, swaps, unloads, failures). */
  onEvent?: (event: ServingEvent) => void;
}

/** A model lifecycle event. */
export interface ServingEvent {
  type: 'loaded' | 'swapped' | 'unloaded' | 'load-failed' | 'shadow-failed' | 'log-failed';
  model: string;
  version?: string;
  /** For `swapped`: the version that stopped taking new requests. */
  previousVersion?: string;
  error?: unknown;
}

const predictorSchema = z.custom<Predictor>(isPredictor, {
  message: 'expected a Predictor: { signature, predict(batch, rows) }',
});
const versionSchema = z.union([z.string().min(1), z.number()]);
const targetSchema = z.union([
  z.object({ reference: z.string().min(1) }).loose(),
  z.object({ path: z.string().min(1), version: versionSchema.optional() }).loose(),
  z.object({ predictor: predictorSchema, version: versionSchema.optional() }).loose(),
]);
const batchingSchema = z.union([
  z.literal(false),
  z
    .object({
      maxBatchSize: z.number().int().min(1).optional(),
      maxQueueDelayMs: z.number().min(0).optional(),
      maxQueue: z.number().int().min(1).optional(),
      instances: z.number().int().min(1).optional(),
    })
    .strict(),
]);
const modelSchema = z.union([
  z.string().min(1),
  z.intersection(
    targetSchema,
    z.object({
      name: z
        .string()
        .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-"')
        .optional(),
      versions: z
        .union([
          z.object({ latest: z.number().int().min(1) }).strict(),
          z.object({ specific: z.array(versionSchema).min(1) }).strict(),
        ])
        .optional(),
      batching: batchingSchema.optional(),
      canary: z
        .intersection(targetSchema, z.object({ percent: z.number().min(0).max(100) }))
        .optional(),
      shadow: targetSchema.optional(),
    }),
  ),
]);
const optionsSchema = z
  .object({
    models: z.array(modelSchema).min(1, 'serve at least one model'),
    source: z
      .custom<ModelSource>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as ModelSource).resolve === 'function',
        { message: 'expected a ModelSource: { resolve(reference) }' },
      )
      .optional(),
    loader: z
      .custom<(resolved: ResolvedModel) => Promise<Predictor>>((v) => typeof v === 'function')
      .optional(),
    store: z
      .union([z.string().min(1), z.custom<Store>(isStore, { message: 'expected a Store' })])
      .optional(),
    backend: z.string().min(1).optional(),
    batching: batchingSchema.optional(),
    limits: z
      .object({
        requestTimeoutMs: z.number().positive().optional(),
        maxBodyBytes: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    log: z
      .object({
        sink: z.custom<PredictionSink>(
          (value) =>
            typeof value === 'object' &&
            value !== null &&
            typeof (value as PredictionSink).write === 'function',
          { message: 'expected a PredictionSink: { write(records) }' },
        ),
        sampleRate: z.number().min(0).max(1).optional(),
        maxPending: z.number().int().min(1).optional(),
        maxBatch: z.number().int().min(1).optional(),
        flushIntervalMs: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
    metrics: z
      .union([
        z.literal(false),
        z
          .object({
            registry: z.custom<Registry>((v) => typeof v === 'object' && v !== null).optional(),
            prefix: z
              .string()
              .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
              .optional(),
          })
          .strict(),
      ])
      .optional(),
    pollIntervalMs: z.number().min(0).optional(),
    warmup: z.boolean().optional(),
    onEvent: z.custom<(event: ServingEvent) => void>((v) => typeof v === 'function').optional(),
  })
  .loose();

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

const TOP_LEVEL_KEYS = new Set([
  'models',
  'source',
  'loader',
  'store',
  'backend',
  'batching',
  'limits',
  'log',
  'metrics',
  'pollIntervalMs',
  'warmup',
  'onEvent',
]);
const MODEL_KEYS = new Set([
  'reference',
  'path',
  'predictor',
  'version',
  'name',
  'versions',
  'batching',
  'canary',
  'shadow',
]);

/**
 * Validates options once at the boundary.
 * @throws ValidationError listing every problem.
 */
export function validateOptions<T extends PredictorOptions>(options: T, what: string): T {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ValidationError(`Invalid ${what} options.`, fromZodIssues(parsed.error.issues));
  }
  const issues: { path: (string | number)[]; message: string }[] = [];
  // Typos are caught rather than silently ignored.
  for (const key of Object.keys(options)) {
    if (!TOP_LEVEL_KEYS.has(key))
      issues.push({
        path: [key],
        message: `unknown option; known: ${[...TOP_LEVEL_KEYS].join(', ')}`,
      });
  }
  options.models.forEach((model, index) => {
    if (typeof model !== 'string') {
      for (const key of Object.keys(model)) {
        if (!MODEL_KEYS.has(key))
          issues.push({
            path: ['models', index, key],
            message: `unknown model option; known: ${[...MODEL_KEYS].join(', ')}`,
          });
      }
    }
    if (typeof model === 'string' || 'reference' in model) {
      if (options.source === undefined) {
        issues.push({
          path: ['models', index],
          message: 'a reference needs a "source" (a ModelSource such as a registry)',
        });
      }
    } else if (model.name === undefined) {
      issues.push({
        path: ['models', index, 'name'],
        message: 'give a name to a model served by path or predictor',
      });
    }
    if (typeof model !== 'string' && model.versions !== undefined && !('reference' in model)) {
      issues.push({
        path: ['models', index, 'versions'],
        message: 'a version policy needs a "reference" resolved through the source',
      });
    }
  });
  if (issues.length > 0) throw new ValidationError(`Invalid ${what} options.`, issues);
  return options;
}
