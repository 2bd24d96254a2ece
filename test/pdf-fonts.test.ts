import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
