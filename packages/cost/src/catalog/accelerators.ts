/** Published specifications of one accelerator model. */
export interface AcceleratorSpec {
  /** Canonical name used in catalogs, e.g. `'A100'`, `'H100'`, `'T4'`. */
  name: string;
  /** Memory of one accelerator in GiB (the most common variant; catalogs may override per row). */
  memoryGiB: number;
  /**
   * Peak dense FP16/BF16 tensor throughput of one accelerator in TFLOP/s (no sparsity), from the
   * vendor's datasheet. Real training reaches a fraction of it (see `utilization`).
   */
  peakTflops: number;
}

/**
 * Accelerators the shipped catalog mentions, with datasheet peak throughput (dense FP16/BF16 tensor
 * TFLOP/s, no sparsity) used by FLOP-based estimates. Approximate: A10G is AWS's variant of the A10 and
 * NVIDIA publishes no datasheet for it; its figure is the commonly measured one.
 */
export const ACCELERATORS: Readonly<Record<string, AcceleratorSpec>> = Object.freeze({
  K80: { name: 'K80', memoryGiB: 12, peakTflops: 4.4 },
  M60: { name: 'M60', memoryGiB: 8, peakTflops: 4.8 },
  T4: { name: 'T4', memoryGiB: 16, peakTflops: 65 },
  V100: { name: 'V100', memoryGiB: 16, peakTflops: 125 },
  A10: { name: 'A10', memoryGiB: 24, peakTflops: 125 },
  A10G: { name: 'A10G', memoryGiB: 24, peakTflops: 70 },
  L4: { name: 'L4', memoryGiB: 24, peakTflops: 121 },
  L40S: { name: 'L40S', memoryGiB: 48, peakTflops: 362 },
  A100: { name: 'A100', memoryGiB: 40, peakTflops: 312 },
  'A100-80GB': { name: 'A100-80GB', memoryGiB: 80, peakTflops: 312 },
  H100: { name: 'H100', memoryGiB: 80, peakTflops: 989 },
  H200: { name: 'H200', memoryGiB: 141, peakTflops: 989 },
});

/** Looks up an accelerator by name, ignoring case and a leading vendor word (`'nvidia-tesla-t4'`). */
export function findAccelerator(name: string | undefined): AcceleratorSpec | undefined {
  if (name === undefined) return undefined;
  const key = name
    .toUpperCase()
    .replace(/^NVIDIA[- ]?/, '')
    .replace(/^TESLA[- ]?/, '');
  return (
    ACCELERATORS[key] ?? Object.values(ACCELERATORS).find((spec) => spec.name.toUpperCase() === key)
  );
}
