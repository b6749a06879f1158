import { parseOptions } from '@mlinfra/core';
import { z } from 'zod';

/** Execution providers `onnxruntime-node` 1.30 can be asked for (each only where it is built in). */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu'] as const;

/** The strict schema of {@link OnnxOptions}. */
export const onnxOptionsSchema = z
  .object({
    /**
     * Threads one operator may use. Default: onnxruntime's own (one per physical core). Set 1
     * when several models or replicas share the machine.
     */
    intraOpNumThreads: z.number().int().min(0).max(1024).optional(),
    /** Threads running independent operators at once (only with parallel graphs). Default: onnxruntime's own. */
    interOpNumThreads: z.number().int().min(0).max(1024).optional(),
    /** Graph optimizations applied when the session is created. Default `'all'`. */
    graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
    /**
     * Execution providers, in order of preference. Default `['cpu']`. `'cuda'` needs the CUDA
     * build of onnxruntime (Linux x64, CUDA 12) and is untested here; `'dml'` is Windows only,
     * `'coreml'` macOS only.
     */
    executionProviders: z.array(z.enum(EXECUTION_PROVIDERS)).min(1).default(['cpu']),
    /**
     * Where the session runs. `true`: on its own worker thread, so a batch's inference never
     * blocks the event loop and requests keep being read and answered (and the next batch
     * assembled) while it runs; each run then costs two thread wake-ups and a copy of its inputs.
     * `false`: on the calling thread. Default `'auto'`: on a worker when a one-row run takes at
     * least 0.5 ms at load (a model slow enough that overlapping it with HTTP pays), else on the
     * calling thread.
     */
    worker: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  })
  .strict();

/** Session options of an ONNX model (see each field for its default). */
export type OnnxOptions = z.input<typeof onnxOptionsSchema>;

/** Validated session options, defaults applied. */
export type ParsedOnnxOptions = z.output<typeof onnxOptionsSchema>;

/**
 * Validates ONNX session options.
 * @throws ValidationError naming each bad field (unknown keys included).
 */
export function parseOnnxOptions(options: OnnxOptions | undefined): ParsedOnnxOptions {
  return parseOptions(onnxOptionsSchema, options ?? {}, 'ONNX session options');
}

/** The options object `InferenceSession.create` takes. */
export function sessionOptions(options: ParsedOnnxOptions): Record<string, unknown> {
  const session: Record<string, unknown> = {
    graphOptimizationLevel: options.graphOptimizationLevel,
    executionProviders: [...options.executionProviders],
    // Run failures reach the caller as errors; onnxruntime's own stderr line would repeat them.
    logSeverityLevel: 4,
  };
  if (options.intraOpNumThreads !== undefined)
    session.intraOpNumThreads = options.intraOpNumThreads;
  if (options.interOpNumThreads !== undefined)
    session.interOpNumThreads = options.interOpNumThreads;
  return session;
}
