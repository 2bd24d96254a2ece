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

/** Dates as worksheets hold them: days since 1899-12-30 (the 1900 date system), UTC. */
export const DATE_FORMAT = 'yyyy-mm-dd';
export const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss "UTC"';
export const PERCENT_FORMAT = '0.00%';
/** Whole counts (tokens, requests) with thousands separators. */
export const COUNT_FORMAT = '#,##0';

/** A UTC day ("2026-09-30") or instant ("2026-11-25T09:00:00Z") as a worksheet date serial. */
export function sheetDate(iso: string): number {
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (!Number.isFinite(ms)) throw new Error(`${iso} is not a date a worksheet can hold`);
  return ms / 86_400_000 + 25_569;
}

/** A part of a whole as a ratio the sheet formats as a percentage (not money). */
export function sheetRatio(part: bigint, whole: bigint): number | string {
  if (whole === 0n) return '';
  // To 4 decimals (0.01% steps), half away from zero, as the PDF's percentages round: the same
  // share shows the same digits in both. In integers, once per line, so cheap.
  const p = part < 0n ? -part : part;
  const w = whole < 0n ? -whole : whole;
  const q = (p * RATIO_SCALE + w / 2n) / w;
  return Number((part < 0n) !== (whole < 0n) ? -q : q) / Number(RATIO_SCALE);
}
const RATIO_SCALE = 10_000n;

/**
 * Unrounded cents as a number when the double holds that decimal exactly as written (shortest
 * round-trip text, as sheetDollars checks); otherwise the text, so no digit is silently changed.
 */
export function sheetDecimal(text: string): number | string {
  const value = Number(text);
  if (!Number.isFinite(value) || text.trim() === '') return text;
  // A decimal of at most 15 significant digits always comes back from a double as written.
  if (/^-?\d+(\.\d+)?$/.test(text) && text.replace(/^-?0*|\./g, '').replace(/^0+/, '').length <= 15) return value;
  return new Money(String(value)).equals(new Money(text)) ? value : text;
}

export function styleHeaderRow(row: SheetRow): void {
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

/** How a cell looks: any of font, fill, alignment and number format. */
export interface CellStyle {
  font?: Partial<ExcelJS.Font>;
  fill?: ExcelJS.Fill;
  alignment?: Partial<ExcelJS.Alignment>;
  numFmt?: string;
}

/**
 * The row just added, styled until the next one is added: a style set on the row applies to each
 * of its cells (and to the row), one set on a cell to that cell, over the row's.
 */
export class SheetRow {
  font?: Partial<ExcelJS.Font>;
  fill?: ExcelJS.Fill;
  alignment?: Partial<ExcelJS.Alignment>;
  /** Styles of single cells, by column number (1 = A). */
  readonly cells = new Map<number, CellStyle>();

  constructor(readonly number: number, readonly values: readonly CellInput[]) {}

  getCell(column: number): CellStyle {
    let style = this.cells.get(column);
    if (!style) {
      style = {};
      this.cells.set(column, style);
    }
    return style;
  }

  get styled(): boolean {
    return this.font !== undefined || this.fill !== undefined || this.alignment !== undefined;
  }
}

/** A defined table (Excel "Format as Table") over a header row and the data rows under it. */
export interface TableSpec {
  /** Unique in the workbook; letters, digits and underscores, starting with a letter. */
  readonly name: string;
  /** The header row's number; its cells hold the column names as text. */
  readonly headerRow: number;
  readonly columns: readonly string[];
  readonly dataRows: number;
  /** A totals row written under the data: SUBTOTAL sums of these columns (1-based), cached with the computed amounts. */
  readonly totals?: ReadonlyArray<{ readonly column: number; readonly cents: bigint }>;
}

export const TABLE_STYLE = 'TableStyleMedium2';
const TABLE_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/table';

/** The table part's XML (ECMA-376 Part 1, 18.5): its range, autofilter, columns and style. */
export function tableXml(id: number, spec: TableSpec): string {
  const last = columnLetter(spec.columns.length);
  const lastData = spec.headerRow + spec.dataRows;
  const end = lastData + (spec.totals ? 1 : 0);
  const sums = new Map((spec.totals ?? []).map((t) => [t.column, t]));
  const columns = spec.columns
    .map((name, i) => {
      const sum = sums.get(i + 1);
      const attrs = `id="${i + 1}" name="${xmlText(name)}"${spec.totals && i === 0 ? ' totalsRowLabel="Total"' : ''}`;
      if (!sum) return `<tableColumn ${attrs}/>`;
      const letter = columnLetter(i + 1);
      return `<tableColumn ${attrs} totalsRowFunction="custom"><totalsRowFormula>SUBTOTAL(109,${letter}${spec.headerRow + 1}:${letter}${lastData})</totalsRowFormula></tableColumn>`;
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    `<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="${id}" name="${spec.name}" displayName="${spec.name}" ref="A${spec.headerRow}:${last}${end}"${spec.totals ? ' totalsRowCount="1"' : ' totalsRowShown="0"'}>` +
    `<autoFilter ref="A${spec.headerRow}:${last}${lastData}"/>` +
    `<tableColumns count="${spec.columns.length}">${columns}</tableColumns>` +
    `<tableStyleInfo name="${TABLE_STYLE}" showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/>` +
    '</table>'
  );
}

/** The most rows a worksheet holds (Excel's limit, and the spec's). */
export const MAX_SHEET_ROWS = 1_048_576;

const NUMBER_CELL = 2; // exceljs's ValueType.Number
const TEXT_CELL = 3; // ValueType.String

/**
 * One sheet written row by row, straight to its part of the zip as SpreadsheetML: a row is
 * written when the next is added, then is gone from memory, so a sheet of a million rows costs no
 * more than one of ten. Columns, views, print setup, autofilter and styles go through exceljs's
 * streaming worksheet and style table; only the rows are written here, without a cell object per
 * value. Formulas must refer to rows whose number is known when the cell is written (the
 * renderers compute totals first).
 */
export class SheetStream {
  private open: SheetRow | null = null;
  private rows = 0;
  private started = false;
  private readonly columnNumFmts: ReadonlyArray<string | undefined>;
  private readonly letters: string[] = [];
  /** Columns' plain styles by column and kind. */
  private readonly plainIds = new Map<number, number>();
  private readonly tables: TableSpec[] = [];
  readonly columnCount: number;

  /**
   * `styleIds`: the workbook's style ids by the style's text and the cell's kind, shared by its
   * sheets; `addTable`: writes a table part and gives its file name ("table1.xml").
   */
  constructor(
    private readonly ws: WorksheetInternals,
    private readonly name: string,
    layout: SheetLayout,
    private readonly styleIds: Map<string, number>,
    private readonly addTable: (spec: TableSpec) => string,
  ) {
    this.columnNumFmts = layout.columns.map((c) => c.numFmt);
    this.columnCount = layout.columns.length;
  }

  /** The number of the last row added (0 before any). */
  get rowCount(): number {
    return this.rows;
  }

  /** Adds the next row: text through the formula-injection guard and written inline. */
  add(values: readonly CellInput[] = []): SheetRow {
    if (this.open) this.write(this.open);
    if (this.rows >= MAX_SHEET_ROWS) throw new Error(`sheet ${this.name}: more than ${MAX_SHEET_ROWS.toLocaleString('en-US')} rows, the most a worksheet holds`);
    this.rows += 1;
    this.open = new SheetRow(this.rows, values);
    return this.open;
  }

  /** Autofilter over a header row and the data rows below it. */
  filter(lastRow: number, lastColumn = this.columnCount): void {
    this.ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, lastRow), column: lastColumn } };
  }

  /**
   * Makes the header row at `headerRow` and the `dataRows` rows under it a defined table, and
   * writes its totals row (when asked) as the next row. A table needs a data row: with none, the
   * header stays a plain row and the totals a plain total row. Returns the totals row, if any.
   */
  table(spec: TableSpec): SheetRow | null {
    if (spec.columns.length !== this.columnCount) throw new Error(`sheet ${this.name}: table ${spec.name} has ${spec.columns.length} columns, the sheet ${this.columnCount}`);
    if (this.rows !== spec.headerRow + spec.dataRows) throw new Error(`sheet ${this.name}: table ${spec.name} ends at row ${spec.headerRow + spec.dataRows}, the sheet at ${this.rows}`);
    let totals: SheetRow | null = null;
    if (spec.totals) {
      const values: CellInput[] = Array.from({ length: this.columnCount }, () => null);
      values[0] = 'Total';
      for (const t of spec.totals) {
        const letter = columnLetter(t.column);
        values[t.column - 1] = spec.dataRows > 0 ? totalFormula(`SUBTOTAL(109,${letter}${spec.headerRow + 1}:${letter}${spec.headerRow + spec.dataRows})`, t.cents) : sheetDollars(t.cents);
      }
      totals = this.add(values);
      totals.font = { bold: true };
      for (const t of spec.totals) totals.getCell(t.column).numFmt = USD_FORMAT;
    }
    if (spec.dataRows > 0) this.tables.push(spec);
    return totals;
  }

  /** Writes the rest of the sheet; nothing can be added after. */
  end(): void {
    if (this.open) this.write(this.open);
    this.open = null;
    this.start();
    if (this.tables.length > 0) {
      // Table parts go last in the worksheet (after the legacy drawing), each related to the sheet.
      const ids = this.tables.map((t) => this.ws._sheetRelsWriter.addRelationship({ Type: TABLE_REL, Target: `../tables/${this.addTable(t)}` }));
      const legacy = this.ws._writeLegacyData.bind(this.ws);
      this.ws._writeLegacyData = () => {
        legacy();
        this.ws.stream.write(`<tableParts count="${ids.length}">${ids.map((id) => `<tablePart r:id="${id}"/>`).join('')}</tableParts>`);
      };
    }
    this.ws.commit();
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.ws._writeColumns();
    this.ws._writeOpenSheetData();
    this.ws.startedData = true;
  }

  private letter(column: number): string {
    return (this.letters[column] ??= columnLetter(column));
  }

  private styleId(style: CellStyle, kind: number): number {
    if (style.font === undefined && style.fill === undefined && style.alignment === undefined && style.numFmt === undefined) return 0;
    const key = `${kind}${JSON.stringify(style)}`;
    let id = this.styleIds.get(key);
    if (id === undefined) {
      id = this.ws._workbook.styles.addStyleModel(style, kind);
      this.styleIds.set(key, id);
    }
    return id;
  }

  /** A cell's style: its column's number format, then the row's style, then its own. */
  private cellStyleId(row: SheetRow, column: number, kind: number): number {
    const own = row.cells.get(column);
    const numFmt = this.columnNumFmts[column - 1];
    if (own === undefined && !row.styled) {
      if (numFmt === undefined) return 0;
      const plain = column * 4 + kind;
      let id = this.plainIds.get(plain);
      if (id === undefined) {
        id = this.styleId({ numFmt }, kind);
        this.plainIds.set(plain, id);
      }
      return id;
    }
    const style: CellStyle = {};
    if (numFmt !== undefined) style.numFmt = numFmt;
    if (row.font !== undefined) style.font = row.font;
    if (row.fill !== undefined) style.fill = row.fill;
    if (row.alignment !== undefined) style.alignment = row.alignment;
    if (own) Object.assign(style, own);
    return this.styleId(style, kind);
  }

  private write(row: SheetRow): void {
    this.start();
    const r = row.number;
    let xml = `<row r="${r}"`;
    if (row.styled) {
      const rowStyle: CellStyle = {};
      if (row.font !== undefined) rowStyle.font = row.font;
      if (row.fill !== undefined) rowStyle.fill = row.fill;
      if (row.alignment !== undefined) rowStyle.alignment = row.alignment;
      xml += ` s="${this.styleId(rowStyle, NUMBER_CELL)}" customFormat="1"`;
    }
    xml += '>';
    let width = row.values.length;
    for (const c of row.cells.keys()) if (c > width) width = c;
    for (let c = 1; c <= width; c++) {
      const value = c <= row.values.length ? row.values[c - 1] : undefined;
      const ref = `${this.letter(c)}${r}`;
      if (value === null || value === undefined) {
        // An empty cell is written only when styled (a header's fill, a total's format).
        if (!row.styled && !row.cells.has(c)) continue;
        const id = this.cellStyleId(row, c, NUMBER_CELL);
        xml += id === 0 ? `<c r="${ref}"/>` : `<c r="${ref}" s="${id}"/>`;
      } else if (typeof value === 'string') {
        const id = this.cellStyleId(row, c, TEXT_CELL);
        const text = neutralizeText(value);
        // Spaces at either end, and line breaks and tabs, are kept only when the text says so.
        const t = /^\s|\s$|[\t\n\r]/.test(text) ? '<t xml:space="preserve">' : '<t>';
        xml += `<c r="${ref}"${id === 0 ? '' : ` s="${id}"`} t="inlineStr"><is>${t}${xmlText(text)}</t></is></c>`;
      } else if (typeof value === 'number') {
        const id = this.cellStyleId(row, c, NUMBER_CELL);
        xml += `<c r="${ref}"${id === 0 ? '' : ` s="${id}"`}><v>${numberText(value, this.name, ref)}</v></c>`;
      } else {
        const result = value.result;
        const id = this.cellStyleId(row, c, NUMBER_CELL);
        const s = id === 0 ? '' : ` s="${id}"`;
        const f = `<f>${xmlText(value.formula)}</f>`;
        if (typeof result === 'number') xml += `<c r="${ref}"${s}>${f}<v>${numberText(result, this.name, ref)}</v></c>`;
        else if (typeof result === 'string') xml += `<c r="${ref}"${s} t="str">${f}<v>${xmlText(result)}</v></c>`;
        else if (result === undefined || result === null) xml += `<c r="${ref}"${s}>${f}</c>`;
        else throw new Error(`sheet ${this.name}, cell ${ref}: a formula's cached value must be a number or text`);
      }
    }
    this.ws.stream.write(`${xml}</row>`);
  }
}

function numberText(value: number, sheet: string, ref: string): string {
  if (!Number.isFinite(value)) throw new Error(`sheet ${sheet}, cell ${ref}: ${value} is not a number a worksheet holds`);
  return String(value);
}

// What XML text cannot hold as is: markup characters, and control characters XML 1.0 forbids.
// eslint-disable-next-line no-control-regex
const XML_SPECIAL = /[<>&'"\x7F\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex
const XML_SPECIAL_ALL = /[<>&'"\x7F\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
const XML_ESCAPES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

/** Text as XML character data: markup escaped, forbidden control characters dropped (as exceljs does). */
export function xmlText(text: string): string {
  return XML_SPECIAL.test(text) ? text.replace(XML_SPECIAL_ALL, (ch) => XML_ESCAPES[ch] ?? '') : text;
}

/** Autofilter over the data, then a bold total row whose formula sums the amount column. */
export function addTotalRow(sheet: SheetStream, amountColumn: number, dataRows: number, totalCents: bigint): SheetRow {
  sheet.filter(dataRows + 1);
  const letter = columnLetter(amountColumn);
  const values: CellInput[] = Array.from({ length: sheet.columnCount }, () => null);
  values[0] = 'Total';
  // With no data rows the range would hold the total's own cell (a circular reference): the amount itself.
  values[amountColumn - 1] = dataRows > 0 ? totalFormula(`SUM(${letter}2:${letter}${dataRows + 1})`, totalCents) : sheetDollars(totalCents);
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
  /** The workbook's style table's ids, shared by its sheets. */
  private readonly styleIds = new Map<string, number>();
  /** Tables written so far, in order (table1.xml, …). */
  private readonly tableNames = new Set<string>();

  constructor(private readonly clock: Date, title: string, company: string) {
    // Its own zip (replaced below) stores, so the two parts it takes before that cost no compression.
    this.wb = new ExcelJS.stream.xlsx.WorkbookWriter({ useStyles: true, useSharedStrings: false, zip: { store: true } });
    const wb = this.wb as unknown as WriterInternals;
    for (const method of ['addThemes', 'addOfficeRels', 'addApp', 'addContentTypes', '_openStream', '_finalize'] as const) {
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
    // The streaming writer knows no tables: their parts are declared in the content types here.
    wb.addContentTypes = async () =>
      this.zip.append(
        new ContentTypesXform().toXml({
          worksheets: wb._worksheets.filter(Boolean),
          sharedStrings: wb.sharedStrings,
          commentRefs: wb.commentRefs,
          media: wb.media,
          tables: [...this.tableNames].map((_, i) => ({ target: `table${i + 1}.xml` })),
        }),
        { name: '[Content_Types].xml' },
      );
  }

  /** Starts the next sheet; the one before is written out. */
  sheet(name: string, layout: SheetLayout): SheetStream {
    this.current?.end();
    const ws = this.wb.addWorksheet(name, {
      views: layout.frozen ? [{ state: 'frozen', ySplit: layout.frozen.ySplit, ...(layout.frozen.xSplit ? { xSplit: layout.frozen.xSplit } : {}) }] : [],
      ...(layout.printList ? { pageSetup: { orientation: 'landscape', printTitlesRow: '1:1' } } : {}),
    });
    ws.columns = layout.columns.map((c) => ({ width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
    const internals = ws as unknown as WorksheetInternals;
    for (const method of ['_writeColumns', '_writeOpenSheetData', '_writeLegacyData', 'commit'] as const) {
      if (typeof internals[method] !== 'function' || typeof internals._workbook?.styles?.addStyleModel !== 'function' || typeof internals._sheetRelsWriter?.addRelationship !== 'function') {
        throw new Error('unsupported exceljs version: its streaming worksheet writer changed');
      }
    }
    this.current = new SheetStream(internals, name, layout, this.styleIds, (spec) => {
      if (this.tableNames.has(spec.name)) throw new Error(`workbook table ${spec.name} named twice`);
      this.tableNames.add(spec.name);
      const target = `table${this.tableNames.size}.xml`;
      this.zip.append(tableXml(this.tableNames.size, spec), { name: `xl/tables/${target}` });
      return target;
    });
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
const ContentTypesXform = createRequire(import.meta.url)('exceljs/lib/xlsx/xform/core/content-types-xform.js') as new () => { toXml(model: unknown): string };

/** What SheetStream uses of exceljs's streaming worksheet: its part, its column and sheet-data tags, its style table. */
interface WorksheetInternals {
  autoFilter: unknown;
  startedData: boolean;
  readonly stream: { write(text: string): unknown };
  readonly _sheetRelsWriter: { addRelationship(rel: { Type: string; Target: string }): string };
  _writeLegacyData(): void;
  readonly _workbook: { readonly styles: { addStyleModel(style: CellStyle, cellType: number): number } };
  _writeColumns(): void;
  _writeOpenSheetData(): void;
  commit(): void;
}

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
  sharedStrings: unknown;
  commentRefs: unknown;
  media: unknown;
  addThemes(): Promise<void>;
  addOfficeRels(): Promise<void>;
  addApp(): Promise<void>;
  addContentTypes(): Promise<void>;
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
  // Level 1: a sheet's XML repeats itself, so the fastest level already gives about a tenth of its
  // size (a sixth more than level 6, in less than half the time). fflate, not node:zlib: pure
  // JavaScript gives the same bytes on every machine, which verify relies on.
  private deflate: Deflate | null = new Deflate({ level: 1 }, (data, final) => {
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
