import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { DEFAULT_COLOURS, type TemplateColours } from '../core/template.js';

const require = createRequire(import.meta.url);
/** DejaVu covers Latin (with Ł, ő, ș…), Greek and Cyrillic; the PDF standard fonts do not. */
const FONT_REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export const MARGIN = 50;

/** The colours of each document, set when it is made (template colours or the house defaults). */
const themes = new WeakMap<Doc, TemplateColours>();
export const themeOf = (doc: Doc): TemplateColours => themes.get(doc) ?? DEFAULT_COLOURS;

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

/** Smallest size a cell's text may shrink to before a label is cut. */
const MIN_CELL_SIZE = 5.5;

/**
 * A table cell: text that does not fit is set smaller first; a figure (right-aligned) is never
 * cut, a label is cut with "…" only below the smallest size.
 */
function cell(doc: Doc, text: string, x: number, y: number, c: Column, size: number): void {
  const width = c.width - 8;
  const figure = c.align === 'right';
  // A figure keeps shrinking until it fits its column: it is never cut and never overlaps.
  const floor = figure ? 1 : MIN_CELL_SIZE;
  let s = size;
  while (s > floor && doc.fontSize(s).widthOfString(text) > width) s -= 0.25;
  oneLine(doc, figure ? text : fit(doc, text, width), x, y + (size - s) / 2, width, c.align ?? 'left');
  doc.fontSize(size);
}

/** The pdfkit internals a table cell is drawn with (pdfkit 0.17): one line of text at a point. */
interface LineDrawing {
  _fragment(text: string, x: number, y: number, options: Record<string, unknown>): void;
}

/**
 * Text whose only line-break opportunities (Unicode line breaking, as pdfkit's wrapper finds them)
 * are after its spaces: letters of the Latin, Greek and Cyrillic scripts with their accents,
 * digits, . , @ _, a $ that starts a word before a digit and a % after one (a test checks this against the breaker
 * pdfkit uses). pdfkit's wrapper
 * then measures the same words, split after each space, as pdfkit's own measure of the text does,
 * with the same kerning inside each. A hyphen, a slash or a dash is a break opportunity: the
 * wrapper measures the parts on either side apart, without the kerning between them, and may
 * wrap a text the whole of which fits; such text goes through doc.text.
 */
export const SPACE_BREAKS_ONLY = /^(?:[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{M}0-9 .,@_]|(?<=^| )\$(?=[0-9])|(?<=[0-9])%(?![\p{L}0-9]))*$/u;

/**
 * One line of a table cell, drawn as `doc.text(text, x, y, { width, align, lineBreak: false })`
 * draws it when the text fits with room to spare: pdfkit's line wrapper (breaking the text into
 * words by the Unicode rules, measuring each) then emits the whole text as one line, and this
 * hands that line to pdfkit's own drawing with the options the wrapper would give, so the bytes
 * are the same without the wrapper's cost. Text that breaks elsewhere than after its spaces, or
 * that comes within 2 pt of its width or 0.01 pt of the bottom margin, goes through doc.text.
 */
export function oneLine(doc: Doc, text: string, x: number, y: number, width: number, align: 'left' | 'right'): void {
  // The wrapper starts a new page for a line that reaches past the bottom margin (which it reads
  // rounded down to single precision): a line within 0.01 pt of it goes through doc.text.
  const bottom = doc.page.height - doc.page.margins.bottom;
  // An empty text, or one continuing an earlier text's paragraph, is left to doc.text as well.
  const continuing = (doc as unknown as { _wrapper?: unknown })._wrapper != null;
  const plain = text !== '' && !continuing && width - doc.widthOfString(text) >= 2 && SPACE_BREAKS_ONLY.test(text) && y + doc.currentLineHeight(true) + 0.01 <= bottom;
  if (!plain) {
    doc.text(text, x, y, { width, align, lineBreak: false });
    return;
  }
  doc.x = x;
  doc.y = y;
  // What the wrapper passes on: the options as pdfkit completes them, and the line's width.
  (doc as unknown as LineDrawing)._fragment(text, x, y, { width, align, lineBreak: false, columns: 0, columnGap: 18, rotation: 0, lineWidth: (width * 100) / 100, textWidth: 0, wordCount: 1 });
  doc.y = y + doc.currentLineHeight(true);
}

export function pageBottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

export function ensureSpace(doc: Doc, height: number): boolean {
  if (doc.y + height <= pageBottom(doc)) return false;
  doc.addPage();
  return true;
}

const ROW_H = 15;
const HEADER_H = ROW_H + 2;
/** A table this short is never split over two pages (unless it is taller than a page). */
const KEEP_WHOLE = 8;
/** Rows kept with a table's header where it starts: a header is never left with one row. */
const MIN_LEAD = 3;
/** Rows on the last page of a table that continues: the total row is never carried over alone. */
const MIN_TAIL = 2;

/** The height a table needs where it starts: its header with its first rows (all of a short table). */
export function tableStart(rowCount: number): number {
  return HEADER_H + Math.min(rowCount, rowCount <= KEEP_WHOLE ? KEEP_WHOLE : MIN_LEAD) * ROW_H;
}

/**
 * A table that repeats its header on every page it spans. It starts on a new page unless its
 * header and first rows fit (all of a short table), and the page before its last keeps a row
 * back when only one would be left for the last.
 */
export function drawTable(doc: Doc, columns: readonly Column[], rows: ReadonlyArray<readonly string[]>, options: { boldLast?: boolean; fontSize?: number } = {}): void {
  const rowH = ROW_H;
  const size = options.fontSize ?? 8.5;
  const theme = themeOf(doc);
  const header = () => {
    const y = doc.y;
    doc.rect(MARGIN, y, columns.reduce((a, c) => a + c.width, 0), HEADER_H).fill(theme.primary);
    let x = MARGIN;
    doc.font('bold').fontSize(size).fillColor('white');
    for (const c of columns) {
      cell(doc, c.title, x + 4, y + 4, c, size);
      x += c.width;
    }
    doc.fillColor('black');
    doc.y = y + HEADER_H;
  };
  ensureSpace(doc, tableStart(rows.length));
  header();
  let onPage = 0;
  rows.forEach((cells, i) => {
    const left = rows.length - i;
    const room = Math.floor((pageBottom(doc) - doc.y) / rowH);
    // Break when the row does not fit, or when the last rows would otherwise leave one alone.
    if (room < 1 || (onPage >= MIN_LEAD && left === MIN_TAIL && room < MIN_TAIL)) {
      doc.addPage();
      header();
      onPage = 0;
    }
    const y = doc.y;
    const last = options.boldLast && i === rows.length - 1;
    doc.font(last ? 'bold' : 'regular').fontSize(size).fillColor('black');
    let x = MARGIN;
    columns.forEach((c, j) => {
      cell(doc, cells[j] ?? '', x + 4, y + 3, c, size);
      x += c.width;
    });
    doc.moveTo(MARGIN, y + rowH).lineTo(x, y + rowH).lineWidth(0.4).strokeColor(theme.rule).stroke();
    doc.y = y + rowH;
    onPage += 1;
  });
  doc.x = MARGIN;
  doc.moveDown(0.8);
}

export function heading(doc: Doc, text: string, space = 60): void {
  ensureSpace(doc, space);
  doc.font('bold').fontSize(11).fillColor(themeOf(doc).primary).text(text, MARGIN, doc.y);
  doc.moveDown(0.3);
  doc.fillColor('black');
}

/**
 * A heading kept with the start of the table under it (and `between`, the height of what comes
 * between them): they move to the next page together.
 */
export function tableHeading(doc: Doc, text: string, rowCount: number, between = 0): void {
  doc.font('bold').fontSize(11);
  heading(doc, text, doc.heightOfString(text, { width: doc.page.width - 2 * MARGIN }) + 0.3 * doc.currentLineHeight(true) + between + tableStart(rowCount));
}

/** pdfkit's embedded font as far as we use it: the parsed font and its per-word layout cache. */
interface EmbeddedFont {
  readonly font: { readonly postscriptName: string };
  layoutCache?: Record<string, unknown>;
  /** Shapes one word (fontkit), positions scaled to the font's units. */
  layoutRun(text: string): unknown;
  /** pdfkit's per-document word cache in front of layoutRun; replaced by one shared per face. */
  layoutCached(text: string): unknown;
}
type EmbeddedFontClass = new (doc: Doc, font: EmbeddedFont['font'], id: string) => EmbeddedFont;
/** The pdfkit internals the font sharing relies on (pdfkit 0.17). */
interface DocFonts {
  _font: EmbeddedFont;
  _fontFamilies: Record<string, EmbeddedFont>;
  _fontCount: number;
}

/**
 * DejaVu parsed once per process (with fontkit's glyph and shaping state): every document used
 * to parse both faces again, which was most of a statement's cost.
 * Each document still has its own font objects and subsets (ids F2 and F3, as pdfkit would give
 * them), so the bytes are those pdfkit writes on its own.
 */
let sharedFaces: { readonly make: EmbeddedFontClass; readonly faces: ReadonlyArray<SharedFace> } | null = null;

interface SharedFace {
  readonly name: string;
  readonly font: EmbeddedFont['font'];
  /** Words this face has shaped, for every document of the process. */
  readonly words: ShapedWords;
}

/** What pdfkit reads of a shaped word: its glyphs, their positions and its width. */
interface Shaped {
  readonly glyphs: unknown;
  readonly positions: unknown;
  readonly advanceWidth: number;
}

/**
 * Words kept shaped per face in each of two generations. Shaping a word is most of a statement's
 * drawing, and a month's documents share most of their words (labels, notes, product names,
 * small amounts); the table is bounded so a month of 500,000 names does not pile up.
 */
export const SHARED_WORDS = 8_000;

/**
 * A face's shaped words: the recent generation and the one before it. When the recent one is
 * full it becomes the older one and the older is forgotten; a word found in the older one moves
 * to the recent one, so the words every document uses stay while names and amounts come and go.
 */
class ShapedWords {
  private recent = new Map<string, Shaped>();
  private older = new Map<string, Shaped>();

  get size(): number {
    return this.recent.size + this.older.size;
  }

  get(word: string): Shaped | undefined {
    const run = this.recent.get(word);
    if (run !== undefined) return run;
    const old = this.older.get(word);
    if (old !== undefined) this.put(word, old);
    return old;
  }

  put(word: string, run: Shaped): void {
    if (this.recent.size >= SHARED_WORDS) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(word, run);
  }
}

/**
 * The face's words shaped once for every document. Shaping depends on the word and the face
 * alone (the glyph ids and scaled positions are the same in any document), and each document
 * still makes its own subset, widths and text map from them, so its bytes do not change.
 */
function shareWords(embedded: EmbeddedFont, words: ShapedWords): void {
  embedded.layoutCached = (text: string) => {
    let shaped = words.get(text);
    if (shaped === undefined) {
      // fontkit's run holds more than pdfkit reads (features, script, direction): keep what it reads.
      const run = embedded.layoutRun(text) as Shaped;
      shaped = { glyphs: run.glyphs, positions: run.positions, advanceWidth: run.advanceWidth };
      words.put(text, shaped);
    }
    return shaped;
  };
}

/** How many shaped words the faces hold now (for tests of the bound). */
export function sharedWordsHeld(): number {
  return sharedFaces === null ? 0 : sharedFaces.faces.reduce((n, f) => n + f.words.size, 0);
}

function openFaces(doc: Doc): void {
  const fonts = doc as unknown as DocFonts;
  if (sharedFaces === null) {
    doc.font('regular');
    const regular = fonts._font;
    doc.font('bold');
    const bold = fonts._font;
    // A glyph keeps the characters it was first made for, and pdfkit writes those into the
    // document's text map: make every mapped glyph from its own character first, so that what
    // one document drew never changes another's bytes.
    // A ligature (ﬁ, ﬃ) is mapped to the letters it joins, as shaping would, so "office" stays
    // searchable.
    for (const face of [regular, bold]) {
      const font = face.font as unknown as { characterSet: number[]; glyphForCodePoint(codePoint: number): { codePoints: number[] } };
      for (const codePoint of font.characterSet) {
        const glyph = font.glyphForCodePoint(codePoint);
        if (codePoint >= 0xfb00 && codePoint <= 0xfb4f) glyph.codePoints = [...String.fromCodePoint(codePoint).normalize('NFKD')].map((l) => l.codePointAt(0)!);
      }
    }
    const faces = [
      { name: 'regular', font: regular.font, words: new ShapedWords() },
      { name: 'bold', font: bold.font, words: new ShapedWords() },
    ];
    shareWords(regular, faces[0]!.words);
    shareWords(bold, faces[1]!.words);
    sharedFaces = { make: regular.constructor as EmbeddedFontClass, faces };
    return;
  }
  for (const face of sharedFaces.faces) {
    const embedded = new sharedFaces.make(doc, face.font, `F${++fonts._fontCount}`);
    shareWords(embedded, face.words);
    fonts._fontFamilies[face.name] = embedded;
    fonts._fontFamilies[face.font.postscriptName] = embedded;
  }
}

/** A new PDF document whose bytes depend only on the content and the run's clock. */
export function newDocument(title: string, company: string, clock: Date, colours: TemplateColours = DEFAULT_COLOURS): Doc {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 20, left: MARGIN, right: MARGIN },
    bufferPages: true,
    compress: true,
    info: { Title: title, Author: company, Creator: 'claude-chargeback', Producer: 'claude-chargeback', CreationDate: clock, ModDate: clock },
  });
  doc.registerFont('regular', FONT_REGULAR);
  doc.registerFont('bold', FONT_BOLD);
  openFaces(doc);
  doc.font('regular');
  themes.set(doc, colours);
  return doc;
}

/** Footer "number · Page i of n" (and the provisional mark) on every page, then the bytes. */
export function finishDocument(doc: Doc, footer: string, provisional: boolean | string, pageLabel: (page: number, pages: number) => string = (i, n) => `Page ${i} of ${n}`, note: string | null = null): Promise<Buffer> {
  const theme = themeOf(doc);
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
    doc.moveTo(MARGIN, y - 6).lineTo(doc.page.width - MARGIN, y - 6).lineWidth(0.5).strokeColor(theme.rule).stroke();
    doc.font('regular').fontSize(8).fillColor(theme.muted);
    doc.text(fit(doc, footer, 380), MARGIN, y, { width: 380, lineBreak: false });
    doc.text(pageLabel(i - range.start + 1, range.count), doc.page.width - MARGIN - 110, y, { width: 110, align: 'right', lineBreak: false });
    // The template's footer line, under the statement's own.
    if (note) doc.text(fit(doc, note, doc.page.width - 2 * MARGIN), MARGIN, y + 11, { width: doc.page.width - 2 * MARGIN, lineBreak: false });
    if (provisional) {
      doc.save();
      doc.rotate(-35, { origin: [doc.page.width / 2, doc.page.height / 2] });
      doc.font('bold').fontSize(72).fillColor('#C0392B').fillOpacity(0.12);
      doc.text(typeof provisional === 'string' ? provisional : 'PROVISIONAL', 0, doc.page.height / 2 - 40, { width: doc.page.width, align: 'center', lineBreak: false });
      doc.restore();
      doc.fillOpacity(1);
    }
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

