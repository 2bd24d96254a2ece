import ExcelJS from 'exceljs';
import type { Allocation } from '../core/allocate.js';
import { UNALLOCATED } from '../core/directory.js';
import { decimalText } from '../core/money.js';
import type { Reconciliation } from '../core/reconcile.js';
import type { DocumentStatus } from '../core/statements.js';
import { periodTitle } from '../core/statements.js';
import { summaryRows } from '../core/summary.js';
import { addTotalRow, workbookBytes, setWorkbookProperties, sheetDollars, styleHeaderRow, totalFormula, USD_FORMAT } from './spreadsheet.js';

export interface SummaryContext {
  readonly company: string;
  readonly status: DocumentStatus;
  readonly dataAsOf: string | null;
  readonly issuedAt: string;
}

/** Finance's workbook: every cost center with roll-ups, the reconciliation, unmapped spenders. */
export async function renderSummaryXlsx(allocation: Allocation, rec: Reconciliation, ctx: SummaryContext, clock: Date): Promise<Buffer> {
  const p = allocation.period;
  const wb = new ExcelJS.Workbook();
  setWorkbookProperties(wb, clock, `Chargeback summary ${p.label}`, ctx.company);

  const cc = wb.addWorksheet('Cost centers', { views: [{ state: 'frozen', ySplit: 1 }] });
  cc.columns = [
    { header: 'Code', width: 16 },
    { header: 'Name', width: 34 },
    { header: 'Parent', width: 12 },
    { header: 'Level', width: 7 },
    { header: 'Owner', width: 28 },
    { header: 'Owner e-mail', width: 34 },
    { header: 'GL account', width: 11 },
    { header: 'Statement total (USD)', width: 22, style: { numFmt: USD_FORMAT } },
    { header: 'of which shared, seats, markup (USD)', width: 32, style: { numFmt: USD_FORMAT } },
    { header: 'Roll-up incl. children (USD)', width: 26, style: { numFmt: USD_FORMAT } },
    { header: 'Statement', width: 26 },
  ];
  styleHeaderRow(cc.getRow(1));
  const rows = summaryRows(allocation);
  for (const r of rows) {
    const row = cc.addRow([r.code, `${'  '.repeat(r.level)}${r.name}`, r.parent ?? '', r.level, r.ownerName, r.ownerEmail, r.glAccount, sheetDollars(r.totalCents), sheetDollars(r.sharedCents), sheetDollars(r.rollupCents), r.statementNumber ?? '']);
    if (r.level === 0) row.font = { bold: true };
  }
  addTotalRow(cc, 8, rows.length, rows.reduce((a, r) => a + r.totalCents, 0n));
  const statementsTotalRef = `'Cost centers'!H${rows.length + 2}`;

  const recSheet = wb.addWorksheet('Reconciliation');
  recSheet.columns = [{ width: 64 }, { width: 30 }];
  styleHeaderRow(recSheet.addRow([`Reconciliation ${periodTitle(p.year, p.month)} (${ctx.status})`, 'Value']));
  const facts: Array<[string, string | number | ExcelJS.CellFormulaValue]> = [
    ['Company', ctx.company],
    ['Period (UTC)', `${p.startIso} to ${p.endExclusiveIso} (end exclusive)`],
    ['Data as of (provider data_refreshed_at)', ctx.dataAsOf ?? 'unknown'],
    ['Issued', ctx.issuedAt],
    ['Source rows', allocation.rowCount],
    ['Source total, unrounded (cents)', rec.sourceTotalUnroundedCents],
    ['Org total without group_by, unrounded (cents)', rec.orgTotalUnroundedCents ?? 'not fetched'],
    ['Org total minus grouped rows (cents)', rec.orgTotalDifferenceCents ?? 'not fetched'],
    ['Charges on top: fixed pools, seats, markup (cents)', rec.extraCents],
  ];
  for (const [k, v] of facts) recSheet.addRow([k, v]).getCell(1).font = { bold: true };
  const src = recSheet.addRow(['Source total, rounded once (USD)', sheetDollars(allocation.sourceTotalCents)]);
  src.getCell(2).numFmt = USD_FORMAT;
  const sum = recSheet.addRow(['Sum of all statements incl. UNALLOCATED (USD)', totalFormula(statementsTotalRef, BigInt(rec.statementsTotalCents))]);
  sum.getCell(2).numFmt = USD_FORMAT;
  const un = recSheet.addRow(['of which UNALLOCATED (USD)', sheetDollars(BigInt(rec.unallocatedCents))]);
  un.getCell(2).numFmt = USD_FORMAT;
  const fees = recSheet.addRow(['Charges on top: fixed pools, seats, markup (USD)', sheetDollars(BigInt(rec.extraCents))]);
  fees.getCell(2).numFmt = USD_FORMAT;
  const carried = recSheet.addRow(['Adjustments of earlier months carried (USD)', sheetDollars(BigInt(rec.carriedCents))]);
  carried.getCell(2).numFmt = USD_FORMAT;
  const tie = recSheet.addRow(['Statements tie to the source total plus charges on top', { formula: `IF(B${src.number}+B${fees.number}+B${carried.number}=B${sum.number},"yes","NO")`, result: BigInt(rec.statementsTotalCents) === BigInt(rec.sourceTotalCents) + BigInt(rec.extraCents) + BigInt(rec.carriedCents) ? 'yes' : 'NO' }]);
  tie.font = { bold: true };
  recSheet.addRow([]);
  styleHeaderRow(recSheet.addRow(['Check', 'Result']));
  for (const c of rec.checks) recSheet.addRow([c.name, c.ok ? `ok (${c.actual})` : `FAILED: expected ${c.expected}, found ${c.actual}`]);

  const unmapped = wb.addWorksheet('Unmapped', { views: [{ state: 'frozen', ySplit: 1 }] });
  unmapped.columns = [
    { header: 'Spender', width: 48 },
    { header: 'Actor key', width: 48 },
    { header: 'Rows', width: 8 },
    { header: 'Unrounded (cents)', width: 22 },
    { header: 'Billed under UNALLOCATED (USD)', width: 30, style: { numFmt: USD_FORMAT } },
  ];
  styleHeaderRow(unmapped.getRow(1));
  const unallocated = allocation.costCenters.find((c) => c.code === UNALLOCATED);
  const billed = new Map(unallocated?.actors.map((a) => [a.actorKey, a.billedCents]) ?? []);
  for (const u of allocation.unmapped) unmapped.addRow([u.label, u.actorKey, u.rowCount, decimalText(u.unroundedCents), sheetDollars(billed.get(u.actorKey) ?? 0n)]);
  addTotalRow(unmapped, 5, allocation.unmapped.length, unallocated?.directCents ?? 0n);

  return workbookBytes(wb, clock);
}
