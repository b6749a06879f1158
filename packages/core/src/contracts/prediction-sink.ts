/** One logged prediction: a row of a request and what the model answered. */
export interface PredictionRecord {
  /** Request id (the V2 `id` when the client sent one, else generated). */
  id: string;
  /** Row index within the request, from 0. */
  row: number;
  /** When the request was answered, ISO 8601. */
  time: string;
  /** Served model name. */
  model: string;
  /** Version that answered. */
  version: string;
  /** The row as sent: a raw feature object (`/v1`) or a numeric array (`/v2`). */
  inputs: unknown;
  /** The row's outputs, flattened. */
  outputs: number[];
  /** Request latency from receiving the body to the result, in ms. */
  latencyMs: number;
  /** True when a shadow (mirror) model produced this record; its output was never returned. */
  shadow?: boolean;
}

/**
 * Where prediction records go. Written by `@mlinfra/serving` from a background loop with batches
 * of records; it may be slow, but the request path never waits for it.
 */
export interface PredictionSink {
  /** Persists records. A rejection counts the records as dropped. */
  write(records: readonly PredictionRecord[]): Promise<void> | void;
  /** Flushes and releases resources; called once when the server closes. */
  close?(): Promise<void> | void;
}
