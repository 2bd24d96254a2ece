import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUsd, idealShares, Money, parseCents, percentText, roundCents, splitLargestRemainder, sumMoney } from '../src/core/money.js';

describe('money', () => {
  it('parses cent strings exactly and rejects anything else', () => {
    expect(parseCents('41280.000000').toFixed()).toBe('41280');
    expect(parseCents('0.100000').plus(parseCents('0.200000')).toFixed()).toBe('0.3');
    expect(parseCents('123.78912').toFixed()).toBe('123.78912');
    for (const bad of ['', '1e5', '12.', '.5', '1,000.00', ' 1', 'NaN', '0x10']) expect(() => parseCents(bad)).toThrow(/not a decimal string/);
  });

  it('rounds once, half away from zero', () => {
    expect(roundCents(new Money('1.5'))).toBe(2n);
    expect(roundCents(new Money('2.5'))).toBe(3n);
    expect(roundCents(new Money('2.4999999999'))).toBe(2n);
    expect(roundCents(new Money('-2.5'))).toBe(-3n);
    expect(roundCents(new Money('123456789012345678901.5'))).toBe(123456789012345678902n);
  });

  it('formats dollars from cents', () => {
    expect(formatUsd(0n)).toBe('$0.00');
    expect(formatUsd(5n)).toBe('$0.05');
    expect(formatUsd(41280n)).toBe('$412.80');
    expect(formatUsd(123456789n)).toBe('$1,234,567.89');
    expect(formatUsd(-100050n)).toBe('-$1,000.50');
    expect(percentText(1n, 3n)).toBe('33.33%');
    expect(percentText(0n, 0n)).toBe('0.00%');
  });

  it('splits by largest remainder with the tie to the smaller key', () => {
    const w = (key: string, v: string) => ({ key, weight: new Money(v) });
    // 100 cents over three equal parts: 33.33… each; the leftover cent goes to the smallest key.
    expect(Object.fromEntries(splitLargestRemainder(100n, [w('c', '1'), w('a', '1'), w('b', '1')]))).toEqual({ a: 34n, b: 33n, c: 33n });
    // Remainders .6 / .3 / .1 with one cent left over: it goes to the largest.
    expect(Object.fromEntries(splitLargestRemainder(10n, [w('x', '2.6'), w('y', '4.3'), w('z', '3.1')]))).toEqual({ x: 3n, y: 4n, z: 3n });
    expect(Object.fromEntries(splitLargestRemainder(0n, [w('a', '0'), w('b', '0')]))).toEqual({ a: 0n, b: 0n });
    expect(Object.fromEntries(splitLargestRemainder(3n, [w('a', '0'), w('b', '0')]))).toEqual({ a: 2n, b: 1n });
    expect(() => splitLargestRemainder(1n, [])).toThrow();
  });

  it('keeps a credit from inflating its neighbours (weights of mixed sign)', () => {
    const w = (key: string, v: string) => ({ key, weight: new Money(v) });
    // 1000.6 of spend and a 1000 credit: 0.6 rounds to 1 cent; each part stays at its own value.
    expect(Object.fromEntries(splitLargestRemainder(1n, [w('spend', '1000.6'), w('credit', '-1000')]))).toEqual({ spend: 1001n, credit: -1000n });
  });

  const weights = fc.array(
    fc.record({ key: fc.string({ minLength: 1, maxLength: 6 }), micro: fc.bigInt({ min: -(10n ** 13n), max: 10n ** 14n }) }),
    { minLength: 1, maxLength: 40 },
  ).map((parts) => {
    const seen = new Set<string>();
    return parts.filter((p) => (seen.has(p.key) ? false : (seen.add(p.key), true))).map((p) => ({ key: p.key, weight: new Money(p.micro.toString()).dividedBy(1_000_000) }));
  });

  it('property: parts add up to the total, each within one cent of its exact share and of its own weight', () => {
    fc.assert(
      fc.property(weights, (parts) => {
        const exact = sumMoney(parts.map((p) => p.weight));
        const total = roundCents(exact);
        const split = splitLargestRemainder(total, parts);
        expect([...split.values()].reduce((a, b) => a + b, 0n)).toBe(total);
        const ideals = idealShares(total, parts);
        parts.forEach((p, i) => {
          const cents = new Money(split.get(p.key)!.toString());
          expect(cents.minus(ideals[i]!).abs().lessThan(1)).toBe(true);
          // Rounding the total moves it by at most half a cent, so no part moves by a cent and a half.
          expect(cents.minus(p.weight).abs().lessThanOrEqualTo(1.5)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('property: the split does not depend on the order of the parts', () => {
    fc.assert(
      fc.property(weights, fc.bigInt({ min: 0n, max: 10n ** 9n }), (parts, total) => {
        const forward = splitLargestRemainder(total, parts);
        const backward = splitLargestRemainder(total, [...parts].reverse());
        expect(Object.fromEntries(backward)).toEqual(Object.fromEntries(forward));
      }),
      { numRuns: 300 },
    );
  });

  // The split works on scaled integers; this reference does the same largest-remainder method in
  // decimals with far more digits than any weight or quotient here can need, then rounds the same way.
  const Wide = Money.clone({ precision: 400 });
  function referenceSplit(total: bigint, parts: ReadonlyArray<{ key: string; weight: Money }>): Record<string, bigint> {
    const weights = parts.map((p) => new Wide(p.weight.toFixed()));
    const difference = new Wide(total.toString()).minus(weights.reduce((a, w) => a.plus(w), new Wide(0)));
    const absoluteSum = weights.reduce((a, w) => a.plus(w.abs()), new Wide(0));
    const ideals = weights.map((w) => w.plus(absoluteSum.isZero() ? difference.dividedBy(parts.length) : difference.times(w.abs()).dividedBy(absoluteSum)));
    const floors = ideals.map((x) => BigInt(x.floor().toFixed(0)));
    let leftover = total - floors.reduce((a, b) => a + b, 0n);
    const order = parts.map((_, i) => i).sort((a, b) => ideals[b]!.minus(ideals[b]!.floor()).comparedTo(ideals[a]!.minus(ideals[a]!.floor())) || (parts[a]!.key < parts[b]!.key ? -1 : 1));
    for (const i of order) if (leftover > 0n) (floors[i]! += 1n), (leftover -= 1n);
    return Object.fromEntries(parts.map((p, i) => [p.key, floors[i]!]));
  }

  it('property: the split is the exact largest-remainder split (checked against wide decimals), for weights of any scale and sign', () => {
    const anyScale = fc.array(
      fc.record({ key: fc.string({ minLength: 1, maxLength: 4 }), units: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), digits: fc.integer({ min: 0, max: 12 }) }),
      { minLength: 1, maxLength: 30 },
    ).map((parts) => {
      const seen = new Set<string>();
      return parts.filter((p) => (seen.has(p.key) ? false : (seen.add(p.key), true))).map((p) => ({ key: p.key, weight: new Money(p.units.toString()).dividedBy(new Money(10).pow(p.digits)) }));
    });
    fc.assert(
      fc.property(anyScale, fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), (parts, offset) => {
        // Totals near the weights' sum (the usual case) and far from it.
        for (const total of [roundCents(sumMoney(parts.map((p) => p.weight))), offset]) {
          expect(Object.fromEntries(splitLargestRemainder(total, parts))).toEqual(referenceSplit(total, parts));
        }
      }),
      { numRuns: 400, seed: 20261202 },
    );
  });
});
