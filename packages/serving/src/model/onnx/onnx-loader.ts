import { checkInputColumns, type InputColumns, rowsToTensors } from '../column-mapping.js';
import type { TensorPredictor } from '../tensor-predictor.js';
import { loadOnnxModel, type OnnxModel } from './onnx-model.js';
import type { OnnxOptions } from './onnx-options.js';
import type { ModuleImporter } from './onnx-runtime.js';

/** The parts of a resolved version the ONNX loader reads (a registry's `resolve` returns them). */
export interface OnnxResolvedModel {
  name: string;
  version: string | number;
  artifact: string;
  /** For each model input, the dataset columns fed to it, in order (for `/v1` rows and `scoreDataset`). */
  inputColumns?: InputColumns | undefined;
}

/** Where an artifact's bytes are: a store that can read them and the id there. */
export interface ArtifactBytes {
  store: { read(id: string): Promise<Uint8Array> };
  id: string;
}

/**
 * Serves `model` with raw rows mapped to its inputs through `columns` (checked now).
 * @throws ValidationError when `columns` does not fit the model's inputs.
 */
export function withInputColumns(model: OnnxModel, columns: InputColumns): TensorPredictor {
  checkInputColumns(model.signature, columns);
  return {
    signature: model.signature,
    batched: model.batched,
    platform: model.platform,
    run: (inputs, outputs) => model.run(inputs, outputs),
    fromRows: (rows) => rowsToTensors(rows, model.signature, columns),
    features: [...new Set(Object.values(columns).flat())].map((name) => ({ name })),
    dispose: () => model.dispose(),
  };
}

/**
 * The loader of format `'onnx'`: reads the `.onnx` bytes of a resolved version from its store
 * and loads them with `onnxruntime-node`; the version's `inputColumns`, when registered, map
 * dataset columns to the inputs.
 */
export function onnxLoader(
  locate: (artifact: string) => ArtifactBytes,
  options?: OnnxOptions,
  importer?: ModuleImporter,
): (resolved: OnnxResolvedModel) => Promise<TensorPredictor> {
  return async (resolved) => {
    const { store, id } = locate(resolved.artifact);
    const model = await loadOnnxModel(await store.read(id), options, importer);
    if (resolved.inputColumns === undefined) return model;
    try {
      return withInputColumns(model, resolved.inputColumns);
    } catch (error) {
      await model.dispose();
      throw error;
    }
  };
}
