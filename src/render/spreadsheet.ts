import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import ExcelJS from 'exceljs';
import { Deflate } from 'fflate';
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

/** A cell as the renderers give it. Text is guarded against formula injection on its way in. */
export type CellInput = string | number | ExcelJS.CellFormulaValue | null;

export interface SheetLayout {
  /** Column widths; a format applies to every cell of the column. */
  readonly columns: ReadonlyArray<{ readonly width: number; readonly numFmt?: string }>;
  /** The header row (and leading columns) kept in view when scrolling. */
  readonly frozen?: { readonly ySplit: number; readonly xSplit?: number };
  /** A long list: printed landscape with its header row repeated on every page. */
  readonly printList?: boolean;
}

/**
 * One sheet written row by row. Adding a row writes out the ones before it, so a row can be
 * styled until the next is added and then is gone from memory: a sheet of a million rows costs
 * no more than one of ten. Formulas must therefore refer to rows whose number is known when the
 * cell is written (the renderers compute totals first).
 */
export class SheetStream {
  private open: ExcelJS.Row | null = null;
  private rows = 0;

  constructor(private readonly ws: ExcelJS.Worksheet, readonly columnCount: number) {}

  /** The number of the last row added (0 before any). */
  get rowCount(): number {
    return this.rows;
  }

  /** Adds the next row: text through the formula-injection guard and written inline. */
  add(values: readonly CellInput[] = []): ExcelJS.Row {
    this.open?.commit();
    const row = this.ws.addRow(values.map(cell));
    this.open = row;
    this.rows = row.number;
    return row;
  }

  /** Autofilter over a header row and the data rows below it. */
  filter(lastRow: number, lastColumn = this.columnCount): void {
    this.ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, lastRow), column: lastColumn } };
  }

  /** Writes the rest of the sheet; nothing can be added after. */
  end(): void {
    this.open = null;
    this.ws.commit();
  }
}

/**
 * Inline text, guarded. exceljs's streaming writer would otherwise write text as a formula's
 * string result (t="str"); a one-run rich text is the spec's inline string (t="inlineStr"),
 * with leading spaces preserved. Shared strings are not used: their table grows with every
 * distinct name and e-mail of the sheet.
 */
function cell(value: CellInput): ExcelJS.CellValue {
  return typeof value === 'string' ? { richText: [{ text: neutralizeText(value) }] } : value;
}

/** Autofilter over the data, then a bold total row whose formula sums the amount column. */
export function addTotalRow(sheet: SheetStream, amountColumn: number, dataRows: number, totalCents: bigint): ExcelJS.Row {
  sheet.filter(dataRows + 1);
  const letter = columnLetter(amountColumn);
  const values: CellInput[] = Array.from({ length: sheet.columnCount }, () => null);
  values[0] = 'Total';
  values[amountColumn - 1] = totalFormula(`SUM(${letter}2:${letter}${dataRows + 1})`, totalCents);
  const row = sheet.add(values);
  row.font = { bold: true };
  row.getCell(amountColumn).numFmt = USD_FORMAT;
  return row;
}

/**
 * A workbook written as it is built, with exceljs's streaming writer: one sheet at a time, each
 * row compressed as it is written. Instead of exceljs's zip (entries stamped with the wall clock,
 * in the order they finish) the entries go to a zip of our own: deflated once, as they stream,
 * stamped with the run's clock and laid out in a fixed order, so the same inputs give
 * byte-identical workbooks.
 */
export class WorkbookStream {
  private readonly zip = new DeterministicZip();
  private readonly wb: ExcelJS.stream.xlsx.WorkbookWriter;
  private current: SheetStream | null = null;

  constructor(private readonly clock: Date, title: string, company: string) {
    // Its own zip (replaced below) stores, so the two parts it takes before that cost no compression.
    this.wb = new ExcelJS.stream.xlsx.WorkbookWriter({ useStyles: true, useSharedStrings: false, zip: { store: true } });
    const wb = this.wb as unknown as WriterInternals;
    for (const method of ['addThemes', 'addOfficeRels', 'addApp', '_openStream', '_finalize'] as const) {
      if (typeof wb[method] !== 'function' || wb.zip === undefined) throw new Error('unsupported exceljs version: its streaming workbook writer changed');
    }
    wb.creator = 'claude-chargeback';
    wb.lastModifiedBy = 'claude-chargeback';
    wb.created = clock;
    wb.modified = clock;
    wb.title = title;
    // The writer's own zip already holds the theme and package relations: write them again to ours.
    wb.zip = this.zip;
    wb.promise = Promise.all([wb.addThemes(), wb.addOfficeRels()]);
    // Sheets are written to us directly and synchronously: exceljs's own buffer stream holds each
    // chunk until the event loop turns, which a render loop never lets it do.
    wb._openStream = (path) => this.zip.open(path);
    // The streaming writer leaves the company out of docProps/app.xml; write it as the in-memory one does.
    wb.addApp = async () => this.zip.append(new AppXform().toXml({ worksheets: wb._worksheets.filter(Boolean), company }), { name: 'docProps/app.xml' });
    wb._finalize = async () => this.wb;
  }

  /** Starts the next sheet; the one before is written out. */
  sheet(name: string, layout: SheetLayout): SheetStream {
    this.current?.end();
    const ws = this.wb.addWorksheet(name, {
      views: layout.frozen ? [{ state: 'frozen', ySplit: layout.frozen.ySplit, ...(layout.frozen.xSplit ? { xSplit: layout.frozen.xSplit } : {}) }] : [],
      ...(layout.printList ? { pageSetup: { orientation: 'landscape', printTitlesRow: '1:1' } } : {}),
    });
    ws.columns = layout.columns.map((c) => ({ width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
    this.current = new SheetStream(ws, layout.columns.length);
    return this.current;
  }

  /** The workbook's bytes, once every sheet is complete. */
  async bytes(): Promise<Buffer> {
    this.current?.end();
    this.current = null;
    await this.wb.commit();
    return this.zip.bytes(this.clock);
  }
}

// exceljs's in-memory writer renders docProps/app.xml with this; the streaming one omits the company.
const AppXform = createRequire(import.meta.url)('exceljs/lib/xlsx/xform/core/app-xform.js') as new () => { toXml(model: unknown): string };

/** The streaming writer's parts we replace: its zip and the methods that would write to the one it made. */
interface WriterInternals {
  zip: unknown;
  promise: Promise<unknown>;
  creator: string;
  lastModifiedBy: string;
  created: Date;
  modified: Date;
  title: string;
  _worksheets: unknown[];
  addThemes(): Promise<void>;
  addOfficeRels(): Promise<void>;
  addApp(): Promise<void>;
  _openStream(path: string): PartStream;
  _finalize(): Promise<unknown>;
}

/** One zip entry, deflated as its bytes arrive. */
class ZipEntry {
  crc = 0;
  size = 0;
  compressedSize = 0;
  chunks: Uint8Array[] = [];
  done = false;
  private deflate: Deflate | null = new Deflate({ level: 6 }, (data, final) => {
    this.chunks.push(data);
    this.compressedSize += data.length;
    if (final) this.done = true;
  });

  write(data: Uint8Array, final: boolean): void {
    if (!this.deflate) throw new Error('workbook part written after its end');
    this.crc = crc32(data, this.crc);
    this.size += data.length;
    this.deflate.push(data, final);
    if (final) this.deflate = null;
  }
}

/**
 * What a worksheet writer writes to: text (its rows) and buffers (its own XML buffer, reused
 * after each write), gathered into pieces of about 64 KB and deflated at once.
 */
class PartStream extends EventEmitter {
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(private readonly entry: ZipEntry) {
    super();
  }

  write(data: string | Uint8Array | { toBuffer(): Uint8Array }): boolean {
    if (typeof data === 'string') {
      this.pending.push(data);
      this.pendingLength += data.length;
      if (this.pendingLength >= 65536) this.flush(false);
    } else {
      this.flush(false);
      this.entry.write(data instanceof Uint8Array ? data : data.toBuffer(), false);
    }
    return true;
  }

  end(): void {
    this.flush(true);
    this.emit('finish');
    // What the workbook writer waits for before it writes the package's other parts.
    this.emit('zipped');
  }

  /** The writer pauses a fresh stream so it does not emit data; this one never does. */
  pause(): void {}

  private flush(final: boolean): void {
    if (this.pendingLength > 0 || final) this.entry.write(Buffer.from(this.pending.join(''), 'utf8'), final);
    this.pending = [];
    this.pendingLength = 0;
  }
}

/**
 * Receives exceljs's parts (in place of its zip) and lays them out as a zip: [Content_Types].xml
 * first, then by name, every entry deflated and stamped with the run's clock. Sizes and checksums
 * are in the local headers (no data descriptors); no wall clock, no randomness.
 */
class DeterministicZip {
  private readonly entries = new Map<string, ZipEntry>();

  /** A complete part (exceljs's zip interface). */
  append(source: unknown, options: { name: string }): void {
    const entry = this.entry(options.name);
    if (typeof source === 'string') entry.write(Buffer.from(source, 'utf8'), true);
    else if (source instanceof Uint8Array) entry.write(source, true);
    else throw new Error(`workbook part ${options.name}: unexpected content`);
  }

  /** A part written piece by piece (a sheet). */
  open(name: string): PartStream {
    return new PartStream(this.entry(name));
  }

  private entry(path: string): ZipEntry {
    const name = path.replace(/^\/+/, '');
    if (this.entries.has(name)) throw new Error(`workbook part ${name} written twice`);
    if (!/^[\x20-\x7e]+$/.test(name)) throw new Error(`workbook part name ${JSON.stringify(name)} is not plain ASCII`);
    const entry = new ZipEntry();
    this.entries.set(name, entry);
    return entry;
  }

  bytes(clock: Date): Buffer {
    const { time, date } = dosTime(clock);
    const names = [...this.entries.keys()].sort((a, b) => (a === '[Content_Types].xml' ? -1 : b === '[Content_Types].xml' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    const LOCAL = 30;
    const CENTRAL = 46;
    const END = 22;
    let total = END;
    for (const name of names) {
      const e = this.entries.get(name)!;
      if (!e.done) throw new Error(`workbook part ${name} was not finished`);
      if (e.size > 0xffffffff) throw new Error(`workbook part ${name} is larger than a zip without zip64 can hold (4 GiB)`);
      total += LOCAL + CENTRAL + 2 * name.length + e.compressedSize;
    }
    if (total > 0xffffffff || names.length > 0xffff) throw new Error('workbook larger than a zip without zip64 can hold (4 GiB)');
    const out = Buffer.alloc(total);
    const centralParts: Array<{ name: string; entry: ZipEntry; offset: number }> = [];
    let at = 0;
    const header = (signature: number, e: ZipEntry, name: string) => {
      out.writeUInt32LE(signature, at);
      at += 4;
      if (signature === 0x02014b50) {
        out.writeUInt16LE(20, at); // made by: version 2.0, MS-DOS attributes
        at += 2;
      }
      out.writeUInt16LE(20, at); // needed to extract: 2.0 (deflate)
      out.writeUInt16LE(0, at + 2); // flags: sizes below, ASCII name
      out.writeUInt16LE(8, at + 4); // deflate
      out.writeUInt16LE(time, at + 6);
      out.writeUInt16LE(date, at + 8);
      out.writeUInt32LE(e.crc >>> 0, at + 10);
      out.writeUInt32LE(e.compressedSize, at + 14);
      out.writeUInt32LE(e.size, at + 18);
      out.writeUInt16LE(name.length, at + 22);
      out.writeUInt16LE(0, at + 24); // extra field
      at += 26;
    };
    for (const name of names) {
      const e = this.entries.get(name)!;
      centralParts.push({ name, entry: e, offset: at });
      header(0x04034b50, e, name);
      at += out.write(name, at, 'latin1');
      for (const chunk of e.chunks) {
        out.set(chunk, at);
        at += chunk.length;
      }
      e.chunks = [];
    }
    const centralStart = at;
    for (const { name, entry, offset } of centralParts) {
      header(0x02014b50, entry, name);
      out.writeUInt16LE(0, at); // comment
      out.writeUInt16LE(0, at + 2); // disk
      out.writeUInt16LE(0, at + 4); // internal attributes
      out.writeUInt32LE(0, at + 6); // external attributes
      out.writeUInt32LE(offset, at + 10);
      at += 14;
      at += out.write(name, at, 'latin1');
    }
    out.writeUInt32LE(0x06054b50, at);
    out.writeUInt16LE(0, at + 4);
    out.writeUInt16LE(0, at + 6);
    out.writeUInt16LE(names.length, at + 8);
    out.writeUInt16LE(names.length, at + 10);
    out.writeUInt32LE(at - centralStart, at + 12);
    out.writeUInt32LE(centralStart, at + 16);
    out.writeUInt16LE(0, at + 20);
    at += END;
    if (at !== total) throw new Error(`workbook zip laid out ${at} bytes, expected ${total}`);
    this.entries.clear();
    return out;
  }
}

/**
 * A zip entry's date and time (MS-DOS fields, two-second steps, no zone): the run clock's UTC
 * fields, so the bytes depend neither on TZ nor on the wall clock.
 */
export function dosTime(clock: Date): { time: number; date: number } {
  const u = utcFields(clock.getTime());
  if (u.year < 1980 || u.year > 2107) throw new Error(`the run clock ${clock.toISOString()} cannot be stamped on a zip entry (1980 to 2107)`);
  return { time: (u.hour << 11) | (u.minute << 5) | (u.second >> 1), date: ((u.year - 1980) << 9) | (u.month << 5) | u.day };
}
