import { messagesFor, type Messages } from '../i18n/messages.js';
import { Formatter } from './locale.js';
import type { AdoptionView } from '../core/adoption.js';
import type { BudgetView } from '../core/budget.js';
import type ExcelJS from 'exceljs';
import type { Allocation } from '../core/allocate.js';
import { UNALLOCATED } from '../core/directory.js';
import { decimalText, Money } from '../core/money.js';
import type { Reconciliation } from '../core/reconcile.js';
import type { DocumentStatus, Statement } from '../core/statements.js';
import { trendPeriods } from '../core/insights.js';
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
  /** The template's locale: the workbook's language. */
  readonly locale?: string;
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
function adoptionSheet(wb: WorkbookStream, rows: NonNullable<SummaryContext['adoption']>, m: Messages): void {
  const columns = [...m.summary.adoption];
  const ws = wb.sheet(m.summary.sheets.adoption, { columns: [{ width: 16 }, { width: 34 }, { width: 10 }, { width: 10 }, { width: 12, numFmt: PERCENT_FORMAT }, { width: 10 }, { width: 12 }, { width: 10 }, { width: 11 }, { width: 20, numFmt: USD_FORMAT }], frozen: { ySplit: 1 } });
  styleHeaderRow(ws.add(columns));
  for (const r of rows) {
    const v = r.view;
    ws.add([r.code, r.code === '' ? m.summary.company(r.name) : r.name, v.seated, v.active, v.seated === 0 ? null : sheetRatio(BigInt(v.active), BigInt(v.seated)), v.claude, v.code, v.cowork, v.seated - v.active, v.idleSeatCents === null ? null : sheetDollars(v.idleSeatCents)]);
  }
  // The company row adds up the rest: no totals row, which would count everything twice.
  ws.table({ name: 'Adoption', headerRow: 1, columns, dataRows: rows.length });
}

/** Budget against actual per statement with a budget: the month and the year to date, as the statements say it. */
function budgetSheet(wb: WorkbookStream, rows: NonNullable<SummaryContext['budgets']>, m: Messages): void {
  const columns = [...m.summary.budgets];
  const k = m.summary.budgetKind;
  const ws = wb.sheet(m.summary.sheets.budgets, { columns: [{ width: 30 }, { width: 14 }, { width: 30 }, { width: 9 }, { width: 16, numFmt: USD_FORMAT }, { width: 16, numFmt: USD_FORMAT }, { width: 16, numFmt: USD_FORMAT }, { width: 12 }, { width: 24, numFmt: USD_FORMAT }, { width: 24, numFmt: USD_FORMAT }, { width: 12 }], frozen: { ySplit: 1 } });
  styleHeaderRow(ws.add(columns));
  for (const r of rows) {
    const v = r.view;
    ws.add([r.number, r.code, r.name, r.kind === 'rollup' ? k.rollup : k.direct, sheetDollars(v.budgetCents), sheetDollars(v.actualCents), sheetDollars(v.varianceCents), v.varianceCents < 0n ? k.yes : k.no, sheetDollars(v.ytdBudgetCents), sheetDollars(v.ytdActualCents), v.ytdMonths]);
  }
  // Roll-ups hold their children's figures again: no totals row, which would count them twice.
  ws.table({ name: 'Budgets', headerRow: 1, columns, dataRows: rows.length });
}

export async function renderSummaryXlsx(allocation: Allocation, rec: Reconciliation, ctx: SummaryContext, clock: Date): Promise<Buffer> {
  const p = allocation.period;
  const m = messagesFor(ctx.locale ?? 'en-GB');
  const f = new Formatter(ctx.locale ?? 'en-GB');
  const w = m.summary.reconciliation;
  const wb = new WorkbookStream(clock, m.summary.title(p.label), ctx.company);

  const cc = wb.sheet(m.summary.sheets.costCenters, {
    columns: [{ width: 16 }, { width: 34 }, { width: 12 }, { width: 7 }, { width: 28 }, { width: 34 }, { width: 11 }, { width: 22, numFmt: USD_FORMAT }, { width: 32, numFmt: USD_FORMAT }, { width: 28, numFmt: USD_FORMAT }, { width: 26, numFmt: USD_FORMAT }, { width: 26 }],
    frozen: { ySplit: 1 },
  });
  const columns = [...m.summary.costCenters];
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
  const statementsTotalRef = `SUM('${m.summary.sheets.costCenters}'!H2:H${rows.length + 1})`;


  const recSheet = wb.sheet(m.summary.sheets.reconciliation, { columns: [{ width: 64 }, { width: 30 }] });
  styleHeaderRow(recSheet.add([w.heading(f.month(p.label), m.pdf.status[ctx.status] ?? ctx.status), w.value]));
  const facts: Array<[string, string | number | ExcelJS.CellFormulaValue]> = [
    [w.company, ctx.company],
    [w.period, w.periodValue(p.startIso.slice(0, 10), lastDay(p))],
    [w.dataAsOf, ctx.dataAsOf ? sheetDate(ctx.dataAsOf) : w.unknown],
    [w.issued, sheetDate(ctx.issuedAt)],
    [w.sourceRows, allocation.rowCount],
    [w.sourceUnrounded, rec.sourceTotalUnroundedCents],
    [w.orgUnrounded, rec.orgTotalUnroundedCents ?? w.notFetched],
    [w.orgDifference, rec.orgTotalDifferenceCents ?? w.notFetched],
    [w.extraCents, rec.extraCents],
  ];
  for (const [k, v] of facts) {
    const row = recSheet.add([k, v]);
    row.getCell(1).font = { bold: true };
    if (k === w.dataAsOf || k === w.issued) Object.assign(row.getCell(2), typeof v === 'number' ? { numFmt: DATE_TIME_FORMAT, alignment: { horizontal: 'left' } } : {});
  }
  const src = recSheet.add([w.sourceRounded, sheetDollars(allocation.sourceTotalCents)]);
  src.getCell(2).numFmt = USD_FORMAT;
  const sum = recSheet.add([w.statementsSum, totalFormula(statementsTotalRef, BigInt(rec.statementsTotalCents))]);
  sum.getCell(2).numFmt = USD_FORMAT;
  const un = recSheet.add([w.unallocated, sheetDollars(BigInt(rec.unallocatedCents))]);
  un.getCell(2).numFmt = USD_FORMAT;
  const fees = recSheet.add([w.extraUsd, sheetDollars(BigInt(rec.extraCents))]);
  fees.getCell(2).numFmt = USD_FORMAT;
  const carried = recSheet.add([w.carried, sheetDollars(BigInt(rec.carriedCents))]);
  carried.getCell(2).numFmt = USD_FORMAT;
  const tie = recSheet.add([w.ties, { formula: `IF(ROUND(B${src.number}+B${fees.number}+B${carried.number},2)=ROUND(B${sum.number},2),"${w.yes}","${w.no}")`, result: BigInt(rec.statementsTotalCents) === BigInt(rec.sourceTotalCents) + BigInt(rec.extraCents) + BigInt(rec.carriedCents) ? w.yes : w.no }]);
  tie.font = { bold: true };
  recSheet.add([]);
  styleHeaderRow(recSheet.add([w.check, w.result]));
  for (const c of rec.checks) recSheet.add([c.name, c.ok ? w.ok(c.actual) : w.failed(c.expected, c.actual)]);

  const unmapped = wb.sheet(m.summary.sheets.unmapped, {
    columns: [{ width: 48 }, { width: 48 }, { width: 8 }, { width: 22 }, { width: 30, numFmt: USD_FORMAT }],
    frozen: { ySplit: 1 },
  });
  const unmappedColumns = [...m.summary.unmapped];
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

  trendSheet(wb, allocation, ctx, m);
  engagementSheet(wb, ctx, m);

  // After the sheets finance reads first, so their order stays as it was.
  if (ctx.budgets && ctx.budgets.length > 0) budgetSheet(wb, ctx.budgets, m);
  if (ctx.adoption && ctx.adoption.length > 0) adoptionSheet(wb, ctx.adoption, m);
  return wb.bytes();
}

/** Billed per cost center over six months (earlier months as published), change on last month, and the biggest movers. */
function trendSheet(wb: WorkbookStream, allocation: Allocation, ctx: SummaryContext, m: Messages): void {
  const t9 = m.summary.trend;
  const months = trendPeriods(allocation.period);
  const ws = wb.sheet(m.summary.sheets.trend, {
    columns: [{ width: 16 }, { width: 32 }, ...months.map(() => ({ width: 15, numFmt: USD_FORMAT })), { width: 24, numFmt: USD_FORMAT }, { width: 11 }],
    frozen: { ySplit: 1, xSplit: 2 },
  });
  styleHeaderRow(ws.add([t9.code, t9.name, ...months.map((x) => t9.monthUsd(x)), t9.change, t9.changePercent]));
  const withTrend = ctx.statements.filter((s) => s.insights);
  for (const s of withTrend) {
    const t = s.insights!.trend;
    // A ratio, not money: a number the sheet formats as a percentage.
    const ratio = t.changeCents !== null && t.previousCents !== null && t.previousCents !== 0n ? Number(new Money(t.changeCents.toString()).dividedBy(t.previousCents.toString()).toDecimalPlaces(6).toFixed()) : '';
    const row = ws.add([s.code, s.name, ...t.points.map((p) => (p.cents === null ? t9.notPublished : sheetDollars(p.cents))), t.changeCents === null ? t9.notPublished : sheetDollars(t.changeCents), ratio]);
    row.getCell(months.length + 4).numFmt = '0.0%';
  }
  // Movers across the organization: each person's direct usage over all cost centers.
  const movers = new Map<string, { type: string; label: string; previous: bigint; current: bigint }>();
  for (const s of withTrend) {
    let types: Map<string, string> | null = null;
    for (const u of s.insights!.trend.users) {
      let e = movers.get(u.actorKey);
      if (!e) {
        types ??= new Map(s.users.map((x) => [x.actorKey, x.actorType]));
        e = { type: types.get(u.actorKey) ?? (u.actorKey.startsWith('user:') ? 'user_actor' : 'other'), label: u.label, previous: 0n, current: 0n };
        movers.set(u.actorKey, e);
      }
      e.previous += u.previousCents;
      e.current += u.currentCents;
    }
  }
  if (movers.size === 0) return;
  const list = [...movers].map(([key, x]) => ({ key, ...x, change: x.current - x.previous })).sort((a, b) => (a.change === b.change ? (a.key < b.key ? -1 : 1) : a.change > b.change ? -1 : 1));
  const biggest = [...list.filter((x) => x.change > 0n).slice(0, 10), ...list.filter((x) => x.change < 0n).reverse().slice(0, 10)];
  ws.add([]);
  styleHeaderRow(ws.add([t9.movers, t9.person, t9.monthUsd(months[months.length - 2]!), t9.monthUsd(months[months.length - 1]!), t9.moverChange]));
  for (const x of biggest) {
    const who = ctx.person(x.key, x.type, { id: x.key, email: '', name: x.label });
    const row = ws.add([x.change > 0n ? t9.up : t9.down, who.name, sheetDollars(x.previous), sheetDollars(x.current), sheetDollars(x.change)]);
    for (const c of [3, 4, 5]) row.getCell(c).numFmt = USD_FORMAT;
  }
}

/** Engagement per cost center and per person: counts, usage and cost per unit of work. */
function engagementSheet(wb: WorkbookStream, ctx: SummaryContext, m: Messages): void {
  const views = ctx.statements.filter((s) => s.insights?.engagement).map((s) => ({ s, e: s.insights!.engagement! }));
  if (views.length === 0) return;
  // "Row" tells a cost center's total from its people, so a pivot over the table can take either and never both.
  const headers = [...m.summary.engagement];
  const widths = [14, 18, 34, 10, 10, 13, 12, 13, 18, 14, 17, 16, 21];
  const ws = wb.sheet(m.summary.sheets.engagement, { columns: widths.map((width, i) => ({ width, ...(i >= 9 ? { numFmt: USD_FORMAT } : {}) })), frozen: { ySplit: 1 } });
  styleHeaderRow(ws.add(headers));
  const money = (c: bigint | null) => (c === null ? '' : sheetDollars(c));
  for (const { s, e } of views) {
    const line = (l: typeof e.total, kind: string, name: string) => [s.code, kind, name, l.sessions ?? '', l.commits, l.pullRequests, l.linesAdded, l.linesRemoved, l.conversations ?? '', sheetDollars(l.costCents), money(l.perSessionCents), money(l.perCommitCents), money(l.perPullRequestCents)];
    ws.add(line(e.total, m.summary.engagementRow.total, m.summary.engagementRow.totalName(s.name))).font = { bold: true };
    for (const l of e.lines) ws.add(line(l, m.summary.engagementRow.person, ctx.person(l.actorKey, 'user_actor', { id: l.actorKey, email: l.email ?? '', name: l.label }).name));
  }
  ws.table({ name: 'EngagementByCostCenter', headerRow: 1, columns: headers, dataRows: ws.rowCount - 1 });
}
