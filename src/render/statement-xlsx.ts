import { lastDay, parsePeriod } from '../core/period.js';
import type { EngagementView, Trend } from '../core/insights.js';
import { whatChanged, type Statement } from '../core/statements.js';
import { messagesFor, nameOf, type Messages } from '../i18n/messages.js';
import { Formatter } from './locale.js';
import type { LineQuantity } from '../core/usage.js';
import { addTotalRow, COUNT_FORMAT, DATE_FORMAT, DATE_TIME_FORMAT, PERCENT_FORMAT, sheetDate, sheetDecimal, sheetDollars, sheetRatio, styleHeaderRow, totalFormula, USD_FORMAT, WorkbookStream, type CellInput } from './spreadsheet.js';

/**
 * The department head's workbook: Summary (header facts and breakdowns), Users and (direct
 * statements) Lines, then Engagement and Trend.
 * Layout only: every number comes from the statement view model. Written row by row, so a
 * roll-up of hundreds of thousands of lines costs no more memory than a team's statement.
 */
export async function renderStatementXlsx(s: Statement, clock: Date, locale = 'en-GB'): Promise<Buffer> {
  const m = messagesFor(locale);
  const x = m.xlsx;
  const wb = new WorkbookStream(clock, m.pdf.documentTitle(s.kind === 'rollup', s.number), s.company);

  const summary = wb.sheet(x.sheets.summary, { columns: [{ width: 34 }, { width: 44 }, { width: 12 }], frozen: { ySplit: 1 } });
  styleHeaderRow(summary.add([s.kind === 'rollup' ? m.pdf.rollupStatement : m.pdf.chargebackStatement, s.number, '']));
  const f = new Formatter(locale);
  const facts: Array<[string, string | number, string?]> = [
    [x.facts.company, s.company],
    [x.facts.costCenter, `${s.code} \u2014 ${s.name}`],
    [x.facts.parent, s.parent ?? '\u2014'],
    [x.facts.owner, s.owner ? `${s.owner.name} <${s.owner.email}>` : x.facts.finance],
    [x.facts.period, x.facts.periodValue(f.month(s.periodLabel), s.periodStartIso.slice(0, 10), lastDay(parsePeriod(s.periodLabel)!))],
    [x.facts.status, m.pdf.status[s.status] ?? s.status],
    // Dates as dates (UTC), so a sheet can sort and compute with them.
    [x.facts.dataAsOf, s.dataAsOf ? sheetDate(s.dataAsOf) : x.facts.unknown, DATE_TIME_FORMAT],
    [x.facts.issued, sheetDate(s.issuedAt), DATE_TIME_FORMAT],
  ];
  for (const [k, v, format] of facts) {
    const row = summary.add([k, v]);
    row.getCell(1).font = { bold: true };
    if (format && typeof v === 'number') Object.assign(row.getCell(2), { numFmt: format, alignment: { horizontal: 'left' } });
  }
  // The total refers to the Charges table's total row (the first breakdown of the whole total),
  // else to direct usage: its row number is laid out here, before the rows are written.
  const totalAt = summary.rowCount + 1;
  const directRef = `B${totalAt + 1}`;
  const breakdownTotals: number[] = [];
  let next = totalAt + 2;
  for (const b of s.breakdowns) {
    next += 2; // a blank row, the header
    breakdownTotals.push(next + b.rows.length);
    next += b.rows.length + 1;
  }
  const charges = s.breakdowns.findIndex((b) => b.of === 'total');
  const totalRow = summary.add([x.facts.total, totalFormula(charges >= 0 ? `B${breakdownTotals[charges]}` : directRef, s.totalCents)]);
  totalRow.font = { bold: true, size: 13 };
  totalRow.getCell(2).numFmt = USD_FORMAT;
  totalRow.getCell(2).alignment = { horizontal: 'left' };
  const totalRef = `B${totalRow.number}`;
  // Direct usage is a formula over the Users sheet's total row, cached with the computed amount.
  // The sum of the Users table's amounts, not its totals row (which a filter changes).
  const directRow = summary.add([x.facts.directUsage, s.users.length > 0 ? totalFormula(`SUM('${x.sheets.users}'!F2:F${s.users.length + 1})`, s.directCents) : sheetDollars(s.directCents)]);
  directRow.getCell(2).numFmt = USD_FORMAT;
  directRow.getCell(2).alignment = { horizontal: 'left' };

  s.breakdowns.forEach((b, i) => {
    summary.add([]);
    const h = summary.add([Object.hasOwn(m.titles, b.title) ? m.titles[b.title]! : b.title, x.breakdown.amount, x.breakdown.share]);
    styleHeaderRow(h);
    const first = h.number + 1;
    const whole = b.of === 'total' ? s.totalCents : s.directCents;
    for (const r of b.rows) {
      const row = summary.add([Object.hasOwn(m.none, r.label) ? m.none[r.label]! : r.label, sheetDollars(r.cents), sheetRatio(r.cents, whole)]);
      row.getCell(2).numFmt = USD_FORMAT;
      row.getCell(3).numFmt = PERCENT_FORMAT;
    }
    const last = first + b.rows.length - 1;
    const sum = b.rows.reduce((acc, r) => acc + r.cents, 0n);
    const [ref, expected, word] = b.of === 'total' ? [totalRef, s.totalCents, x.breakdown.tiesToTotal] : [directRef, s.directCents, x.breakdown.tiesToDirect];
    // Compared in cents: sums of dollars in binary floating point need not be equal to the last bit.
    const t = summary.add([x.breakdown.total, b.rows.length > 0 ? totalFormula(`SUM(B${first}:B${last})`, sum) : sheetDollars(sum), { formula: `IF(ROUND(${ref},2)=ROUND(B${last + 1},2),"${word}","${x.breakdown.check}")`, result: sum === expected ? word : x.breakdown.check }]);
    if (t.number !== breakdownTotals[i]) throw new Error(`statement ${s.number}: breakdown total laid out at row ${breakdownTotals[i]}, written at ${t.number}`);
    t.font = { bold: true };
    t.getCell(2).numFmt = USD_FORMAT;
  });
  summary.add([]);
  for (const note of s.notes) {
    const row = summary.add([x.facts.method, note]);
    row.getCell(2).alignment = { wrapText: true, vertical: 'top' };
    row.getCell(1).alignment = { vertical: 'top' };
  }

  const users = wb.sheet(x.sheets.users, {
    columns: [{ width: 14 }, { width: 32 }, { width: 36 }, { width: 22 }, { width: 34 }, { width: 16, numFmt: USD_FORMAT }, { width: 20 }],
    frozen: { ySplit: 1 },
    printList: true,
  });
  const userColumns = [...x.users];
  styleHeaderRow(users.add(userColumns));
  for (const u of s.users) users.add([u.costCenter, u.label, u.email ?? '', u.actorType, u.actorId, sheetDollars(u.cents), sheetRatio(u.cents, s.directCents)]).getCell(7).numFmt = PERCENT_FORMAT;
  if (s.users.length > 0) users.table({ name: 'Spenders', headerRow: 1, columns: userColumns, dataRows: s.users.length, totals: [{ column: 6, cents: s.directCents }] });
  else addTotalRow(users, 6, 0, s.directCents);

  // A roll-up's lines are its direct statements' (each one's Lines sheet), not repeated at every level above.
  if (s.kind === 'direct') linesSheet(wb, s, m, (c) => f.money(c));
  if (s.insights?.engagement) engagementSheet(wb, s.insights.engagement, m);
  if (s.insights) trendSheet(wb, s.insights.trend, m);
  return wb.bytes();
}

/** A charge line's label in the workbook's language: pool shares, seats, markup, carried adjustments. */
function chargeLabel(m: Messages, c: Statement['chargeLines'][number], money: (cents: bigint) => string): string {
  if (c.lineType === 'pool_share') return m.xlsx.chargeLabel.pool(c.pool ?? c.label);
  if (c.lineType === 'seats') return m.xlsx.chargeLabel.seats;
  if (c.lineType === 'markup') return m.xlsx.chargeLabel.markup;
  return `${m.xlsx.chargeLabel.carried(c.reference ?? c.label)}${whatChanged(c.reasons ?? [], m, money)}`;
}

/** Every charge line of the statement, usage and the rest, as one table that adds up to its total (the English column names; the workbook writes its language's). */
export const LINE_COLUMNS = [
  'Statement', 'Line type', 'Cost center', 'Person or spender', 'E-mail', 'Actor id', 'Product', 'Product code', 'Model', 'Context window', 'Cost type',
  'Period start', 'Period end', 'Unrounded (cents)', 'Amount (USD)', 'Share of statement', 'Raw row', 'Rule',
  'Input tokens', 'Cache write tokens', 'Cache read tokens', 'Output tokens', 'Requests', 'Web searches',
] as const;

/** A line's quantities as cells (numbers; empty where the line has none). */
function quantityCells(q: LineQuantity | null | undefined): CellInput[] {
  if (!q) return [null, null, null, null, null, null];
  if (q.measure === 'web_search') return [null, null, null, null, null, Number(q.webSearches)];
  if (q.measure === 'code_execution') return [null, null, null, null, Number(q.requests), null];
  return [Number(q.uncachedInput), Number(q.cacheWrite), Number(q.cacheRead), Number(q.output), Number(q.requests), null];
}

function linesSheet(wb: WorkbookStream, s: Statement, m: Messages, money: (cents: bigint) => string): void {
  const x = m.xlsx;
  const widths = [26, 18, 14, 30, 34, 32, 26, 16, 22, 16, 16, 12, 12, 18, 16, 12, 26, 44, 14, 14, 14, 14, 12, 12];
  const formats: Record<number, string> = { 12: DATE_FORMAT, 13: DATE_FORMAT, 15: USD_FORMAT, 16: PERCENT_FORMAT, 19: COUNT_FORMAT, 20: COUNT_FORMAT, 21: COUNT_FORMAT, 22: COUNT_FORMAT, 23: COUNT_FORMAT, 24: COUNT_FORMAT };
  const lines = wb.sheet(x.sheets.lines, { columns: widths.map((width, i) => ({ width, ...(formats[i + 1] ? { numFmt: formats[i + 1] } : {}) })), frozen: { ySplit: 1 }, printList: true });
  styleHeaderRow(lines.add([...x.lines]));
  const start = sheetDate(s.periodStartIso.slice(0, 10));
  const end = sheetDate(lastDay(parsePeriod(s.periodLabel)!));
  let sum = 0n;
  for (const l of s.lines) {
    sum += l.cents;
    // An empty field is an empty cell (null), not empty text, so a pivot shows it as blank.
    lines.add([s.number, 'usage', l.costCenter, l.label, l.email || null, l.actorId, l.product ? nameOf(m, 'product', l.product) : null, l.product || null, l.model || null, l.contextWindow || null, l.costType || null, start, end, sheetDecimal(l.unroundedCents), sheetDollars(l.cents), sheetRatio(l.cents, s.totalCents), l.rawRow, l.rule, ...quantityCells(l.quantity)]);
  }
  for (const c of s.chargeLines) {
    sum += c.cents;
    // A carried adjustment is dated to the month it corrects (as in focus.csv).
    const corrected = c.period ? parsePeriod(c.period) : null;
    const from = corrected ? sheetDate(corrected.startIso.slice(0, 10)) : start;
    const to = corrected ? sheetDate(lastDay(corrected)) : end;
    const row: CellInput[] = [s.number, c.lineType, s.code, chargeLabel(m, c, money), null, null, null, null, null, null, null, from, to, null, sheetDollars(c.cents), sheetRatio(c.cents, s.totalCents), null, c.rule, ...quantityCells(null)];
    lines.add(row);
  }
  if (sum !== s.totalCents) throw new Error(`statement ${s.number}: its lines add up to ${sum} cents, its total is ${s.totalCents}`);
  lines.table({ name: 'ChargeLines', headerRow: 1, columns: x.lines, dataRows: s.lines.length + s.chargeLines.length, totals: [{ column: 15, cents: s.totalCents }] });
}

const rate = (cents: bigint | null) => (cents === null ? '' : sheetDollars(cents));

/** Counts per person with SUM totals; cost per unit of work as computed for the PDF. */
function engagementSheet(wb: WorkbookStream, e: EngagementView, m: Messages): void {
  const headers = [...m.xlsx.engagement];
  const widths = [14, 30, 34, 10, 10, 13, 12, 13, 18, 14, 17, 16, 21];
  const ws = wb.sheet(m.xlsx.sheets.engagement, { columns: widths.map((width, i) => ({ width, ...(i >= 9 ? { numFmt: USD_FORMAT } : {}) })), frozen: { ySplit: 1 }, printList: true });
  styleHeaderRow(ws.add(headers));
  for (const l of e.lines) ws.add([l.costCenter, l.label, l.email ?? '', l.sessions ?? '', l.commits, l.pullRequests, l.linesAdded, l.linesRemoved, l.conversations ?? '', sheetDollars(l.costCents), rate(l.perSessionCents), rate(l.perCommitCents), rate(l.perPullRequestCents)]);
  const n = e.lines.length;
  const t = e.total;
  // The people are a table; the totals (sums, and rates of the sums) sit under it, outside, after a blank row.
  ws.table({ name: 'EngagementByPerson', headerRow: 1, columns: headers, dataRows: n });
  ws.add([]);
  const sum = (col: string, value: number) => ({ formula: `SUM(${col}2:${col}${n + 1})`, result: value });
  const total = ws.add([m.xlsx.engagementTotal, '', '', t.sessions === null ? '' : sum('D', t.sessions), sum('E', t.commits), sum('F', t.pullRequests), sum('G', t.linesAdded), sum('H', t.linesRemoved), t.conversations === null ? '' : sum('I', t.conversations), totalFormula(`SUM(J2:J${n + 1})`, t.costCents), rate(t.perSessionCents), rate(t.perCommitCents), rate(t.perPullRequestCents)]);
  total.font = { bold: true };
  if (n === 0) ws.filter(1);
  if (e.range) ws.add([m.xlsx.activity(e.range.from, e.range.to, e.range.partial)]);
}

/** Six months billed (earlier months as published) and each person's change on last month. */
function trendSheet(wb: WorkbookStream, t: Trend, m: Messages): void {
  const w = m.xlsx.trend;
  const ws = wb.sheet(m.xlsx.sheets.trend, { columns: [{ width: 34 }, { width: 18 }, { width: 18 }, { width: 18 }] });
  styleHeaderRow(ws.add([w.month, w.charges, w.change, '']));
  t.points.forEach((p, i) => {
    const before = i > 0 ? t.points[i - 1]!.cents : null;
    const row = ws.add([p.period, p.cents === null ? w.notPublished : sheetDollars(p.cents), p.cents !== null && before !== null ? sheetDollars(p.cents - before) : '']);
    for (const c of [2, 3]) row.getCell(c).numFmt = USD_FORMAT;
  });
  if (t.users.length === 0) return;
  ws.add([]);
  const months = t.points.slice(-2).map((p) => p.period);
  styleHeaderRow(ws.add([w.person, w.monthUsd(months[0]!), w.monthUsd(months[1]!), w.change]));
  for (const u of t.users) {
    const row = ws.add([u.label, sheetDollars(u.previousCents), sheetDollars(u.currentCents), sheetDollars(u.changeCents)]);
    for (const c of [2, 3, 4]) row.getCell(c).numFmt = USD_FORMAT;
  }
}
