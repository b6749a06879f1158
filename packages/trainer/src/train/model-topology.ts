import { createHash } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs';

/** One layer of a {@link ModelTopology}. */
export interface LayerTopology {
  /** tfjs class name, e.g. `Dense`. */
  className: string;
  /** The layer's configuration without its name and initializers, keys sorted. */
  config: Record<string, unknown>;
  /** Output shape, `null` for the batch dimension. */
  outputShape: unknown;
  /** Positions of the layers feeding it, per inbound node (`'input'` for the model input). */
  inbound: string[];
}

/**
 * What a model is, independent of its weights and of the names tfjs generates (`dense_Dense3`):
 * per layer its class, configuration (activation, units, rates, regularizers, constraints, input
 * shape...), output shape and which layers feed it. Initializers are left out: a resumed run
 * overwrites the initial weights anyway.
 */
export interface ModelTopology {
  /** `sha256:<hex>` of the canonical JSON of `layers`. */
  fingerprint: string;
  layers: LayerTopology[];
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (key === 'name' || key.endsWith('Initializer')) continue;
      out[key] = canonical((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

/** A layer's output shape; a layer shared between nodes of different shapes has none of its own. */
function outputShapeOf(layer: tf.layers.Layer): unknown {
  try {
    return canonical(layer.outputShape);
  } catch {
    return layer.inboundNodes.map((node) => canonical(node.outputShapes));
  }
}

/** The topology of `model` (see {@link ModelTopology}). */
export function modelTopology(model: tf.LayersModel): ModelTopology {
  const positions = new Map(model.layers.map((layer, position) => [layer.name, position]));
  const layers = model.layers.map(
    (layer): LayerTopology => ({
      className: layer.getClassName(),
      config: canonical(layer.getConfig()) as Record<string, unknown>,
      outputShape: outputShapeOf(layer),
      inbound: layer.inboundNodes.map(
        (node) =>
          node.inboundLayers
            .map((source) => String(positions.get(source.name) ?? 'input'))
            .join(',') || 'input',
      ),
    }),
  );
  const fingerprint = `sha256:${createHash('sha256').update(JSON.stringify(layers)).digest('hex')}`;
  return { fingerprint, layers };
}

const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

/** Human-readable differences between two topologies, checkpoint first (at most `limit`). */
export function topologyDifferences(
  saved: ModelTopology,
  current: ModelTopology,
  limit = 5,
): string[] {
  const out: string[] = [];
  if (saved.layers.length !== current.layers.length)
    out.push(`${saved.layers.length} layers in the checkpoint, ${current.layers.length} now`);
  const count = Math.min(saved.layers.length, current.layers.length);
  for (let position = 0; position < count; position++) {
    const before = saved.layers[position] as LayerTopology;
    const now = current.layers[position] as LayerTopology;
    if (before.className !== now.className) {
      out.push(`layer ${position}: ${before.className} in the checkpoint, ${now.className} now`);
      continue;
    }
    const where = `layer ${position} (${now.className})`;
    const keys = new Set([...Object.keys(before.config), ...Object.keys(now.config)]);
    for (const key of [...keys].sort()) {
      const a = show(before.config[key]);
      const b = show(now.config[key]);
      if (a !== b) out.push(`${where} ${key}: ${a} in the checkpoint, ${b} now`);
    }
    for (const field of ['outputShape', 'inbound'] as const) {
      const a = show(before[field]);
      const b = show(now[field]);
      if (a !== b) out.push(`${where} ${field}: ${a} in the checkpoint, ${b} now`);
    }
  }
  return out.slice(0, limit);
}
