import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawTable, finishDocument, newDocument } from '../src/render/statement-pdf.js';
import { tempDir } from './helpers/cli.js';

// Where the statements' tables break over pages, read back from the PDF with pdftotext: a header
// never stands alone at a page end, a table's last row (its total) is never carried over alone,
// and a short table is never split. Tables of many lengths start at many heights of a page.

const CLOCK = new Date('2026-11-25T09:00:00Z');

/** Per table, the rows it has on each page it appears on (in page order), and whether each of those pages shows its header. */
function layout(text: string, tables: number): Array<Array<{ rows: number; header: boolean }>> {
  const out = Array.from({ length: tables }, () => [] as Array<{ rows: number; header: boolean }>);
  for (const page of text.split('\f')) {
    for (let t = 0; t < tables; t++) {
      const rows = (page.match(new RegExp(`\\bT${t}-(R\\d+|Total)\\b`, 'g')) ?? []).length;
      const header = new RegExp(`\\bItem${t}\\b`).test(page);
      if (rows > 0 || header) out[t]!.push({ rows, header });
    }
  }
  return out;
}

describe('tables over page breaks', () => {
  it('property: no header alone, no last row alone, short tables whole', async () => {
    const dir = tempDir();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ rows: fc.integer({ min: 1, max: 110 }), gap: fc.integer({ min: 0, max: 700 }) }), { minLength: 4, maxLength: 12 }), async (tables) => {
        const doc = newDocument('t', 'c', CLOCK);
        tables.forEach((t, i) => {
          // A gap before the table moves where it starts on the page (a new page when it passes the bottom).
          doc.y = Math.min(doc.y + t.gap, doc.page.height - doc.page.margins.bottom - 1);
          const rows = Array.from({ length: t.rows }, (_, k) => (k === t.rows - 1 ? [`T${i}-Total`, '1.00'] : [`T${i}-R${k + 1}`, '1.00']));
          drawTable(doc, [{ title: `Item${i}`, width: 300 }, { title: 'Amount', width: 100, align: 'right' }], rows, { boldLast: true });
        });
        const path = join(dir, `tables-${run++}.pdf`);
        writeFileSync(path, await finishDocument(doc, 'test', false));
        const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });
        layout(text, tables.length).forEach((pages, i) => {
          const n = tables[i]!.rows;
          const where = `table ${i} (${n} rows): ${JSON.stringify(pages)}`;
          expect(pages.reduce((a, p) => a + p.rows, 0), where).toBe(n);
          // Every page it is on shows its header and at least one row under it.
          expect(pages.every((p) => p.header && p.rows >= 1), where).toBe(true);
          // A table of up to 8 rows stays on one page; a longer one starts with at least 3.
          if (n <= 8) expect(pages, where).toHaveLength(1);
          else expect(pages[0]!.rows, where).toBeGreaterThanOrEqual(3);
          // The last page of a table that continues has at least two rows: the total is not alone.
          if (pages.length > 1) expect(pages[pages.length - 1]!.rows, where).toBeGreaterThanOrEqual(2);
        });
      }),
      { numRuns: 25, seed: 20261203 },
    );
  }, 120_000);
});
