import { budgetFor, type CostCenter } from './directory.js';
import type { HistoryMonth } from './insights.js';
import { periodOf, type Period } from './period.js';

/**
 * Budget against actual for a statement: the month's budget and own charges (the statement total
 * less corrections of earlier months it carries, as the trend counts them), the variance, and the
 * same from January to this month. A budget set on a leaf cost center is its statement's; one set
 * on a cost center with children is its roll-up's, and a roll-up without one takes the sum of its
 * children's. Pure.
 */
export interface BudgetView {
  readonly budgetCents: bigint;
  readonly actualCents: bigint;
  /** Budget less actual: negative when over budget. */
  readonly varianceCents: bigint;
  readonly ytdBudgetCents: bigint;
  readonly ytdActualCents: bigint;
  /** The first month of the year counted (YYYY-MM): the earliest issued this year with a budget. */
  readonly ytdFrom: string;
  /** Months of the year counted: those issued up to this one that had a budget (a month the tool did not issue has no actual to compare, one without a budget nothing to compare with). */
  readonly ytdMonths: number;
  /** Whether the budget is the sum of its children's (a roll-up without one of its own). */
  readonly fromChildren: boolean;
}

export class Budgets {
  private readonly byCode: ReadonlyMap<string, CostCenter>;
  private readonly children = new Map<string, string[]>();

  constructor(costCenters: readonly CostCenter[]) {
    this.byCode = new Map(costCenters.map((c) => [c.code, c]));
    for (const c of costCenters) if (c.parent !== null) this.children.set(c.parent, [...(this.children.get(c.parent) ?? []), c.code]);
  }

  /** A subtree's budget for a month: its own, else its children's summed (null when none has one). */
  private tree(code: string, monthStart: string): { cents: bigint; fromChildren: boolean } | null {
    const own = this.byCode.has(code) ? budgetFor(this.byCode.get(code)!, monthStart) : null;
    if (own !== null) return { cents: own, fromChildren: false };
    const parts = (this.children.get(code) ?? []).map((c) => this.tree(c, monthStart)).filter((x) => x !== null);
    return parts.length === 0 ? null : { cents: parts.reduce((a, p) => a + p.cents, 0n), fromChildren: true };
  }

  /** The budget of a statement for a month: a direct statement's only when its cost center has no children. */
  monthly(kind: 'direct' | 'rollup', code: string, period: Period): { cents: bigint; fromChildren: boolean } | null {
    if (kind === 'direct') {
      if ((this.children.get(code) ?? []).length > 0 || !this.byCode.has(code)) return null;
      const own = budgetFor(this.byCode.get(code)!, period.startIso.slice(0, 10));
      return own === null ? null : { cents: own, fromChildren: false };
    }
    return this.tree(code, period.startIso.slice(0, 10));
  }

  /** The statement's budget view, or null when it has no budget this month. */
  view(kind: 'direct' | 'rollup', code: string, codes: ReadonlySet<string>, period: Period, currentCents: bigint, history: readonly HistoryMonth[]): BudgetView | null {
    const month = this.monthly(kind, code, period);
    if (month === null) return null;
    let ytdBudgetCents = 0n;
    let ytdActualCents = currentCents;
    const byPeriod = new Map(history.map((h) => [h.period, h]));
    let ytdFrom = period.label;
    let ytdMonths = 1;
    for (let m = period.month - 1; m >= 1; m--) {
      const p = periodOf(period.year, m);
      const h = byPeriod.get(p.label);
      // Only months issued with a budget are compared: a month without one has nothing to be over.
      const budget = this.monthly(kind, code, p);
      if (!h || budget === null) continue;
      ytdBudgetCents += budget.cents;
      for (const c of codes) ytdActualCents += h.costCenters.get(c) ?? 0n;
      ytdFrom = p.label;
      ytdMonths += 1;
    }
    ytdBudgetCents += month.cents;
    return {
      budgetCents: month.cents,
      actualCents: currentCents,
      varianceCents: month.cents - currentCents,
      ytdBudgetCents,
      ytdActualCents,
      ytdFrom,
      ytdMonths,
      fromChildren: month.fromChildren,
    };
  }
}
