import { type KllSketch, SketchCdf } from '../profile/kll.js';

/** Largest gap between the sketch's CDF and the exact one at the 1st..99th percentiles of `sorted`. */
export function rankError(sketch: KllSketch, sorted: Float64Array): number {
  const cdf = new SketchCdf(sketch);
  let worst = 0;
  for (let percent = 1; percent <= 99; percent++) {
    const x = sorted[Math.floor((percent / 100) * sorted.length)] as number;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    worst = Math.max(worst, Math.abs(cdf.cdf(x) - lo / sorted.length));
  }
  return worst;
}
