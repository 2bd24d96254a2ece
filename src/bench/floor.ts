/**
 * The floor of a month: what the libraries alone cost for the same work as the month-end run,
 * with no business logic, on one thread. Run as a child process of the scale benchmark (which
 * times it with /usr/bin/time):
 *
 *   node dist/bench/floor.js SPEC.json
 *
 * SPEC.json: { rawFiles: string[], pdfPages: number[], workbooks: [rows, cols][][], outDir }.
 * - JSON.parse of every raw page file (read as the run reads them: whole files, UTF-8);
 * - pdfkit drawing one document per statement PDF with the same number of pages, each page a
 *   table of text lines in the embedded DejaVuSans.ttf (the statements' font);
 * - exceljs's streaming writer writing one workbook per month workbook, with the same sheets
 *   of the same rows × columns.
 * Prints one JSON line on stdout: the seconds of each part.
 */
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');

export interface FloorSpec {
  readonly rawFiles: readonly string[];
  /** Pages of each PDF of the month. */
  readonly pdfPages: readonly number[];
  /** Sheets of each workbook of the month, as [rows, columns]. */
  readonly workbooks: readonly (readonly (readonly [number, number])[])[];
  /** A scratch folder, removed at the end. */
  readonly outDir: string;
}

export interface FloorResult {
  parseS: number;
  pdfS: number;
  xlsxS: number;
  rawFiles: number;
  rawBytes: number;
  pdfs: number;
  pages: number;
  workbooks: number;
  xlsxRows: number;
}

const LINES_PER_PAGE = 40;
const COLUMNS_X = [40, 200, 300, 390, 470];

function parseAll(files: readonly string[]): { bytes: number; items: number } {
  let bytes = 0;
  let items = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    bytes += text.length;
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && Array.isArray((v as { data?: unknown }).data)) items += (v as { data: unknown[] }).data.length;
  }
  return { bytes, items };
}

async function drawPdf(file: string, pages: number, seq: number): Promise<void> {
  const doc = new PDFDocument({ autoFirstPage: false, size: 'A4', margin: 40, compress: true, info: { CreationDate: new Date(0) } });
  const out = createWriteStream(file);
  doc.pipe(out);
  doc.registerFont('body', FONT);
  doc.font('body').fontSize(8);
  for (let p = 0; p < pages; p++) {
    doc.addPage();
    for (let l = 0; l < LINES_PER_PAGE; l++) {
      const y = 60 + l * 18;
      const n = seq * 100003 + p * 997 + l;
      doc.text(`person${n % 9973}@example.com`, COLUMNS_X[0]!, y, { lineBreak: false });
      doc.text(['Claude Code', 'Chat', 'Cowork', 'API'][n % 4]!, COLUMNS_X[1]!, y, { lineBreak: false });
      doc.text(`claude-model-${n % 7}`, COLUMNS_X[2]!, y, { lineBreak: false });
      doc.text(`${(n % 500).toLocaleString('en-US')} sessions`, COLUMNS_X[3]!, y, { lineBreak: false });
      doc.text(`$${((n * 7919) % 1000000 / 100).toFixed(2)}`, COLUMNS_X[4]!, y, { lineBreak: false });
    }
  }
  doc.end();
  await finished(out);
}

async function writeWorkbook(file: string, sheets: readonly (readonly [number, number])[]): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: false, useSharedStrings: false });
  let rows = 0;
  for (let s = 0; s < sheets.length; s++) {
    const [nRows, nCols] = sheets[s]!;
    const ws = wb.addWorksheet(`Sheet${s + 1}`);
    for (let r = 0; r < nRows; r++) {
      const values: (string | number)[] = [];
      for (let c = 0; c < nCols; c++) values.push(c % 2 === 0 ? `text ${r}:${c}` : ((r * 7919 + c * 104729) % 1000000) / 100);
      ws.addRow(values).commit();
      rows++;
    }
    ws.commit();
  }
  await wb.commit();
  return rows;
}

export async function floor(spec: FloorSpec): Promise<FloorResult> {
  mkdirSync(spec.outDir, { recursive: true });
  try {
    const t0 = performance.now();
    const parsed = parseAll(spec.rawFiles);
    const t1 = performance.now();
    for (let i = 0; i < spec.pdfPages.length; i++) await drawPdf(join(spec.outDir, `d${i}.pdf`), spec.pdfPages[i]!, i);
    const t2 = performance.now();
    let xlsxRows = 0;
    for (let i = 0; i < spec.workbooks.length; i++) xlsxRows += await writeWorkbook(join(spec.outDir, `w${i}.xlsx`), spec.workbooks[i]!);
    const t3 = performance.now();
    return {
      parseS: (t1 - t0) / 1000,
      pdfS: (t2 - t1) / 1000,
      xlsxS: (t3 - t2) / 1000,
      rawFiles: spec.rawFiles.length,
      rawBytes: parsed.bytes,
      pdfs: spec.pdfPages.length,
      pages: spec.pdfPages.reduce((a, b) => a + b, 0),
      workbooks: spec.workbooks.length,
      xlsxRows,
    };
  } finally {
    rmSync(spec.outDir, { recursive: true, force: true });
  }
}

const specFile = process.argv[2];
if (!specFile) {
  process.stderr.write('usage: node dist/bench/floor.js SPEC.json\n');
  process.exit(2);
}
const result = await floor(JSON.parse(readFileSync(specFile, 'utf8')) as FloorSpec);
process.stdout.write(`${JSON.stringify(result)}\n`);
