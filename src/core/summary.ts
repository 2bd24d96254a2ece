import { hasStatement, type Allocation, type CostCenterAllocation } from './allocate.js';
import { UNALLOCATED } from './directory.js';
import { numberFor } from './statements.js';

export interface SummaryRow {
  readonly code: string;
  readonly name: string;
  readonly parent: string | null;
  /** 0 for a top-level cost center, 1 for its children, … */
  readonly level: number;
  readonly ownerName: string;
  readonly ownerEmail: string;
  readonly glAccount: string;
  /** The cost center's statement total (direct usage plus pool shares). */
  readonly totalCents: bigint;
  /** Of the total, shares of shared-cost pools, seats and markup. */
  readonly sharedCents: bigint;
  /** Of the total, adjustments of earlier months carried into this one. */
  readonly carriedCents: bigint;
  /** Own total plus every descendant's: sums of exact parts, so they add up. */
  readonly rollupCents: bigint;
  readonly statementNumber: string | null;
}

/** What a statement charges besides direct usage: shares, seats and markup apart from carried adjustments. */
function chargesOf(c: CostCenterAllocation): { sharedCents: bigint; carriedCents: bigint } {
  const carriedCents = c.adjustments.reduce((a, x) => a + x.cents, 0n);
  return { sharedCents: c.billedCents - c.directCents - carriedCents, carriedCents };
}

/** Cost centers in hierarchy order (each parent followed by its children), UNALLOCATED last. Pure. */
export function summaryRows(allocation: Allocation): SummaryRow[] {
  const byCode = new Map(allocation.costCenters.map((c) => [c.code, c]));
  const children = new Map<string | null, string[]>();
  for (const c of allocation.costCenters) {
    if (c.code === UNALLOCATED) continue;
    const parent = c.parent !== null && byCode.has(c.parent) ? c.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), c.code]);
  }
  const rollup = (code: string): bigint => byCode.get(code)!.billedCents + (children.get(code) ?? []).reduce((a, k) => a + rollup(k), 0n);
  const rows: SummaryRow[] = [];
  const visit = (code: string, level: number) => {
    const c = byCode.get(code)!;
    rows.push({
      code,
      name: c.name,
      parent: c.parent,
      level,
      ownerName: c.owner?.name ?? '',
      ownerEmail: c.owner?.email ?? '',
      glAccount: c.glAccount ?? '',
      totalCents: c.billedCents,
      ...chargesOf(c),
      rollupCents: rollup(code),
      statementNumber: hasStatement(c) ? numberFor(allocation, code) : null,
    });
    for (const k of [...(children.get(code) ?? [])].sort()) visit(k, level + 1);
  };
  for (const k of [...(children.get(null) ?? [])].sort()) visit(k, 0);
  const un = byCode.get(UNALLOCATED);
  if (un) {
    rows.push({ code: UNALLOCATED, name: un.name, parent: null, level: 0, ownerName: 'Finance', ownerEmail: '', glAccount: '', totalCents: un.billedCents, ...chargesOf(un), rollupCents: un.billedCents, statementNumber: numberFor(allocation, UNALLOCATED) });
  }
  return rows;
}
