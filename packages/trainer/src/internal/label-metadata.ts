import type * as tf from '@tensorflow/tfjs';

/** Key of the trainer's entry in a model's tfjs user-defined metadata. */
const KEY = 'mlinfra';

/** What the trainer knows about a model's labels, kept on the model (tfjs user-defined metadata). */
export interface LabelMetadata {
  /** Name of the label column (names the output in the artifact signature). */
  label?: string;
  /** Class names in output index order (the artifact's `signature.labels`). */
  classes?: string[];
}

/** Records label facts on the model (also saved in its `model.json` by tfjs), keeping other metadata. */
export function setLabelMetadata(model: tf.LayersModel, metadata: LabelMetadata): void {
  if (metadata.label === undefined && metadata.classes === undefined) return;
  const current = (model.getUserDefinedMetadata?.() ?? {}) as Record<string, unknown>;
  model.setUserDefinedMetadata({ ...current, [KEY]: metadata });
}

/** The label facts {@link setLabelMetadata} recorded, if any. */
export function labelMetadataOf(model: tf.LayersModel): LabelMetadata {
  const current = model.getUserDefinedMetadata?.() as Record<string, unknown> | undefined;
  const entry = current?.[KEY];
  if (typeof entry !== 'object' || entry === null) return {};
  const { label, classes } = entry as Record<string, unknown>;
  const out: LabelMetadata = {};
  if (typeof label === 'string') out.label = label;
  if (Array.isArray(classes) && classes.every((name) => typeof name === 'string'))
    out.classes = classes as string[];
  return out;
}
