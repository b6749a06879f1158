/** Seeded random numbers for tests (Park-Miller), so failures reproduce. */
export function seeded(seed = 42): {
  uniform(): number;
  normal(mean?: number, sd?: number): number;
} {
  let state = seed % 2147483647 || 1;
  const uniform = (): number => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
  return {
    uniform,
    normal(mean = 0, sd = 1) {
      return mean + sd * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    },
  };
}
