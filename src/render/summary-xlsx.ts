import type { AdoptionView } from '../core/adoption.js';
import type { BudgetView } from '../core/budget.js';
import type ExcelJS from 'exceljs';
import type { Allocation } from '../core/allocate.js';
import { UNALLOCATED } from '../core/directory.js';
import { decimalText, Money } from '../core/money.js';
import type { Reconciliation } from '../core/reconcile.js';
import type { DocumentStatus, Statement } from '../core/statements.js';
import { trendPeriods } from '../core/insights.js';
import { periodTitle } from '../core/statements.js';
import { lastDay } from '../core/period.js';
import { summaryRows } from '../core/summary.js';
import { addTotalRow, DATE_TIME_FORMAT, PERCENT_FORMAT, sheetDate, sheetDecimal, sheetDollars, sheetRatio, styleHeaderRow, totalFormula, USD_FORMAT, WorkbookStream } from './spreadsheet.js';

export interface SummaryContext {
  readonly company: string;
  readonly status: DocumentStatus;
  readonly dataAsOf: string | null;
  readonly issuedAt: string;
  /** The direct statements with their insights (trend, engagement). */
  readonly statements: readonly Statement[];
  /** Seats and activity per cost center of the directory, and the company's (first row). */
  readonly adoption?: ReadonlyArray<{ readonly code: string; readonly name: string; readonly view: AdoptionView }>;
  /** Every statement with a budget this month (direct and roll-up), in statement order. */
  readonly budgets?: ReadonlyArray<{ readonly number: string; readonly code: string; readonly name: string; readonly kind: 'direct' | 'rollup'; readonly view: BudgetView }>;
  /** A person as the organization-wide outputs show them (opaque ids with --pseudonymize). */
  readonly person: (actorKey: string, actorType: string, fields: { id: string; email: string; name: string }) => { id: string; email: string; name: string };
}

/**
 * Finance's workbook: every cost center with roll-ups, the reconciliation, unmapped spenders.
 * Written row by row (one row per person on the Engagement sheet at most), so its memory does
 * not grow with the organization.
 */
/** Seats and activity per cost center, the company first: utilization as a number the sheet formats as a percentage. */
function adoptionSheet(wb: WorkbookStream, rows: NonNullable<SummaryContext['adoption']>): void {
  const columns = ['Cost center', 'Name', 'Seats', 'Active', 'Utilization', 'Claude', 'Claude Code', 'Cowork', 'Idle seats', 'Idle seat cost (USD)'];
  const ws = wb.sheet('Adoption', { columns: [{ width: 16 }, { width: 34 }, { width: 10 }, { width: 10 }, { width: 12, numFmt: PERCENT_FORMAT }, { width: 10 }, { width: 12 }, { width: 10 }, { width: 11 }, { width: 20, numFmt: USD_FORMAT }], frozen: { ySplit: 1 } });
  styleHeaderRow(ws.add(columns));
  for (const r of rows) {
    const v = r.view;
    ws.add([r.code, r.name, v.seated, v.active, v.seated === 0 ? null : sheetRatio(BigInt(v.active), BigInt(v.seated)), v.claude, v.code, v.cowork, v.seated - v.active, v.idleSeatCents === null ? null : sheetDollars(v.idleSeatCents)]);
  }
  // The company row adds up the rest: no totals row, which would count everything twice.
  ws.table({ name: 'Adoption', headerRow: 1, columns, dataRows: rows.length });
}

/** Budget against actual per statement with a budget: the month and the year to date, as the statements say it. */
function budgetSheet(wb: WorkbookStream, rows: NonNullable<SummaryContext['budgets']>): void {
  const columns = ['Statement', 'Cost center', 'Name', 'Kind', 'Budget (USD)', 'Actual (USD)', 'Variance (USD)', 'Over budget', 'Year-to-date budget (USD)', 'Year-to-date actual (USD)', 'Months in year to date'];
  const ws = wb.sheet('Budgets', { columns: [{ width: 30 }, { width: 14 }, { width: 30 }, { width: 9 }, { width: 16, numFmt: USD_FORMAT }, { width: 16, numFmt: USD_FORMAT }, { width: 16, numFmt: USD_FORMAT }, { width: 12 }, { width: 24, numFmt: USD_FORMAT }, { width: 24, numFmt: USD_FORMAT }, { width: 12 }], frozen: { ySplit: 1 } });
  styleHeaderRow(ws.add(columns));
  for (const r of rows) {
    const v = r.view;
    ws.add([r.number, r.code, r.name, r.kind === 'rollup' ? 'roll-up' : 'direct', sheetDollars(v.budgetCents), sheetDollars(v.actualCents), sheetDollars(v.varianceCents), v.varianceCents < 0n ? 'yes' : 'no', sheetDollars(v.ytdBudgetCents), sheetDollars(v.ytdActualCents), v.ytdMonths]);
  }
  // Roll-ups hold their children's figures again: no totals row, which would count them twice.
  ws.table({ name: 'Budgets', headerRow: 1, columns, dataRows: rows.length });
}

export async function renderSummaryXlsx(allocation: Allocation, rec: Reconciliation, ctx: SummaryContext, clock: Date): Promise<Buffer> {
  const p = allocation.period;
  const wb = new WorkbookStream(clock, `Chargeback summary ${p.label}`, ctx.company);

  const cc = wb.sheet('Cost centers', {
    columns: [{ width: 16 }, { width: 34 }, { width: 12 }, { width: 7 }, { width: 28 }, { width: 34 }, { width: 11 }, { width: 22, numFmt: USD_FORMAT }, { width: 32, numFmt: USD_FORMAT }, { width: 28, numFmt: USD_FORMAT }, { width: 26, numFmt: USD_FORMAT }, { width: 26 }],
    frozen: { ySplit: 1 },
  });
  const columns = ['Code', 'Name', 'Parent', 'Level', 'Owner', 'Owner e-mail', 'GL account', 'Statement total (USD)', 'of which shared, seats, markup (USD)', 'of which carried adjustments (USD)', 'Roll-up incl. children (USD)', 'Statement'];
  styleHeaderRow(cc.add(columns));
  const rows = summaryRows(allocation);
  let statementsTotal = 0n;
  let sharedTotal = 0n;
  let carriedTotal = 0n;
  for (const r of rows) {
    const row = cc.add([r.code, `${'  '.repeat(r.level)}${r.name}`, r.parent ?? '', r.level, r.ownerName, r.ownerEmail, r.glAccount, sheetDollars(r.totalCents), sheetDollars(r.sharedCents), sheetDollars(r.carriedCents), sheetDollars(r.rollupCents), r.statementNumber ?? '']);
    if (r.level === 0) row.font = { bold: true };
    statementsTotal += r.totalCents;
    sharedTotal += r.sharedCents;
    carriedTotal += r.carriedCents;
  }
  // One row per cost center, as a table; its totals row sums what the statements charge (roll-ups would count twice).
  cc.table({ name: 'CostCenters', headerRow: 1, columns, dataRows: rows.length, totals: [{ column: 8, cents: statementsTotal }, { column: 9, cents: sharedTotal }, { column: 10, cents: carriedTotal }] });
  // The sum of the table's amounts, not its totals row (which a filter changes).
  const statementsTotalRef = `SUM('Cost centers'!H2:H${rows.length + 1})`;


  const recSheet = wb.sheet('Reconciliation', { columns: [{ width: 64 }, { width: 30 }] });
  styleHeaderRow(recSheet.add([`Reconciliation ${periodTitle(p.year, p.month)} (${ctx.status})`, 'Value']));
  const facts: Array<[string, string | number | ExcelJS.CellFormulaValue]> = [
    ['Company', ctx.company],
    ['Period (UTC)', `${p.startIso.slice(0, 10)} to ${lastDay(p)}`],
    ['Data as of (provider data_refreshed_at)', ctx.dataAsOf ? sheetDate(ctx.dataAsOf) : 'unknown'],
    ['Issued', sheetDate(ctx.issuedAt)],
    ['Source rows', allocation.rowCount],
    ['Source total, unrounded (cents)', rec.sourceTotalUnroundedCents],
    ['Org total without group_by, unrounded (cents)', rec.orgTotalUnroundedCents ?? 'not fetched'],
    ['Org total minus grouped rows (cents)', rec.orgTotalDifferenceCents ?? 'not fetched'],
    ['Charges on top: fixed pools, seats, markup (cents)', rec.extraCents],
  ];
  for (const [k, v] of facts) {
    const row = recSheet.add([k, v]);
    row.getCell(1).font = { bold: true };
    if (k.startsWith('Data as of') || k === 'Issued') Object.assign(row.getCell(2), typeof v === 'number' ? { numFmt: DATE_TIME_FORMAT, alignment: { horizontal: 'left' } } : {});
  }
  const src = recSheet.add(['Source total, rounded once (USD)', sheetDollars(allocation.sourceTotalCents)]);
  src.getCell(2).numFmt = USD_FORMAT;
  const sum = recSheet.add(['Sum of all statements incl. UNALLOCATED (USD)', totalFormula(statementsTotalRef, BigInt(rec.statementsTotalCents))]);
  sum.getCell(2).numFmt = USD_FORMAT;
  const un = recSheet.add(['of which UNALLOCATED (USD)', sheetDollars(BigInt(rec.unallocatedCents))]);
  un.getCell(2).numFmt = USD_FORMAT;
  const fees = recSheet.add(['Charges on top: fixed pools, seats, markup (USD)', sheetDollars(BigInt(rec.extraCents))]);
  fees.getCell(2).numFmt = USD_FORMAT;
  const carried = recSheet.add(['Adjustments of earlier months carried (USD)', sheetDollars(BigInt(rec.carriedCents))]);
  carried.getCell(2).numFmt = USD_FORMAT;
  const tie = recSheet.add(['Statements tie to the source total plus charges on top', { formula: `IF(ROUND(B${src.number}+B${fees.number}+B${carried.number},2)=ROUND(B${sum.number},2),"yes","NO")`, result: BigInt(rec.statementsTotalCents) === BigInt(rec.sourceTotalCents) + BigInt(rec.extraCents) + BigInt(rec.carriedCents) ? 'yes' : 'NO' }]);
  tie.font = { bold: true };
  recSheet.add([]);
  styleHeaderRow(recSheet.add(['Check', 'Result']));
  for (const c of rec.checks) recSheet.add([c.name, c.ok ? `ok (${c.actual})` : `FAILED: expected ${c.expected}, found ${c.actual}`]);

  const unmapped = wb.sheet('Unmapped', {
    columns: [{ width: 48 }, { width: 48 }, { width: 8 }, { width: 22 }, { width: 30, numFmt: USD_FORMAT }],
    frozen: { ySplit: 1 },
  });
  const unmappedColumns = ['Spender', 'Actor key', 'Rows', 'Unrounded (cents)', 'Billed under UNALLOCATED (USD)'];
  styleHeaderRow(unmapped.add(unmappedColumns));
  const unallocated = allocation.costCenters.find((c) => c.code === UNALLOCATED);
  const billed = new Map(unallocated?.actors.map((a) => [a.actorKey, a.billedCents]) ?? []);
  const actorType = (key: string) => (key.startsWith('user:') ? 'user_actor' : 'other');
  for (const u of allocation.unmapped) {
    const who = ctx.person(u.actorKey, actorType(u.actorKey), { id: u.actorKey, email: '', name: u.label });
    unmapped.add([who.name, who.id, u.rowCount, sheetDecimal(decimalText(u.unroundedCents)), sheetDollars(billed.get(u.actorKey) ?? 0n)]);
  }
  if (allocation.unmapped.length > 0) unmapped.table({ name: 'UnmappedSpenders', headerRow: 1, columns: unmappedColumns, dataRows: allocation.unmapped.length, totals: [{ column: 5, cents: unallocated?.directCents ?? 0n }] });
  else addTotalRow(unmapped, 5, 0, 0n);

  trendSheet(wb, allocation, ctx);
  engagementSheet(wb, ctx);

  // After the sheets finance reads first, so their order stays as it was.
  if (ctx.budgets && ctx.budgets.length > 0) budgetSheet(wb, ctx.budgets);
  if (ctx.adoption && ctx.adoption.length > 0) adoptionSheet(wb, ctx.adoption);
  return wb.bytes();
}

/** Billed per cost center over six months (earlier months as published), change on last month, and the biggest movers. */
function trendSheet(wb: WorkbookStream, allocation: Allocation, ctx: SummaryContext): void {
  const months = trendPeriods(allocation.period);
  const ws = wb.sheet('Trend', {
    columns: [{ width: 16 }, { width: 32 }, ...months.map(() => ({ width: 15, numFmt: USD_FORMAT })), { width: 24, numFmt: USD_FORMAT }, { width: 11 }],
    frozen: { ySplit: 1, xSplit: 2 },
  });
  styleHeaderRow(ws.add(['Code', 'Name', ...months.map((m) => `${m} (USD)`), 'Change on last month (USD)', 'Change %']));
  const withTrend = ctx.statements.filter((s) => s.insights);
  for (const s of withTrend) {
    const t = s.insights!.trend;
    // A ratio, not money: a number the sheet formats as a percentage.
    const ratio = t.changeCents !== null && t.previousCents !== null && t.previousCents !== 0n ? Number(new Money(t.changeCents.toString()).dividedBy(t.previousCents.toString()).toDecimalPlaces(6).toFixed()) : '';
    const row = ws.add([s.code, s.name, ...t.points.map((p) => (p.cents === null ? 'not published' : sheetDollars(p.cents))), t.changeCents === null ? 'not published' : sheetDollars(t.changeCents), ratio]);
    row.getCell(months.length + 4).numFmt = '0.0%';
  }
  // Movers across the organization: each person's direct usage over all cost centers.
  const movers = new Map<string, { type: string; label: string; previous: bigint; current: bigint }>();
  for (const s of withTrend) {
    let types: Map<string, string> | null = null;
    for (const m of s.insights!.trend.users) {
      let e = movers.get(m.actorKey);
      if (!e) {
        types ??= new Map(s.users.map((u) => [u.actorKey, u.actorType]));
        e = { type: types.get(m.actorKey) ?? (m.actorKey.startsWith('user:') ? 'user_actor' : 'other'), label: m.label, previous: 0n, current: 0n };
        movers.set(m.actorKey, e);
      }
      e.previous += m.previousCents;
      e.current += m.currentCents;
    }
  }
  if (movers.size === 0) return;
  const list = [...movers].map(([key, m]) => ({ key, ...m, change: m.current - m.previous })).sort((a, b) => (a.change === b.change ? (a.key < b.key ? -1 : 1) : a.change > b.change ? -1 : 1));
  const biggest = [...list.filter((m) => m.change > 0n).slice(0, 10), ...list.filter((m) => m.change < 0n).reverse().slice(0, 10)];
  ws.add([]);
  styleHeaderRow(ws.add(['Biggest movers', 'Person or spender', `${months[months.length - 2]} (USD)`, `${months[months.length - 1]} (USD)`, 'Change (USD)']));
  for (const m of biggest) {
    const who = ctx.person(m.key, m.type, { id: m.key, email: '', name: m.label });
    const row = ws.add([m.change > 0n ? 'up' : 'down', who.name, sheetDollars(m.previous), sheetDollars(m.current), sheetDollars(m.change)]);
    for (const c of [3, 4, 5]) row.getCell(c).numFmt = USD_FORMAT;
  }
}

/** Engagement per cost center and per person: counts, usage and cost per unit of work. */
function engagementSheet(wb: WorkbookStream, ctx: SummaryContext): void {
  const views = ctx.statements.filter((s) => s.insights?.engagement).map((s) => ({ s, e: s.insights!.engagement! }));
  if (views.length === 0) return;
  // "Row" tells a cost center's total from its people, so a pivot over the table can take either and never both.
  const headers = ['Cost center', 'Row', 'Person', 'Sessions', 'Commits', 'Pull requests', 'Lines added', 'Lines removed', 'Chat conversations', 'Usage (USD)', 'Per session (USD)', 'Per commit (USD)', 'Per pull request (USD)'];
  const widths = [14, 18, 34, 10, 10, 13, 12, 13, 18, 14, 17, 16, 21];
  const ws = wb.sheet('Engagement', { columns: widths.map((width, i) => ({ width, ...(i >= 9 ? { numFmt: USD_FORMAT } : {}) })), frozen: { ySplit: 1 } });
  styleHeaderRow(ws.add(headers));
  const money = (c: bigint | null) => (c === null ? '' : sheetDollars(c));
  for (const { s, e } of views) {
    const line = (l: typeof e.total, kind: string, name: string) => [s.code, kind, name, l.sessions ?? '', l.commits, l.pullRequests, l.linesAdded, l.linesRemoved, l.conversations ?? '', sheetDollars(l.costCents), money(l.perSessionCents), money(l.perCommitCents), money(l.perPullRequestCents)];
    ws.add(line(e.total, 'cost center total', `${s.name} (total)`)).font = { bold: true };
    for (const l of e.lines) ws.add(line(l, 'person', ctx.person(l.actorKey, 'user_actor', { id: l.actorKey, email: l.email ?? '', name: l.label }).name));
  }
  ws.table({ name: 'EngagementByCostCenter', headerRow: 1, columns: headers, dataRows: ws.rowCount - 1 });
}
