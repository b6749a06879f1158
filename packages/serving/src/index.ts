/**
 * `@mlinfra/serving`: a model server with the KServe V2 protocol, dynamic batching, safe
 * rollouts, canary and shadow traffic, prediction logs and Prometheus metrics.
 * @packageDocumentation
 */
export {
  ModelNotReadyError,
  QueueFullError,
  RequestTimeoutError,
  ServerClosedError,
} from './errors.js';
export type { RequestHandler } from './http/handler.js';
export { createJsonlSink, type JsonlSinkOptions } from './log/jsonl-sink.js';
export { createParquetSink, type ParquetSinkOptions } from './log/parquet-sink.js';
export type { PredictionRecord, PredictionSink } from './log/prediction-log.js';
export type { RotationOptions } from './log/rotation.js';
export type { ServingMetrics } from './metrics/serving-metrics.js';
export { checkInputColumns, type InputColumns } from './model/column-mapping.js';
export type { ModelLoader } from './model/loader.js';
export type {
  ModelChangeEvent,
  ModelSource,
  ResolvedModel,
  Unsubscribe,
} from './model/model-source.js';
export { loadOnnxModel, type OnnxModel } from './model/onnx/onnx-model.js';
export { EXECUTION_PROVIDERS, type OnnxOptions } from './model/onnx/onnx-options.js';
export {
  type InstanceRow,
  isPredictor,
  type ModelSignature,
  type Predictor,
  type RawFeature,
  TENSOR_DATATYPES,
  type TensorDatatype,
  type TensorSpec,
} from './model/predictor.js';
export {
  type NamedTensors,
  TENSOR_ELEMENT_TYPES,
  type Tensor,
  type TensorElementType,
  type TensorModelSpec,
  type TensorSignature,
  type TensorValues,
} from './model/tensor.js';
export {
  isTensorPredictor,
  type ServablePredictor,
  type TensorPredictor,
} from './model/tensor-predictor.js';
export type {
  BatchingOptions,
  LogOptions,
  ModelOptions,
  PredictionServiceOptions,
  PredictorOptions,
  ServingEvent,
  TargetOptions,
} from './options.js';
export type { UnknownFields } from './protocol/raw-rows.js';
export type { LabeledPrediction } from './protocol/v1.js';
export type {
  InferInputTensor,
  InferOutputTensor,
  InferRequest,
  InferResponse,
} from './protocol/v2.js';
export {
  type ScoreDatasetOptions,
  type ScoringChunk,
  type ScoringDestination,
  type ScoringInput,
  scoreDataset,
} from './score/score-dataset.js';
export { createServer, type ModelServer, type ServerOptions } from './server.js';
export {
  createPredictionService,
  createPredictor,
  type ModelMetadata,
  type PredictionService,
} from './service/prediction-service.js';
export type { VersionedPredictions } from './service/request-pipeline.js';
export type { CallOptions } from './service/routing.js';
