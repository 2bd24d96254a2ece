import { Decimal } from 'decimal.js';

/**
 * Our own Decimal with explicit precision and rounding; the global Decimal is never configured.
 * 60 significant digits hold any realistic cent amount with its fractional digits exactly.
 */
export const Money = Decimal.clone({
  precision: 60,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -60,
  toExpPos: 60,
});
export type Money = Decimal;

const DECIMAL_STRING = /^-?\d+(\.\d+)?$/;

export function isDecimalString(value: string): boolean {
  return DECIMAL_STRING.test(value);
}

/** Parses a decimal string in cents exactly ("41280.000000"). Throws on anything else. */
export function parseCents(value: string): Money {
  if (!isDecimalString(value)) throw new Error(`not a decimal string: ${JSON.stringify(value)}`);
  return new Money(value);
}

export const ZERO: Money = new Money(0);

export function sumMoney(values: Iterable<Money>): Money {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}

/** The one rounding step: unrounded cents to whole cents, half away from zero. */
export function roundCents(value: Money): bigint {
  return BigInt(value.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
}

/** Canonical text of an unrounded amount: no exponent, no trailing zeros beyond the value. */
export function decimalText(value: Money): string {
  return value.toFixed();
}

/** "1234.56" (dollars with two digits) from integer cents. */
export function centsToDollarText(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = abs / 100n;
  const frac = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole.toString()}.${frac}`;
}

/** "$1,234.56" / "-$1,234.56" from integer cents. */
export function formatUsd(cents: bigint): string {
  const text = centsToDollarText(cents < 0n ? -cents : cents);
  const [whole = '0', frac = '00'] = text.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0n ? '-' : ''}$${grouped}.${frac}`;
}

/**
 * A derived rate in whole cents, e.g. cost per pull request: cents divided by a count, rounded
 * half away from zero. Not a money split (nothing has to add up), so it rounds on its own.
 */
export function perUnitCents(cents: bigint, count: number | bigint): bigint | null {
  const n = BigInt(count);
  if (n <= 0n) return null;
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const q = (2n * abs + n) / (2n * n);
  return negative ? -q : q;
}

/** Share of a part in a whole as a percentage text with two decimals ("12.34%"). */
export function percentText(part: bigint, whole: bigint): string {
  if (whole === 0n) return '0.00%';
  const pct = new Money(part.toString()).times(100).dividedBy(whole.toString());
  return `${pct.toFixed(2)}%`;
}

export interface WeightedPart {
  readonly key: string;
  readonly weight: Money;
}

/**
 * Splits whole cents over parts in proportion to their (unrounded) weights by the largest
 * remainder method. Each part's exact share is its weight plus its part of the rounding
 * difference (total minus the weights' sum), spread by the parts' absolute weights; for
 * non-negative weights that is the plain proportional share, and a credit (a negative weight)
 * can never inflate its neighbours. Every part gets floor(share), then the leftover cents go one
 * each to the largest fractional remainders; ties go to the smaller key, so the result never
 * depends on input order. The parts always add up to `totalCents` exactly.
 */
export function splitLargestRemainder(
  totalCents: bigint,
  parts: readonly WeightedPart[],
): Map<string, bigint> {
  const result = new Map<string, bigint>();
  if (parts.length === 0) {
    if (totalCents !== 0n) throw new Error(`cannot split ${totalCents} cents over no parts`);
    return result;
  }
  const keys = new Set(parts.map((p) => p.key));
  if (keys.size !== parts.length) throw new Error('split parts must have distinct keys');

  const ideals = idealShares(totalCents, parts);
  const shares = parts.map((p, i) => {
    const ideal = ideals[i]!;
    const floor = ideal.floor();
    return { key: p.key, floor: BigInt(floor.toFixed(0)), remainder: ideal.minus(floor) };
  });
  let leftover = totalCents - shares.reduce((acc, s) => acc + s.floor, 0n);
  if (leftover < 0n || leftover > BigInt(shares.length)) {
    throw new Error(`largest remainder leftover ${leftover} out of range for ${shares.length} parts`);
  }
  const order = [...shares].sort((a, b) => {
    const byRemainder = b.remainder.comparedTo(a.remainder);
    if (byRemainder !== 0) return byRemainder;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  const bonus = new Set<string>();
  for (const s of order) {
    if (leftover === 0n) break;
    bonus.add(s.key);
    leftover -= 1n;
  }
  for (const s of shares) result.set(s.key, s.floor + (bonus.has(s.key) ? 1n : 0n));
  return result;
}

/** The exact (unrounded) shares that `splitLargestRemainder` rounds, in the order of `parts`. */
export function idealShares(totalCents: bigint, parts: readonly WeightedPart[]): Money[] {
  const difference = new Money(totalCents.toString()).minus(sumMoney(parts.map((p) => p.weight)));
  const absoluteSum = sumMoney(parts.map((p) => p.weight.abs()));
  // All weights zero: nothing to be proportional to, so the difference is spread evenly.
  const even = absoluteSum.isZero();
  return parts.map((p) => p.weight.plus(even ? difference.dividedBy(parts.length) : difference.times(p.weight.abs()).dividedBy(absoluteSum)));
}
