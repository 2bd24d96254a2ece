import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from '../src/core/allocate.js';
import type { EngagementRow } from '../src/core/engagement.js';
import { buildInsights, type HistoryMonth } from '../src/core/insights.js';
import { indexDirectory } from '../src/core/directory.js';
import { perUnitCents } from '../src/core/money.js';
import { parsePeriod } from '../src/core/period.js';
import { buildRollups, buildStatements } from '../src/core/statements.js';
import type { CostRow } from '../src/core/cost-row.js';
import { directory, row, user } from './helpers/rows.js';

const sep = parsePeriod('2026-09')!;
const ctx = { company: 'Acme Test', status: 'FINAL' as const, dataAsOf: null, issuedAt: '2026-11-25T09:00:00Z', sourceEndpoint: 'GET /cost', directorySha256: '0'.repeat(64), toolVersion: 't', seatPriceCents: null };

function engagement(userId: string, email: string | null, counts: Partial<EngagementRow>): EngagementRow {
  return { rowId: `users-p001.json#${userId}`, userId, email, sessions: 0, commits: 0, pullRequests: 0, linesAdded: 0, linesRemoved: 0, conversations: 0, ...counts };
}

function month(period: string, costCenters: Record<string, bigint>, actors: Record<string, Record<string, [string, bigint]>> = {}): HistoryMonth {
  return {
    period,
    revision: 1,
    status: 'FINAL',
    costCenters: new Map(Object.entries(costCenters)),
    actors: new Map(Object.entries(actors).map(([code, list]) => [code, new Map(Object.entries(list).map(([key, [label, cents]]) => [key, { label, cents }]))])),
  };
}

function scenario(history: HistoryMonth[] = [], premium: CostRow[] | null = null) {
  const dir = directory();
  const rows = [
    row(user('user_ana', 'ana@acme.example'), '12345.4'),
    row(user('user_ana', 'ana@acme.example'), '5000', { product: 'claude_code', contextWindow: '200k-1M' }),
    row(user('user_bo', 'bo@acme.example'), '7000'),
  ];
  const allocation = allocate(rows, dir, sep);
  const direct = buildStatements(allocation, ctx);
  const statements = [...direct, ...buildRollups(allocation, direct)];
  const insights = buildInsights(
    statements,
    {
      period: sep,
      index: indexDirectory(dir),
      allocation,
      engagement: [
        engagement('user_ana', 'ana@acme.example', { sessions: 10, commits: 7, pullRequests: 3, linesAdded: 1200, linesRemoved: 340, conversations: 12 }),
        engagement('user_bo', 'bo@acme.example', { sessions: null, commits: 0, pullRequests: 0, conversations: 4 }),
        // Activity without usage cost: the directory's rules decide the owner.
        engagement('user_carl', 'carl@contractors.acme.example', { sessions: 2, commits: 1, pullRequests: 2 }),
      ],
      premium,
      history,
    },
    (code) => (code === 'ENG' ? ['ENG', 'ENG-PLAT', 'ENG-APP'] : [code]),
  );
  const of = (code: string, kind: 'direct' | 'rollup' = 'direct') => insights.get(statements.find((s) => s.code === code && s.kind === kind)!.number)!;
  return { allocation, of };
}

describe('cost per unit of work', () => {
  it('divides a person\u2019s usage by their counts, rounded half up to the cent', () => {
    const { of } = scenario();
    const plat = of('ENG-PLAT').engagement!;
    // Ana: 12345.4 + 5000 = 17345.4 cents; the month total 24345.4 rounds to 24345, Ana 17345.
    expect(plat.lines.map((l) => [l.label, l.costCents, l.perSessionCents, l.perCommitCents, l.perPullRequestCents])).toEqual([['Ana', 17345n, 1735n, 2478n, 5782n]]);
    // 17345 / 3 pull requests = 5781.67 → $57.82; / 7 commits = 2477.86 → $24.78; / 10 sessions = 1734.5 → $17.35.
    expect(plat.total.perPullRequestCents).toBe(5782n);
    expect(plat.total).toMatchObject({ sessions: 10, commits: 7, pullRequests: 3, linesAdded: 1200, linesRemoved: 340, conversations: 12 });
  });

  it('shows no rate where the count is zero or not reported, and attributes activity without cost by the directory', () => {
    const { of } = scenario();
    const app = of('ENG-APP').engagement!;
    expect(app.lines.map((l) => [l.label, l.costCents, l.perSessionCents, l.perCommitCents, l.perPullRequestCents])).toEqual([
      ['Bo', 7000n, null, null, null],
      ['carl@contractors.acme.example', 0n, 0n, 0n, 0n],
    ]);
    // The department sums: sessions only Carl's (Bo's are not reported); cost per PR 7000 / 2 = 3500.
    expect(app.total).toMatchObject({ sessions: 2, commits: 1, pullRequests: 2, costCents: 7000n, perPullRequestCents: 3500n, perCommitCents: 7000n });
    // A roll-up adds its children's people.
    expect(of('ENG', 'rollup').engagement!.total).toMatchObject({ pullRequests: 5, costCents: 24345n, perPullRequestCents: 4869n });
  });

  it('perUnitCents rounds half away from zero and refuses a zero count', () => {
    expect(perUnitCents(17345n, 3)).toBe(5782n);
    expect(perUnitCents(5n, 2)).toBe(3n);
    expect(perUnitCents(-5n, 2)).toBe(-3n);
    expect(perUnitCents(100n, 0)).toBeNull();
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 1, max: 100_000 }), (cents, n) => {
        const q = perUnitCents(cents, n)!;
        // |q·n − cents| ≤ n/2: the nearest whole cent.
        const diff = q * BigInt(n) - cents;
        return 2n * (diff < 0n ? -diff : diff) <= BigInt(n);
      }),
      { numRuns: 300 },
    );
  });
});

describe('month-over-month change and trend', () => {
  const history = [
    month('2026-07', { 'ENG-PLAT': 12000n }),
    month('2026-08', { 'ENG-PLAT': 15000n, 'ENG-APP': 9000n }, { 'ENG-PLAT': { 'user:user_ana': ['Ana', 15000n] }, 'ENG-APP': { 'user:user_bo': ['Bo', 8000n], 'user:user_dan': ['Dan', 1000n] } }),
  ];

  it('compares with last month per department, exactly', () => {
    const { of } = scenario(history);
    const plat = of('ENG-PLAT').trend;
    expect([plat.previousCents, plat.changeCents]).toEqual([15000n, 2345n]);
    expect(plat.points).toEqual([
      { period: '2026-04', cents: null },
      { period: '2026-05', cents: null },
      { period: '2026-06', cents: null },
      { period: '2026-07', cents: 12000n },
      { period: '2026-08', cents: 15000n },
      { period: '2026-09', cents: 17345n },
    ]);
    const app = of('ENG-APP').trend;
    expect([app.previousCents, app.changeCents]).toEqual([9000n, -2000n]);
    // A published month without a statement for the cost center counts as zero, not as missing.
    expect(of('ENG', 'rollup').trend.points.slice(3).map((p) => p.cents)).toEqual([12000n, 24000n, 24345n]);
  });

  it('names the biggest movers per person, including who stopped spending', () => {
    const { of } = scenario(history);
    const app = of('ENG-APP').trend;
    expect(app.decreases.map((m) => [m.label, m.previousCents, m.currentCents, m.changeCents])).toEqual([
      ['Bo', 8000n, 7000n, -1000n],
      ['Dan', 1000n, 0n, -1000n],
    ]);
    expect(of('ENG-PLAT').trend.increases.map((m) => [m.label, m.changeCents])).toEqual([['Ana', 2345n]]);
  });

  it('has no change without a published last month', () => {
    const { of } = scenario([month('2026-07', { 'ENG-PLAT': 12000n })]);
    const t = of('ENG-PLAT').trend;
    expect([t.previousCents, t.changeCents, t.users.length]).toEqual([null, null, 0]);
  });
});

describe('where the money goes', () => {
  it('takes the long-context share from the exact context-window breakdown', () => {
    const { of } = scenario();
    const mix = of('ENG-PLAT').mix;
    // Ana's 17345 cents split over her lines: 12345.4 → 12345, 5000 → 5000.
    expect([mix.longContextCents, mix.directCents]).toEqual([5000n, 17345n]);
    expect(mix.longContextUsers).toEqual([{ label: 'Ana', cents: 17345n, longContextCents: 5000n }]);
    expect(mix.premium).toBeNull();
  });
});

describe('premium dimensions', () => {
  it('split direct usage exactly by each spender’s own speed and region mix, only when a premium value occurs', () => {
    const ana = user('user_ana', 'ana@acme.example');
    const bo = user('user_bo', 'bo@acme.example');
    const premium = [
      row(ana, '6000', { speed: 'fast', inferenceGeo: 'us' }),
      row(ana, '11345.4', { speed: 'standard', inferenceGeo: 'global' }),
      row(bo, '7000', { speed: 'standard', inferenceGeo: 'global' }),
    ];
    const { of } = scenario([], premium);
    // Ana's 17345 billed cents by her mix 6000 : 11345.4 → 5999.86 and 11345.14 → 6000 and 11345.
    expect(of('ENG-PLAT').mix.premium).toEqual({
      speed: [{ label: 'standard', cents: 11345n }, { label: 'fast', cents: 6000n }],
      region: [{ label: 'global', cents: 11345n }, { label: 'us', cents: 6000n }],
    });
    // Bo runs standard and global only: nothing premium to break out.
    expect(of('ENG-APP').mix.premium).toBeNull();
  });
});

describe('a person who moved cost center during the month', () => {
  it('appears in each cost center with the usage billed there and the activity split in the same proportion', () => {
    const base = directory();
    const dir = directory({
      people: [
        { email: 'ana@acme.example', userId: 'user_ana', name: 'Ana', costCenter: 'ENG-PLAT', from: null, to: '2026-09-14' },
        { email: 'ana@acme.example', userId: 'user_ana', name: 'Ana', costCenter: 'ENG-APP', from: '2026-09-15', to: null },
        ...base.people.slice(1),
      ],
    });
    const ana = user('user_ana', 'ana@acme.example');
    const day = (d: string) => ({ startingAt: `2026-09-${d}T00:00:00Z`, endingAt: `2026-09-${String(Number(d) + 1).padStart(2, '0')}T00:00:00Z` });
    const allocation = allocate([row(ana, '3000', day('10')), row(ana, '1000', day('20'))], dir, sep);
    const direct = buildStatements(allocation, ctx);
    const insights = buildInsights(direct, { period: sep, index: indexDirectory(dir), allocation, engagement: [engagement('user_ana', 'ana@acme.example', { sessions: 10, commits: 7, pullRequests: 3, linesAdded: 400, linesRemoved: 100, conversations: null })], premium: null, history: [] }, (c) => [c]);
    const line = (code: string) => insights.get(direct.find((s) => s.code === code)!.number)!.engagement!.lines[0]!;
    // 3000 : 1000 billed; 7 commits → 5.25 / 1.75 → 5 and 2 (the larger remainder); sessions 7.5 / 2.5 → a tie, to the smaller code.
    expect([line('ENG-PLAT').costCents, line('ENG-PLAT').sessions, line('ENG-PLAT').commits, line('ENG-PLAT').pullRequests, line('ENG-PLAT').linesAdded, line('ENG-PLAT').perPullRequestCents]).toEqual([3000n, 7, 5, 2, 300, 1500n]);
    expect([line('ENG-APP').costCents, line('ENG-APP').sessions, line('ENG-APP').commits, line('ENG-APP').pullRequests, line('ENG-APP').linesAdded, line('ENG-APP').perPullRequestCents]).toEqual([1000n, 3, 2, 1, 100, 1000n]);
    expect([line('ENG-PLAT').conversations, line('ENG-APP').conversations]).toEqual([null, null]);
  });
});
