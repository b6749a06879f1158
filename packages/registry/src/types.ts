import type { Digest } from '@mlinfra/core';

import type { JsonValue } from '@mlinfra/core/contracts';

/** Any value that survives `JSON.stringify` and `JSON.parse` unchanged (from `@mlinfra/core/contracts`). */
export type { JsonValue };

/** A run parameter. Parameters are immutable once set. */
export type ParamValue = string | number | boolean;

/** Life cycle of a run: `running` until {@link Run.end} sets one of the others. */
export type RunStatus = 'running' | 'finished' | 'failed' | 'killed';

/** Review state of a model version. New versions start `pending`. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

/** A named group of runs. */
export interface Experiment {
  /** Unique name. */
  name: string;
  /** Free text. */
  description?: string;
  /** Tags given when it was created. */
  tags: Record<string, string>;
  /** When it was created. */
  createdAt: Date;
}

/** One point of a metric's history. */
export interface MetricPoint {
  /** Training step (an integer >= 0). */
  step: number;
  /** The value; NaN and infinities are kept as they are. */
  value: number;
  /** When it was measured. */
  timestamp: Date;
}

/** A file a run stored in the core store. */
export interface RunArtifact {
  /** Name within the run, such as `model` or `confusion.png`. */
  name: string;
  /** Digest of the bytes in the core store. */
  digest: Digest;
  /** Size in bytes. */
  size: number;
  /** When it was logged. */
  loggedAt: Date;
}

/** Everything recorded about a run. */
export interface RunRecord {
  /** Run id: 32 lowercase hex digits. */
  id: string;
  /** The experiment the run belongs to. */
  experiment: string;
  /** Display name (not unique). */
  name?: string;
  /** Life-cycle state. */
  status: RunStatus;
  /** Commit hash or other code version the run was started with. */
  codeVersion?: string;
  /** When the run started. */
  startedAt: Date;
  /** When {@link Run.end} was called. */
  endedAt?: Date;
  /** The actor that started the run. */
  createdBy: string;
  /** Parameters (immutable once set). */
  params: Record<string, ParamValue>;
  /** Tags (mutable). */
  tags: Record<string, string>;
  /** Latest value of every metric (the one with the highest step). */
  metrics: Record<string, number>;
  /** Dataset version ids the run was trained on. */
  inputs: string[];
  /** Artifacts logged by the run, by name. */
  artifacts: RunArtifact[];
}

/** Who approved or rejected a model version, when and why. */
export interface ModelApproval {
  /** Current state. */
  status: ApprovalStatus;
  /** Who set it (absent while `pending` and never reviewed). */
  by?: string;
  /** When it was set. */
  at?: Date;
  /** Why. */
  reason?: string;
}

/** Metrics per slice of the evaluation data: slice name to metric name to value. */
export type SliceMetrics = Record<string, Record<string, number>>;

/**
 * The format of a model artifact, which tells `@mlinfra/serving` which loader to use:
 * `'tfjs'` (a tfjs model manifest, as `@mlinfra/trainer` writes) or `'onnx'` (an `.onnx` file).
 */
export type ModelFormat = 'tfjs' | 'onnx';

/**
 * A registered model version: what {@link Registry.resolve} and {@link Registry.getVersion} return.
 * This is the shape `@mlinfra/serving`'s `ModelSource` consumes.
 */
export interface ModelVersion {
  /** Model name. */
  name: string;
  /** Version number: 1, 2, 3, ... with no gaps. */
  version: number;
  /** Digest of the model artifact in the core store. */
  artifact: Digest;
  /** Size of the artifact in bytes. */
  artifactSize: number;
  /** The artifact's format: which loader serving uses. `'tfjs'` for versions registered without one. */
  format: ModelFormat;
  /** Input/output signature as given at registration. */
  signature?: JsonValue;
  /**
   * For each model input name, the dataset columns fed to it, in order (their values concatenated
   * along the input's last axis), as given at registration. Serving's `/v1` predict and
   * `scoreDataset` use it for models trained elsewhere (ONNX).
   */
  inputColumns?: Record<string, string[]>;
  /** Evaluation metrics given at registration (overall). */
  metrics: Record<string, number>;
  /** Evaluation metrics per slice, given at registration. */
  slices: SliceMetrics;
  /** Version tags. */
  tags: Record<string, string>;
  /** Aliases that point at this version, sorted. */
  aliases: string[];
  /** The run that produced it. */
  runId?: string;
  /** Free text. */
  description?: string;
  /** Approval state. */
  approval: ModelApproval;
  /** When it was registered. */
  createdAt: Date;
  /** The actor that registered it. */
  createdBy: string;
}

/** A registered model (the container of versions). */
export interface RegisteredModel {
  /** Unique name. */
  name: string;
  /** Free text. */
  description?: string;
  /** Highest version number (0 before the first registration). */
  latestVersion: number;
  /** When it was created. */
  createdAt: Date;
  /** When a version, tag or alias last changed. */
  updatedAt: Date;
  /** Model tags. */
  tags: Record<string, string>;
  /** Alias to version. */
  aliases: Record<string, number>;
}

/** What an audit entry (and a watch event) records. */
export type RegistryAction =
  | 'experiment.created'
  | 'run.started'
  | 'run.params'
  | 'run.tags'
  | 'run.artifact'
  | 'run.ended'
  | 'model.created'
  | 'model.updated'
  | 'model.tags'
  | 'version.created'
  | 'version.tags'
  | 'version.approval'
  | 'alias.set'
  | 'alias.deleted';

/**
 * One entry of the append-only audit log. Every change to experiments, runs (except metric
 * points), models, versions, tags, approvals and aliases writes one, in the same transaction.
 */
export interface RegistryEvent {
  /** Increases by at least one with every change, across all processes. */
  id: number;
  /** What happened. */
  action: RegistryAction;
  /** When. */
  at: Date;
  /** Who (the registry's `actor`, or the `by` of an approval). */
  actor: string;
  /** The model concerned. */
  model?: string;
  /** The version concerned. */
  version?: number;
  /** The alias concerned. */
  alias?: string;
  /** The run concerned. */
  runId?: string;
  /** Action-specific data: the previous version of a moved alias, changed tags, and so on. */
  details: Record<string, JsonValue>;
}
