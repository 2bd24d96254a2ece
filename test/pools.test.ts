import { describe, expect, it } from 'vitest';
import { allocate } from '../src/core/allocate.js';
import type { Pool } from '../src/core/directory.js';
import { journalLines } from '../src/core/journal.js';

const FINAL_ISSUE = { status: 'FINAL', documentDate: '2026-10-31', differenceChargedOn: null, replaced: null } as const;
import { parsePeriod } from '../src/core/period.js';
import { reconcile } from '../src/core/reconcile.js';
import { buildStatements } from '../src/core/statements.js';
import { sumMoney } from '../src/core/money.js';
import { parseDirectory, formatProblem } from '../src/io/directory-file.js';
import { directory, row, user } from './helpers/rows.js';

const sep = parsePeriod('2026-09')!;
const pool = (p: Partial<Pool> & Pick<Pool, 'name' | 'split'>): Pool => ({ match: null, amountCents: null, to: null, note: null, ...p });
const shares = (a: ReturnType<typeof allocate>) => Object.fromEntries(a.costCenters.map((c) => [c.code, [c.directCents, c.poolShares.map((s) => s.cents), c.billedCents]]));
const ctx = { company: 'c', status: 'FINAL' as const, dataAsOf: null, issuedAt: 'now', sourceEndpoint: 'e', directorySha256: 'x', toolVersion: '0', seatPriceCents: null };

describe('shared-cost pools', () => {
  it('splits a three-way proportional pool exactly, the remainder cent to the largest remainder', () => {
    // Direct spend 100 / 200 / 400 cents; 100 cents of rows with no actor shared in proportion.
    // Exact shares 14.2857… / 28.5714… / 57.1428…: floors 14 + 28 + 57 = 99, the leftover cent goes
    // to the largest remainder (.5714…, ENG-APP).
    const d = directory({ pools: [pool({ name: 'No actor', match: { matcher: 'no_actor', value: 'true' }, split: { kind: 'proportional' }, to: ['ENG-PLAT', 'ENG-APP', 'IT'] })] });
    const rows = [
      row(user('user_ana', 'ana@acme.example'), '100'),
      row(user('user_bo', 'bo@acme.example'), '200'),
      row({ type: 'service_account_actor', serviceAccountId: 'svac_help' }, '400'),
      row(null, '60', { product: 'code_review' }),
      row(null, '40', { product: 'claude_tag' }),
    ];
    const a = allocate(rows, d, sep);
    expect(a.sourceTotalCents).toBe(800n);
    expect(shares(a)).toEqual({ ENG: [0n, [], 0n], 'ENG-PLAT': [100n, [14n], 114n], 'ENG-APP': [200n, [29n], 229n], IT: [400n, [57n], 457n] });
    expect(a.unmapped).toEqual([]);
    expect(reconcile(a, sumMoney(rows.map((r) => r.amountCents))).ok).toBe(true);
    const it = buildStatements(a, ctx).find((s) => s.code === 'IT')!;
    expect(it.breakdowns[0]!.rows.map((r) => [r.label, r.cents])).toEqual([
      ['Direct usage', 400n],
      ['Shared: No actor (57.00% of $1.00, by direct spend)', 57n],
    ]);
    expect(it.totalCents).toBe(457n);
    expect(it.breakdowns.slice(1).every((b) => b.rows.reduce((x, r) => x + r.cents, 0n) === 400n)).toBe(true);
  });

  it('claims rows before people and rules, and splits evenly or by fixed percentages', () => {
    const d = directory({
      pools: [
        pool({ name: 'Slack', match: { matcher: 'product', value: 'claude_tag' }, split: { kind: 'even' }, to: ['ENG-PLAT', 'ENG-APP', 'IT'] }),
        pool({ name: 'Helpdesk', match: { matcher: 'service_account_id', value: 'svac_help' }, split: { kind: 'fixed', percentages: [{ code: 'IT', percent: '50' }, { code: 'ENG-APP', percent: '33.5' }, { code: 'ENG-PLAT', percent: '16.5' }] } }),
      ],
    });
    const rows = [
      row(user('user_ana', 'ana@acme.example'), '1000'),
      row(user('user_ana', 'ana@acme.example'), '100', { product: 'claude_tag' }), // Ana's own Slack use goes to the pool
      row({ type: 'service_account_actor', serviceAccountId: 'svac_help' }, '999'),
    ];
    const a = allocate(rows, d, sep);
    // Slack 100 cents even over three: 34 / 33 / 33 (ties to the smaller code: ENG-APP < ENG-PLAT < IT).
    // Helpdesk 999 cents at 50 / 33.5 / 16.5 %: 499.5 / 334.665 / 164.835 → 499 + 334 + 164 = 997, plus 1 to
    // the .835 and 1 to the .665 remainders → 499 / 335 / 165.
    expect(shares(a)).toEqual({ ENG: [0n, [], 0n], 'ENG-PLAT': [1000n, [33n, 165n], 1198n], 'ENG-APP': [0n, [34n, 335n], 369n], IT: [0n, [33n, 499n], 532n] });
    expect(a.pools.map((p) => [p.name, p.cents, p.sourceRows.length])).toEqual([['Slack', 100n, 1], ['Helpdesk', 999n, 1]]);
  });

  it('adds a fixed monthly amount on top of the source total and keeps the journal balanced', () => {
    const d = directory({ pools: [pool({ name: 'Platform fee', amountCents: 150000n, split: { kind: 'proportional' } })] });
    const rows = [row(user('user_ana', 'ana@acme.example'), '1000'), row(user('user_bo', 'bo@acme.example'), '2000')];
    const a = allocate(rows, d, sep);
    expect(a.extraCents).toBe(150000n);
    expect(shares(a)).toEqual({ ENG: [0n, [], 0n], 'ENG-PLAT': [1000n, [50000n], 51000n], 'ENG-APP': [2000n, [100000n], 102000n], IT: [0n, [], 0n] });
    const rec = reconcile(a, sumMoney(rows.map((r) => r.amountCents)));
    expect(rec.ok).toBe(true);
    expect(rec.statementsTotalCents).toBe('153000');
    const journal = journalLines(a, d, FINAL_ISSUE);
    expect(journal.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['6110', '510.00', ''],
      ['6120', '1020.00', ''],
      ['2990', '', '30.00'],
      ['2990', '', '1500.00'],
    ]);
  });
});

/** Two cost centers, the start of every directory below. */
const base = `company: Acme
cost_centers:
  - code: ENG
    name: Engineering
    owner: { name: Ingrid, email: ingrid@acme.example }
  - code: IT
    name: IT
    owner: { name: Õnne, email: onne@acme.example }
`;

describe('pool declarations in the org directory', () => {

  it('reads a valid pool list', () => {
    const { directory: d, problems } = parseDirectory(`${base}pools:
  - name: Slack channels
    match: { no_actor: true }
    split: proportional
  - name: Platform fee
    amount: "1500.00"
    split: { fixed: { ENG: 60, IT: "40" } }
`, 'org.yaml');
    expect(problems).toEqual([]);
    expect(d!.pools).toEqual([
      { name: 'Slack channels', match: { matcher: 'no_actor', value: 'true' }, amountCents: null, split: { kind: 'proportional' }, to: null, note: null },
      { name: 'Platform fee', match: null, amountCents: 150000n, split: { kind: 'fixed', percentages: [{ code: 'ENG', percent: '60' }, { code: 'IT', percent: '40' }] }, to: null, note: null },
    ]);
  });

  it('rejects fixed percentages that do not add up to 100, with line and column', () => {
    const { directory: d, problems } = parseDirectory(`${base}pools:
  - name: Security tooling
    match: { service_account_id: svac_01 }
    split: { fixed: { ENG: 60, IT: 35.5 } }
`, 'org.yaml');
    expect(d).toBeNull();
    expect(problems.map(formatProblem)).toEqual([
      'org.yaml:12:21: pools[0].split.fixed: fixed percentages add up to 95.5, expected 100. Fix: adjust the percentages so they add up to exactly 100',
    ]);
  });
});

describe('amounts written as YAML numbers', () => {
  it('are read from their exact text, never through a double', () => {
      const exact = parseDirectory(`${base}pools:
  - name: Split
    match: { no_actor: true }
    split: { fixed: { ENG: 33.33333333333333333, IT: 66.66666666666666667 } }
`, 'org.yaml');
    expect(exact.problems).toEqual([]);
    expect(exact.directory!.pools[0]!.split).toEqual({ kind: 'fixed', percentages: [{ code: 'ENG', percent: '33.33333333333333333' }, { code: 'IT', percent: '66.66666666666666667' }] });
    const price = parseDirectory(`${base}seats: { price: 29.999999999999999 }\n`, 'org.yaml');
    expect(price.problems.map(formatProblem)[0]).toContain('seats.price: found "29.999999999999999": expected a USD amount with at most two decimals');
  });
});
