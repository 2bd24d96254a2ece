import { describe, expect, it } from 'vitest';
import { allocate } from '../src/core/allocate.js';
import { focusRows } from '../src/core/focus.js';
import { journalLines } from '../src/core/journal.js';

const FINAL_ISSUE = { status: 'FINAL', documentDate: '2026-10-31', differenceChargedOn: null, replaced: null } as const;
import { sumMoney } from '../src/core/money.js';
import { parsePeriod } from '../src/core/period.js';
import { reconcile } from '../src/core/reconcile.js';
import { buildStatements } from '../src/core/statements.js';
import { parseDirectory } from '../src/io/directory-file.js';
import { directory, row, user } from './helpers/rows.js';

const sep = parsePeriod('2026-09')!;
const person = (email: string, costCenter: string, from: string | null = null, to: string | null = null) => ({ email, userId: null, name: email.split('@')[0]!, costCenter, from, to });

describe('seats and markup', () => {
  const d = directory({
    seatPriceCents: '2999',
    markup: { percent: '5', overrides: [{ code: 'ENG', percent: '10' }] },
    people: [
      person('ana@acme.example', 'ENG-PLAT'),
      person('bo@acme.example', 'ENG-APP'),
      person('cy@acme.example', 'ENG-PLAT', null, '2026-09-14'),
      person('cy@acme.example', 'ENG-APP', '2026-09-15'),
      person('di@acme.example', 'IT', '2026-09-21'),
    ],
  });
  const rows = [row(user('user_ana', 'ana@acme.example'), '1000'), row(user('user_bo', 'bo@acme.example'), '2000')];

  it('prorates seats by day and applies the markup that the cost center inherits, exactly', () => {
    const a = allocate(rows, d, sep);
    // Seat-months: ENG-PLAT 1 + 14/30, ENG-APP 1 + 16/30, IT 10/30 at $29.99: 4398.53… / 4598.46… / 999.66…
    // → 9996.66… rounds to 9997; floors 9995, the two cents to the largest remainders (IT .66, ENG-PLAT .53).
    // Markup on direct + seats: ENG-* inherit 10 %, IT 5 %: 539.9 / 659.8 / 50 → 1249.7 rounds to 1250;
    // floors 1248, the two cents to ENG-PLAT (.9) and ENG-APP (.8).
    const view = Object.fromEntries(a.costCenters.map((c) => [c.code, [c.directCents, c.seatMonths, c.seatCents, c.markupPercent, c.markupCents, c.billedCents]]));
    expect(view).toEqual({
      ENG: [0n, '0.0000', 0n, '10', 0n, 0n],
      'ENG-PLAT': [1000n, '1.4667', 4399n, '10', 540n, 5939n],
      'ENG-APP': [2000n, '1.5333', 4598n, '10', 660n, 7258n],
      IT: [0n, '0.3333', 1000n, '5', 50n, 1050n],
    });
    expect([a.seatsCents, a.markupCents, a.extraCents]).toEqual([9997n, 1250n, 11247n]);
    const rec = reconcile(a, sumMoney(rows.map((r) => r.amountCents)));
    expect(rec.ok).toBe(true);
    expect(rec.statementsTotalCents).toBe('14247');
  });

  it('shows seats and markup as charges, and books them in the journal and FOCUS', () => {
    const a = allocate(rows, d, sep);
    const it = buildStatements(a, { company: 'c', status: 'FINAL', dataAsOf: null, issuedAt: 'now', sourceEndpoint: 'e', directorySha256: 'x', toolVersion: '0', seatPriceCents: '2999' }).find((s) => s.code === 'IT')!;
    expect(it.breakdowns[0]!.rows.map((r) => [r.label, r.cents])).toEqual([
      ['Direct usage', 0n],
      ['Seats (0.33 seat-months at $29.99, prorated by day)', 1000n],
      ['Overhead markup (5%)', 50n],
    ]);
    expect(journalLines(a, d, FINAL_ISSUE).map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['6110', '59.39', ''],
      ['6120', '72.58', ''],
      ['6300', '10.50', ''],
      ['2990', '', '30.00'],
      ['2990', '', '99.97'],
      ['4900', '', '12.50'],
    ]);
    const focus = focusRows(a, rows, d);
    expect(focus.filter((r) => r.ChargeCategory !== 'Usage').map((r) => [r.x_CostCenter, r.ChargeCategory, r.BilledCost, r.PricingUnit])).toEqual([
      ['ENG-PLAT', 'Purchase', '43.99', 'Seat-Months'],
      ['ENG-PLAT', 'Adjustment', '5.40', ''],
      ['ENG-APP', 'Purchase', '45.98', 'Seat-Months'],
      ['ENG-APP', 'Adjustment', '6.60', ''],
      ['IT', 'Purchase', '10.00', 'Seat-Months'],
      ['IT', 'Adjustment', '0.50', ''],
    ]);
  });

  it('reads seats and markup from the directory', () => {
    const { directory: parsed, problems } = parseDirectory(`company: Acme
seats: { price: "29.99" }
markup: { percent: 5, cost_centers: { ENG: "10" } }
cost_centers:
  - code: ENG
    name: Engineering
    owner: { name: Ingrid, email: ingrid@acme.example }
`, 'org.yaml');
    expect(problems).toEqual([]);
    expect([parsed!.seatPriceCents, parsed!.markup]).toEqual(['2999', { percent: '5', overrides: [{ code: 'ENG', percent: '10' }] }]);
  });
});
