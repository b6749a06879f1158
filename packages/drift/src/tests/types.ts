/** The result of a two-sample test or distance. */
export interface TestResult {
  /** The test statistic or distance. */
  statistic: number;
  /** The p-value, for hypothesis tests (absent for distances). */
  pValue?: number;
}
