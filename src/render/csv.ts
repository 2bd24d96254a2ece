import { neutralizeText } from './neutralize.js';

/** RFC 4180 CSV: fields quoted when needed, CRLF line ends, UTF-8 without BOM; never a formula. */
export function csvField(raw: string): string {
  const value = neutralizeText(raw);
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly string[]>): Buffer {
  const lines = [header, ...rows].map((r) => r.map(csvField).join(','));
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}
