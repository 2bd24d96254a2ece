import ExcelJS from 'exceljs';
import type { EngagementView, Trend } from '../core/insights.js';
import type { Statement } from '../core/statements.js';
import { addTotalRow, workbookBytes, setWorkbookProperties, sheetDollars, styleHeaderRow, totalFormula, USD_FORMAT } from './spreadsheet.js';

/** A long sheet printed: landscape, its header row repeated on every page. */
const LIST_PRINT: Partial<ExcelJS.PageSetup> = { orientation: 'landscape', printTitlesRow: '1:1' };

/**
 * The department head's workbook: Summary (header facts and breakdowns), Users and Lines.
 * Layout only: every number comes from the statement view model.
 */
export async function renderStatementXlsx(s: Statement, clock: Date): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  setWorkbookProperties(wb, clock, `${s.kind === 'rollup' ? 'Roll-up statement' : 'Chargeback statement'} ${s.number}`, s.company);

  const summary = wb.addWorksheet('Summary', { views: [{ state: 'frozen', ySplit: 1 }] });
  summary.columns = [{ width: 34 }, { width: 44 }, { width: 12 }];
  const head = summary.addRow([s.kind === 'rollup' ? 'Roll-up statement' : 'Chargeback statement', s.number, '']);
  styleHeaderRow(head);
  const facts: Array<[string, string]> = [
    ['Company', s.company],
    ['Cost center', `${s.code} \u2014 ${s.name}`],
    ['Parent cost center', s.parent ?? '\u2014'],
    ['Owner', s.owner ? `${s.owner.name} <${s.owner.email}>` : '\u2014 (finance reviews unallocated spend)'],
    ['Period (UTC)', `${s.periodTitle}: ${s.periodStartIso} to ${s.periodEndExclusiveIso} (end exclusive)`],
    ['Status', s.status],
    ['Data as of', s.dataAsOf ?? 'unknown'],
    ['Issued', s.issuedAt],
  ];
  for (const [k, v] of facts) summary.addRow([k, v]).getCell(1).font = { bold: true };
  // A formula once the table it sums is laid out (below): the Charges total, else direct usage.
  const totalRow = summary.addRow(['Total (USD)', null]);
  totalRow.font = { bold: true, size: 13 };
  totalRow.getCell(2).numFmt = USD_FORMAT;
  totalRow.getCell(2).alignment = { horizontal: 'left' };
  const totalRef = `B${totalRow.number}`;
  // Direct usage is a formula over the Users sheet's total row, cached with the computed amount.
  const directRow = summary.addRow(['Direct usage (USD)', totalFormula(`Users!F${s.users.length + 2}`, s.directCents)]);
  directRow.getCell(2).numFmt = USD_FORMAT;
  directRow.getCell(2).alignment = { horizontal: 'left' };
  const directRef = `B${directRow.number}`;

  for (const b of s.breakdowns) {
    summary.addRow([]);
    const h = summary.addRow([b.title, 'Amount (USD)', 'Share']);
    styleHeaderRow(h);
    const first = h.number + 1;
    for (const r of b.rows) {
      const row = summary.addRow([r.label, sheetDollars(r.cents), r.share]);
      row.getCell(2).numFmt = USD_FORMAT;
    }
    const last = first + b.rows.length - 1;
    const sum = b.rows.reduce((acc, r) => acc + r.cents, 0n);
    const [ref, expected, word] = b.of === 'total' ? [totalRef, s.totalCents, 'total'] : [directRef, s.directCents, 'direct usage'];
    const t = summary.addRow(['Total', totalFormula(`SUM(B${first}:B${last})`, sum), { formula: `IF(${ref}=B${last + 1},"ties to ${word}","CHECK")`, result: sum === expected ? `ties to ${word}` : 'CHECK' }]);
    t.font = { bold: true };
    t.getCell(2).numFmt = USD_FORMAT;
    if (b.of === 'total' && totalRow.getCell(2).value === null) totalRow.getCell(2).value = totalFormula(`B${t.number}`, s.totalCents);
  }
  if (totalRow.getCell(2).value === null) totalRow.getCell(2).value = totalFormula(directRef, s.totalCents);
  summary.addRow([]);
  for (const note of s.notes) {
    const row = summary.addRow(['Method', note]);
    row.getCell(2).alignment = { wrapText: true, vertical: 'top' };
    row.getCell(1).alignment = { vertical: 'top' };
  }

  const users = wb.addWorksheet('Users', { views: [{ state: 'frozen', ySplit: 1 }], pageSetup: LIST_PRINT });
  users.columns = [
    { header: 'Cost center', width: 14 },
    { header: 'Name', width: 32 },
    { header: 'Email', width: 36 },
    { header: 'Actor type', width: 22 },
    { header: 'Actor id', width: 34 },
    { header: 'Amount (USD)', width: 16, style: { numFmt: USD_FORMAT } },
    { header: 'Share of department', width: 20 },
  ];
  styleHeaderRow(users.getRow(1));
  for (const u of s.users) users.addRow([u.costCenter, u.label, u.email ?? '', u.actorType, u.actorId, sheetDollars(u.cents), u.share]);
  addTotalRow(users, 6, s.users.length, s.directCents);

  const lines = wb.addWorksheet('Lines', { views: [{ state: 'frozen', ySplit: 1 }], pageSetup: LIST_PRINT });
  const lineHeaders = ['Cost center', 'Name', 'Email', 'Actor id', 'Product', 'Model', 'Context window', 'Cost type', 'Unrounded (cents)', 'Amount (USD)', 'Mapped by'];
  lines.columns = lineHeaders.map((header, i) => ({ header, width: [14, 30, 34, 32, 16, 22, 16, 16, 22, 16, 44][i] }));
  styleHeaderRow(lines.getRow(1));
  for (const l of s.lines) {
    const row = lines.addRow([l.costCenter, l.label, l.email ?? '', l.actorId, l.product, l.model, l.contextWindow, l.costType, l.unroundedCents, sheetDollars(l.cents), l.rule]);
    row.getCell(10).numFmt = USD_FORMAT;
  }
  addTotalRow(lines, 10, s.lines.length, s.directCents);

  if (s.insights?.engagement) engagementSheet(wb, s.insights.engagement);
  if (s.insights) trendSheet(wb, s.insights.trend);
  return workbookBytes(wb, clock);
}

const rate = (cents: bigint | null) => (cents === null ? '' : sheetDollars(cents));

/** Counts per person with SUM totals; cost per unit of work as computed for the PDF. */
function engagementSheet(wb: ExcelJS.Workbook, e: EngagementView): void {
  const ws = wb.addWorksheet('Engagement', { views: [{ state: 'frozen', ySplit: 1 }], pageSetup: LIST_PRINT });
  const headers = ['Cost center', 'Person', 'E-mail', 'Sessions', 'Commits', 'Pull requests', 'Lines added', 'Lines removed', 'Chat conversations', 'Usage (USD)', 'Per session (USD)', 'Per commit (USD)', 'Per pull request (USD)'];
  ws.columns = headers.map((header, i) => ({ header, width: [14, 30, 34, 10, 10, 13, 12, 13, 18, 14, 17, 16, 21][i], ...(i >= 9 ? { style: { numFmt: USD_FORMAT } } : {}) }));
  styleHeaderRow(ws.getRow(1));
  for (const l of e.lines) ws.addRow([l.costCenter, l.label, l.email ?? '', l.sessions ?? '', l.commits, l.pullRequests, l.linesAdded, l.linesRemoved, l.conversations ?? '', sheetDollars(l.costCents), rate(l.perSessionCents), rate(l.perCommitCents), rate(l.perPullRequestCents)]);
  const n = e.lines.length;
  const t = e.total;
  const sum = (col: string, value: number) => ({ formula: `SUM(${col}2:${col}${n + 1})`, result: value });
  const total = ws.addRow(['Total', '', '', t.sessions === null ? '' : sum('D', t.sessions), sum('E', t.commits), sum('F', t.pullRequests), sum('G', t.linesAdded), sum('H', t.linesRemoved), t.conversations === null ? '' : sum('I', t.conversations), totalFormula(`SUM(J2:J${n + 1})`, t.costCents), rate(t.perSessionCents), rate(t.perCommitCents), rate(t.perPullRequestCents)]);
  total.font = { bold: true };
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, n + 1), column: headers.length } };
  if (e.range) ws.addRow([`Activity from ${e.range.from} to ${e.range.to}${e.range.partial ? ' (not the whole month: the provider\u2019s report did not reach its end yet)' : ''}`]);
}

/** Six months billed (earlier months as published) and each person's change on last month. */
function trendSheet(wb: ExcelJS.Workbook, t: Trend): void {
  const ws = wb.addWorksheet('Trend');
  ws.columns = [{ width: 34 }, { width: 18 }, { width: 18 }, { width: 18 }];
  styleHeaderRow(ws.addRow(['Month', 'Charges (USD)', 'Change (USD)', '']));
  t.points.forEach((p, i) => {
    const before = i > 0 ? t.points[i - 1]!.cents : null;
    const row = ws.addRow([p.period, p.cents === null ? 'not published' : sheetDollars(p.cents), p.cents !== null && before !== null ? sheetDollars(p.cents - before) : '']);
    for (const c of [2, 3]) row.getCell(c).numFmt = USD_FORMAT;
  });
  if (t.users.length === 0) return;
  ws.addRow([]);
  const months = t.points.slice(-2).map((p) => p.period);
  styleHeaderRow(ws.addRow(['Person or spender', `${months[0]} (USD)`, `${months[1]} (USD)`, 'Change (USD)']));
  for (const m of t.users) {
    const row = ws.addRow([m.label, sheetDollars(m.previousCents), sheetDollars(m.currentCents), sheetDollars(m.changeCents)]);
    for (const c of [2, 3, 4]) row.getCell(c).numFmt = USD_FORMAT;
  }
}
