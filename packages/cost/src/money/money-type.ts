/**
 * An amount of money in integer micro-units of its currency (1 USD = 1,000,000 micros), so sums never
 * drift the way floating-point dollars do. `micros` is always a safe integer.
 */
export interface Money {
  /** The amount in millionths of one unit of `currency` (a safe integer; may be negative for credits). */
  readonly micros: number;
  /** ISO 4217 code, three upper-case letters, e.g. `'USD'`. */
  readonly currency: string;
}
