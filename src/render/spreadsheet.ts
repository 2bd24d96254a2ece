import type ExcelJS from 'exceljs';
import { unzipSync, zipSync } from 'fflate';
import { centsToDollarText, Money } from '../core/money.js';
import { utcFields } from '../core/period.js';
import { neutralizeText } from './neutralize.js';

export const USD_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00';
export const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F3A5F' } };
export const HEADER_FONT: Partial<ExcelJS.Font> = { bold: true, color: { argb: 'FFFFFFFF' } };

/**
 * The one place where an amount becomes a JS number: a spreadsheet cell can only hold a
 * double. Dollars with two decimals up to 2^53 cents survive the trip exactly as decimal text;
 * we check that they do, so no value is ever silently changed.
 */
export function sheetDollars(cents: bigint): number {
  const text = centsToDollarText(cents);
  const value = Number(text);
  if (!new Money(String(value)).equals(new Money(text))) throw new Error(`amount ${text} cannot be written exactly to a spreadsheet`);
  return value;
}

export function styleHeaderRow(row: ExcelJS.Row): void {
  row.font = HEADER_FONT;
  row.fill = HEADER_FILL;
  row.alignment = { vertical: 'middle' };
}

/** A cell formula whose cached value is the computed total, so readers without a calc engine agree. */
export function totalFormula(formula: string, cents: bigint): ExcelJS.CellFormulaValue {
  return { formula, result: sheetDollars(cents), date1904: false };
}

/**
 * exceljs stamps zip entries with the wall clock; re-pack them with the run's clock so the same
 * inputs give byte-identical workbooks.
 */
/** Every text cell of the workbook through the formula-injection guard; numbers and formulas are left alone. */
export function neutralizeWorkbook(wb: ExcelJS.Workbook): void {
  wb.eachSheet((ws) => {
    ws.eachRow({ includeEmpty: false }, (row) => {
      row.eachCell({ includeEmpty: false }, (cell) => {
        if (typeof cell.value === 'string') cell.value = neutralizeText(cell.value);
      });
    });
  });
}

/** The workbook's bytes: text neutralized, zip entries stamped with the run's clock. */
export async function workbookBytes(wb: ExcelJS.Workbook, clock: Date): Promise<Buffer> {
  neutralizeWorkbook(wb);
  // Stored, not deflated: the entries are compressed once, when they are re-packed below.
  const buffer = await wb.xlsx.writeBuffer({ zip: { compression: 'STORE' } });
  return deterministicZip(new Uint8Array(buffer as ArrayBuffer), clock);
}

export function deterministicZip(bytes: Uint8Array, clock: Date): Buffer {
  const mtime = zipTime(clock);
  const files = unzipSync(bytes);
  const names = Object.keys(files).sort((a, b) => (a === '[Content_Types].xml' ? -1 : b === '[Content_Types].xml' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const ordered: Record<string, [Uint8Array, { mtime: Date; level: 6 }]> = {};
  for (const name of names) ordered[name] = [files[name]!, { mtime, level: 6 }];
  return Buffer.from(zipSync(ordered));
}

/**
 * Zip entries store a local date and time without a zone, and fflate reads the Date's local
 * fields. Build a Date whose local fields are the clock's UTC fields, so the bytes do not depend
 * on TZ. Should that local time not exist (a daylight-saving gap), use noon of the same day.
 */
export function zipTime(clock: Date): Date {
  const u = utcFields(clock.getTime());
  // Date's local constructor takes a zero-based month.
  const local = new Date(u.year, u.month - 1, u.day, u.hour, u.minute, u.second);
  if (local.getHours() === u.hour && local.getMinutes() === u.minute && local.getDate() === u.day) return local;
  return new Date(u.year, u.month - 1, u.day, 12, 0, 0);
}

export function setWorkbookProperties(wb: ExcelJS.Workbook, clock: Date, title: string, company: string): void {
  wb.creator = 'claude-chargeback';
  wb.lastModifiedBy = 'claude-chargeback';
  wb.created = clock;
  wb.modified = clock;
  wb.title = title;
  wb.company = company;
}

export function columnLetter(index1: number): string {
  let n = index1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Autofilter over the data, then a bold total row whose formula sums the amount column. */
export function addTotalRow(ws: ExcelJS.Worksheet, amountColumn: number, dataRows: number, totalCents: bigint): void {
  const lastCol = ws.columnCount;
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, dataRows + 1), column: lastCol } };
  const letter = columnLetter(amountColumn);
  const values: unknown[] = Array.from({ length: lastCol }, () => null);
  values[0] = 'Total';
  values[amountColumn - 1] = totalFormula(`SUM(${letter}2:${letter}${dataRows + 1})`, totalCents);
  const row = ws.addRow(values);
  row.font = { bold: true };
  row.getCell(amountColumn).numFmt = USD_FORMAT;
}
