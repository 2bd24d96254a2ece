import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { barChartHeight, drawBarChart, drawTrendChart, niceStep, NO_DATA, type Bar, type Box, type ChartColours, type TrendPoint } from '../src/render/charts.js';
import { finishDocument, MARGIN, newDocument } from '../src/render/statement-pdf.js';
import { decodePng, pixel, type RgbImage } from './helpers/png.js';
import { tempDir } from './helpers/cli.js';

/** Read back with tools other than PDFKit: poppler (pdftotext, pdftoppm) and qpdf. */
const pdfText = (path: string): string => execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });
const qpdfCheck = (path: string): string => execFileSync('qpdf', ['--check', path], { encoding: 'utf8' });

const CLOCK = new Date('2026-10-01T08:00:00Z');
const DPI = 50;
const PX = DPI / 72;

/** Pure, well separated colours so that each can be told apart in the raster. */
const COLOURS: ChartColours = { bar: '#0000FF', negative: '#FF0000', text: '#000000', muted: '#00A000', grid: '#C0C0C0' };

/** cents → "$1,234.56" / "−$600.00" (U+2212), exactly, without numbers. */
function money(cents: bigint): string {
  const a = cents < 0n ? -cents : cents;
  const whole = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0n ? '\u2212' : ''}$${whole}.${(a % 100n).toString().padStart(2, '0')}`;
}

const BARS: readonly Bar[] = [
  { label: 'Claude Opus 4.1', cents: 250_000n, display: money(250_000n) },
  { label: 'Claude Sonnet 4.5', cents: 125_000n, display: money(125_000n) },
  { label: 'Claude Haiku 4.5', cents: 0n, display: money(0n) },
  { label: 'Credits returned', cents: -60_000n, display: money(-60_000n) },
  { label: 'Other (3 more)', cents: 37_551n, display: '375,51 $' },
];

const TREND: readonly TrendPoint[] = [
  { label: 'Apr 2026', cents: 180_000n, display: money(180_000n) },
  { label: 'May 2026', cents: null, display: NO_DATA },
  { label: 'Jun 2026', cents: -90_000n, display: money(-90_000n) },
  { label: 'Jul 2026', cents: 90_000n, display: money(90_000n) },
  { label: 'Aug 2026', cents: 0n, display: money(0n) },
  { label: 'Sep 2026', cents: 310_000n, display: money(310_000n), highlight: true },
];

const WIDTH = 595.28 - 2 * MARGIN;
const BAR_BOX: Box = { x: MARGIN, y: 80, width: WIDTH, height: 26 + BARS.length * 16 };
const TREND_BOX: Box = { x: MARGIN, y: 260, width: WIDTH, height: 150 };

interface Rendered {
  readonly pdf: Buffer;
  readonly barUsed: number;
  readonly trendUsed: number;
  readonly axisCalls: readonly bigint[];
  readonly after: { x: number; y: number };
}

async function render(): Promise<Rendered> {
  const doc = newDocument('Charts', 'Example Corp', CLOCK);
  doc.font('bold').fontSize(11).text('Chart test', MARGIN, MARGIN);
  const barUsed = drawBarChart(doc, BAR_BOX, 'Direct usage by model', BARS, COLOURS);
  const axisCalls: bigint[] = [];
  const trendUsed = drawTrendChart(doc, TREND_BOX, 'Billed per month, Apr 2026 to Sep 2026', TREND, COLOURS, {
    formatAxis: (c) => {
      axisCalls.push(c);
      return money(c);
    },
  });
  const after = { x: doc.x, y: doc.y };
  const pdf = await finishDocument(doc, 'Example Corp \u00b7 CB-TEST', false);
  return { pdf, barUsed, trendUsed, axisCalls, after };
}

function rasterise(dir: string, pdfPath: string): RgbImage {
  execFileSync('pdftoppm', ['-r', String(DPI), '-png', '-f', '1', '-l', '1', pdfPath, join(dir, 'page')]);
  const png = readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.png'));
  if (!png) throw new Error('pdftoppm wrote no PNG');
  return decodePng(readFileSync(join(dir, png)));
}

type Hue = 'blue' | 'red' | 'green';

/** How much of `hue` the pixel holds over white (0 none … 1 solid), or 0 when it is another colour. */
function coverage(img: RgbImage, x: number, y: number, hue: Hue): number {
  const [r, g, b] = pixel(img, x, y);
  switch (hue) {
    case 'blue': // #0000FF over white: (255−255a, 255−255a, 255)
      return b >= 235 && Math.abs(r - g) <= 12 && r < 245 ? (255 - r) / 255 : 0;
    case 'red': // #FF0000 over white: (255, 255−255a, 255−255a)
      return r >= 235 && Math.abs(g - b) <= 12 && g < 245 ? (255 - g) / 255 : 0;
    case 'green': // #00A000 over white: (255−255a, 255−95a, 255−255a)
      return Math.abs(r - b) <= 12 && g - r >= 30 ? (255 - r) / 255 : 0;
  }
}

interface Run {
  readonly y: number;
  readonly start: number;
  readonly end: number;
  /** Coverage-weighted length in pixels (anti-aliased edges count by their share). */
  readonly length: number;
}

/** Per raster row within [top, bottom): the longest horizontal run of `hue`. */
function horizontalBands(img: RgbImage, hue: Hue, topPt: number, bottomPt: number): Run[][] {
  const rows: Array<Run | null> = [];
  for (let y = Math.floor(topPt * PX); y < Math.ceil(bottomPt * PX); y++) {
    let best: Run | null = null;
    let x = 0;
    while (x < img.width) {
      if (coverage(img, x, y, hue) === 0) {
        x++;
        continue;
      }
      const start = x;
      let length = 0;
      while (x < img.width && coverage(img, x, y, hue) > 0) length += coverage(img, x++, y, hue);
      if (!best || length > best.length) best = { y, start, end: x, length };
    }
    rows.push(best && best.length >= 3 ? best : null);
  }
  // Consecutive rows with a run form one bar.
  const bands: Run[][] = [];
  let current: Run[] = [];
  for (const r of rows) {
    if (r) current.push(r);
    else if (current.length > 0) {
      bands.push(current);
      current = [];
    }
  }
  if (current.length > 0) bands.push(current);
  return bands;
}

const bandLength = (band: readonly Run[]): number => Math.max(...band.map((r) => r.length));
const bandStart = (band: readonly Run[]): number => Math.min(...band.map((r) => r.start));
const bandEnd = (band: readonly Run[]): number => Math.max(...band.map((r) => r.end));

interface Column {
  readonly x0: number;
  readonly x1: number;
  readonly top: number;
  readonly bottom: number;
  readonly hue: Hue;
}

/** Vertical solid runs (≥ minPx tall) of the column hues in [top, bottom), grouped into columns by x. */
function columns(img: RgbImage, topPt: number, bottomPt: number, minPx = 6): Column[] {
  const y0 = Math.floor(topPt * PX);
  const y1 = Math.ceil(bottomPt * PX);
  const found: Array<{ x: number; top: number; bottom: number; hue: Hue }> = [];
  for (let x = 0; x < img.width; x++) {
    let best: { top: number; bottom: number; hue: Hue } | null = null;
    for (const hue of ['blue', 'red', 'green'] as const) {
      let y = y0;
      while (y < y1) {
        if (coverage(img, x, y, hue) < 0.5) {
          y++;
          continue;
        }
        const top = y;
        while (y < y1 && coverage(img, x, y, hue) >= 0.5) y++;
        if (y - top >= minPx && (!best || y - top > best.bottom - best.top)) best = { top, bottom: y, hue };
      }
    }
    if (best) found.push({ x, ...best });
  }
  const out: Column[] = [];
  for (const f of found) {
    const last = out[out.length - 1];
    if (last && f.x === last.x1 + 1 && f.hue === last.hue) out[out.length - 1] = { ...last, x1: f.x, top: Math.min(last.top, f.top), bottom: Math.max(last.bottom, f.bottom) };
    else out.push({ x0: f.x, x1: f.x, top: f.top, bottom: f.bottom, hue: f.hue });
  }
  return out;
}

describe('charts drawn with PDFKit vector graphics, read back with poppler and qpdf', () => {
  let dir: string;
  let rendered: Rendered;
  let pdfPath: string;
  let text: string;
  let img: RgbImage;

  beforeAll(async () => {
    dir = tempDir('charts-');
    rendered = await render();
    pdfPath = join(dir, 'charts.pdf');
    writeFileSync(pdfPath, rendered.pdf);
    text = pdfText(pdfPath);
    img = rasterise(dir, pdfPath);
  });

  it('is a valid PDF (qpdf --check) of one page', () => {
    expect(qpdfCheck(pdfPath)).toContain('No syntax or stream encoding errors found');
    expect(execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' })).toMatch(/Pages:\s+1\n/);
  });

  it('shows every bar label and display text, in the order given, each display on its label\u2019s line', () => {
    const lines = text.split('\n');
    const titleAt = lines.findIndex((l) => l.includes('Direct usage by model'));
    expect(titleAt).toBeGreaterThanOrEqual(0);
    let previous = titleAt;
    for (const b of BARS) {
      const at = lines.findIndex((l, i) => i > titleAt && l.includes(b.label));
      expect(at, b.label).toBeGreaterThan(previous);
      expect(lines[at]!.indexOf(b.display), `${b.label}: ${b.display}`).toBeGreaterThan(lines[at]!.indexOf(b.label));
      previous = at;
    }
  });

  it('shows the trend labels left to right, oldest first, every display text, and "no data" for the null month', () => {
    expect(text).toContain('Billed per month, Apr 2026 to Sep 2026');
    const labelLine = text.split('\n').find((l) => l.includes('Apr 2026') && !l.includes('Billed'));
    expect(labelLine).toBeDefined();
    const positions = TREND.map((p) => labelLine!.indexOf(p.label));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const p of TREND) expect(text, p.display).toContain(p.display);
    // "no data" printed once, in the placeholder (the display "no data" is not repeated above it).
    expect(text.split(NO_DATA).length - 1).toBe(1);
  });

  it('labels gridlines only with formatAxis texts at exact multiples of one nice step, zero included', () => {
    const calls = rendered.axisCalls;
    expect(calls).toContain(0n);
    const sorted = [...calls].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const step = sorted[1]! - sorted[0]!;
    expect(step > 0n).toBe(true);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBe(step);
    expect(sorted[0]! <= -90_000n && sorted[sorted.length - 1]! >= 310_000n).toBe(true);
    for (const c of calls) expect(text).toContain(money(c));
  });

  it('bar lengths are proportional to the amounts (2x value: 2x pixels, within 2 px)', () => {
    const blue = horizontalBands(img, 'blue', BAR_BOX.y, BAR_BOX.y + rendered.barUsed);
    // Zero draws no bar: Opus, Sonnet, Other.
    expect(blue).toHaveLength(3);
    const [opus, sonnet, other] = blue.map(bandLength) as [number, number, number];
    expect(Math.abs(opus - 2 * sonnet)).toBeLessThanOrEqual(2);
    // 375.51 against 2,500.00 and 600.00 negative: within 2 px of the exact share of the span.
    expect(Math.abs(other - (opus * 37_551) / 250_000)).toBeLessThanOrEqual(2);
    // All positive bars start at one zero axis.
    const starts = blue.map(bandStart);
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThanOrEqual(1);
  });

  it('draws the negative bar in the negative colour, left of where the positive bars start', () => {
    const blue = horizontalBands(img, 'blue', BAR_BOX.y, BAR_BOX.y + rendered.barUsed);
    const red = horizontalBands(img, 'red', BAR_BOX.y, BAR_BOX.y + rendered.barUsed);
    expect(red).toHaveLength(1);
    const negative = red[0]!;
    expect(bandEnd(negative)).toBeLessThanOrEqual(Math.min(...blue.map(bandStart)) + 1);
    // Fourth row: below the second positive bar and above the third.
    expect(negative[0]!.y).toBeGreaterThan(blue[1]![0]!.y);
    expect(negative[0]!.y).toBeLessThan(blue[2]![0]!.y);
    // 600.00 against 2,500.00.
    expect(Math.abs(bandLength(negative) - (bandLength(blue[0]!) * 60_000) / 250_000)).toBeLessThanOrEqual(2);
  });

  it('the tallest trend column belongs to the largest value, in the bar colour; the others are muted', () => {
    const cols = columns(img, TREND_BOX.y, TREND_BOX.y + rendered.trendUsed);
    // Apr, Jun (negative), Jul, Sep: the null month has a dashed outline only, the zero month nothing.
    expect(cols.map((c) => c.hue)).toEqual(['green', 'green', 'green', 'blue']);
    const heights = cols.map((c) => c.bottom - c.top);
    const tallest = heights.indexOf(Math.max(...heights));
    expect(tallest).toBe(3);
    const [apr, jun, jul, sep] = cols as [Column, Column, Column, Column];
    // Columns are left to right in month order, one baseline: Jun hangs below it.
    expect(apr.x1 < jun.x0 && jun.x1 < jul.x0 && jul.x1 < sep.x0).toBe(true);
    expect(Math.abs(apr.bottom - sep.bottom)).toBeLessThanOrEqual(1);
    expect(jun.top).toBeGreaterThanOrEqual(sep.bottom - 1);
    // Heights in proportion (within 2 px): 1,800 : 900 : 900 (below zero) : 3,100.
    const unit = (sep.bottom - sep.top) / 310_000;
    expect(Math.abs(apr.bottom - apr.top - unit * 180_000)).toBeLessThanOrEqual(2);
    expect(Math.abs(jul.bottom - jul.top - unit * 90_000)).toBeLessThanOrEqual(2);
    expect(Math.abs(jun.bottom - jun.top - unit * 90_000)).toBeLessThanOrEqual(2);
  });

  it('restores the document state and reports the heights it used', () => {
    expect(rendered.after.x).toBe(MARGIN);
    expect(rendered.after.y).toBeCloseTo(TREND_BOX.y + rendered.trendUsed, 6);
    expect(rendered.barUsed).toBeLessThanOrEqual(BAR_BOX.height);
    expect(rendered.trendUsed).toBe(TREND_BOX.height);
  });

  it('same inputs give byte-identical PDFs', async () => {
    const again = await render();
    expect(again.pdf.equals(rendered.pdf)).toBe(true);
  });
});

describe('chart edge cases', () => {
  async function single(draw: (doc: PDFKit.PDFDocument) => number): Promise<{ text: string; used: number; path: string; after: { x: number; y: number } }> {
    const doc = newDocument('Edge', 'Example Corp', CLOCK);
    const used = draw(doc);
    const after = { x: doc.x, y: doc.y };
    const path = join(tempDir('charts-edge-'), 'edge.pdf');
    writeFileSync(path, await finishDocument(doc, 'edge', false));
    expect(qpdfCheck(path)).toContain('No syntax or stream encoding errors found');
    return { text: pdfText(path), used, path, after };
  }

  it('all-zero bars, a long label truncated with \u2026, a note, and nothing wraps', async () => {
    const long = 'A very long spender name that cannot possibly fit into the label column of the chart';
    const bars: Bar[] = [
      { label: long, cents: 0n, display: '$0.00', note: '12 people' },
      { label: 'Short', cents: 0n, display: '0,00 \u20ac' },
    ];
    const r = await single((doc) => drawBarChart(doc, { x: MARGIN, y: 100, width: WIDTH, height: 60 }, 'All zero', bars, COLOURS));
    expect(r.used).toBe(barChartHeight(2));
    expect(r.after).toEqual({ x: MARGIN, y: 100 + barChartHeight(2) });
    expect(r.text).toMatch(/A very long spender name[^\n]*\u2026/);
    expect(r.text).not.toContain(long);
    expect(r.text).toContain('$0.00');
    expect(r.text).toContain('0,00 \u20ac');
    expect(r.text).toContain('12 people');
  });

  it('a narrow box keeps every display text whole and clear of the bars', async () => {
    const bars: Bar[] = [
      { label: 'Big', cents: 123_456_789_012n, display: 'USD 1,234,567,890.12 (estimate)' },
      { label: 'Small', cents: 1n, display: 'USD 0.01 (estimate)' },
    ];
    const r = await single((doc) => drawBarChart(doc, { x: MARGIN, y: 100, width: 220, height: 60 }, 'Narrow', bars, COLOURS));
    for (const b of bars) expect(r.text).toContain(b.display);
    // No text drawn over the bar: it is one solid run, and the text (dark pixels) lies right of it.
    const dir = tempDir('charts-narrow-');
    const img = rasterise(dir, r.path);
    const [big] = horizontalBands(img, 'blue', 100, 100 + r.used);
    expect(big).toBeDefined();
    const mid = big![Math.floor(big!.length / 2)]!;
    expect(mid.length).toBeGreaterThanOrEqual(mid.end - mid.start - 1);
    const dark = (x: number) => pixel(img, x, mid.y).every((v) => v < 200);
    const darkRight = Array.from({ length: Math.ceil((MARGIN + 220) * PX) - mid.end }, (_, i) => mid.end + i).filter(dark);
    expect(darkRight.length).toBeGreaterThan(5);
  });

  it('an empty bar set prints the title and "no data"', async () => {
    const r = await single((doc) => drawBarChart(doc, { x: MARGIN, y: 100, width: WIDTH, height: 40 }, 'Nothing here', [], COLOURS));
    expect(r.text).toContain('Nothing here');
    expect(r.text).toContain(NO_DATA);
  });

  it('a chart at the foot of the page and a short box never add a page', async () => {
    const many: Bar[] = Array.from({ length: 8 }, (_, i) => ({ label: `Row ${i + 1}`, cents: BigInt(i * 1000 - 2000), display: money(BigInt(i * 1000 - 2000)) }));
    const r = await single((doc) => drawBarChart(doc, { x: MARGIN, y: 841.89 - 70 - 110, width: WIDTH, height: 110 }, 'Squeezed', many, COLOURS));
    expect(r.used).toBeLessThanOrEqual(110);
    expect(r.used).toBeLessThan(barChartHeight(8));
    expect(execFileSync('pdfinfo', [r.path], { encoding: 'utf8' })).toMatch(/Pages:\s+1\n/);
    for (const b of many) expect(r.text).toContain(b.display);
  });

  it('a trend of only negative and null months, twelve of them, without axis labels', async () => {
    const points: TrendPoint[] = Array.from({ length: 14 }, (_, i) => ({
      label: `M${String(i + 1).padStart(2, '0')}`,
      cents: i % 4 === 1 ? null : BigInt(-(i + 1) * 12_345),
      display: i % 4 === 1 ? '\u2014' : money(BigInt(-(i + 1) * 12_345)),
      highlight: i === 13,
    }));
    const r = await single((doc) => drawTrendChart(doc, { x: MARGIN, y: 100, width: WIDTH, height: 150 }, 'Credits', points, COLOURS));
    expect(r.used).toBe(150);
    const labelLine = r.text.split('\n').find((l) => l.includes('M03'))!;
    // The two oldest are dropped; the rest left to right.
    expect(labelLine).not.toContain('M01');
    expect(labelLine).not.toContain('M02');
    const shown = points.slice(2);
    const positions = shown.map((p) => labelLine.indexOf(p.label));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const p of shown) if (p.cents !== null) expect(r.text).toContain(p.display);
    expect(r.text.split(NO_DATA).length - 1).toBe(shown.filter((p) => p.cents === null).length);
  });

  it('an all-null trend draws placeholders only', async () => {
    const points: TrendPoint[] = ['Jul', 'Aug', 'Sep'].map((label) => ({ label, cents: null, display: NO_DATA }));
    const r = await single((doc) => drawTrendChart(doc, { x: MARGIN, y: 100, width: WIDTH, height: 120 }, 'Nothing published', points, COLOURS, { formatAxis: money }));
    expect(r.text.split(NO_DATA).length - 1).toBe(3);
    expect(r.text).toContain('$0.00');
  });

  it('nice steps are 1, 2 or 5 \u00d7 10^k cents', () => {
    expect(niceStep(335_000n)).toBe(100_000n);
    expect(niceStep(310_000n)).toBe(100_000n);
    expect(niceStep(80_000n)).toBe(20_000n);
    expect(niceStep(7n)).toBe(2n);
    expect(niceStep(1n)).toBe(1n);
    expect(niceStep(0n)).toBe(1n);
    expect(niceStep(10n ** 30n)).toBe(5n * 10n ** 29n);
  });
});
