import type { TensorElementType } from '../tensor.js';

/** V2 element types by onnxruntime's tensor type names. */
export const ELEMENT_TYPES: Record<string, TensorElementType> = {
  float32: 'FP32',
  float64: 'FP64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
};
/** onnxruntime's tensor type names by V2 element type. */
export const ORT_TYPES = Object.fromEntries(
  Object.entries(ELEMENT_TYPES).map(([ort, v2]) => [v2, ort]),
) as Record<TensorElementType, string>;
