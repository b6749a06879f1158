/**
 * Sorts the pooled sample and returns, for sorted `a` and sorted `b`, the average ranks (1-based,
 * ties get the mean of their ranks, as `scipy.stats.rankdata(method='average')`) and the sizes of
 * the tie groups.
 */
export function pooledRanks(
  a: Float64Array,
  b: Float64Array,
): { ranksA: Float64Array; ranksB: Float64Array; ties: number[] } {
  const n1 = a.length;
  const n2 = b.length;
  const ranksA = new Float64Array(n1);
  const ranksB = new Float64Array(n2);
  const ties: number[] = [];
  let i = 0;
  let j = 0;
  let position = 0;
  while (i < n1 || j < n2) {
    const value = Math.min(
      i < n1 ? (a[i] as number) : Infinity,
      j < n2 ? (b[j] as number) : Infinity,
    );
    let i2 = i;
    let j2 = j;
    while (i2 < n1 && a[i2] === value) i2++;
    while (j2 < n2 && b[j2] === value) j2++;
    const count = i2 - i + (j2 - j);
    const rank = position + (count + 1) / 2;
    for (let k = i; k < i2; k++) ranksA[k] = rank;
    for (let k = j; k < j2; k++) ranksB[k] = rank;
    ties.push(count);
    position += count;
    i = i2;
    j = j2;
  }
  return { ranksA, ranksB, ties };
}
