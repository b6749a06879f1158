import {
  alignedProportions,
  type CategoricalSide,
  equalWidthEdges,
  type NumericSide,
  numericBinProportions,
} from './column-data.js';
import type { ColumnDistribution } from './drift-report.js';

/** Chart data of a categorical column: the 20 most common categories and `"(other)"`. */
export function categoricalDistribution(
  a: CategoricalSide,
  b: CategoricalSide,
): ColumnDistribution {
  const { keys, ref, cur } = alignedProportions(a, b);
  const order = keys
    .map((k, i) => [k, (ref[i] as number) + (cur[i] as number), i] as const)
    .sort((x, y) => y[1] - x[1]);
  const top = order.slice(0, 20);
  const labels = top.map((t) => t[0]);
  const reference = top.map((t) => ref[t[2]] as number);
  const current = top.map((t) => cur[t[2]] as number);
  if (order.length > 20) {
    labels.push('(other)');
    reference.push(Math.max(0, 1 - reference.reduce((s, v) => s + v, 0)));
    current.push(Math.max(0, 1 - current.reduce((s, v) => s + v, 0)));
  }
  return { labels, reference, current };
}

/** Chart data of a numeric column: 20 equal-width bins over both sides. */
export function numericDistribution(a: NumericSide, b: NumericSide): ColumnDistribution {
  const edges = equalWidthEdges(a, b, 20);
  const fmt = (v: number) => Number(v.toPrecision(4)).toString();
  return {
    labels: Array.from(
      { length: 20 },
      (_, i) => `${fmt(edges[i] as number)} – ${fmt(edges[i + 1] as number)}`,
    ),
    edges: [...edges],
    reference: [...numericBinProportions(a, edges)],
    current: [...numericBinProportions(b, edges)],
  };
}
