import { allocateValues, elementCount, type TensorSignature } from '../tensor.js';
import { ORT_TYPES } from './onnx-element-types.js';
import type { OnnxRuntime, OrtSession, OrtTensor } from './onnx-runtime.js';

/**
 * With `worker: 'auto'`, a model whose one-row run takes at least this long moves to a worker
 * thread. Handing a batch to a worker and back costs two thread wake-ups (tens of microseconds
 * on bare metal, about 0.2 ms on a small virtual machine); a model this slow gains far more from
 * running beside the event loop than it loses there, and a faster one stays on the caller's thread.
 */
export const WORKER_THRESHOLD_MS = 0.5;

/**
 * The fastest of three runs of `session` on an all-zero input of one row (every dynamic
 * dimension 1), in milliseconds; undefined when the model refuses such an input (a shape its
 * graph needs larger, an index input that must be non-zero), which the caller treats as fast.
 */
export async function probeRunMs(
  runtime: OnnxRuntime,
  session: OrtSession,
  signature: TensorSignature,
): Promise<number | undefined> {
  const feeds: Record<string, OrtTensor> = {};
  for (const spec of signature.inputs) {
    const shape = spec.shape.map((dimension) => (dimension < 0 ? 1 : dimension));
    const values = allocateValues(spec.datatype, elementCount(shape));
    feeds[spec.name] = new runtime.Tensor(ORT_TYPES[spec.datatype], values, shape);
  }
  let fastest = Number.POSITIVE_INFINITY;
  try {
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      await session.run(feeds);
      fastest = Math.min(fastest, performance.now() - started);
    }
  } catch {
    return undefined;
  }
  return fastest;
}
