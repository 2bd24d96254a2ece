import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/** Debian's system Python, where python3-openpyxl lives (not the python3 first on PATH). */
const SYSTEM_PYTHON = '/usr/bin/python3';

export interface XlsxCell {
  readonly ref: string;
  readonly value: string | boolean | { number: string } | null;
  readonly formula: string | null;
  readonly format: string;
}
export interface XlsxTable {
  readonly name: string;
  readonly ref: string;
  readonly style: string | null;
  readonly headerRowCount: number;
  readonly totalsRowCount: number;
  readonly columns: readonly string[];
}
export interface XlsxSheet {
  readonly name: string;
  readonly freeze: string | null;
  readonly autofilter: string | null;
  readonly tables: readonly XlsxTable[];
  readonly cells: readonly XlsxCell[];
}

export function readXlsx(path: string): XlsxSheet[] {
  const json = execFileSync(SYSTEM_PYTHON, [join(ROOT, 'test', 'helpers', 'read_xlsx.py'), path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return (JSON.parse(json) as { sheets: XlsxSheet[] }).sheets;
}

export function pdfText(path: string): string {
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });
}

export function qpdfCheck(path: string): string {
  return execFileSync('qpdf', ['--check', path], { encoding: 'utf8' });
}

/** "$1,234.56" → 123456n */
export function dollarsToCents(text: string): bigint {
  const m = /^(-?)\$([\d,]+)\.(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`not a dollar amount: ${text}`);
  return (m[1] ? -1n : 1n) * (BigInt(m[2]!.replace(/,/g, '')) * 100n + BigInt(m[3]!));
}

/** A cached numeric cell ("412.8") → cents, exactly. */
export function cellCents(cell: XlsxCell | undefined): bigint {
  if (!cell || typeof cell.value !== 'object' || cell.value === null || !('number' in cell.value)) throw new Error(`not a number cell: ${JSON.stringify(cell)}`);
  const [whole, frac = ''] = cell.value.number.split('.');
  if (frac.length > 2) throw new Error(`more than two decimals: ${cell.value.number}`);
  const negative = whole!.startsWith('-');
  const cents = BigInt(whole!.replace('-', '')) * 100n + BigInt(frac.padEnd(2, '0'));
  return negative ? -cents : cents;
}

export function cellAt(sheet: XlsxSheet, ref: string): XlsxCell | undefined {
  return sheet.cells.find((c) => c.ref === ref);
}

/** The cell right of the first cell whose value is `label`. */
export function valueRightOf(sheet: XlsxSheet, label: string, columnsRight = 1): XlsxCell | undefined {
  const at = sheet.cells.find((c) => c.value === label);
  if (!at) return undefined;
  const m = /^([A-Z]+)(\d+)$/.exec(at.ref)!;
  const col = String.fromCharCode(m[1]!.charCodeAt(0) + columnsRight);
  return cellAt(sheet, `${col}${m[2]}`);
}

/** A minimal RFC 4180 line reader for the tests (quoted fields with doubled quotes). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') (v += '"'), (i += 2);
        else if (line[i] === '"') break;
        else v += line[i++];
      }
      out.push(v);
      i += 2;
    } else {
      const end = line.indexOf(',', i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return out;
}

/** A CSV file (CRLF lines, a header row) as one record per row, by column name. */
export function readCsv(path: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\r\n');
  const names = parseCsvLine(header!);
  return lines.map((line) => {
    const fields = parseCsvLine(line);
    return Object.fromEntries(names.map((n, k) => [n, fields[k] ?? '']));
  });
}
