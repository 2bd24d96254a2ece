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

/**
 * Reads RFC 4180 CSV as written by toCsv: records by column name (header first), quoted fields
 * with doubled quotes and line breaks, and the apostrophe toCsv put before formula-like text
 * taken off again, so a record read back and written again gives the same bytes.
 */
export function parseCsv(text: string): Array<Record<string, string>> {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    record.push(field.startsWith("'") && neutralizeText(field.slice(1)) === field ? field.slice(1) : field);
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), i++;
      else (field += c), i++;
    } else if (c === '"') (quoted = true), i++;
    else if (c === ',') endField(), i++;
    else if (c === '\r' && text[i + 1] === '\n') {
      endField();
      records.push(record);
      record = [];
      i += 2;
    } else (field += c), i++;
  }
  if (field !== '' || record.length > 0) {
    endField();
    records.push(record);
  }
  const [header, ...rows] = records;
  return rows.map((r) => Object.fromEntries((header ?? []).map((name, k) => [name, r[k] ?? ''])));
}
