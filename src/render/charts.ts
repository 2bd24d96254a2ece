/**
 * Bar and trend charts drawn straight into a PDFKit document as vector graphics: no browser, no
 * images. Amounts stay bigint cents throughout; only the RATIO of two amounts becomes a number,
 * for geometry. Every text printed is either a caller-supplied exact text (label, display,
 * formatAxis) or a fixed word ("no data"), so the chart can never disagree with the tables.
 */

type Doc = PDFKit.PDFDocument;

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface ChartColours {
  readonly bar: string;
  readonly negative: string;
  readonly text: string;
  readonly muted: string;
  readonly grid: string;
}

export interface Bar {
  readonly label: string;
  readonly cents: bigint;
  /** The exact text the statement's table shows for this value, e.g. "$1,234.56" or "1.234,56 $". */
  readonly display: string;
  /** Printed after the display text in the muted colour, shortened with … to fit. */
  readonly note?: string;
}

export interface TrendPoint {
  readonly label: string;
  /** null: no published month. */
  readonly cents: bigint | null;
  readonly display: string;
  readonly highlight?: boolean;
}

export interface TrendOptions {
  /** When given, gridlines are labelled with formatAxis(cents) at their exact cent values. */
  readonly formatAxis?: (cents: bigint) => string;
  /** The words of a null point's placeholder, in the statement's language (default "no data"). */
  readonly noData?: string;
}

/** The words printed in a null point's placeholder. */
export const NO_DATA = 'no data';

/** Geometry constants (points). */
const TITLE_SIZE = 9;
const TITLE_H = 18;
const BAR_ROW_H = 16;
const BAR_ROW_MIN_H = 10;
const BAR_FILL = 0.62;
const TEXT_SIZE = 8;
const SMALL_SIZE = 7.5;
const MIN_SIZE = 5.5;
const GAP = 4;
const MAX_TREND_POINTS = 12;
/** Resolution of a ratio turned into a number: 1e-6 of the scale is far below a device pixel. */
const RATIO_SCALE = 1_000_000n;

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const maxOf = (values: readonly bigint[]): bigint => values.reduce((a, v) => (v > a ? v : a), 0n);

/** num / den as a number in [0, 1] for num in [0, den]; den must be positive. Amounts never become numbers. */
function ratio(num: bigint, den: bigint): number {
  if (den <= 0n) return 0;
  return Number((num * RATIO_SCALE) / den) / Number(RATIO_SCALE);
}

/** `text` shortened with … to fit `width` at the current font and size. */
function fit(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let cut = text;
  while (cut.length > 0 && doc.widthOfString(`${cut}\u2026`) > width) cut = cut.slice(0, -1);
  return cut.length > 0 ? `${cut}\u2026` : '';
}

/** The largest size from `start` down to MIN_SIZE (in 0.5pt steps) at which every text fits `width`. */
function sizeToFit(doc: Doc, font: string, texts: readonly string[], width: number, start: number): number {
  doc.font(font);
  for (let size = start; size > MIN_SIZE; size -= 0.5) {
    doc.fontSize(size);
    if (texts.every((t) => doc.widthOfString(t) <= width)) return size;
  }
  return MIN_SIZE;
}

/** One line of text at (x, y) in a box of `width`, never wrapping and never breaking the page. */
function line(doc: Doc, text: string, x: number, y: number, width: number, align: 'left' | 'center' | 'right' = 'left'): void {
  if (text === '' || width <= 0) return;
  doc.text(text, x, y, { width, align, lineBreak: false });
}

/**
 * Runs `draw` with the page's bottom margin lifted (so text near the bottom of the box cannot
 * make PDFKit start a new page), then restores the margin and the document's drawing state.
 */
function drawing(doc: Doc, box: Box, draw: () => number): number {
  const bottom = doc.page.margins.bottom;
  doc.page.margins.bottom = 0;
  let used = 0;
  try {
    used = draw();
  } finally {
    doc.page.margins.bottom = bottom;
    doc.undash();
    doc.lineWidth(1);
    doc.fillColor('black').strokeColor('black');
    doc.font('regular');
    doc.x = doc.page.margins.left;
    doc.y = box.y + used;
  }
  return used;
}

function title(doc: Doc, box: Box, text: string, colours: ChartColours): void {
  doc.font('bold').fontSize(TITLE_SIZE).fillColor(colours.text);
  line(doc, fit(doc, text, box.width), box.x, box.y, box.width);
}

/** Height that drawBarChart uses for `count` bars when the box is tall enough (22 + 16 per bar). */
export function barChartHeight(count: number): number {
  return TITLE_H + Math.max(count, 1) * BAR_ROW_H + GAP;
}

/**
 * Horizontal bars, one per row: label on the left (truncated with … to fit), bar scaled to the
 * largest |cents|, the display text right of the bar (or inside when no room). Negative values are
 * drawn left of a zero axis in `negative` colour, their display text right of the axis. Handles
 * zero and an all-zero set. Rows are 16pt high, squeezed down to 10pt when the box is shorter than
 * barChartHeight(n); the height used is returned (it exceeds box.height only when even 10pt rows
 * do not fit).
 */
export function drawBarChart(doc: Doc, box: Box, titleText: string, bars: readonly Bar[], colours: ChartColours): number {
  return drawing(doc, box, () => {
    title(doc, box, titleText, colours);
    const top = box.y + TITLE_H;
    if (bars.length === 0) {
      doc.font('regular').fontSize(SMALL_SIZE).fillColor(colours.muted);
      line(doc, NO_DATA, box.x, top + 3, box.width);
      return TITLE_H + BAR_ROW_H + GAP;
    }
    const rowH = Math.max(BAR_ROW_MIN_H, Math.min(BAR_ROW_H, (box.height - TITLE_H - GAP) / bars.length));
    const size = rowH >= 14 ? TEXT_SIZE : SMALL_SIZE;

    // Columns: [label][gap][negative span | axis | positive span][gap][value texts]
    doc.font('regular').fontSize(size);
    const labelW = Math.max(40, Math.min(box.width * 0.32, Math.max(...bars.map((b) => doc.widthOfString(b.label))) + 2));
    const rest = box.width - labelW - 2 * GAP;
    // Value texts get up to 45% of what the labels leave, in a smaller size when they need it;
    // texts even longer than that take more, up to 75% (beyond that they go inside the bars).
    const valueSize = sizeToFit(doc, 'regular', bars.map((b) => b.display), rest * 0.45 - 1, size);
    doc.font('regular').fontSize(valueSize);
    const valueW = Math.min(rest * 0.75, Math.max(...bars.map((b) => doc.widthOfString(b.display))) + 1);
    const plotX = box.x + labelW + GAP;
    const plotW = Math.max(0, rest - valueW);
    const right = box.x + box.width;

    const maxPos = maxOf(bars.map((b) => (b.cents > 0n ? b.cents : 0n)));
    const maxNeg = maxOf(bars.map((b) => (b.cents < 0n ? -b.cents : 0n)));
    const range = maxPos + maxNeg;
    const axis = plotX + ratio(maxNeg, range) * plotW;
    const length = (cents: bigint): number => ratio(abs(cents), range) * plotW;

    // The zero axis first, so that bars cover it where they start.
    doc.lineWidth(0.6).strokeColor(colours.grid);
    doc.moveTo(axis, top).lineTo(axis, top + bars.length * rowH).stroke();

    bars.forEach((b, i) => {
      const rowTop = top + i * rowH;
      const thickness = rowH * BAR_FILL;
      const barTop = rowTop + (rowH - thickness) / 2;
      doc.font('regular').fontSize(size);
      const textY = rowTop + (rowH - doc.currentLineHeight()) / 2;

      doc.fillColor(colours.text);
      line(doc, fit(doc, b.label, labelW), box.x, textY, labelW);

      const len = length(b.cents);
      const start = b.cents < 0n ? axis - len : axis;
      const end = b.cents < 0n ? axis : axis + len;
      if (len > 0) {
        doc.fillColor(b.cents < 0n ? colours.negative : colours.bar);
        doc.rect(start, barTop, len, thickness).fill();
      }

      // The display text: right of the bar; inside it (white) when the right has no room.
      doc.fontSize(valueSize);
      const valueY = rowTop + (rowH - doc.currentLineHeight()) / 2;
      const textW = doc.widthOfString(b.display);
      let textEnd: number;
      if (end + GAP + textW <= right) {
        doc.fillColor(colours.text);
        line(doc, b.display, end + GAP, valueY, textW + 1);
        textEnd = end + GAP + textW;
      } else if (len >= textW + 2 * GAP) {
        doc.fillColor('white');
        line(doc, b.display, end - GAP - textW - 1, valueY, textW + 1, 'right');
        textEnd = end;
      } else {
        doc.fillColor(colours.text);
        line(doc, b.display, right - textW - 1, valueY, textW + 1, 'right');
        textEnd = right;
      }

      if (b.note) {
        const noteX = textEnd + 2 * GAP;
        const noteW = right - noteX;
        if (noteW >= 15) {
          doc.fontSize(SMALL_SIZE).fillColor(colours.muted);
          const text = fit(doc, b.note, noteW);
          line(doc, text, noteX, rowTop + (rowH - doc.currentLineHeight()) / 2, noteW);
        }
      }
    });
    return TITLE_H + bars.length * rowH + GAP;
  });
}

/** A "nice" gridline step (1, 2 or 5 × 10^k cents) giving at most about `target` steps over `span`. */
export function niceStep(span: bigint, target = 4n): bigint {
  if (span <= 0n) return 1n;
  const raw = (span + target - 1n) / target;
  let magnitude = 1n;
  while (magnitude * 10n <= raw) magnitude *= 10n;
  for (const m of [1n, 2n, 5n]) if (m * magnitude >= raw) return m * magnitude;
  return 10n * magnitude;
}

/** floor(a / b) for b > 0 (bigint division truncates toward zero). */
const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));
const ceilDiv = (a: bigint, b: bigint): bigint => -floorDiv(-a, b);

/**
 * Vertical columns over up to 12 months, oldest left: the x label under each column, the display
 * text above each column (below it for a negative one), a baseline at zero, light gridlines at nice
 * steps (labelled only through options.formatAxis), a dashed placeholder reading "no data" for a
 * null point (the point's display text is printed above it too unless it already is "no data"),
 * the highlighted month in the bar colour (the negative colour when below zero) and the others
 * muted. Points beyond 12 are dropped from the left (oldest). Uses the whole box height; at least
 * 110pt is recommended (150pt for six months is comfortable). Returns the height used.
 */
export function drawTrendChart(doc: Doc, box: Box, titleText: string, points: readonly TrendPoint[], colours: ChartColours, options: TrendOptions = {}): number {
  return drawing(doc, box, () => {
    title(doc, box, titleText, colours);
    const noData = options.noData ?? NO_DATA;
    const shown = points.slice(-MAX_TREND_POINTS);
    if (shown.length === 0) {
      doc.font('regular').fontSize(SMALL_SIZE).fillColor(colours.muted);
      line(doc, noData, box.x, box.y + TITLE_H + 3, box.width);
      return TITLE_H + BAR_ROW_H + GAP;
    }
    const values = shown.flatMap((p) => (p.cents === null ? [] : [p.cents]));
    const maxV = maxOf(values);
    const minV = -maxOf(values.map((v) => -v));
    const step = niceStep(maxV - minV);
    const hi = maxV === minV ? 0n : ceilDiv(maxV, step) * step;
    const lo = maxV === minV ? 0n : floorDiv(minV, step) * step;
    const span = hi - lo;

    // Axis labels (optional) decide the left gutter.
    const ticks: bigint[] = [];
    if (span > 0n) for (let v = lo; v <= hi; v += step) ticks.push(v);
    else ticks.push(0n);
    const axisSize = SMALL_SIZE - 0.5;
    doc.font('regular').fontSize(axisSize);
    const axisTexts = options.formatAxis ? ticks.map((v) => options.formatAxis!(v)) : [];
    const gutter = axisTexts.length > 0 ? Math.min(box.width * 0.25, Math.max(...axisTexts.map((t) => doc.widthOfString(t))) + GAP + 1) : 0;
    const plotX = box.x + gutter;
    const plotW = box.width - gutter;
    const slot = plotW / shown.length;
    const colW = Math.min(slot * 0.6, 42);

    // Measured in bold (the wider face), so the highlighted month's bold text fits too.
    const displaySize = sizeToFit(doc, 'bold', shown.map((p) => p.display), slot - 2, TEXT_SIZE);
    const labelSize = sizeToFit(doc, 'bold', shown.map((p) => p.label), slot - 2, TEXT_SIZE);
    doc.font('regular').fontSize(displaySize);
    const textH = doc.currentLineHeight();
    doc.font('bold').fontSize(labelSize);
    const labelH = doc.currentLineHeight();

    const negatives = minV < 0n;
    const plotTop = box.y + TITLE_H + textH + 3;
    const plotBottom = Math.max(plotTop + 30, box.y + box.height - labelH - 3 - (negatives ? textH + 3 : 0));
    const plotH = plotBottom - plotTop;
    const yOf = (cents: bigint): number => (span > 0n ? plotBottom - ratio(cents - lo, span) * plotH : plotBottom);
    const baseline = yOf(0n);

    // Gridlines and their labels.
    ticks.forEach((v, i) => {
      const y = yOf(v);
      if (v !== 0n) {
        doc.lineWidth(0.4).strokeColor(colours.grid);
        doc.moveTo(plotX, y).lineTo(plotX + plotW, y).stroke();
      }
      const text = axisTexts[i];
      if (text !== undefined) {
        doc.font('regular').fontSize(axisSize).fillColor(colours.muted);
        line(doc, fit(doc, text, gutter - GAP), box.x, y - doc.currentLineHeight() / 2, gutter - GAP, 'right');
      }
    });

    shown.forEach((p, i) => {
      const slotX = plotX + i * slot;
      const colX = slotX + (slot - colW) / 2;
      if (p.cents === null) {
        // Dashed placeholder: upward from the baseline when there is room above it, else downward.
        const up = baseline - plotTop >= 20;
        const h = Math.max(12, (up ? baseline - plotTop : plotBottom - baseline) * 0.35);
        const phTop = up ? baseline - h : baseline;
        doc.dash(2, { space: 2 }).lineWidth(0.6).strokeColor(colours.muted);
        doc.rect(colX, phTop, colW, h).stroke();
        doc.undash();
        doc.font('regular').fontSize(Math.min(SMALL_SIZE, displaySize)).fillColor(colours.muted);
        line(doc, noData, slotX + 1, phTop + (h - doc.currentLineHeight()) / 2, slot - 2, 'center');
        if (p.display !== '' && p.display !== noData) {
          doc.font('regular').fontSize(displaySize).fillColor(colours.muted);
          line(doc, p.display, slotX + 1, up ? phTop - textH - 1 : phTop + h + 1, slot - 2, 'center');
        }
        return;
      }
      const y = yOf(p.cents);
      const colTop = Math.min(y, baseline);
      const colH = Math.abs(y - baseline);
      const fill = p.highlight ? (p.cents < 0n ? colours.negative : colours.bar) : colours.muted;
      if (colH > 0) {
        doc.fillColor(fill);
        doc.rect(colX, colTop, colW, colH).fill();
      }
      doc.font(p.highlight ? 'bold' : 'regular').fontSize(displaySize).fillColor(p.highlight ? colours.text : colours.muted);
      line(doc, p.display, slotX + 1, p.cents < 0n ? colTop + colH + 2 : colTop - textH - 2, slot - 2, 'center');
    });

    // The zero baseline over the columns' feet.
    doc.lineWidth(0.8).strokeColor(colours.text);
    doc.moveTo(plotX, baseline).lineTo(plotX + plotW, baseline).stroke();

    // X labels under the plot, oldest left.
    const labelY = plotBottom + (negatives ? textH + 3 : 0) + 3;
    shown.forEach((p, i) => {
      doc.font(p.highlight ? 'bold' : 'regular').fontSize(labelSize).fillColor(p.highlight ? colours.text : colours.muted);
      line(doc, fit(doc, p.label, slot - 2), plotX + i * slot + 1, labelY, slot - 2, 'center');
    });
    return Math.max(box.height, labelY + labelH - box.y);
  });
}
