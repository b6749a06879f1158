/**
 * `@mlinfra/trainer`: TensorFlow.js training with backend choice, checkpoints with exact resume,
 * callbacks, learning-rate schedules, evaluation, and the model artifact format.
 *
 * ## Model artifact contract (format `'mlinfra-model@1'`, read by `@mlinfra/serving`)
 *
 * - `saveModelArtifact(store, model, { signature?, transform?, lineage?, metadata? })`
 *   `-> Promise<{ id: Digest, manifest: ModelManifest }>`. Stores the tfjs layers `model.json`
 *   (modelTopology + weightsManifest with one group) and the weight shards as blobs, then a JSON
 *   manifest blob:
 *   `{ format: 'mlinfra-model@1', tfjsVersion, modelJson: { path: 'model.json', digest, size },
 *      weights: [{ path: 'group1-shard1of1.bin', digest, size }], weightBytes,
 *      signature: { features: string[], inputs: [{ name, dtype, shape }], outputs: [{ name, dtype, shape }], labels? },
 *   `signature.labels` (optional) are the class names of the first output in index order (for one
 *   sigmoid unit: the names of 0 and 1), from `train({ classes })` / `fromColumnBatches({ classes })`
 *   or `saveModelArtifact`'s `signature.labels`. A single input is named `features`, a single output
 *   after the label column (else `output`).
 *      transform: JSON | null, lineage: object | null, metadata: object | null }`.
 *   The id is the manifest's digest (no timestamp inside: the same model saves to the same id).
 * - `loadModelArtifact(store, id, { backend?, applyTransform? })` `-> Promise<LoadedModel>` with
 *   `model` (tf.LayersModel), `manifest`, `backend`, `predict(input: Float32Array | number[][], batchSize = 1024)
 *   -> Promise<Float32Array[]>` (one Float32Array of outputs per row), `predictRows(rows)`,
 *   `predictTensor(x)` and `dispose()`. `predictRows(rows)` applies a stored `@mlinfra/datasets`
 *   FeatureTransform (`kind: 'mlinfra.feature-transform/v1'`) itself, any other transform through
 *   `applyTransform`, or maps `signature.features` by name when there is no transform.
 * - `exportLayersModel(store, id, folder)` writes `model.json` + shards loadable by stock `tf.loadLayersModel`.
 * - `modelArtifactDigests(store, id)` lists every blob of an artifact (for `store.gc({ keep })`).
 *
 * @packageDocumentation
 */

export {
  type ExportedLayersModel,
  exportLayersModel,
  modelArtifactDigests,
} from './artifact/export-layers-model.js';
export {
  type LoadedModel,
  type LoadModelArtifactOptions,
  loadModelArtifact,
  type Row,
  readModelManifest,
  type TransformApplier,
} from './artifact/load-model.js';
export {
  type ArtifactFile,
  type JsonValue,
  MODEL_ARTIFACT_FORMAT,
  type ModelLineage,
  type ModelManifest,
  type ModelSignature,
  type SignatureDtype,
  type SignatureTensor,
} from './artifact/manifest.js';
export {
  type SavedModelArtifact,
  type SaveModelArtifactOptions,
  saveModelArtifact,
} from './artifact/save-model.js';
export {
  AUTO_BACKEND_ORDER,
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  type ConcreteBackendName,
  type ModuleImporter,
  releaseBackend,
  useBackend,
} from './backend/backend.js';
export { type GpuAdapterInfo, isSoftwareAdapter } from './backend/webgpu.js';
export { type EarlyStoppingOptions, earlyStopping } from './callbacks/early-stopping.js';
export { type ProgressBarOptions, progressBar } from './callbacks/progress-bar.js';
export {
  type ReduceLROnPlateauOptions,
  reduceLROnPlateau,
} from './callbacks/reduce-lr-on-plateau.js';
export {
  type CosineDecayOptions,
  cosineDecay,
  type LearningRateSchedule,
  type StepDecayOptions,
  stepDecay,
  type WarmupOptions,
  warmup,
} from './callbacks/schedules.js';
export type {
  CallbackState,
  EpochLogs,
  MonitorMode,
  StepLogs,
  TrainingCallback,
  TrainingContext,
} from './callbacks/types.js';
export {
  type EvaluateOptions,
  type EvaluationReport,
  evaluate,
  type MetricValues,
  type RegistryMetrics,
  registryMetrics,
} from './evaluate/evaluate.js';
export { METRIC_NAMES, type MetricName, rocAuc, type Task } from './evaluate/metrics.js';
export { type CheckpointListing, listCheckpoints } from './train/checkpoint-store.js';
export {
  type ColumnBatchLike,
  type ColumnBatchOpener,
  type ColumnBatchSourceLike,
  type ColumnEpochPosition,
  type ColumnLabels,
  type ColumnTransformLike,
  type DatasetsCursorLike,
  type FromColumnBatchesOptions,
  fromColumnBatches,
} from './train/column-batches.js';
export type {
  ArrayInput,
  BatchIterable,
  BatchOpener,
  EpochBatches,
  EpochPosition,
  InMemoryData,
  SliceColumn,
  TrainData,
  XYBatch,
} from './train/data.js';
export type { TrainStatus } from './train/final-status.js';
export type { BudgetDecisionLike, BudgetGuard, RunLogger } from './train/interfaces.js';
export type { LossSpec } from './train/losses.js';
export type { OptimizerSpec } from './train/optimizer.js';
export { type TrainResult, train } from './train/train.js';
export type { BudgetOption, CheckpointOptions, TrainOptions } from './train/train-options.js';
