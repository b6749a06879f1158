import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { MlinfraError } from '@mlinfra/core';
import type { OrtSession, OrtTensor, OrtValueMetadata } from './onnx-runtime.js';

/**
 * The worker's program (CommonJS, run with `eval`): it loads onnxruntime-node from the path the
 * main thread resolved, creates the session, then answers `run` messages one at a time, in order.
 * Tensors travel as `{ type, dims, data }`; output buffers are transferred, not copied.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.modulePath);
const describe = (error) => (error instanceof Error ? error.message : String(error));
ort.InferenceSession.create(workerData.model, workerData.options).then(
  (session) => {
    parentPort.postMessage({
      kind: 'ready',
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      inputMetadata: session.inputMetadata,
      outputMetadata: session.outputMetadata,
    });
    // Runs one at a time, in order; a release waits for the runs posted before it.
    let queue = Promise.resolve();
    parentPort.on('message', (message) => {
      queue = queue.then(() => (message.kind === 'release' ? release() : run(message)));
    });
    const release = async () => {
      await session.release().catch(() => undefined);
      parentPort.postMessage({ kind: 'released' });
    };
    const run = async (message) => {
      try {
        const feeds = {};
        for (const [name, t] of Object.entries(message.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
        const results = await session.run(feeds, message.fetches);
        const outputs = {};
        const transfer = [];
        for (const [name, t] of Object.entries(results)) {
          outputs[name] = { type: t.type, dims: t.dims, data: t.data };
          if (ArrayBuffer.isView(t.data) && !transfer.includes(t.data.buffer)) transfer.push(t.data.buffer);
        }
        parentPort.postMessage({ kind: 'result', id: message.id, outputs }, transfer);
      } catch (error) {
        parentPort.postMessage({ kind: 'failed', id: message.id, message: describe(error) });
      }
    };
  },
  (error) => parentPort.postMessage({ kind: 'failed', id: -1, message: describe(error) }),
);
`;

type WorkerMessage =
  | {
      kind: 'ready';
      inputNames: string[];
      outputNames: string[];
      inputMetadata?: OrtValueMetadata[];
      outputMetadata?: OrtValueMetadata[];
    }
  | { kind: 'result'; id: number; outputs: Record<string, OrtTensor> }
  | { kind: 'failed'; id: number; message: string }
  | { kind: 'released' };

interface PendingRun {
  resolve(outputs: Record<string, OrtTensor>): void;
  reject(error: unknown): void;
}

/**
 * Where `onnxruntime-node` resolves from this package (the worker loads that same copy), or
 * undefined where it cannot be resolved as a file (a bundle that inlined it, say).
 */
export function onnxRuntimePath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('onnxruntime-node');
  } catch {
    return undefined;
  }
}

/**
 * An onnxruntime session on its own worker thread: `run` never blocks the caller's event loop,
 * so HTTP parsing and the next batch's assembly overlap the current batch's inference. Feeds are
 * copied to the worker (the caller keeps its arrays); outputs come back without a copy.
 * @param modulePath - the `onnxruntime-node` entry file to load in the worker.
 * @param model - the `.onnx` bytes.
 * @param options - `InferenceSession.create` options.
 * @throws Error with onnxruntime's message when the session cannot be created.
 */
export async function createWorkerSession(
  modulePath: string,
  model: Uint8Array,
  options: Record<string, unknown>,
): Promise<OrtSession> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { modulePath, model, options },
    stdout: false,
    stderr: false,
  });
  const pending = new Map<number, PendingRun>();
  let nextId = 0;
  let stopped: Error | undefined;
  let onReleased: (() => void) | undefined;
  // The worker keeps the process alive only while a run is in flight, like an in-process session.
  const refWhileBusy = () => (pending.size > 0 ? worker.ref() : worker.unref());

  const ready = new Promise<Extract<WorkerMessage, { kind: 'ready' }>>((resolve, reject) => {
    const stop = (error: Error) => {
      stopped ??= error;
      reject(stopped);
      for (const run of pending.values()) run.reject(stopped);
      pending.clear();
      onReleased?.();
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'ready') resolve(message);
      else if (message.kind === 'released') onReleased?.();
      else if (message.kind === 'failed' && message.id === -1) reject(new Error(message.message));
      else {
        const run = pending.get(message.id);
        if (run === undefined) return;
        pending.delete(message.id);
        refWhileBusy();
        if (message.kind === 'result') run.resolve(message.outputs);
        else run.reject(new Error(message.message));
      }
    });
    worker.on('error', (error) =>
      stop(
        new MlinfraError(
          `The ONNX model's worker thread failed (${error.message}); load the model again.`,
          'CLOSED',
          { cause: error },
        ),
      ),
    );
    worker.on('exit', (code) =>
      stop(
        new MlinfraError(
          `The ONNX model's worker thread stopped (exit code ${code}); load the model again.`,
          'CLOSED',
        ),
      ),
    );
  });
  let metadata: Extract<WorkerMessage, { kind: 'ready' }>;
  try {
    metadata = await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.unref();

  return {
    inputNames: metadata.inputNames,
    outputNames: metadata.outputNames,
    ...(metadata.inputMetadata === undefined ? {} : { inputMetadata: metadata.inputMetadata }),
    ...(metadata.outputMetadata === undefined ? {} : { outputMetadata: metadata.outputMetadata }),
    run(feeds, fetches) {
      if (stopped !== undefined) return Promise.reject(stopped);
      const id = nextId++;
      const message: Record<string, { type: string; dims: readonly number[]; data: unknown }> = {};
      for (const [name, tensor] of Object.entries(feeds))
        message[name] = { type: tensor.type, dims: tensor.dims, data: tensor.data };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        refWhileBusy();
        worker.postMessage({ kind: 'run', id, feeds: message, fetches });
      });
    },
    async release() {
      if (stopped !== undefined) return;
      const released = new Promise<void>((resolve) => {
        onReleased = resolve;
      });
      worker.ref();
      worker.postMessage({ kind: 'release' });
      await released;
      stopped = new MlinfraError('This ONNX model was disposed; load it again.', 'CLOSED');
      await worker.terminate();
    },
  };
}
