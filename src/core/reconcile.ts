import type { Allocation } from './allocate.js';
import { decimalText, roundCents, sumMoney, type Money } from './money.js';

export interface ReconciliationCheck {
  readonly name: string;
  readonly expected: string;
  readonly actual: string;
  readonly ok: boolean;
}

export interface Reconciliation {
  readonly ok: boolean;
  readonly sourceTotalUnroundedCents: string;
  readonly sourceTotalCents: string;
  readonly statementsTotalCents: string;
  /** Fixed monthly charges (pools with an amount) billed on top of the provider's cost. */
  readonly extraCents: string;
  /** Adjustments of earlier months carried into these statements. */
  readonly carriedCents: string;
  readonly unallocatedCents: string;
  /** The org total from the same endpoint without group_by, and its difference to the grouped rows. */
  readonly orgTotalUnroundedCents: string | null;
  readonly orgTotalDifferenceCents: string | null;
  readonly checks: readonly ReconciliationCheck[];
}

const check = (name: string, expected: bigint | string, actual: bigint | string): ReconciliationCheck => ({
  name,
  expected: String(expected),
  actual: String(actual),
  ok: String(expected) === String(actual),
});

/**
 * Proves that every level adds up exactly: cost centers to the rounded source total, actors to
 * their cost center, lines to their actor, and unrounded sums to the unrounded source total.
 * Pure; the run asserts `ok` before publishing.
 */
export function reconcile(allocation: Allocation, orgTotalUnroundedCents: Money | null): Reconciliation {
  const checks: ReconciliationCheck[] = [];
  const directSum = allocation.costCenters.reduce((acc, c) => acc + c.directCents, 0n);
  const usagePools = allocation.pools.filter((p) => p.kind === 'usage').reduce((acc, p) => acc + p.cents, 0n);
  checks.push(check('direct usage and shared-cost pools add up to the rounded source total', allocation.sourceTotalCents, directSum + usagePools));
  for (const p of allocation.pools) {
    const shares = [...p.shares.values()].reduce((a, b) => a + b, 0n);
    checks.push(check(`pool ${p.name}: shares add up to the pool`, p.cents, shares));
  }
  checks.push(check('seats split over cost centers add up to the seat total', allocation.seatsCents, allocation.costCenters.reduce((a, c) => a + c.seatCents, 0n)));
  checks.push(check('markup split over cost centers adds up to the markup total', allocation.markupCents, allocation.costCenters.reduce((a, c) => a + c.markupCents, 0n)));
  const ccSum = allocation.costCenters.reduce((acc, c) => acc + c.billedCents, 0n);
  checks.push(check('statements add up to the source total plus charges on top (fixed pools, seats, markup) and carried adjustments', allocation.sourceTotalCents + allocation.extraCents + allocation.carriedCents, ccSum));
  checks.push(
    check(
      'rounded source total is the one rounding of the unrounded total',
      roundCents(allocation.sourceTotalUnroundedCents),
      allocation.sourceTotalCents,
    ),
  );
  const unroundedSum = sumMoney([...allocation.costCenters.map((c) => c.unroundedCents), ...allocation.pools.filter((p) => p.kind === 'usage').map((p) => p.unroundedCents)]);
  checks.push(check('unrounded cost center and pool sums add up to the unrounded source total', decimalText(allocation.sourceTotalUnroundedCents), decimalText(unroundedSum)));
  let innerDifferences = 0;
  for (const cc of allocation.costCenters) {
    const actors = cc.actors.reduce((acc, a) => acc + a.billedCents, 0n);
    if (actors !== cc.directCents) {
      innerDifferences += 1;
      checks.push(check(`${cc.code}: actors add up to the cost center's direct usage`, cc.directCents, actors));
    }
    for (const a of cc.actors) {
      const lines = a.lines.reduce((acc, l) => acc + l.billedCents, 0n);
      if (lines !== a.billedCents) {
        innerDifferences += 1;
        checks.push(check(`${cc.code} ${a.actorKey}: lines add up to the actor`, a.billedCents, lines));
      }
    }
  }
  checks.push(check('differences between a cost center, its actors and their lines', 0n, BigInt(innerDifferences)));

  let orgTotalDifferenceCents: Money | null = null;
  if (orgTotalUnroundedCents !== null) {
    orgTotalDifferenceCents = orgTotalUnroundedCents.minus(allocation.sourceTotalUnroundedCents);
    checks.push({
      name: 'org total (no group_by) minus the grouped rows is under one cent',
      expected: '< 1',
      actual: decimalText(orgTotalDifferenceCents.abs()),
      ok: orgTotalDifferenceCents.abs().lessThan(1),
    });
  }
  const unallocated = allocation.costCenters.find((c) => c.code === 'UNALLOCATED')?.billedCents ?? 0n;
  return {
    ok: checks.every((c) => c.ok),
    sourceTotalUnroundedCents: decimalText(allocation.sourceTotalUnroundedCents),
    sourceTotalCents: allocation.sourceTotalCents.toString(),
    statementsTotalCents: ccSum.toString(),
    extraCents: allocation.extraCents.toString(),
    carriedCents: allocation.carriedCents.toString(),
    unallocatedCents: unallocated.toString(),
    orgTotalUnroundedCents: orgTotalUnroundedCents === null ? null : decimalText(orgTotalUnroundedCents),
    orgTotalDifferenceCents: orgTotalDifferenceCents === null ? null : decimalText(orgTotalDifferenceCents),
    checks,
  };
}
