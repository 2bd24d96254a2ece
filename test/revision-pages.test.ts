import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { publishTrueUp, runCli, tempDir } from './helpers/cli.js';
import { cellCents, pdfText, readXlsx } from './helpers/readers.js';

// What page 1 says a document does with its total: a first issue charges it, a revision charges
// only its difference on a later statement, a roll-up charges nothing. Read back with pdftotext.

interface CostCenter {
  readonly code: string;
  readonly statementNumber: string | null;
  readonly billedCents: string;
  readonly adjustments: ReadonlyArray<{ readonly reference: string; readonly cents: string }>;
}
const costCenters = (dir: string) => (JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { costCenters: CostCenter[] }).costCenters;
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
/**
 * Text as one line of words: the PROVISIONAL watermark's letters (each on a line of its own) left
 * out, and a statement number wrapped after one of its hyphens, or a sign wrapped before its
 * amount, joined again.
 */
const words = (text: string) => text.replace(/^\s*[A-Z]\s*$/gm, '').replace(/-\n\s*/g, '-').replace(/\+\n\s*\$/g, '+$').replace(/\s+/g, ' ');
const page1 = (path: string) => words(pdfText(path).split('\f')[0]!);
/**
 * The same in reading order (no -layout): a paragraph's lines stay in order where the PROVISIONAL
 * watermark crosses them (pdftotext then joins a word wrapped at a hyphen without it).
 */
const flowing = (path: string, pages = 1) => words(execFileSync('pdftotext', ['-l', String(pages), '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' }));

/** en-GB dollars, written out here rather than with the tool's own formatter. */
function usd(cents: bigint): string {
  const abs = cents < 0n ? -cents : cents;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0n ? '-' : ''}$${whole}.${(abs % 100n).toString().padStart(2, '0')}`;
}

const PAYMENT = 'This amount is charged to the cost center by internal transfer at month end.';

describe('page 1 of a revision, a roll-up and a provisional statement', () => {
  let out: string;
  beforeAll(async () => {
    out = tempDir();
    // September provisional on 5 October, its final figures as revision 2 on 25 November, October provisional the same day.
    await publishTrueUp(out);
  }, 120_000);

  it('a revision names what it replaces (amount, status, date), the difference and the statement that charges it', () => {
    const first = costCenters(join(out, '2026-09'));
    const revised = costCenters(join(out, '2026-09.r2'));
    const october = costCenters(join(out, '2026-10'));
    let checked = 0;
    for (const cc of revised.filter((c) => c.statementNumber !== null)) {
      const before = first.find((c) => c.code === cc.code)!;
      const difference = BigInt(cc.billedCents) - BigInt(before.billedCents);
      const path = join(out, '2026-09.r2', 'statements', `${cc.code}.pdf`);
      expect(page1(path)).toContain(`Revised total for the period Total ${usd(BigInt(cc.billedCents))}`);
      // A FINAL revision has no watermark: the layout text keeps its paragraphs whole.
      const text = page1(path);
      expect(text).toContain(`Revision 2 of CB-2026-09-${cc.code}: replaces ${before.statementNumber} (${usd(BigInt(before.billedCents))}, PROVISIONAL, issued 5 October 2026).`);
      if (difference === 0n) {
        expect(text).toContain('The total is unchanged; nothing further is charged.');
      } else {
        const sign = difference > 0n ? '+' : '';
        const verb = difference > 0n ? 'charged' : 'credited';
        expect(text).toContain(`The difference, ${sign}${usd(difference)}, is ${verb} on the October 2026 statement (CB-2026-10-${cc.code}); this statement is not charged again.`);
        // And October does carry exactly that difference for the cost center.
        const carried = october.find((c) => c.code === cc.code)!.adjustments.filter((a) => a.reference.includes('2026-09')).reduce((t, a) => t + BigInt(a.cents), 0n);
        expect(carried).toBe(difference);
        checked += 1;
      }
      // The template's payment text says the amount is charged: not on a revision.
      expect(text).not.toContain(PAYMENT);
    }
    expect(checked).toBeGreaterThan(3);
    // A first issue keeps the template's text and says nothing of revisions.
    const plain = page1(join(out, '2026-09', 'statements', 'ENG-APP.pdf'));
    expect(plain).toContain(PAYMENT);
    expect(plain).toContain('Total for the period');
    expect(plain).not.toContain('Revision');
    // The manifest records what page 1 needs, so verify re-derives it offline.
    expect(manifestOf(join(out, '2026-09.r2'))).toMatchObject({ revisesIssuedAt: '2026-10-05T09:00:00Z', differenceChargedOn: '2026-10' });
    expect(manifestOf(join(out, '2026-09'))).toMatchObject({ revisesIssuedAt: null, differenceChargedOn: null });
  });

  it("page 1 of a revision and the carrying month's adjustment give the reasons `chargeback diff` gives", async () => {
    const diff = await runCli(['diff', '--period', '2026-09.r2', '--out', out]);
    expect(diff.code).toBe(0);
    // diff's reasons per cost center: "ENG-APP: $a → $b (…)" then "  - reason" lines.
    const reasons = new Map<string, string[]>();
    let code = '';
    for (const line of diff.stdout.split('\n')) {
      const head = /^([A-Z][A-Z0-9-]*): \$/.exec(line);
      if (head) reasons.set((code = head[1]!), []);
      else if (line.startsWith('  - ') && code) reasons.get(code)!.push(line.slice(4));
    }
    let checked = 0;
    for (const cc of costCenters(join(out, '2026-10')).filter((c) => c.adjustments.length > 0)) {
      const why = reasons.get(cc.code)!;
      expect(why.length).toBeGreaterThan(0);
      const revision = page1(join(out, '2026-09.r2', 'statements', `${cc.code}.pdf`));
      expect(revision).toContain(`this statement is not charged again. What changed: ${why.slice(0, 5).join('; ')}.`);
      const carrying = flowing(join(out, '2026-10', 'statements', `${cc.code}.pdf`), 2);
      for (const a of cc.adjustments) {
        const cents = BigInt(a.cents);
        expect(carrying).toContain(`${a.reference}: ${cents > 0n ? '+' : ''}${usd(cents)}, the change in an earlier month's figures not charged before. What changed: ${why.slice(0, 2).join('; ')}.`);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  it("the summary workbook gives carried adjustments a column of their own, apart from shares, seats and markup", () => {
    const sheet = readXlsx(join(out, '2026-10', 'summary.xlsx'))[0]!;
    const header = (title: string) => sheet.cells.find((c) => c.ref.endsWith('1') && c.ref.length === 2 && c.value === title)!.ref[0]!;
    const [code, total, shared, carried] = ['Code', 'Statement total (USD)', 'of which shared, seats, markup (USD)', 'of which carried adjustments (USD)'].map(header);
    const data = JSON.parse(readFileSync(join(out, '2026-10', 'chargeback.json'), 'utf8')) as { costCenters: Array<CostCenter & { directCents: string }> };
    let checked = 0;
    for (const cc of data.costCenters.filter((c) => c.statementNumber !== null)) {
      const row = sheet.cells.find((c) => c.ref.startsWith(code!) && c.value === cc.code)!.ref.slice(1);
      const at = (col: string) => cellCents(sheet.cells.find((c) => c.ref === `${col}${row}`));
      const adjustments = cc.adjustments.reduce((t, a) => t + BigInt(a.cents), 0n);
      expect(at(total!)).toBe(BigInt(cc.billedCents));
      expect(at(carried!)).toBe(adjustments);
      expect(at(shared!)).toBe(BigInt(cc.billedCents) - BigInt(cc.directCents) - adjustments);
      if (adjustments !== 0n) checked += 1;
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('a roll-up says "for information, not charged" where a direct statement says it is charged', () => {
    for (const month of ['2026-09', '2026-09.r2', '2026-10']) {
      const path = join(out, month, 'statements', 'rollup', 'ENG.pdf');
      expect(page1(path)).toMatch(/For information, not charged Total \$[\d,]+\.\d\d/);
      const text = flowing(path);
      expect(text).toContain('For information, not charged: this roll-up adds up the statements of ENG and the cost centers below it, which charge these amounts to each cost center.');
      expect(text).not.toContain(PAYMENT);
      expect(text).not.toContain('Revision 2 of');
    }
  });

  it('a provisional statement says when its final one is due; a final one does not', () => {
    expect(page1(join(out, '2026-10', 'statements', 'ENG-APP.pdf'))).toContain("Final statement due on or after 1 December 2026 (the provider's revision window)");
    expect(page1(join(out, '2026-09', 'statements', 'ENG-APP.pdf'))).toContain('Final statement due on or after 31 October 2026');
    expect(page1(join(out, '2026-09.r2', 'statements', 'ENG-APP.pdf'))).not.toContain('Final statement due');
  });

  it('the revision and the month carrying it verify: page 1 is re-derived from the recorded pages and manifest', async () => {
    for (const month of ['2026-09.r2', '2026-10']) {
      const r = await runCli(['verify', join(out, month)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  }, 120_000);
});

describe('what a revision says in the cases around it', () => {
  const run = (out: string, ...args: string[]) => runCli(['run', '--sandbox', '--out', out, ...args]);

  it('a statement whose total did not change still says what it replaces, and that nothing further is charged', async () => {
    // GA-OPS has no people: its only charge is a fixed fee, the same in both issues.
    const text = readFileSync('mappings/org.yaml', 'utf8')
      .replace('cost_centers:\n', 'cost_centers:\n  - code: GA-OPS\n    name: "Office Operations"\n    owner: { name: "Ada Ops", email: ada.ops@acme.example }\n')
      .replace('pools:\n', 'pools:\n  - name: "Office fee"\n    amount: "100.00"\n    split: even\n    to: [GA-OPS]\n');
    const directory = join(tempDir(), 'org.yaml');
    writeFileSync(directory, text);
    const out = tempDir();
    expect((await run(out, '--period', '2026-09', '--provisional', '--now', '2026-10-05T09:00:00Z', '--directory', directory)).code).toBe(0);
    expect((await run(out, '--period', '2026-09', '--now', '2026-11-25T09:00:00Z', '--directory', directory)).code).toBe(0);
    const ops = costCenters(join(out, '2026-09.r2')).find((c) => c.code === 'GA-OPS')!;
    expect(ops.billedCents).toBe('10000');
    const page = page1(join(out, '2026-09.r2', 'statements', 'GA-OPS.pdf'));
    expect(page).toContain('Revised total for the period Total $100.00');
    expect(page).toContain('Revision 2 of CB-2026-09-GA-OPS: replaces CB-2026-09-GA-OPS ($100.00, PROVISIONAL, issued 5 October 2026). The total is unchanged; nothing further is charged.');
    expect(page).not.toContain(PAYMENT);
  }, 120_000);

  it('a month finalized after a later month was issued names the first month not issued yet, and that month carries it', async () => {
    const out = tempDir();
    expect((await run(out, '--period', '2026-09', '--provisional', '--now', '2026-10-05T09:00:00Z')).code).toBe(0);
    // November is issued before October (a skipped month).
    expect((await run(out, '--period', '2026-11', '--provisional', '--now', '2026-12-05T09:00:00Z')).code).toBe(0);
    expect((await run(out, '--period', '2026-09', '--now', '2026-12-06T09:00:00Z')).code).toBe(0);
    expect(manifestOf(join(out, '2026-09.r2'))).toMatchObject({ differenceChargedOn: '2026-10' });
    const page = page1(join(out, '2026-09.r2', 'statements', 'ENG-APP.pdf'));
    expect(page).toContain('is charged on the October 2026 statement (CB-2026-10-ENG-APP) (or on a revision of a month issued since, if that is issued first); this statement is not charged again.');
    expect((await run(out, '--period', '2026-10', '--provisional', '--now', '2026-12-07T09:00:00Z')).code).toBe(0);
    const october = costCenters(join(out, '2026-10')).find((c) => c.code === 'ENG-APP')!;
    expect(october.adjustments.map((a) => a.reference)).toEqual(['CB-2026-09-ENG-APP \u2192 CB-2026-09-ENG-APP-R2']);
    // November's trend lists the months with a statement and names the others once.
    const november = flowing(join(out, '2026-11', 'statements', 'ENG-APP.pdf'), 2);
    expect(november).toContain('No statement was published for June 2026, July 2026, August 2026, October 2026.');
    expect(november).not.toContain('not published');
  }, 120_000);

  it("refuses an older issue's pages (--from-raw) that would undo newer figures, and a clock before a revision it would carry", async () => {
    const out = tempDir();
    await publishTrueUp(out);
    const before = readdirSync(out).sort();
    const old = await runCli(['run', '--from-raw', join(out, '2026-09', 'raw'), '--out', out, '--now', '2026-11-26T09:00:00Z']);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain(`before the data of its latest issue, ${join(out, '2026-09.r2')}`);
    expect(old.stderr).toContain(`--from-raw ${join(out, '2026-09.r2', 'raw')}`);
    // November dated before September's revision 2 and October's issue (both 25 November) would read figures not yet made.
    const early = await run(out, '--period', '2026-11', '--provisional', '--now', '2026-11-20T09:00:00Z');
    expect(early.code).toBe(2);
    expect(early.stderr).toContain(`error: This run's clock (2026-11-20T09:00:00Z) is earlier than ${join(out, '2026-09.r2')} (issued 2026-11-25T09:00:00Z), whose figures 2026-11 reads (its trend and the corrections it carries).`);
    expect(readdirSync(out).sort()).toEqual(before);
  }, 120_000);
});

