import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { formatUsd } from '../core/money.js';
import type { Statement } from '../core/statements.js';

const require = createRequire(import.meta.url);
/** DejaVu covers Latin (with Ł, ő, ș…), Greek and Cyrillic; the PDF standard fonts do not. */
const FONT_REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

const NAVY = '#1F3A5F';
const GREY = '#5B6675';
const RULE = '#C9D1DB';
const MARGIN = 50;

export interface Column {
  readonly title: string;
  readonly width: number;
  readonly align?: 'left' | 'right';
}

type Doc = PDFKit.PDFDocument;

function fit(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let cut = text;
  while (cut.length > 1 && doc.widthOfString(`${cut}\u2026`) > width) cut = cut.slice(0, -1);
  return `${cut}\u2026`;
}

export function pageBottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

function ensureSpace(doc: Doc, height: number): boolean {
  if (doc.y + height <= pageBottom(doc)) return false;
  doc.addPage();
  return true;
}

/** A simple table that repeats its header on every page it spans. */
export function drawTable(doc: Doc, columns: readonly Column[], rows: ReadonlyArray<readonly string[]>, options: { boldLast?: boolean } = {}): void {
  const rowH = 15;
  const header = () => {
    const y = doc.y;
    doc.rect(MARGIN, y, columns.reduce((a, c) => a + c.width, 0), rowH + 2).fill(NAVY);
    let x = MARGIN;
    doc.font('bold').fontSize(8.5).fillColor('white');
    for (const c of columns) {
      doc.text(fit(doc, c.title, c.width - 8), x + 4, y + 4, { width: c.width - 8, align: c.align ?? 'left', lineBreak: false });
      x += c.width;
    }
    doc.fillColor('black');
    doc.y = y + rowH + 2;
  };
  ensureSpace(doc, 2 * rowH + 4);
  header();
  rows.forEach((cells, i) => {
    if (ensureSpace(doc, rowH)) header();
    const y = doc.y;
    const last = options.boldLast && i === rows.length - 1;
    doc.font(last ? 'bold' : 'regular').fontSize(8.5).fillColor('black');
    let x = MARGIN;
    columns.forEach((c, j) => {
      doc.text(fit(doc, cells[j] ?? '', c.width - 8), x + 4, y + 3, { width: c.width - 8, align: c.align ?? 'left', lineBreak: false });
      x += c.width;
    });
    doc.moveTo(MARGIN, y + rowH).lineTo(x, y + rowH).lineWidth(0.4).strokeColor(RULE).stroke();
    doc.y = y + rowH;
  });
  doc.x = MARGIN;
  doc.moveDown(0.8);
}

function heading(doc: Doc, text: string): void {
  ensureSpace(doc, 60);
  doc.font('bold').fontSize(11).fillColor(NAVY).text(text, MARGIN, doc.y);
  doc.moveDown(0.3);
  doc.fillColor('black');
}

/** A new PDF document whose bytes depend only on the content and the run's clock. */
export function newDocument(title: string, company: string, clock: Date): Doc {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 20, left: MARGIN, right: MARGIN },
    bufferPages: true,
    compress: true,
    info: { Title: title, Author: company, Creator: 'claude-chargeback', Producer: 'claude-chargeback', CreationDate: clock, ModDate: clock },
  });
  doc.registerFont('regular', FONT_REGULAR);
  doc.registerFont('bold', FONT_BOLD);
  doc.font('regular');
  return doc;
}

/** Footer "number · Page i of n" (and the provisional mark) on every page, then the bytes. */
export function finishDocument(doc: Doc, footer: string, provisional: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN;
    doc.moveTo(MARGIN, y - 6).lineTo(doc.page.width - MARGIN, y - 6).lineWidth(0.5).strokeColor(RULE).stroke();
    doc.font('regular').fontSize(8).fillColor(GREY);
    doc.text(footer, MARGIN, y, { width: 360, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, doc.page.width - MARGIN - 120, y, { width: 120, align: 'right', lineBreak: false });
    if (provisional) {
      doc.save();
      doc.rotate(-35, { origin: [doc.page.width / 2, doc.page.height / 2] });
      doc.font('bold').fontSize(72).fillColor('#C0392B').fillOpacity(0.12);
      doc.text('PROVISIONAL', 0, doc.page.height / 2 - 40, { width: doc.page.width, align: 'center', lineBreak: false });
      doc.restore();
      doc.fillOpacity(1);
    }
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

export async function renderStatementPdf(s: Statement, clock: Date): Promise<Buffer> {
  const doc = newDocument(`${s.kind === 'rollup' ? 'Roll-up statement' : 'Chargeback statement'} ${s.number}`, s.company, clock);
  const width = doc.page.width - 2 * MARGIN;

  doc.font('bold').fontSize(16).fillColor(NAVY).text(s.company, MARGIN, MARGIN, { width: width - 170 });
  doc.font('bold').fontSize(11).fillColor('black').text(s.kind === 'rollup' ? 'Roll-up statement' : 'Chargeback statement', MARGIN + width - 170, MARGIN, { width: 170, align: 'right' });
  doc.font('regular').fontSize(9).fillColor(GREY).text(s.number, MARGIN + width - 170, MARGIN + 16, { width: 170, align: 'right' });
  doc.font('bold').fontSize(10).fillColor(s.status === 'FINAL' ? '#1E7B34' : '#C0392B').text(s.status, MARGIN + width - 170, MARGIN + 30, { width: 170, align: 'right' });
  doc.fillColor('black');
  doc.y = Math.max(doc.y, MARGIN + 52);
  doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + width, doc.y).lineWidth(1).strokeColor(NAVY).stroke();
  doc.moveDown(0.8);

  const facts: Array<[string, string]> = [
    ['Cost center', `${s.code} \u2014 ${s.name}`],
    ['Parent', s.parent ?? '\u2014'],
    ['Owner', s.owner ? `${s.owner.name} <${s.owner.email}>` : 'Finance (unallocated spend)'],
    ['Period (UTC)', `${s.periodTitle} (${s.periodStartIso} to ${s.periodEndExclusiveIso}, end exclusive)`],
    ['Statement number', s.number],
    ['Status', s.status],
    ['Data as of', s.dataAsOf ?? 'unknown'],
    ['Issued', s.issuedAt],
  ];
  for (const [k, v] of facts) {
    const y = doc.y;
    doc.font('bold').fontSize(9).text(k, MARGIN, y, { width: 110 });
    doc.font('regular').fontSize(9).text(v, MARGIN + 110, y, { width: width - 110 });
    doc.moveDown(0.15);
  }
  doc.moveDown(0.6);
  const boxY = doc.y;
  doc.rect(MARGIN, boxY, width, 34).fill('#EEF2F7');
  doc.font('bold').fontSize(12).fillColor(NAVY).text('Total for the period', MARGIN + 10, boxY + 10, { width: 250, lineBreak: false });
  doc.fontSize(14).text(`Total ${formatUsd(s.totalCents)}`, MARGIN + width - 260, boxY + 9, { width: 250, align: 'right', lineBreak: false });
  doc.fillColor('black');
  doc.y = boxY + 48;
  doc.x = MARGIN;

  for (const b of s.breakdowns) {
    heading(doc, b.title);
    const rows = b.rows.map((r) => [r.label, formatUsd(r.cents), r.share]);
    rows.push([b.of === 'total' ? 'Total' : 'Direct usage total', formatUsd(b.rows.reduce((a, r) => a + r.cents, 0n)), '100.00%']);
    drawTable(doc, [{ title: b.title.replace(/^By /, '').replace(/^./, (c) => c.toUpperCase()), width: 335 }, { title: 'Amount', width: 95, align: 'right' }, { title: 'Share', width: 65, align: 'right' }], rows, { boldLast: true });
  }

  heading(doc, 'Direct usage by person and spender');
  const userRows = s.users.map((u) => [s.kind === 'rollup' ? `${u.label} (${u.costCenter})` : u.label, u.email ?? (u.actorType === 'user_actor' ? '(no e-mail)' : u.actorId), formatUsd(u.cents), u.share]);
  userRows.push(['Direct usage total', '', formatUsd(s.directCents), '100.00%']);
  drawTable(doc, [{ title: 'Name', width: 165 }, { title: 'E-mail or id', width: 185 }, { title: 'Amount', width: 85, align: 'right' }, { title: 'Share', width: 60, align: 'right' }], userRows, { boldLast: true });

  heading(doc, 'Notes on method');
  doc.font('regular').fontSize(8.5).fillColor(GREY);
  for (const note of s.notes) {
    ensureSpace(doc, 30);
    doc.text(`\u2022 ${note}`, MARGIN, doc.y, { width });
    doc.moveDown(0.3);
  }
  doc.fillColor('black');
  return finishDocument(doc, `${s.company} \u00b7 ${s.number} \u00b7 ${s.status}`, s.status === 'PROVISIONAL');
}
