/**
 * Behaviours that a mutation check found unguarded: each test here failed against a deliberate bug
 * that the rest of the suite let through (rounding mode of percentages, seat proration by a fixed
 * 30 days, adjustments-only statements, pools with nobody to share with, reconcile's line check,
 * tie-breaks of equal amounts). Pure function calls only.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, type Allocation, type CarriedAdjustment } from '../src/core/allocate.js';
import type { Pool } from '../src/core/directory.js';
import { Money, percentText, sumMoney } from '../src/core/money.js';
import { parsePeriod } from '../src/core/period.js';
import { reconcile } from '../src/core/reconcile.js';
import { buildRollups, buildStatements, CHARGES_TITLE, statementLines } from '../src/core/statements.js';
import { directory, row, user } from './helpers/rows.js';

const sep = parsePeriod('2026-09')!;
const ctx = { company: 'c', status: 'FINAL' as const, dataAsOf: null, issuedAt: 'now', sourceEndpoint: 'e', directorySha256: 'x', toolVersion: '0', seatPriceCents: null };
const person = (email: string, costCenter: string, from: string | null = null, to: string | null = null, name: string | null = null) => ({ email, userId: null, name: name ?? email.split('@')[0]!, costCenter, from, to });
const pool = (p: Partial<Pool> & Pick<Pool, 'name' | 'split'>): Pool => ({ match: null, amountCents: null, to: null, note: null, ...p });

/** part/whole as a percent with two decimals, half away from zero, in plain bigint: the reference. */
function halfUpPercent(part: bigint, whole: bigint): string {
  const negative = part < 0n !== whole < 0n && part !== 0n;
  const n = (part < 0n ? -part : part) * 10_000n;
  const w = whole < 0n ? -whole : whole;
  const q = n / w + (2n * (n % w) >= w ? 1n : 0n);
  const text = q.toString().padStart(3, '0');
  return `${negative && q !== 0n ? '-' : ''}${text.slice(0, -2)}.${text.slice(-2)}%`;
}

describe('percentages on statements round half away from zero, never half to even', () => {
  it('rounds an exact half at the third decimal up, whatever the digit before it', () => {
    // 1/800 = 0.125 %: half-even would keep the even 2 ("0.12%").
    expect(percentText(1n, 800n)).toBe('0.13%');
    expect(percentText(-1n, 800n)).toBe('-0.13%');
    expect(percentText(3n, 800n)).toBe('0.38%');
    expect(percentText(5n, 800n)).toBe('0.63%');
    expect(percentText(1n, 1600n)).toBe('0.06%');
    expect(percentText(0n, 800n)).toBe('0.00%');
    expect(percentText(1n, 0n)).toBe('0.00%');
  });

  it('shows a pool share of an exact half-hundredth of a percent rounded up in the statement', () => {
    // A fixed split of 800 cents at 0.125 % / 99.875 %: the small share is exactly 1 cent, 0.125 %.
    const d = directory({ pools: [pool({ name: 'Fee', amountCents: 800n, split: { kind: 'fixed', percentages: [{ code: 'IT', percent: '0.125' }, { code: 'ENG-PLAT', percent: '99.875' }] } })] });
    const a = allocate([row(user('user_ana', 'ana@acme.example'), '100')], d, sep);
    const it = buildStatements(a, ctx).find((s) => s.code === 'IT')!;
    expect(it.breakdowns[0]!.rows.map((r) => [r.label, r.cents, r.share])).toEqual([
      ['Direct usage', 0n, '0.00%'],
      ['Shared: Fee (0.13% of $8.00, fixed percentages)', 1n, '100.00%'],
    ]);
  });

  const anyShare = fc.tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 9n }));
  // Exactly q + ½ hundredths of a percent: part/whole = (2q + 1) / 20000.
  const exactHalf = fc.tuple(fc.bigInt({ min: -20_000n, max: 20_000n }), fc.bigInt({ min: 1n, max: 10n ** 6n })).map(([q, m]): [bigint, bigint] => [(2n * q + 1n) * m, 20_000n * m]);

  it('property: agrees with a bigint half-up reference for any part and whole, exact halves included', () => {
    fc.assert(
      fc.property(fc.oneof(anyShare, exactHalf), fc.boolean(), ([part, whole], negate) => {
        const w = negate ? -whole : whole;
        const expected = halfUpPercent(part, w);
        // A negative share that rounds to nothing prints as "-0.00%" (decimal.js keeps the sign of zero).
        if (expected === '0.00%') expect(['0.00%', '-0.00%']).toContain(percentText(part, w));
        else expect(percentText(part, w)).toBe(expected);
      }),
      { numRuns: 200, seed: 20261202 },
    );
  });
});

describe('seats are prorated by the days of the month, not by 30', () => {
  // Ana holds a seat all month; Bo from the 11th. Price $30.00 a month.
  const months = [
    // label, days in month, Bo's days, total seat cents, Bo's cents, Bo's seat-months
    ['2026-02', 28, 18, 4929n, 1929n, '0.6429'], // 3000 + 1928.57…
    ['2028-02', 29, 19, 4966n, 1966n, '0.6552'], // 3000 + 1965.51…
    ['2026-04', 30, 20, 5000n, 2000n, '0.6667'],
    ['2026-09', 30, 20, 5000n, 2000n, '0.6667'],
    ['2026-01', 31, 21, 5032n, 2032n, '0.6774'], // 3000 + 2032.25…
    ['2026-10', 31, 21, 5032n, 2032n, '0.6774'],
  ] as const;

  it.each(months)('%s (%i days): Bo from the 11th holds %i days of a seat', (label, days, boDays, total, bo, boMonths) => {
    const period = parsePeriod(label)!;
    const start = period.startIso;
    const d = directory({
      seatPriceCents: '3000',
      people: [person('ana@acme.example', 'ENG-PLAT'), person('bo@acme.example', 'ENG-APP', `${label}-11`)],
    });
    const a = allocate([row(user('user_ana', 'ana@acme.example'), '100', { startingAt: start, endingAt: period.endExclusiveIso })], d, period);
    const view = Object.fromEntries(a.costCenters.map((c) => [c.code, [c.seatPersonDays, c.seatMonths, c.seatCents]]));
    expect(view).toEqual({
      ENG: [0, '0.0000', 0n],
      'ENG-PLAT': [days, '1.0000', 3000n],
      'ENG-APP': [boDays, boMonths, bo],
      IT: [0, '0.0000', 0n],
    });
    expect(a.seatsCents).toBe(total);
    expect(reconcile(a, null).ok).toBe(true);
  });
});

describe('a cost center whose only charge is a carried adjustment', () => {
  const carried = (costCenter: string, cents: bigint): CarriedAdjustment => ({ costCenter, fromPeriod: '2026-08', reference: `CB-2026-08-${costCenter} \u2192 CB-2026-08-${costCenter}-R2`, cents });

  it('gets a statement that shows the adjustment and bills exactly it', () => {
    const rows = [row(user('user_ana', 'ana@acme.example'), '1000')];
    const a = allocate(rows, directory(), sep, { revision: 1, carried: [carried('IT', -250n)] });
    const statements = buildStatements(a, ctx);
    expect(statements.map((s) => [s.code, s.totalCents, s.directCents])).toEqual([
      ['ENG-PLAT', 1000n, 1000n],
      ['IT', -250n, 0n],
    ]);
    const it = statements.find((s) => s.code === 'IT')!;
    expect(it.breakdowns[0]!.title).toBe(CHARGES_TITLE);
    expect(it.breakdowns[0]!.rows.map((r) => [r.label, r.cents])).toEqual([
      ['Direct usage', 0n],
      ['Adjustment of an earlier month: CB-2026-08-IT \u2192 CB-2026-08-IT-R2', -250n],
    ]);
    const rec = reconcile(a, sumMoney(rows.map((r) => r.amountCents)));
    expect([rec.ok, rec.statementsTotalCents, rec.carriedCents]).toEqual([true, '750', '-250']);
  });

  it('gets one under UNALLOCATED too, when the adjustment belongs there', () => {
    const a = allocate([row(user('user_ana', 'ana@acme.example'), '1000')], directory(), sep, { carried: [carried('UNALLOCATED', 40n)] });
    expect(buildStatements(a, ctx).map((s) => [s.code, s.totalCents])).toEqual([
      ['ENG-PLAT', 1000n],
      ['UNALLOCATED', 40n],
    ]);
  });
});

describe('a usage pool with nobody to share with', () => {
  it('falls back to UNALLOCATED when no cost center has direct spend (proportional)', () => {
    const d = directory({ pools: [pool({ name: 'No actor', match: { matcher: 'no_actor', value: 'true' }, split: { kind: 'proportional' } })] });
    const rows = [row(null, '60.4', { product: 'code_review' }), row(null, '40', { product: 'cowork' })];
    const a = allocate(rows, d, sep);
    expect(a.sourceTotalCents).toBe(100n);
    expect(a.pools.map((p) => [p.name, p.kind, p.cents, [...p.shares]])).toEqual([['No actor', 'usage', 100n, [['UNALLOCATED', 100n]]]]);
    expect(a.costCenters.map((c) => [c.code, c.directCents, c.billedCents])).toEqual([
      ['ENG', 0n, 0n],
      ['ENG-PLAT', 0n, 0n],
      ['ENG-APP', 0n, 0n],
      ['IT', 0n, 0n],
      ['UNALLOCATED', 0n, 100n],
    ]);
    const rec = reconcile(a, sumMoney(rows.map((r) => r.amountCents)));
    expect([rec.ok, rec.unallocatedCents, rec.statementsTotalCents]).toEqual([true, '100', '100']);
    const statements = buildStatements(a, ctx);
    expect(statements.map((s) => [s.code, s.totalCents])).toEqual([['UNALLOCATED', 100n]]);
    expect(statements[0]!.breakdowns[0]!.rows.map((r) => [r.label, r.cents])).toEqual([
      ['Direct usage', 0n],
      ['Shared: No actor (100.00% of $1.00, by direct spend)', 100n],
    ]);
  });

  it('falls back to UNALLOCATED for an even split too, and when the only direct spend is unmapped', () => {
    const d = directory({ pools: [pool({ name: 'Slack', match: { matcher: 'product', value: 'claude_tag' }, split: { kind: 'even' } })] });
    const rows = [row(null, '30', { product: 'claude_tag' }), row(user('user_x', 'x@elsewhere.example'), '70')];
    const a = allocate(rows, d, sep);
    expect(a.pools.map((p) => [p.name, p.basis, [...p.shares]])).toEqual([['Slack', 'even over 0 cost centers', [['UNALLOCATED', 30n]]]]);
    const unallocated = a.costCenters.find((c) => c.code === 'UNALLOCATED')!;
    expect([unallocated.directCents, unallocated.poolShares.map((s) => s.cents), unallocated.billedCents]).toEqual([70n, [30n], 100n]);
    expect(reconcile(a, null).ok).toBe(true);
  });
});

describe("reconcile's checks each catch what they name", () => {
  const rows = [
    row(user('user_ana', 'ana@acme.example'), '100.4'),
    row(user('user_ana', 'ana@acme.example'), '200.4', { product: 'claude_code' }),
    row(user('user_bo', 'bo@acme.example'), '300'),
  ];

  /** The allocation with one line of Ana's moved by `delta` cents, every other figure untouched. */
  function withLineOff(a: Allocation, delta: bigint): Allocation {
    return {
      ...a,
      costCenters: a.costCenters.map((cc) =>
        cc.code !== 'ENG-PLAT'
          ? cc
          : { ...cc, actors: cc.actors.map((actor) => ({ ...actor, lines: actor.lines.map((l, i) => (i === 0 ? { ...l, billedCents: l.billedCents + delta } : l)) })) },
      ),
    };
  }

  it('passes the untouched allocation', () => {
    const a = allocate(rows, directory(), sep);
    expect(a.costCenters.find((c) => c.code === 'ENG-PLAT')!.actors[0]!.lines.map((l) => [l.product, l.billedCents])).toEqual([
      ['chat', 100n],
      ['claude_code', 201n],
    ]);
    expect(reconcile(a, null).ok).toBe(true);
  });

  it('fails when a line no longer adds up to its actor, though the cost centers still do', () => {
    const rec = reconcile(withLineOff(allocate(rows, directory(), sep), 1n), null);
    expect(rec.ok).toBe(false);
    expect(rec.checks.filter((c) => !c.ok)).toEqual([
      { name: 'ENG-PLAT user:user_ana: lines add up to the actor', expected: '301', actual: '302', ok: false },
      { name: 'differences between a cost center, its actors and their lines', expected: '0', actual: '1', ok: false },
    ]);
    // Everything above the lines is unchanged.
    expect(rec.statementsTotalCents).toBe('601');
  });
});

describe('equal amounts are ordered by a stable key, never by input order', () => {
  const d = directory({
    people: [
      { email: 'zoe@acme.example', userId: 'user_a', name: 'Zoe', costCenter: 'ENG-PLAT', from: null, to: null },
      { email: 'adam@acme.example', userId: 'user_b', name: 'Adam', costCenter: 'ENG-PLAT', from: null, to: null },
    ],
  });
  // Two people with the same spend, each on two products of the same spend; and two unmapped spenders alike.
  const make = () => [
    row(user('user_a', 'zoe@acme.example'), '100', { product: 'code' }),
    row(user('user_a', 'zoe@acme.example'), '100', { product: 'chat' }),
    row(user('user_b', 'adam@acme.example'), '100', { product: 'code' }),
    row(user('user_b', 'adam@acme.example'), '100', { product: 'chat' }),
    row(user('user_zed', 'zed@elsewhere.example'), '5'),
    row(user('user_amy', 'amy@elsewhere.example'), '5'),
  ];
  const orders = [make(), make().reverse(), (() => {
    const r = make();
    return [r[3]!, r[0]!, r[5]!, r[2]!, r[4]!, r[1]!];
  })()];

  it.each(orders.map((rows, i) => [i, rows] as const))('input order %i: statements, breakdowns and the unmapped list in one order', (_, rows) => {
    const a = allocate(rows, d, sep);
    expect(a.unmapped.map((u) => u.label)).toEqual(['user amy@elsewhere.example', 'user zed@elsewhere.example']);
    const plat = buildStatements(a, ctx).find((s) => s.code === 'ENG-PLAT')!;
    // Users: equal cents, by label (Adam before Zoe, though Zoe's actor key user_a sorts first).
    expect(plat.users.map((u) => [u.label, u.cents])).toEqual([
      ['Adam', 200n],
      ['Zoe', 200n],
    ]);
    // Lines: equal cents and, within a person, equal labels: by actor and line identity.
    expect(plat.lines.map((l) => [l.label, l.product, l.cents])).toEqual([
      ['Adam', 'chat', 100n],
      ['Adam', 'code', 100n],
      ['Zoe', 'chat', 100n],
      ['Zoe', 'code', 100n],
    ]);
    expect(plat.breakdowns.find((b) => b.title === 'Direct usage by product')!.rows.map((r) => [r.label, r.cents])).toEqual([
      ['chat', 200n],
      ['code', 200n],
    ]);
    const unallocated = buildStatements(a, ctx).find((s) => s.code === 'UNALLOCATED')!;
    expect(unallocated.users.map((u) => [u.label, u.cents])).toEqual([
      ['amy@elsewhere.example', 5n],
      ['zed@elsewhere.example', 5n],
    ]);
  });

  it('property: any permutation of the rows gives the same statements', () => {
    // The raw row reference names where a row sat in the input, which a permutation moves: left out.
    const json = (x: unknown) => JSON.stringify(x, (k, v: unknown) => (k === 'rawRow' ? undefined : typeof v === 'bigint' ? v.toString() : v));
    const reference = json(buildStatements(allocate(make(), d, sep), ctx));
    const referenceLines = [
      'ENG-PLAT user:user_a chat 100',
      'ENG-PLAT user:user_a code 100',
      'ENG-PLAT user:user_b chat 100',
      'ENG-PLAT user:user_b code 100',
      'UNALLOCATED user:user_amy chat 5',
      'UNALLOCATED user:user_zed chat 5',
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(make(), { minLength: 6, maxLength: 6 }), (rows) => {
        const a = allocate(rows, d, sep);
        expect(json(buildStatements(a, ctx))).toBe(reference);
        expect(a.unmapped.map((u) => u.actorKey)).toEqual(['user:user_amy', 'user:user_zed']);
        // The allocation itself (what ledger.csv and chargeback.json list) is in one order too.
        expect(a.costCenters.flatMap((c) => c.actors.flatMap((x) => x.lines.map((l) => `${c.code} ${x.actorKey} ${l.product} ${l.billedCents}`)))).toEqual(referenceLines);
      }),
      { numRuns: 50, seed: 20261202 },
    );
  });
});

describe('a roll-up of a person who moved', () => {
  it('holds one row per person and cost center, in one order, and counts the lines of its statements without repeating them', () => {
    // Ana moves from ENG-PLAT to its parent ENG on the 16th; one day's row on each side, equal cents.
    const d = directory({
      people: [
        { email: 'ana@acme.example', userId: 'user_ana', name: 'Ana', costCenter: 'ENG-PLAT', from: null, to: '2026-09-15' },
        { email: 'ana@acme.example', userId: 'user_ana', name: 'Ana', costCenter: 'ENG', from: '2026-09-16', to: null },
      ],
    });
    const day = (n: string) => ({ startingAt: `2026-09-${n}T00:00:00Z`, endingAt: `2026-09-${String(Number(n) + 1).padStart(2, '0')}T00:00:00Z` });
    const rows = [row(user('user_ana', 'ana@acme.example'), '100', day('20')), row(user('user_ana', 'ana@acme.example'), '100', day('02'))];
    for (const input of [rows, [...rows].reverse()]) {
      const a = allocate(input, d, sep);
      const direct = buildStatements(a, ctx);
      const eng = buildRollups(a, direct).find((s) => s.code === 'ENG')!;
      // Equal cents: ordered by name, then by cost center (ENG before ENG-PLAT), whatever the input order.
      expect(eng.users.map((u) => [u.costCenter, u.label, u.cents])).toEqual([
        ['ENG', 'Ana', 100n],
        ['ENG-PLAT', 'Ana', 100n],
      ]);
      expect([eng.lines.length, eng.lineCount, direct.map((s) => s.lines.length)]).toEqual([0, 2, [1, 1]]);
      expect(direct.map((s) => s.lines.map((l) => [l.costCenter, l.key.split('|')[5]]))).toEqual([[['ENG', '2026-09-20T00:00:00Z']], [['ENG-PLAT', '2026-09-02T00:00:00Z']]]);
      // Built without lines (as a month renders them), each statement counts them and makes the same ones later.
      const later = buildStatements(a, ctx, { lines: false });
      expect(later.map((s) => [s.lines.length, s.lineCount])).toEqual([[0, 1], [0, 1]]);
      expect(later.map((s) => statementLines(a.costCenters.find((cc) => cc.code === s.code)!))).toEqual(direct.map((s) => s.lines));
    }
  });
});

// Seat-months shown with four decimals come from the same division as the cents.
describe('seat-months', () => {
  it('are the person-days over the days of the month, to four decimals', () => {
    const feb = parsePeriod('2026-02')!;
    const a = allocate([], directory({ seatPriceCents: '100', people: [person('ana@acme.example', 'IT', '2026-02-21')] }), feb);
    const it = a.costCenters.find((c) => c.code === 'IT')!;
    // 8 of 28 days: 0.285714… → 0.2857; 100 × 8 / 28 = 28.57… → 29 cents.
    expect([it.seatPersonDays, it.seatMonths, it.seatCents]).toEqual([8, '0.2857', 29n]);
    expect(new Money(it.seatMonths).times(28).toDecimalPlaces(0).toNumber()).toBe(8);
  });
});
