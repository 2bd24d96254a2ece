import type { Allocation } from './allocate.js';
import type { CostRow } from './cost-row.js';
import type { OrgDirectory } from './directory.js';
import { centsToDollarText, roundCents, splitLargestRemainder, sumMoney, ZERO } from './money.js';
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
  'ServiceSubcategory', 'SubAccountId',
  'x_CostCenter', 'x_CostCenterName', 'x_StatementNumber', 'x_ActorType', 'x_ActorId', 'x_User',
  'x_Product', 'x_Model', 'x_ContextWindowTier', 'x_CostType', 'x_MappingRule',
] as const;
export type FocusRow = Partial<Record<(typeof FOCUS_COLUMNS)[number], string>>;

export function focusRows(allocation: Allocation, rows: readonly CostRow[], directory: OrgDirectory): FocusRow[] {
  const p = allocation.period;
  const lines = allocation.costCenters.flatMap((cc) => cc.actors.flatMap((a) => a.lines.map((l) => ({ cc, a, l }))));
  // ListCost gets the same treatment as BilledCost: one rounding of the list total, split exactly.
  const rowById = new Map(rows.map((r) => [r.rowId, r]));
  const listByRow = new Map(rows.map((r) => [r.rowId, r.listAmountCents ?? r.amountCents]));
  const listParts = lines.map(({ l }) => ({ key: l.rowId, weight: listByRow.get(l.rowId) ?? ZERO }));
  const listCents = splitLargestRemainder(roundCents(sumMoney(listParts.map((x) => x.weight))), listParts);
  const common = {
    BillingAccountId: directory.billingAccountId ?? directory.company,
    BillingAccountName: directory.company,
    BillingCurrency: 'USD',
    BillingPeriodEnd: p.endExclusiveIso,
    BillingPeriodStart: p.startIso,
    ChargeClass: '',
    ChargePeriodEnd: p.endExclusiveIso,
    ChargePeriodStart: p.startIso,
    HostProviderName: 'Anthropic',
    InvoiceIssuerName: 'Anthropic',
    PricingQuantity: '',
    PricingUnit: '',
    ServiceCategory: 'AI and Machine Learning',
    ServiceName: 'Claude Enterprise',
    ServiceProviderName: 'Anthropic',
    ServiceSubcategory: 'Generative AI',
  };
  // Pool shares: provider spend shared out (Usage), or a fixed monthly charge (Purchase).
  const shares = allocation.costCenters.flatMap((cc) =>
    cc.poolShares.map((ps): FocusRow => {
      const pool = allocation.pools.find((x) => x.name === ps.pool)!;
      const billed = centsToDollarText(ps.cents);
      return {
        ...common,
        BilledCost: billed,
        ChargeCategory: pool.kind === 'usage' ? 'Usage' : 'Purchase',
        ChargeDescription: `Shared cost: ${ps.pool} (${ps.basis})`,
        ContractedCost: billed,
        EffectiveCost: billed,
        ListCost: billed,
        SubAccountId: '',
        x_CostCenter: cc.code,
        x_CostCenterName: cc.name,
        x_StatementNumber: numberFor(allocation, cc.code),
        x_MappingRule: `pool ${ps.pool}`,
      };
    }),
  );
  // Seats (a purchase, in seat-months) and the overhead markup (an adjustment), per cost center.
  const extras = allocation.costCenters.flatMap((cc): FocusRow[] => {
    const out: FocusRow[] = [];
    const row = (cents: bigint, category: string, description: string, quantity: string, unit: string, rule: string): FocusRow => {
      const billed = centsToDollarText(cents);
      return { ...common, BilledCost: billed, ChargeCategory: category, ChargeDescription: description, ContractedCost: billed, EffectiveCost: billed, ListCost: billed, PricingQuantity: quantity, PricingUnit: unit, SubAccountId: '', x_CostCenter: cc.code, x_CostCenterName: cc.name, x_StatementNumber: numberFor(allocation, cc.code), x_MappingRule: rule };
    };
    if (cc.seatCents !== 0n) out.push(row(cc.seatCents, 'Purchase', 'Claude Enterprise seats, prorated by day', cc.seatMonths, 'seat-months', 'seats'));
    if (cc.markupCents !== 0n) out.push(row(cc.markupCents, 'Adjustment', `Overhead markup ${cc.markupPercent}%`, '', '', 'markup'));
    // A true-up of an invoiced earlier month: FOCUS marks it as a correction.
    for (const adj of cc.adjustments) out.push({ ...row(adj.cents, 'Usage', `Adjustment of an earlier month: ${adj.reference}`, '', '', 'carried adjustment'), ChargeClass: 'Correction' });
    return out;
  });
  return [...lines.map(({ cc, a, l }) => {
    const billed = centsToDollarText(l.billedCents);
    const description = [l.model ?? 'no model', l.product, l.costType, l.contextWindow].filter(Boolean).join(' · ');
    return {
      BilledCost: billed,
      BillingAccountId: directory.billingAccountId ?? directory.company,
      BillingAccountName: directory.company,
      BillingCurrency: 'USD',
      BillingPeriodEnd: p.endExclusiveIso,
      BillingPeriodStart: p.startIso,
      ChargeCategory: 'Usage',
      ChargeClass: '',
      ChargeDescription: description,
      ChargePeriodEnd: rowById.get(l.rowId)?.endingAt ?? p.endExclusiveIso,
      ChargePeriodStart: rowById.get(l.rowId)?.startingAt ?? p.startIso,
      ContractedCost: billed,
      EffectiveCost: billed,
      HostProviderName: 'Anthropic',
      InvoiceIssuerName: 'Anthropic',
      ListCost: centsToDollarText(listCents.get(l.rowId)!),
      PricingQuantity: '',
      PricingUnit: '',
      ServiceCategory: 'AI and Machine Learning',
      ServiceName: 'Claude Enterprise',
      ServiceProviderName: 'Anthropic',
      ServiceSubcategory: 'Generative AI',
      SubAccountId: l.workspaceId ?? '',
      x_CostCenter: cc.code,
      x_CostCenterName: cc.name,
      x_StatementNumber: numberFor(allocation, cc.code),
      x_ActorType: a.actorType,
      x_ActorId: a.actorId,
      x_User: a.email ?? '',
      x_Product: l.product ?? '',
      x_Model: l.model ?? '',
      x_ContextWindowTier: l.contextWindow ?? '',
      x_CostType: l.costType ?? '',
      x_MappingRule: l.rule,
    };
  }), ...shares, ...extras];
}
