/** Prints a structured line for benchmarks/run-all.mjs (RESULTS.md) from a trainer benchmark. */
export function result(
  metric: string,
  ours: number,
  peer: string,
  ratio: number,
  unit: string,
  better: 'higher' | 'lower',
): void {
  console.log(
    `RESULT ${JSON.stringify({ area: 'trainer', metric, ours: Number(ours.toPrecision(6)), peer, ratio: Number(ratio.toFixed(3)), unit, better })}`,
  );
}
