import { neutralizeText } from './neutralize.js';

/** RFC 4180 CSV: fields quoted when needed, CRLF line ends, UTF-8 without BOM; never a formula. */
export function csvField(raw: string): string {
  const value = neutralizeText(raw);
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV record with its line end. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly string[]>): Buffer {
  return Buffer.from([header, ...rows].map(csvLine).join(''), 'utf8');
}
