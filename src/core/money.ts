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

  // Exact rational arithmetic on scaled integers: every weight times 10^digits is a whole number,
  // so each ideal share is numerator / denominator with one denominator for all, its floor and
  // remainder are exact, and remainders compare exactly (no rounding of a quotient anywhere).
  const scaled = scaledWeights(parts);
  const n = BigInt(parts.length);
  let sum = 0n;
  let absoluteSum = 0n;
  for (const w of scaled.values) {
    sum += w;
    absoluteSum += w < 0n ? -w : w;
  }
  const difference = totalCents * scaled.scale - sum;
  // ideal_i = w_i + difference * |w_i| / absoluteSum (all over scale); all weights zero: w_i + difference / n.
  const even = absoluteSum === 0n;
  const denominator = (even ? n : absoluteSum) * scaled.scale;
  const floors: bigint[] = new Array(parts.length);
  const remainders: bigint[] = new Array(parts.length);
  let leftover = totalCents;
  for (let i = 0; i < parts.length; i++) {
    const w = scaled.values[i]!;
    const numerator = even ? w * n + difference : w * absoluteSum + difference * (w < 0n ? -w : w);
    let q = numerator / denominator;
    let r = numerator - q * denominator;
    if (r < 0n) {
      q -= 1n;
      r += denominator;
    }
    floors[i] = q;
    remainders[i] = r;
    leftover -= q;
  }
  if (leftover < 0n || leftover > n) {
    throw new Error(`largest remainder leftover ${leftover} out of range for ${parts.length} parts`);
  }
  const order = parts.map((_, i) => i);
  order.sort((a, b) => {
    const ra = remainders[a]!;
    const rb = remainders[b]!;
    if (ra !== rb) return ra > rb ? -1 : 1;
    const ka = parts[a]!.key;
    const kb = parts[b]!.key;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  for (let j = 0; j < Number(leftover); j++) floors[order[j]!]! += 1n;
  for (let i = 0; i < parts.length; i++) result.set(parts[i]!.key, floors[i]!);
  return result;
}

/** Weights as whole numbers over one power of ten: the exact values, without a quotient. */
function scaledWeights(parts: readonly WeightedPart[]): { values: bigint[]; scale: bigint } {
  const texts = parts.map((p) => p.weight.toFixed());
  let digits = 0;
  for (const t of texts) {
    const dot = t.indexOf('.');
    if (dot >= 0 && t.length - dot - 1 > digits) digits = t.length - dot - 1;
  }
  const values = texts.map((t) => {
    const dot = t.indexOf('.');
    return BigInt(dot < 0 ? t + '0'.repeat(digits) : t.slice(0, dot) + t.slice(dot + 1).padEnd(digits, '0'));
  });
  return { values, scale: 10n ** BigInt(digits) };
}

/** The exact (unrounded) shares that `splitLargestRemainder` rounds, in the order of `parts`. */
export function idealShares(totalCents: bigint, parts: readonly WeightedPart[]): Money[] {
  const difference = new Money(totalCents.toString()).minus(sumMoney(parts.map((p) => p.weight)));
  const absoluteSum = sumMoney(parts.map((p) => p.weight.abs()));
  // All weights zero: nothing to be proportional to, so the difference is spread evenly.
  const even = absoluteSum.isZero();
  return parts.map((p) => p.weight.plus(even ? difference.dividedBy(parts.length) : difference.times(p.weight.abs()).dividedBy(absoluteSum)));
}
