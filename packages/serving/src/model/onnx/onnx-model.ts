import { MissingDependencyError, MlinfraError, ValidationError } from '@mlinfra/core';
import { rowsToTensors } from '../column-mapping.js';
import type { InstanceRow, RawFeature } from '../predictor.js';
import type {
  NamedTensors,
  Tensor,
  TensorModelSpec,
  TensorSignature,
  TensorValues,
} from '../tensor.js';
import type { TensorPredictor } from '../tensor-predictor.js';
import { ELEMENT_TYPES, ORT_TYPES } from './onnx-element-types.js';
import {
  type OnnxOptions,
  type ParsedOnnxOptions,
  parseOnnxOptions,
  sessionOptions,
} from './onnx-options.js';
import { probeRunMs, WORKER_THRESHOLD_MS } from './onnx-placement.js';
import {
  importOnnxRuntime,
  type ModuleImporter,
  ONNX_INSTALL_HINT,
  type OnnxRuntime,
  type OrtSession,
  type OrtTensor,
  type OrtValueMetadata,
} from './onnx-runtime.js';
import { createWorkerSession, onnxRuntimePath } from './onnx-worker-session.js';

/**
 * A loaded ONNX model: its signature and a way to run it. It is a {@link TensorPredictor}, so
 * `createServer({ models: [{ name, predictor: model }] })` serves it.
 */
export interface OnnxModel extends TensorPredictor {
  /** Always `'onnxruntime_onnx'` (Triton's name for this platform). */
  readonly platform: 'onnxruntime_onnx';
  /** Inputs and outputs as the model declares them (`-1` for dynamic dimensions). */
  readonly signature: TensorSignature;
  /**
   * True when every input and output has a dynamic first dimension, so requests can be joined
   * along it (dynamic batching). False for a model with fixed shapes: each request runs alone.
   */
  readonly batched: boolean;
  /**
   * True when the session runs on its own worker thread (option `worker`; with `'auto'`, when a
   * one-row run took at least half a millisecond at load), false when it runs on the caller's.
   */
  readonly worker: boolean;
  /**
   * Runs the model once.
   * @param inputs - one tensor per signature input, of its element type and a fitting shape.
   * @param outputs - the outputs to compute; default all.
   * @throws ValidationError when an input is missing, unknown, or of the wrong type or shape,
   * or when onnxruntime rejects the values (an index out of range, say).
   */
  run(inputs: NamedTensors, outputs?: readonly string[]): Promise<NamedTensors>;
  /**
   * Builds the input tensors from rows keyed by input name (`{ ids: [1, 2, 3], mask: [...] }`),
   * for `/v1` instances.
   * @throws ValidationError naming the row and input that does not fit.
   */
  fromRows(rows: readonly InstanceRow[]): NamedTensors;
  /** Releases the session. */
  dispose(): Promise<void>;
}

function specOf(
  metadata: OrtValueMetadata,
  side: 'input' | 'output',
  issues: { path: (string | number)[]; message: string }[],
): TensorModelSpec {
  const datatype = metadata.isTensor ? ELEMENT_TYPES[metadata.type ?? ''] : undefined;
  if (datatype === undefined) {
    issues.push({
      path: [`${side}s`, metadata.name],
      message: metadata.isTensor
        ? `${side} "${metadata.name}" has element type ${metadata.type}, which is not served (FP16/BF16 and narrower floats: export it as float32)`
        : `${side} "${metadata.name}" is not a tensor (a sequence or map); export the model with tensor ${side}s`,
    });
  }
  const shape = (metadata.shape ?? []).map((dimension) =>
    typeof dimension === 'number' && dimension >= 0 ? dimension : -1,
  );
  return { name: metadata.name, datatype: datatype ?? 'FP32', shape };
}

/** Reads the signature from the session's metadata. */
function readSignature(session: OrtSession): TensorSignature {
  if (session.inputMetadata === undefined || session.outputMetadata === undefined) {
    throw new MissingDependencyError(
      `The installed "onnxruntime-node" reports no input/output metadata; upgrade it: ${ONNX_INSTALL_HINT}.`,
    );
  }
  const issues: { path: (string | number)[]; message: string }[] = [];
  const signature: TensorSignature = {
    inputs: session.inputMetadata.map((metadata) => specOf(metadata, 'input', issues)),
    outputs: session.outputMetadata.map((metadata) => specOf(metadata, 'output', issues)),
  };
  if (issues.length > 0)
    throw new ValidationError(
      'The ONNX model has inputs or outputs that cannot be served.',
      issues,
    );
  return signature;
}

function isBatched(signature: TensorSignature): boolean {
  return [...signature.inputs, ...signature.outputs].every(
    (spec) => spec.shape.length > 0 && spec.shape[0] === -1,
  );
}

/** Checks tensors handed to `run` directly (V2 requests are checked while parsed). */
function checkInputs(signature: TensorSignature, inputs: NamedTensors): void {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const spec of signature.inputs) {
    const tensor = inputs[spec.name];
    if (tensor === undefined) {
      issues.push({ path: [spec.name], message: `missing input "${spec.name}"` });
      continue;
    }
    if (tensor.datatype !== spec.datatype)
      issues.push({
        path: [spec.name, 'datatype'],
        message: `input "${spec.name}" has datatype ${spec.datatype}, got ${tensor.datatype}`,
      });
    const fits =
      tensor.shape.length === spec.shape.length &&
      tensor.shape.every((d, i) => spec.shape[i]! < 0 || d === spec.shape[i]);
    let count = 1;
    for (const d of tensor.shape) count *= d;
    if (!fits || count !== tensor.values.length)
      issues.push({
        path: [spec.name, 'shape'],
        message: `input "${spec.name}" must have shape [${spec.shape.map((d) => (d < 0 ? 'n' : d)).join(', ')}] with as many values, got shape ${JSON.stringify(tensor.shape)} and ${tensor.values.length} values`,
      });
  }
  for (const name of Object.keys(inputs)) {
    if (!signature.inputs.some((spec) => spec.name === name))
      issues.push({ path: [name], message: `unknown input "${name}"` });
  }
  if (issues.length > 0)
    throw new ValidationError('Inputs do not match the ONNX model signature.', issues);
}

class LoadedOnnxModel implements OnnxModel {
  readonly platform = 'onnxruntime_onnx' as const;
  readonly batched: boolean;
  readonly features: readonly RawFeature[];
  private released = false;
  /** Runs started and not yet settled: dispose waits for them before releasing the session. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly runtime: OnnxRuntime,
    private readonly session: OrtSession,
    readonly signature: TensorSignature,
    readonly worker: boolean,
  ) {
    this.batched = isBatched(signature);
    this.features = signature.inputs.map((spec) => ({ name: spec.name }));
  }

  async run(inputs: NamedTensors, outputs?: readonly string[]): Promise<NamedTensors> {
    if (this.released)
      throw new MlinfraError('This ONNX model was disposed; load it again.', 'CLOSED');
    checkInputs(this.signature, inputs);
    const names = outputs ?? this.signature.outputs.map((spec) => spec.name);
    for (const name of names) {
      if (!this.signature.outputs.some((spec) => spec.name === name))
        throw new ValidationError(`Unknown output "${name}".`, [
          {
            path: ['outputs'],
            message: `the model returns ${this.session.outputNames.join(', ')}`,
          },
        ]);
    }
    const feeds: Record<string, OrtTensor> = {};
    for (const spec of this.signature.inputs) {
      const tensor = inputs[spec.name]!;
      feeds[spec.name] = new this.runtime.Tensor(ORT_TYPES[spec.datatype], tensor.values, [
        ...tensor.shape,
      ]);
    }
    let results: Record<string, OrtTensor>;
    try {
      const running = this.session.run(feeds, names);
      this.running.add(running);
      results = await running.finally(() => this.running.delete(running));
    } catch (error) {
      // Inputs passed the signature, so a failure here is about their values (an index out of
      // range, a shape the graph's own ops refuse): the caller's to fix.
      const reason = error instanceof Error ? error.message : String(error);
      throw new ValidationError(
        `onnxruntime rejected the inputs: ${reason.slice(0, 300)}. Fix the input values or shapes.`,
        [],
        { cause: error },
      );
    }
    const out: NamedTensors = {};
    for (const name of names) {
      const result = results[name]!;
      out[name] = {
        datatype: ELEMENT_TYPES[result.type] ?? 'FP32',
        shape: [...result.dims],
        values: result.data as TensorValues,
      } satisfies Tensor;
    }
    return out;
  }

  fromRows(rows: readonly InstanceRow[]): NamedTensors {
    return rowsToTensors(rows, this.signature, undefined);
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.allSettled([...this.running]);
    await this.session.release();
  }
}

/**
 * Loads an ONNX model from its bytes with `onnxruntime-node` (an optional peer, imported on
 * first use) and reads its signature from the session.
 * @param bytes - the `.onnx` file's contents.
 * @param options - session options; see {@link OnnxOptions} for defaults.
 * @param importer - replaces `import()`, for tests.
 * @throws MissingDependencyError naming the install command when `onnxruntime-node` is missing.
 * @throws ValidationError on invalid options, bytes that are not an ONNX model, or inputs and
 * outputs that cannot be served (sequences, maps, FP16).
 */
export async function loadOnnxModel(
  bytes: Uint8Array,
  options?: OnnxOptions,
  importer?: ModuleImporter,
): Promise<OnnxModel> {
  const parsed = parseOnnxOptions(options);
  const runtime = await importOnnxRuntime(importer);
  // A worker loads onnxruntime-node from its file: without one (a test's importer, a bundle)
  // sessions run on this thread.
  const runtimePath = importer === undefined ? onnxRuntimePath() : undefined;
  if (parsed.worker === true && runtimePath === undefined) {
    throw new MissingDependencyError(
      `Cannot find onnxruntime-node's files for a worker thread${importer === undefined ? '' : ' (a custom importer was given)'}; use worker: false or 'auto', or install it where this package resolves it: ${ONNX_INSTALL_HINT}.`,
    );
  }
  let onWorker = parsed.worker === true;
  let session = await createSession(runtime, bytes, parsed, onWorker ? runtimePath : undefined);
  try {
    const signature = readSignature(session);
    if (parsed.worker === 'auto' && runtimePath !== undefined) {
      const runMs = await probeRunMs(runtime, session, signature);
      if (runMs !== undefined && runMs >= WORKER_THRESHOLD_MS) {
        const moved = await createSession(runtime, bytes, parsed, runtimePath);
        await session.release();
        session = moved;
        onWorker = true;
      }
    }
    return new LoadedOnnxModel(runtime, session, signature, onWorker);
  } catch (error) {
    await session.release();
    throw error;
  }
}

/** A session on a worker thread loading onnxruntime-node from `workerPath`, else on this one. */
async function createSession(
  runtime: OnnxRuntime,
  bytes: Uint8Array,
  parsed: ParsedOnnxOptions,
  workerPath: string | undefined,
): Promise<OrtSession> {
  try {
    return workerPath !== undefined
      ? await createWorkerSession(workerPath, bytes, sessionOptions(parsed))
      : await runtime.InferenceSession.create(bytes, sessionOptions(parsed));
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    const accelerated = parsed.executionProviders.filter((provider) => provider !== 'cpu');
    if (accelerated.length > 0 && /ExecutionProvider|provider/i.test(reason)) {
      // The npm package ships the CPU provider only; the others come from its install script.
      throw new MissingDependencyError(
        `onnxruntime-node cannot use executionProviders ${accelerated.join(', ')} here (${reason}). Their libraries are downloaded by onnxruntime-node's install script (skipped with --ignore-scripts); on a machine with the GPU stack run "npm rebuild onnxruntime-node" with network access, or use executionProviders: ['cpu'].`,
        { cause: error },
      );
    }
    throw new ValidationError(
      `onnxruntime could not load the model (${reason}); give the bytes of a valid .onnx file.`,
      [],
      { cause: error },
    );
  }
}
