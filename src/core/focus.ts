import type { Allocation, CostCenterAllocation } from './allocate.js';
import type { CostRow } from './cost-row.js';
import type { OrgDirectory } from './directory.js';
import { parsePeriod } from './period.js';
import { centsToDollarText, Money, roundCents, splitLargestRemainder, sumMoney, ZERO } from './money.js';
import { blockText, focusQuantity, type LineQuantity, type Quantities } from './usage.js';
import { numberFor } from './statements.js';

/**
 * FOCUS 1.4 rows for the allocated cost: the 21 mandatory Cost and Usage columns, two
 * conditional ones and our own x_ columns. One row per allocation line; BilledCost is the
 * line's billed cents, so the column adds up to the source total exactly.
 */
export const FOCUS_MANDATORY = [
  'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart', 'ContractedCost',
  'EffectiveCost', 'HostProviderName', 'InvoiceIssuerName', 'ListCost', 'PricingQuantity', 'PricingUnit',
  'ServiceCategory', 'ServiceName', 'ServiceProviderName',
] as const;
export const FOCUS_COLUMNS = [
  ...FOCUS_MANDATORY,
  'ConsumedQuantity', 'ConsumedUnit', 'ServiceSubcategory', 'SubAccountId',
  'x_CostCenter', 'x_CostCenterName', 'x_StatementNumber', 'x_ActorType', 'x_ActorId', 'x_User',
  'x_Product', 'x_Model', 'x_ContextWindowTier', 'x_CostType', 'x_MappingRule',
] as const;
export type FocusRow = Partial<Record<(typeof FOCUS_COLUMNS)[number], string>>;

/** Every FOCUS row, made one at a time as it is written (a month has one per ledger line). */
export function focusRows(allocation: Allocation, rows: readonly CostRow[], directory: OrgDirectory, quantities: Quantities | null = null): FocusRow[] {
  return [...focusRowsOneByOne(allocation, planFocus(allocation, rows), directory, quantities)];
}

/** The quantity columns of a usage charge: consumed in units, priced per block (FOCUS UnitFormat). */
function quantityColumns(q: LineQuantity | undefined): FocusRow {
  if (!q) return {};
  const f = focusQuantity(q);
  return { ConsumedQuantity: f.consumed.toString(), ConsumedUnit: f.consumedUnit, PricingQuantity: blockText(f.consumed, f.pricingBlock), PricingUnit: f.pricingUnit };
}

/**
 * Each usage pool's quantity split over its shares like its cents: the pool's tokens (or, for a
 * pool of searches or executions only, those), by largest remainder in proportion to each share.
 */
function poolQuantities(allocation: Allocation, quantities: Quantities | null): Map<string, Map<string, FocusRow>> {
  const out = new Map<string, Map<string, FocusRow>>();
  if (!quantities) return out;
  for (const pool of allocation.pools) {
    if (pool.kind !== 'usage') continue;
    const totals = new Map<string, { q: LineQuantity; consumed: bigint }>();
    for (const src of pool.sourceRows) {
      const q = quantities.byRow.get(src.rowId);
      if (!q) continue;
      const t = totals.get(q.measure);
      const consumed = focusQuantity(q).consumed;
      totals.set(q.measure, { q, consumed: (t?.consumed ?? 0n) + consumed });
    }
    const measure = (['tokens', 'web_search', 'code_execution'] as const).find((m) => totals.has(m));
    if (measure === undefined) continue;
    const { q, consumed } = totals.get(measure)!;
    const f = focusQuantity(q);
    const shares = [...pool.shares];
    const split = splitLargestRemainder(consumed, shares.map(([code, cents]) => ({ key: code, weight: new Money((cents < 0n ? 0n : cents).toString()) })));
    out.set(pool.name, new Map(shares.map(([code]) => {
      const part = split.get(code)!;
      return [code, { ConsumedQuantity: part.toString(), ConsumedUnit: f.consumedUnit, PricingQuantity: blockText(part, f.pricingBlock), PricingUnit: f.pricingUnit }];
    })));
  }
  return out;
}

/** What FOCUS needs of the source rows beyond the allocation, so the rows need not be kept until it is written. */
export interface FocusPlan {
  /** Each line's list cost in cents, by its row: one rounding of the list total, split exactly. */
  readonly listCents: ReadonlyMap<string, bigint>;
  /** The charge period of the rows whose bucket is not the whole month (daily rows of people who moved). */
  readonly chargePeriods: ReadonlyMap<string, { readonly start: string; readonly end: string }>;
}

export function planFocus(allocation: Allocation, rows: readonly CostRow[]): FocusPlan {
  const p = allocation.period;
  // ListCost gets the same treatment as BilledCost: one rounding of the list total, split exactly.
  const rowById = new Map(rows.map((r) => [r.rowId, r]));
  const listParts = [];
  const chargePeriods = new Map<string, { start: string; end: string }>();
  for (const cc of allocation.costCenters) {
    for (const a of cc.actors) {
      for (const l of a.lines) {
        const row = rowById.get(l.rowId);
        listParts.push({ key: l.rowId, weight: row?.listAmountCents ?? row?.amountCents ?? ZERO });
        if (row && (row.startingAt !== p.startIso || row.endingAt !== p.endExclusiveIso)) chargePeriods.set(l.rowId, { start: row.startingAt, end: row.endingAt });
      }
    }
  }
  return { listCents: splitLargestRemainder(roundCents(sumMoney(listParts.map((x) => x.weight))), listParts), chargePeriods };
}

export function* focusRowsOneByOne(allocation: Allocation, plan: FocusPlan, directory: OrgDirectory, quantities: Quantities | null = null): Generator<FocusRow> {
  const p = allocation.period;
  const { listCents, chargePeriods } = plan;
  const pooled = poolQuantities(allocation, quantities);

  /** One FOCUS row of a cost center: the fixed columns, then what varies by kind of charge. */
  const charge = (cc: CostCenterAllocation, cents: bigint, columns: FocusRow): FocusRow => {
    const billed = centsToDollarText(cents);
    return {
      BilledCost: billed,
      BillingAccountId: directory.billingAccountId ?? directory.company,
      BillingAccountName: directory.company,
      BillingCurrency: 'USD',
      BillingPeriodEnd: p.endExclusiveIso,
      BillingPeriodStart: p.startIso,
      ChargeCategory: 'Usage',
      ChargeClass: '',
      ChargePeriodEnd: p.endExclusiveIso,
      ChargePeriodStart: p.startIso,
      ContractedCost: billed,
      EffectiveCost: billed,
      HostProviderName: 'Anthropic',
      InvoiceIssuerName: 'Anthropic',
      ListCost: billed,
      PricingQuantity: '',
      PricingUnit: '',
      ServiceCategory: 'AI and Machine Learning',
      ServiceName: 'Claude Enterprise',
      ServiceProviderName: 'Anthropic',
      ServiceSubcategory: 'Generative AI',
      SubAccountId: '',
      x_CostCenter: cc.code,
      x_CostCenterName: cc.name,
      x_StatementNumber: numberFor(allocation, cc.code),
      ...columns,
    };
  };

  for (const cc of allocation.costCenters) for (const a of cc.actors) for (const l of a.lines) {
    yield charge(cc, l.billedCents, {
      ChargeDescription: [l.model ?? 'no model', l.product, l.costType, l.contextWindow].filter(Boolean).join(' · '),
      ChargePeriodEnd: chargePeriods.get(l.rowId)?.end ?? p.endExclusiveIso,
      ChargePeriodStart: chargePeriods.get(l.rowId)?.start ?? p.startIso,
      ListCost: centsToDollarText(listCents.get(l.rowId)!),
      SubAccountId: l.workspaceId ?? '',
      x_ActorType: a.actorType,
      x_ActorId: a.actorId,
      x_User: a.email ?? '',
      x_Product: l.product ?? '',
      x_Model: l.model ?? '',
      x_ContextWindowTier: l.contextWindow ?? '',
      x_CostType: l.costType ?? '',
      x_MappingRule: l.rule,
      ...quantityColumns(quantities?.byRow.get(l.rowId)),
    });
  }
  for (const cc of allocation.costCenters) yield* [
    // Pool shares: provider spend shared out (Usage), or a fixed monthly charge (Purchase).
    ...cc.poolShares.map((ps) =>
      charge(cc, ps.cents, {
        ChargeCategory: allocation.pools.find((x) => x.name === ps.pool)!.kind === 'usage' ? 'Usage' : 'Purchase',
        ChargeDescription: `Shared cost: ${ps.pool} (${ps.basis})`,
        // A fixed amount is bought once a month and shared: each share is one allocation of it.
        ...(allocation.pools.find((x) => x.name === ps.pool)!.kind === 'usage' ? (pooled.get(ps.pool)?.get(cc.code) ?? {}) : { InvoiceIssuerName: directory.company, PricingQuantity: '1', PricingUnit: 'Allocations' }),
        x_MappingRule: `pool ${ps.pool}`,
      }),
    ),
    // Seats are a purchase in seat-months; the overhead markup an adjustment.
    ...(cc.seatCents !== 0n ? [charge(cc, cc.seatCents, { ChargeCategory: 'Purchase', ChargeDescription: 'Claude Enterprise seats, prorated by day', PricingQuantity: cc.seatMonths, PricingUnit: 'Seat-Months', x_MappingRule: 'seats' })] : []),
    // The markup is the company's own charge, not the provider's.
    ...(cc.markupCents !== 0n ? [charge(cc, cc.markupCents, { ChargeCategory: 'Adjustment', ChargeDescription: `Overhead markup ${cc.markupPercent}%`, InvoiceIssuerName: directory.company, x_MappingRule: 'markup' })] : []),
    // A true-up of an invoiced earlier month: FOCUS marks it as a correction of that month's charge period.
    ...cc.adjustments.map((adj) => {
      const corrected = parsePeriod(adj.fromPeriod);
      return charge(cc, adj.cents, {
        ChargeClass: 'Correction',
        ChargeDescription: `Adjustment of an earlier month: ${adj.reference}`,
        ChargePeriodStart: corrected?.startIso ?? p.startIso,
        ChargePeriodEnd: corrected?.endExclusiveIso ?? p.endExclusiveIso,
        x_MappingRule: 'carried adjustment',
      });
    }),
  ];
}
