import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from './helpers/cli.js';

type PdfModule = typeof import('../src/render/statement-pdf.js');
const CLOCK = new Date('2026-11-25T09:00:00Z');

/** One small document drawing the given lines with both faces. */
async function draw(pdf: PdfModule, lines: readonly string[]): Promise<Buffer> {
  const doc = pdf.newDocument('t', 'Acme', CLOCK);
  for (const line of lines) {
    doc.font('regular').text(line);
    doc.font('bold').text(line.toUpperCase());
  }
  return pdf.finishDocument(doc, 'CB-2026-09-T', false);
}

const fresh = async (): Promise<PdfModule> => {
  vi.resetModules();
  return import('../src/render/statement-pdf.js');
};

const statement = ['office_agent finn.virtanen@acme.example', 'Πέτρος Αλεξίου, Ирина Кузнецова', 'CB-2026-09-ENG-APP … $1,234.56'];
// Literal ligatures, decomposed accents and other scripts, drawn first by another document.
const other = ['\ufb01nance \ufb03ce', 'e\u0301te\u0301 Ångström', 'ε έ ὲ αι ffi fl', 'Łódź Ærø œuvre'];

describe('fonts shared by the documents of a run', () => {
  it('a document has the same bytes whether it is drawn first or after others', async () => {
    const alone = await draw(await fresh(), statement);
    const shared = await fresh();
    await draw(shared, other);
    await draw(shared, [...other].reverse());
    const after = await draw(shared, statement);
    expect(after.equals(alone)).toBe(true);
    // And the other way round.
    const otherAlone = await draw(await fresh(), other);
    const warmed = await fresh();
    await draw(warmed, statement);
    expect((await draw(warmed, other)).equals(otherAlone)).toBe(true);
  });

  it('text extracted by poppler is what was drawn: ligatures as letters, no character lost', async () => {
    const pdf = await fresh();
    await draw(pdf, other);
    const file = join(tempDir(), 'fonts.pdf');
    writeFileSync(file, await draw(pdf, statement));
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
    for (const line of statement) expect(text).toContain(line);
    expect(text).toContain('OFFICE_AGENT');
  });
});

describe('table cells drawn without the line wrapper', () => {
  // Letters, digits, spaces, hyphens, currency and percent signs, other scripts, a soft hyphen and
  // a line break: texts that fit, that barely fit, that do not fit, and that pdfkit would break.
  const alphabet = ['a', 'W', 'm', 'T', 'Y', 'V', 'o', '1', '0', ' ', '-', '-', '/', '$', ',', '.', '%', '@', '_', 'é', 'Ж', 'λ', 'ﬁ', '\u00ad', '\n', '…', 'x'];
  type Cell = { text: string; width: number; align: 'left' | 'right'; size: number; bold: boolean; y: number };
  const cellCase: fc.Arbitrary<Cell> = fc.record({
    text: fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((cs) => cs.join('')),
    width: fc.integer({ min: 4, max: 300 }),
    align: fc.constantFrom('left' as const, 'right' as const),
    size: fc.constantFrom(5.5, 8.5, 9, 11),
    bold: fc.boolean(),
    // Anywhere down the page, the bottom margin included (where pdfkit's wrapper would add a page).
    y: fc.oneof(fc.integer({ min: 50, max: 800 }), fc.double({ min: 740, max: 775, noNaN: true })),
  });

  it('a cell has the bytes doc.text gives it, whatever the text, width, alignment and place', async () => {
    const pdf = await fresh();
    const render = (cells: ReadonlyArray<Cell>, fast: boolean) => {
      const doc = pdf.newDocument('cells', 'Acme', CLOCK);
      for (const c of cells) {
        doc.font(c.bold ? 'bold' : 'regular').fontSize(c.size);
        if (fast) pdf.oneLine(doc, c.text, 60, c.y, c.width, c.align);
        else doc.text(c.text, 60, c.y, { width: c.width, align: c.align, lineBreak: false });
      }
      return pdf.finishDocument(doc, 'CB-2026-09-T', false);
    };
    await fc.assert(
      fc.asyncProperty(fc.array(cellCase, { minLength: 1, maxLength: 12 }), async (cells) => {
        expect((await render(cells, true)).equals(await render(cells, false))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('text that breaks only after its spaces', () => {
  // The breaker pdfkit's line wrapper uses, from pdfkit's own dependencies.
  const LineBreaker = createRequire(createRequire(import.meta.url).resolve('pdfkit'))('linebreak') as new (text: string) => { nextBreak(): { position: number } | null };
  const letters = ['a', 'Z', 'é', 'Å', 'ß', 'ﬁ', 'ő', 'ș', 'Ł', 'λ', 'Ω', 'ά', 'Ж', 'ё', 'e\u0301', '0', '7', '1', ' ', ' ', '.', ',', '$', '%', '@', '_'];

  it('has no break opportunity but after a space, as SPACE_BREAKS_ONLY claims', async () => {
    const pdf = await fresh();
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...letters), { maxLength: 30 }).map((cs) => cs.join('')), (text) => {
        // Texts it takes (a $ only before a digit, a % only after one); the rest go through doc.text.
        fc.pre(pdf.SPACE_BREAKS_ONLY.test(text));
        const breaker = new LineBreaker(text);
        for (let bk = breaker.nextBreak(); bk; bk = breaker.nextBreak()) {
          if (bk.position < text.length) expect(text[bk.position - 1]).toBe(' ');
        }
      }),
      { numRuns: 2000 },
    );
    // The cells it is for; and what it keeps out, which does break elsewhere.
    for (const text of ['$1,234.56', '12.34%', 'ana.virtanen@acme.example', 'claude_code']) expect(pdf.SPACE_BREAKS_ONLY.test(text)).toBe(true);
    for (const text of ['Marie-Yngve', 'a/b', 'a\u2014b', '$$', '5%a', '-$3.00']) expect(pdf.SPACE_BREAKS_ONLY.test(text)).toBe(false);
  });
});

describe('words shaped once for all documents', () => {
  it('the table of shaped words is bounded, and a document drawn after has the bytes it has alone', async () => {
    const alone = await draw(await fresh(), statement);
    const pdf = await fresh();
    // More distinct words than both generations hold, drawn in both faces.
    const words = Array.from({ length: 2 * pdf.SHARED_WORDS + 500 }, (_, i) => `w${i.toString(36)}`);
    let most = 0;
    for (let i = 0; i < words.length; i += 2000) {
      await draw(pdf, [words.slice(i, i + 2000).join(' ')]);
      most = Math.max(most, pdf.sharedWordsHeld());
    }
    // Two faces, two generations each: never more than that, and the first words were let go.
    expect(most).toBeGreaterThan(2 * pdf.SHARED_WORDS);
    expect(most).toBeLessThanOrEqual(4 * pdf.SHARED_WORDS);
    expect(pdf.sharedWordsHeld()).toBeLessThan(2 * words.length);
    expect((await draw(pdf, statement)).equals(alone)).toBe(true);
  });
});
