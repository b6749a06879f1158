import { isStore, parseOptions, type Store, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import { createModelLoader, type ModelLoader } from '../model/loader.js';
import type { ModelSource } from '../model/model-source.js';
import { onnxOptionsSchema } from '../model/onnx/onnx-options.js';
import { checkSignature, isPredictor, type Predictor } from '../model/predictor.js';
import { isTensorPredictor, type ServablePredictor } from '../model/tensor-predictor.js';
import { type Chunk, chunkRows, type Scorer, tensorScorer } from './tensor-scorer.js';

/** A block of rows as column arrays (what `@mlinfra/datasets` streams). */
export interface ScoringChunk {
  /** Rows in the block. */
  length: number;
  /** Column name to values. */
  columns: Readonly<Record<string, ArrayLike<unknown>>>;
}

/** The dataset version to score: anything that streams column chunks (a `@mlinfra/datasets` `DatasetHandle`). */
export interface ScoringInput {
  chunks(options?: { columns?: string[] }): AsyncIterable<ScoringChunk>;
}

/** Where predictions are committed: anything with `commit` (a `@mlinfra/datasets` `Datasets`). */
export interface ScoringDestination<V> {
  commit(
    name: string,
    data: AsyncIterable<Readonly<Record<string, ArrayLike<unknown>>>>,
    options?: { message?: string; branch?: string; metadata?: Record<string, string> },
  ): Promise<V>;
}

const isFunction = (value: unknown): boolean => typeof value === 'function';

const scoreDatasetSchema = z.strictObject({
  /** The new dataset version: committed to `output.name` through `output.datasets`. */
  output: z.strictObject({
    /** Where to commit, e.g. the `Datasets` from `openDatasets()`. */
    datasets: z.custom<ScoringDestination<unknown>>(
      (v) => typeof (v as { commit?: unknown })?.commit === 'function',
      { message: 'expected something with commit(name, data), e.g. openDatasets()' },
    ),
    /** Dataset name to commit the predictions to. */
    name: z.string().min(1),
    /** Branch. Default `'main'`. */
    branch: z.string().min(1).optional(),
    /** Commit message. Default `'scored by <model>'`. */
    message: z.string().optional(),
  }),
  /** Input columns copied next to the predictions (ids, keys). Default: none. */
  keepColumns: z.array(z.string().min(1)).optional(),
  /**
   * Columns fed to a model without a feature transform, in input order. Default: the model's
   * transform (a `@mlinfra/trainer` artifact carries one, or its feature names).
   */
  features: z.array(z.string().min(1)).min(1).optional(),
  /** Rows per model call. Default 4,096. */
  batchSize: z.number().int().min(1).optional(),
  /** Name of the prediction column (`<name>_<i>` for several outputs). Default `'prediction'`. */
  predictionColumn: z.string().min(1).optional(),
  /** Resolves a `model` reference. Needed when `model` is a string. */
  source: z
    .custom<ModelSource>((v) => typeof (v as { resolve?: unknown })?.resolve === 'function', {
      message: 'expected a ModelSource: { resolve(reference) }',
    })
    .optional(),
  /** Store holding artifacts, for a `model` reference. Default: the source's store, else `createStore()`. */
  store: z
    .union([z.string().min(1), z.custom<Store>(isStore, { message: 'expected a Store' })])
    .optional(),
  /** TensorFlow.js backend for a `model` reference. Default `'auto'`. */
  backend: z.string().min(1).optional(),
  /** onnxruntime session options for an ONNX `model` reference (see `createPredictionService`). */
  onnx: onnxOptionsSchema.optional(),
  /** Loads a resolved reference, whatever its format. Default: the loader of its format. */
  loader: z.custom<ModelLoader>(isFunction, { message: 'expected a function' }).optional(),
  /** Loaders by artifact format, replacing the built-in ones (see `createPredictionService`). */
  loaders: z
    .record(z.string(), z.custom<ModelLoader>(isFunction, { message: 'expected a function' }))
    .optional(),
});

/** Options of {@link scoreDataset}; `V` is what the destination's `commit` returns. */
export type ScoreDatasetOptions<V> = Omit<z.input<typeof scoreDatasetSchema>, 'output'> & {
  output: Omit<z.input<typeof scoreDatasetSchema>['output'], 'datasets'> & {
    /** Where to commit, e.g. the `Datasets` from `openDatasets()`. */
    datasets: ScoringDestination<V>;
  };
};

function plain(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/**
 * Batch scoring: runs `model` over every row of a dataset version and commits the predictions
 * (plus `keepColumns`) as a new version of `output.name`, streaming chunk by chunk in bounded
 * memory. Returns what `output.datasets.commit` returns (the new version).
 * @throws ValidationError for invalid options or rows the model's transform rejects.
 */
export async function scoreDataset<V>(
  model: ServablePredictor | string,
  dataset: ScoringInput,
  options: ScoreDatasetOptions<V>,
): Promise<V> {
  parseOptions(scoreDatasetSchema, options, 'scoreDataset options');
  let predictor: ServablePredictor;
  let label: string;
  if (typeof model === 'string') {
    if (options.source === undefined) {
      throw new ValidationError(
        `scoreDataset got the reference "${model}" but no "source" to resolve it; pass { source } or a Predictor.`,
      );
    }
    const resolved = await options.source.resolve(model);
    predictor = await createModelLoader(options)(resolved);
    label = `${resolved.name}/${resolved.version}`;
  } else if (isPredictor(model) || isTensorPredictor(model)) {
    predictor = model;
    label = 'a predictor';
  } else {
    throw new ValidationError(
      'scoreDataset needs a Predictor, a TensorPredictor or a model reference such as "churn@champion".',
    );
  }
  const keep = options.keepColumns ?? [];
  const batchSize = options.batchSize ?? 4096;
  const column = options.predictionColumn ?? 'prediction';
  const scorer = isTensorPredictor(predictor)
    ? tensorScorer(predictor, column, options.features)
    : float32Scorer(predictor, label, column, options.features);
  const clash = scorer.columns.find((name) => keep.includes(name));
  if (clash !== undefined)
    throw new ValidationError(
      `Column "${clash}" is both kept and predicted; rename it with "predictionColumn".`,
    );

  async function* scored(): AsyncGenerator<Record<string, unknown[]>> {
    for await (const chunk of dataset.chunks()) {
      for (let start = 0; start < chunk.length; start += batchSize) {
        const end = Math.min(chunk.length, start + batchSize);
        const rows = end - start;
        const columns: Record<string, unknown[]> = {};
        for (const name of keep) {
          const values = chunk.columns[name];
          if (values === undefined)
            throw new ValidationError(`The dataset has no column "${name}" (from "keepColumns").`);
          columns[name] = Array.from({ length: rows }, (_, i) => plain(values[start + i]));
        }
        Object.assign(columns, await scorer.score(chunk, start, end));
        yield columns;
      }
    }
  }

  return options.output.datasets.commit(options.output.name, scored(), {
    message: options.output.message ?? `scored by ${label}`,
    ...(options.output.branch === undefined ? {} : { branch: options.output.branch }),
  });
}

/** Scores with a row-major {@link Predictor}: `features` columns, or its feature transform. */
function float32Scorer(
  predictor: Predictor,
  label: string,
  column: string,
  features: readonly string[] | undefined,
): Scorer {
  const sizes = checkSignature(predictor.signature, label);
  if (features === undefined && predictor.transform === undefined) {
    throw new ValidationError(
      'This model has no feature transform; pass "features" (the input columns in model order).',
    );
  }
  if (features !== undefined && features.length !== sizes.inputSize) {
    throw new ValidationError(
      `"features" names ${features.length} columns but the model takes ${sizes.inputSize} values per row.`,
    );
  }
  const outputNames =
    sizes.outputSize === 1
      ? [column]
      : Array.from({ length: sizes.outputSize }, (_, i) => `${column}_${i}`);
  async function inputsOf(chunk: Chunk, start: number, end: number): Promise<Float32Array> {
    if (features !== undefined) {
      const out = new Float32Array((end - start) * features.length);
      features.forEach((name, f) => {
        const values = chunk.columns[name];
        if (values === undefined)
          throw new ValidationError(`The dataset has no column "${name}" (from "features").`);
        for (let row = start; row < end; row++)
          out[(row - start) * features.length + f] = Number(plain(values[row]));
      });
      return out;
    }
    return predictor.transform!(chunkRows(chunk, start, end));
  }

  return {
    columns: outputNames,
    async score(chunk, start, end) {
      const rows = end - start;
      const output = await predictor.predict(await inputsOf(chunk, start, end), rows);
      if (output.length !== rows * sizes.outputSize) {
        throw new ValidationError(
          `The model returned ${output.length} values for ${rows} rows; expected ${rows * sizes.outputSize}.`,
        );
      }
      const columns: Record<string, unknown[]> = {};
      outputNames.forEach((name, o) => {
        columns[name] = Array.from({ length: rows }, (_, i) => output[i * sizes.outputSize + o]!);
      });
      return columns;
    },
  };
}
