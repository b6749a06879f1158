import { ValidationError } from '@mlinfra/core/schema';
import type { Money } from './money-type.js';

/** Micro-units in one unit of a currency: amounts are stored as integer millionths. */
export const MICROS_PER_UNIT = 1_000_000;

const CURRENCY = /^[A-Z]{3}$/;
const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?$/;

/** Throws a ValidationError unless `currency` is an ISO 4217 code such as `'USD'`. */
export function assertCurrency(currency: unknown, where = 'currency'): string {
  if (typeof currency !== 'string' || !CURRENCY.test(currency)) {
    throw new ValidationError(
      `${where} must be an ISO 4217 code of three upper-case letters such as "USD", got ${JSON.stringify(currency)}`,
    );
  }
  return currency;
}

/** Throws a ValidationError unless `micros` is a safe integer. */
export function assertMicros(micros: number, where = 'amount'): number {
  if (!Number.isSafeInteger(micros)) {
    throw new ValidationError(
      `${where} is ${micros} micro-units, which is not a safe integer; amounts must stay within ±${Number.MAX_SAFE_INTEGER} micro-units (about 9 billion units of currency)`,
    );
  }
  return micros;
}

/**
 * Makes a {@link Money} from an amount in whole units of `currency`: `money('12.34', 'USD')` is
 * 12,340,000 micro-USD. A string is parsed exactly (at most 6 decimals, more are rounded half away
 * from zero); a number is rounded to the nearest micro-unit.
 * @throws ValidationError for a non-finite amount, a malformed string or a bad currency code.
 */
export function money(amount: number | string, currency: string): Money {
  assertCurrency(currency);
  return { micros: toMicros(amount, 'amount'), currency };
}

/** Makes a {@link Money} from integer micro-units. @throws ValidationError for a non-safe integer. */
export function fromMicros(micros: number, currency: string): Money {
  assertCurrency(currency);
  return { micros: assertMicros(micros), currency };
}

/** Converts an amount in whole units (number or decimal string) to integer micro-units. */
export function toMicros(amount: number | string, where: string): number {
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount)) {
      throw new ValidationError(`${where} must be a finite number, got ${amount}`);
    }
    return assertMicros(Math.round(amount * MICROS_PER_UNIT) + 0, where);
  }
  if (typeof amount !== 'string') {
    throw new ValidationError(
      `${where} must be a number or a decimal string such as "12.34", got ${typeof amount}`,
    );
  }
  const match = DECIMAL.exec(amount.trim());
  if (match === null) {
    throw new ValidationError(
      `${where} must be a decimal number such as "12.34", got ${JSON.stringify(amount)}`,
    );
  }
  const [, sign, whole = '0', fraction = ''] = match;
  const padded = `${fraction}0000000`;
  let micros = BigInt(whole) * 1_000_000n + BigInt(padded.slice(0, 6));
  if (Number(padded[6]) >= 5) micros += 1n;
  if (sign === '-') micros = -micros;
  if (micros > BigInt(Number.MAX_SAFE_INTEGER) || micros < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ValidationError(
      `${where} ${amount} is too large; amounts must stay below about 9 billion units`,
    );
  }
  return Number(micros) + 0;
}

/** The exact decimal text of an amount, with 6 decimals: `'12.340000'`. */
export function toDecimalString(value: Money): string {
  const negative = value.micros < 0;
  const absolute = Math.abs(value.micros);
  const whole = Math.floor(absolute / MICROS_PER_UNIT);
  const fraction = String(absolute % MICROS_PER_UNIT).padStart(6, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/**
 * Human-readable text of an amount with its currency: `'1,234.50 USD'`. At least 2 decimals; more
 * only when the amount has them: up to 4 for amounts of one unit or more (`'32.7726 USD'`), up to 6
 * below one unit so small per-request costs stay visible (`'0.000833 USD'`). Use
 * {@link toDecimalString} for the exact value.
 */
export function formatMoney(value: Money): string {
  const exact = toDecimalString(value);
  const [whole = '0', fraction = ''] = exact.split('.');
  const maxDecimals = Math.abs(value.micros) >= MICROS_PER_UNIT ? 4 : 6;
  if (maxDecimals < 6) {
    const scale = 10 ** (6 - maxDecimals);
    const rounded = Math.round(Math.abs(value.micros) / scale) * scale;
    const sign = value.micros < 0 ? '-' : '';
    const [roundedWhole = '0', roundedFraction = ''] = toDecimalString({
      micros: rounded,
      currency: value.currency,
    }).split('.');
    return finish(`${sign}${roundedWhole}`, roundedFraction.slice(0, maxDecimals), value.currency);
  }
  return finish(whole, fraction.slice(0, maxDecimals), value.currency);
}

function finish(whole: string, fraction: string, currency: string): string {
  const trimmed = fraction.replace(/0+$/, '').padEnd(2, '0');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${grouped}.${trimmed} ${currency}`;
}

/** The amount as a floating-point number of whole units (for charts; never for sums). */
export function toUnits(value: Money): number {
  return value.micros / MICROS_PER_UNIT;
}

/** Adds amounts of one currency. @throws ValidationError on mixed currencies or overflow. */
export function addMoney(first: Money, ...rest: Money[]): Money {
  let micros = first.micros;
  for (const value of rest) {
    assertSameCurrency(first.currency, value.currency);
    micros += value.micros;
  }
  return { micros: assertMicros(micros, 'sum'), currency: first.currency };
}

/** `first - second`. @throws ValidationError on mixed currencies. */
export function subtractMoney(first: Money, second: Money): Money {
  assertSameCurrency(first.currency, second.currency);
  return {
    micros: assertMicros(first.micros - second.micros, 'difference'),
    currency: first.currency,
  };
}

/** Throws a ValidationError when two currencies differ; mlinfra never converts currencies. */
export function assertSameCurrency(expected: string, actual: string, where = 'amount'): void {
  if (expected !== actual) {
    throw new ValidationError(
      `${where} is in ${actual} but ${expected} was expected; mlinfra does not convert currencies, so give every price and limit in ${expected}`,
    );
  }
}

/**
 * Splits `total` into integer parts proportional to `weights` that add up to `total` exactly
 * (largest-remainder method; ties go to the earlier index). Zero or empty weights split evenly.
 * @throws ValidationError for a negative or non-finite weight.
 */
export function splitMoney(total: Money, weights: readonly number[]): Money[] {
  return splitMicros(total.micros, weights).map((micros) => ({ micros, currency: total.currency }));
}

/** {@link splitMoney} on bare micro-units. */
export function splitMicros(total: number, weights: readonly number[]): number[] {
  const count = weights.length;
  if (count === 0) return [];
  let sum = 0;
  for (const weight of weights) {
    if (!Number.isFinite(weight) || weight < 0) {
      throw new ValidationError(`Split weights must be finite and non-negative, got ${weight}`);
    }
    sum += weight;
  }
  const shares = sum > 0 ? weights.map((weight) => weight / sum) : weights.map(() => 1 / count);
  const sign = total < 0 ? -1 : 1;
  const magnitude = Math.abs(total);
  const parts = new Array<number>(count);
  const remainders = new Array<number>(count);
  let assigned = 0;
  for (let index = 0; index < count; index++) {
    const exact = magnitude * shares[index]!;
    const floor = Math.floor(exact);
    parts[index] = floor;
    remainders[index] = exact - floor;
    assigned += floor;
  }
  let left = magnitude - assigned;
  if (left > 0) {
    const order = Array.from({ length: count }, (_, index) => index).sort(
      (a, b) => remainders[b]! - remainders[a]! || a - b,
    );
    for (let k = 0; left > 0; k = (k + 1) % count, left--) parts[order[k]!]! += 1;
  } else if (left < 0) {
    // Floating-point shares can overshoot by a unit on huge totals; take it back from the largest parts.
    const order = Array.from({ length: count }, (_, index) => index).sort(
      (a, b) => parts[b]! - parts[a]! || a - b,
    );
    for (let k = 0; left < 0; k = (k + 1) % count, left++) parts[order[k]!]! -= 1;
  }
  return parts.map((part) => sign * part + 0);
}

/**
 * Cost in micro-units of running for `seconds` at `microsPerHour`, rounded to the nearest micro-unit.
 * Internal helper shared by estimates.
 */
export function costOfSeconds(microsPerHour: number, seconds: number): number {
  return Math.round((microsPerHour * seconds) / 3600) + 0;
}

/**
 * Neumaier-compensated running sum: adding a million floating-point costs keeps the error below one
 * micro-unit, where a plain `+=` drifts.
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    const next = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - next + value;
    else this.compensation += value - next + this.sum;
    this.sum = next;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}
