import { adoptionByCostCenter, idleSeatCents, sumAdoption, type AdoptionCounts, type AdoptionView } from './adoption.js';
import { Budgets, type BudgetView } from './budget.js';
import { actorKey, type CostRow } from './cost-row.js';
import { mapRow, UNALLOCATED, type DirectoryIndex } from './directory.js';
import type { EngagementCounts, EngagementRow } from './engagement.js';

export type { EngagementCounts } from './engagement.js';
import { Money, perUnitCents, splitLargestRemainder, sumMoney, type WeightedPart } from './money.js';
import { lastDay as lastDayOf, previousPeriod, type Period } from './period.js';
import { groupBy, type Allocation, type CostCenterAllocation } from './allocate.js';
import type { Statement, StatementUser } from './statements.js';

/**
 * What a department head asks after "what did we spend": was it worth it (engagement and cost per
 * unit of work), where did the money go (long context, models, premium dimensions, biggest users)
 * and is it going up (month over month, six months, biggest movers). Pure: every figure is
 * derived from the statement's exact cents, the month's engagement rows and earlier published
 * months, so the statement's tables and charts agree to the cent.
 */

/** An earlier published month, as read back from its chargeback.json. */
export interface HistoryMonth {
  readonly period: string;
  readonly revision: number;
  readonly status: string;
  /** Per cost center code, the month's own charges: billed less corrections of earlier months it carried. */
  readonly costCenters: ReadonlyMap<string, bigint>;
  /** Per cost center, per actor key: the actor's direct usage there (label, cents). */
  readonly actors: ReadonlyMap<string, ReadonlyMap<string, { readonly label: string; readonly cents: bigint }>>;
}

export const LONG_CONTEXT = '200k-1M';
export const TREND_MONTHS = 6;
const MOVERS = 3;
const BIGGEST = 5;
/** Top spenders with their Opus and long-context shares. */
export const TOP_SPENDERS = 10;

export interface EngagementLine extends EngagementCounts {
  readonly actorKey: string;
  readonly label: string;
  readonly email: string | null;
  readonly costCenter: string;
  /** The person's direct usage this month, over every cost center billed for it. */
  readonly costCents: bigint;
  readonly perSessionCents: bigint | null;
  readonly perCommitCents: bigint | null;
  readonly perPullRequestCents: bigint | null;
}

export interface EngagementRange {
  /** First day covered (YYYY-MM-DD). */
  readonly from: string;
  /** Last day covered (YYYY-MM-DD, inclusive). */
  readonly to: string;
  /** The provider's report stops before the month's last day. */
  readonly partial: boolean;
}

export interface EngagementView {
  /** The days the provider's activity report covers; null when unknown. */
  readonly range: EngagementRange | null;
  /** People whose activity is attributed to this statement, by cost descending. */
  readonly lines: readonly EngagementLine[];
  /** Their sums; cost per unit from the sums (not an average of the rates). */
  readonly total: EngagementLine;
}

export interface MixRow {
  readonly label: string;
  readonly cents: bigint;
}

export interface SpendMix {
  readonly directCents: bigint;
  /** Direct usage in the 200k-1M context tier (the exact breakdown row). */
  readonly longContextCents: bigint;
  /** People and spenders with long-context usage: their usage, the long-context part. */
  readonly longContextUsers: ReadonlyArray<{ readonly label: string; readonly cents: bigint; readonly longContextCents: bigint }>;
  readonly biggestUsers: readonly MixRow[];
  /** The biggest spenders with the part of their usage on Opus models and in the 200k–1M context tier (facts, not advice). */
  readonly topSpenders: ReadonlyArray<{ readonly label: string; readonly cents: bigint; readonly opusCents: bigint; readonly longContextCents: bigint }>;
  /** Direct usage by speed and by inference region, exact splits; null unless a premium value occurs. */
  readonly premium: { readonly speed: readonly MixRow[]; readonly region: readonly MixRow[] } | null;
}

export interface Mover {
  readonly actorKey: string;
  readonly label: string;
  readonly previousCents: bigint;
  readonly currentCents: bigint;
  readonly changeCents: bigint;
}

export interface Trend {
  /**
   * Each month's own charges, oldest first; the last point is this month. A correction of an
   * earlier month counts in the month it corrects (its latest revision), not in the month that
   * carries it, so months compare like with like. null: that month was not published.
   */
  readonly points: ReadonlyArray<{ readonly period: string; readonly cents: bigint | null }>;
  /** Last month's own charges, null when it was not published. */
  readonly previousCents: bigint | null;
  readonly changeCents: bigint | null;
  /** This month's own charges: the statement total less the corrections it carries. */
  readonly currentCents: bigint;
  /** Corrections of earlier months this statement carries (in its total, not in the trend). */
  readonly carriedCents: bigint;
  /** Per person and spender: direct usage this month and last month (present in either). */
  readonly users: readonly Mover[];
  readonly increases: readonly Mover[];
  readonly decreases: readonly Mover[];
}

export interface StatementInsights {
  /** null when the month has no engagement listing (pulled before engagement existed). */
  readonly engagement: EngagementView | null;
  readonly mix: SpendMix;
  readonly trend: Trend;
  /** Budget against actual, this month and year to date; null when the statement has no budget. */
  readonly budget: BudgetView | null;
  /** Seats and activity: people with a seat, active by surface, and the seat cost of those with none. */
  readonly adoption: AdoptionView;
}

export interface InsightsInput {
  readonly period: Period;
  readonly index: DirectoryIndex;
  readonly allocation: Allocation;
  readonly engagement: readonly EngagementRow[] | null;
  /** The days the engagement rows cover. */
  readonly engagementRange?: EngagementRange | null;
  /** The month grouped by actor, speed and inference region; null when not pulled. */
  readonly premium: readonly CostRow[] | null;
  /** Earlier published months, any order. */
  readonly history: readonly HistoryMonth[];
  /** Seats and activity per cost center, when the caller has them already (the month computes them once, for the summary too). */
  readonly adoption?: ReadonlyMap<string, AdoptionCounts>;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byCentsDesc = <T extends { cents: bigint; label: string }>(a: T, b: T) => (a.cents === b.cents ? byText(a.label, b.label) : a.cents > b.cents ? -1 : 1);

function withRates(counts: EngagementCounts, costCents: bigint) {
  return {
    ...counts,
    costCents,
    perSessionCents: counts.sessions === null ? null : perUnitCents(costCents, counts.sessions),
    perCommitCents: perUnitCents(costCents, counts.commits),
    perPullRequestCents: perUnitCents(costCents, counts.pullRequests),
  };
}

/** Sums counts; a count that no row reports stays null. */
export function sumCounts(rows: readonly EngagementCounts[]): EngagementCounts {
  const add = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);
  return rows.reduce<EngagementCounts>(
    (t, r) => ({
      sessions: add(t.sessions, r.sessions),
      commits: t.commits + r.commits,
      pullRequests: t.pullRequests + r.pullRequests,
      linesAdded: t.linesAdded + r.linesAdded,
      linesRemoved: t.linesRemoved + r.linesRemoved,
      conversations: add(t.conversations, r.conversations),
    }),
    { sessions: null, commits: 0, pullRequests: 0, linesAdded: 0, linesRemoved: 0, conversations: null },
  );
}

/**
 * Every engagement row to the cost centers that paid for the person: with the usage billed there
 * and, for someone billed to several (a move during the month), each count split in the same
 * proportion by largest remainder, so counts add up to the provider's and rates stay usage billed
 * here over activity shown here. Someone with activity but no usage cost goes where the directory
 * puts them on the month's last day.
 */
export function attributeEngagement(input: Pick<InsightsInput, 'period' | 'index' | 'allocation' | 'engagement'>): EngagementLine[] {
  if (!input.engagement) return [];
  const billed = new Map<string, { label: string; email: string | null; parts: Array<{ code: string; cents: bigint }> }>();
  const byEmail = new Map<string, string>();
  for (const cc of input.allocation.costCenters) {
    for (const a of cc.actors) {
      if (a.actorType !== 'user_actor') continue;
      const entry = billed.get(a.actorKey) ?? { label: a.label, email: a.email, parts: [] };
      entry.parts.push({ code: cc.code, cents: a.billedCents });
      billed.set(a.actorKey, entry);
      if (a.email) byEmail.set(a.email.toLowerCase(), a.actorKey);
    }
  }
  const lastDay = lastDayOf(input.period);
  return input.engagement.flatMap((row): EngagementLine[] => {
    const key = billed.has(`user:${row.userId}`) ? `user:${row.userId}` : (row.email ? byEmail.get(row.email.toLowerCase()) : undefined) ?? `user:${row.userId}`;
    const counts: EngagementCounts = { sessions: row.sessions, commits: row.commits, pullRequests: row.pullRequests, linesAdded: row.linesAdded, linesRemoved: row.linesRemoved, conversations: row.conversations };
    const spent = billed.get(key);
    if (spent) {
      const shares = splitCounts(counts, spent.parts);
      return spent.parts.map((p) => ({ actorKey: key, label: spent.label, email: spent.email ?? row.email, costCenter: p.code, ...withRates(shares.get(p.code)!, p.cents) }));
    }
    const mapping = mapRow(input.index, engagementAsRow(row, input.period), lastDay);
    return [{ actorKey: key, label: mapping.name ?? row.email ?? row.userId, email: row.email, costCenter: mapping.pool === null ? mapping.costCenter : UNALLOCATED, ...withRates(counts, 0n) }];
  });
}

/** Counts split over cost centers in proportion to the usage billed to each (largest remainder; exact sums). */
function splitCounts(counts: EngagementCounts, parts: ReadonlyArray<{ code: string; cents: bigint }>): Map<string, EngagementCounts> {
  if (parts.length === 1) return new Map([[parts[0]!.code, counts]]);
  const total = parts.reduce((t, p) => t + (p.cents < 0n ? -p.cents : p.cents), 0n);
  // No usage to weigh by (all zero): split evenly.
  const weights = parts.map((p) => ({ key: p.code, weight: new Money(total === 0n ? 1 : (p.cents < 0n ? -p.cents : p.cents).toString()) }));
  const split = (n: number | null) => (n === null ? null : splitLargestRemainder(BigInt(n), weights));
  const fields = ['sessions', 'commits', 'pullRequests', 'linesAdded', 'linesRemoved', 'conversations'] as const;
  const byField = new Map(fields.map((f) => [f, split(counts[f])]));
  return new Map(
    parts.map((p) => {
      const of = (f: (typeof fields)[number]) => {
        const m = byField.get(f);
        return m ? Number(m.get(p.code)!) : null;
      };
      return [p.code, { sessions: of('sessions'), commits: of('commits')!, pullRequests: of('pullRequests')!, linesAdded: of('linesAdded')!, linesRemoved: of('linesRemoved')!, conversations: of('conversations') }];
    }),
  );
}

/** A zero-cost row of the user, so the directory's people and rules decide the owner. */
function engagementAsRow(row: EngagementRow, period: Period): CostRow {
  return {
    rowId: row.rowId,
    startingAt: period.startIso,
    endingAt: period.endExclusiveIso,
    actor: { type: 'user_actor', userId: row.userId, email: row.email, name: null, deleted: false },
    product: null,
    model: null,
    contextWindow: null,
    costType: null,
    workspaceId: null,
    amountCents: new Money(0),
    listAmountCents: null,
    currency: 'USD',
  };
}

export function engagementView(lines: readonly EngagementLine[], codes: ReadonlySet<string>, range: EngagementRange | null = null, label = 'Total'): EngagementView {
  // A total order (cost center last), so the lines never depend on the order they came in.
  const mine = lines.filter((l) => codes.has(l.costCenter)).sort((a, b) => (a.costCents === b.costCents ? byText(a.label, b.label) || byText(a.actorKey, b.actorKey) || byText(a.costCenter, b.costCenter) : a.costCents > b.costCents ? -1 : 1));
  const cost = mine.reduce((t, l) => t + l.costCents, 0n);
  return { range, lines: mine, total: { actorKey: '', label, email: null, costCenter: '', ...withRates(sumCounts(mine), cost) } };
}

/** Premium weights per actor: its month's cost by speed and by region (unrounded). */
function premiumByActor(rows: readonly CostRow[]) {
  type Sums = { total: Money[]; speed: Map<string, Money[]>; region: Map<string, Money[]> };
  const out = new Map<string, Sums>();
  for (const r of rows) {
    const key = actorKey(r.actor);
    const e: Sums = out.get(key) ?? { total: [], speed: new Map<string, Money[]>(), region: new Map<string, Money[]>() };
    e.total.push(r.amountCents);
    const speed = r.speed ?? '(not applicable)';
    const region = r.inferenceGeo ?? '(not applicable)';
    e.speed.set(speed, [...(e.speed.get(speed) ?? []), r.amountCents]);
    e.region.set(region, [...(e.region.get(region) ?? []), r.amountCents]);
    out.set(key, e);
  }
  return new Map([...out].map(([k, e]) => [k, { total: sumMoney(e.total), speed: parts(e.speed), region: parts(e.region) }]));
}

/** Each value's summed weight, ready to split by. */
const parts = (m: Map<string, Money[]>): WeightedPart[] => [...m].map(([key, v]) => ({ key, weight: sumMoney(v) }));

/** A statement's direct usage by speed and by inference region, in whole cents. */
export interface PremiumCents {
  readonly speed: Map<string, bigint>;
  readonly region: Map<string, bigint>;
}

/**
 * Direct usage split by the premium dimensions: each spender's billed cents split exactly by its
 * own month mix (largest remainder), then added up. The spenders' cents add up to the statement's
 * direct usage, so each view does too, and a roll-up's is the sum of its statements'.
 */
export function premiumCentsOf(users: readonly StatementUser[], weights: ReturnType<typeof premiumByActor>): PremiumCents {
  const out: PremiumCents = { speed: new Map(), region: new Map() };
  for (const u of users) {
    const w = weights.get(u.actorKey);
    for (const dim of ['speed', 'region'] as const) {
      if (!w || w.total.isZero()) {
        addCents(out[dim], '(not reported)', u.cents);
        continue;
      }
      for (const [k, c] of splitLargestRemainder(u.cents, w[dim])) addCents(out[dim], k, c);
    }
  }
  return out;
}

function addCents(m: Map<string, bigint>, key: string, cents: bigint): void {
  m.set(key, (m.get(key) ?? 0n) + cents);
}

function premiumRows(m: ReadonlyMap<string, bigint>): MixRow[] {
  return [...m].map(([label, cents]) => ({ label, cents })).filter((r) => r.cents !== 0n).sort(byCentsDesc);
}

const PREMIUM_VALUES = new Set(['fast', 'us']);

/** Long-context cents per spender of a cost center, from its allocated lines. */
/** Usage on Opus models per spender of a direct statement. */
export function opusByActor(cc: CostCenterAllocation): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const a of cc.actors) for (const l of a.lines) if (l.model?.startsWith('claude-opus')) out.set(a.actorKey, (out.get(a.actorKey) ?? 0n) + l.billedCents);
  return out;
}

export function longContextByActor(cc: CostCenterAllocation): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const a of cc.actors) for (const l of a.lines) if (l.contextWindow === LONG_CONTEXT) out.set(a.actorKey, (out.get(a.actorKey) ?? 0n) + l.billedCents);
  return out;
}

/** `longContext`: long-context cents per spender (a roll-up's: the sum over its direct statements). */
export function spendMix(s: Statement, premium: PremiumCents | null, longContext: ReadonlyMap<string, bigint>, opus: ReadonlyMap<string, bigint> = new Map()): SpendMix {
  const tier = s.breakdowns.find((b) => b.title === 'Direct usage by context window tier');
  const longContextCents = tier?.rows.find((r) => r.label === LONG_CONTEXT)?.cents ?? 0n;
  const perUser = new Map<string, { label: string; cents: bigint; longContextCents: bigint }>();
  const opusOf = new Map<string, bigint>();
  for (const [key, cents] of opus) opusOf.set(key, cents);
  for (const u of s.users) {
    const e = perUser.get(u.actorKey) ?? { label: u.label, cents: 0n, longContextCents: 0n };
    e.cents += u.cents;
    perUser.set(u.actorKey, e);
  }
  for (const [key, cents] of longContext) {
    const e = perUser.get(key);
    if (e) e.longContextCents += cents;
  }
  const longContextUsers = [...perUser.values()].filter((u) => u.longContextCents !== 0n).sort((a, b) => (a.longContextCents === b.longContextCents ? byText(a.label, b.label) : a.longContextCents > b.longContextCents ? -1 : 1));
  const biggestUsers = [...perUser.values()].map((u) => ({ label: u.label, cents: u.cents })).sort(byCentsDesc).slice(0, BIGGEST);
  const topSpenders = [...perUser.entries()]
    .map(([key, u]) => ({ label: u.label, cents: u.cents, opusCents: opusOf.get(key) ?? 0n, longContextCents: u.longContextCents }))
    .sort(byCentsDesc)
    .slice(0, TOP_SPENDERS);
  let split: SpendMix['premium'] = null;
  if (premium) {
    const speed = premiumRows(premium.speed);
    const region = premiumRows(premium.region);
    if ([...speed, ...region].some((r) => PREMIUM_VALUES.has(r.label))) split = { speed, region };
  }
  return { directCents: s.directCents, longContextCents, longContextUsers, biggestUsers, topSpenders, premium: split };
}

/** The six months ending with `period`, oldest first. */
export function trendPeriods(period: Period): string[] {
  const out = [period.label];
  let p = period;
  while (out.length < TREND_MONTHS) {
    p = previousPeriod(p);
    out.unshift(p.label);
  }
  return out;
}

export function trend(s: Statement, codes: ReadonlySet<string>, period: Period, history: readonly HistoryMonth[], carriedCents = 0n): Trend {
  const byPeriod = new Map(history.map((h) => [h.period, h]));
  const currentCents = s.totalCents - carriedCents;
  const points = trendPeriods(period).map((label) => {
    if (label === period.label) return { period: label, cents: currentCents };
    const h = byPeriod.get(label);
    return { period: label, cents: h ? [...codes].reduce((t, c) => t + (h.costCenters.get(c) ?? 0n), 0n) : null };
  });
  const previousCents = points[points.length - 2]!.cents;
  const prior = byPeriod.get(previousPeriod(period).label);
  const now = new Map<string, { label: string; cents: bigint }>();
  for (const u of s.users) {
    const e = now.get(u.actorKey) ?? { label: u.label, cents: 0n };
    e.cents += u.cents;
    now.set(u.actorKey, e);
  }
  const before = new Map<string, { label: string; cents: bigint }>();
  for (const code of prior ? codes : []) {
    for (const [key, a] of prior!.actors.get(code) ?? []) {
      const e = before.get(key) ?? { label: a.label, cents: 0n };
      e.cents += a.cents;
      before.set(key, e);
    }
  }
  const users = prior
    ? [...new Set([...now.keys(), ...before.keys()])].map((key): Mover => {
        const currentCents = now.get(key)?.cents ?? 0n;
        const previousCents = before.get(key)?.cents ?? 0n;
        return { actorKey: key, label: now.get(key)?.label ?? before.get(key)!.label, currentCents, previousCents, changeCents: currentCents - previousCents };
      })
    : [];
  const tie = (a: Mover, b: Mover) => byText(a.label, b.label) || byText(a.actorKey, b.actorKey);
  return {
    points,
    previousCents,
    changeCents: previousCents === null ? null : currentCents - previousCents,
    currentCents,
    carriedCents,
    users: [...users].sort((a, b) => (a.currentCents === b.currentCents ? tie(a, b) : a.currentCents > b.currentCents ? -1 : 1)),
    increases: users.filter((m) => m.changeCents > 0n).sort((a, b) => (a.changeCents === b.changeCents ? tie(a, b) : a.changeCents > b.changeCents ? -1 : 1)).slice(0, MOVERS),
    decreases: users.filter((m) => m.changeCents < 0n).sort((a, b) => (a.changeCents === b.changeCents ? tie(a, b) : a.changeCents < b.changeCents ? -1 : 1)).slice(0, MOVERS),
  };
}

function adoptionView(counts: AdoptionCounts, seatCents: bigint | null): AdoptionView {
  return { ...counts, idleSeatCents: idleSeatCents(counts, seatCents) };
}

/** Insights for every statement (direct and roll-up), by statement number. */
export function buildInsights(statements: readonly Statement[], input: InsightsInput, subtree: (code: string) => readonly string[]): Map<string, StatementInsights> {
  // Engagement lines by cost center once, so a statement reads only its own (no pass over all per statement).
  const engagement = input.engagement ? groupBy(attributeEngagement(input), (l) => l.costCenter) : null;
  const weights = input.premium ? premiumByActor(input.premium) : null;
  // Each direct statement's premium views from its spenders; a roll-up adds its statements' up.
  const premium = weights ? new Map(statements.filter((s) => s.kind === 'direct').map((s) => [s.code, premiumCentsOf(s.users, weights)])) : null;
  const premiumOf = (codes: ReadonlySet<string>): PremiumCents | null => {
    if (!premium) return null;
    const sum: PremiumCents = { speed: new Map(), region: new Map() };
    for (const code of codes) {
      const p = premium.get(code);
      if (!p) continue;
      for (const [k, c] of p.speed) addCents(sum.speed, k, c);
      for (const [k, c] of p.region) addCents(sum.region, k, c);
    }
    return sum;
  };
  const carried = new Map(input.allocation.costCenters.map((cc) => [cc.code, cc.adjustments.reduce((t, a) => t + a.cents, 0n)]));
  // Long-context cents per spender of each direct statement; a roll-up adds its statements' up.
  const costCenters = new Map(input.allocation.costCenters.map((cc) => [cc.code, cc]));
  const longContext = new Map(statements.filter((s) => s.kind === 'direct').map((s) => [s.code, longContextByActor(costCenters.get(s.code)!)]));
  const opus = new Map(statements.filter((s) => s.kind === 'direct').map((s) => [s.code, opusByActor(costCenters.get(s.code)!)]));
  const opusOf = (codes: ReadonlySet<string>): ReadonlyMap<string, bigint> => {
    const sum = new Map<string, bigint>();
    for (const code of codes) for (const [key, cents] of opus.get(code) ?? []) sum.set(key, (sum.get(key) ?? 0n) + cents);
    return sum;
  };
  const adoption = input.adoption ?? adoptionByCostCenter(input.allocation, input.index.directory, input.period, input.engagement);
  const seatsPriced = input.index.directory.seatPriceCents !== null;
  const longContextOf = (codes: ReadonlySet<string>): ReadonlyMap<string, bigint> => {
    if (codes.size === 1) return longContext.get([...codes][0]!) ?? new Map<string, bigint>();
    const sum = new Map<string, bigint>();
    for (const code of codes) for (const [key, cents] of longContext.get(code) ?? []) sum.set(key, (sum.get(key) ?? 0n) + cents);
    return sum;
  };
  const out = new Map<string, StatementInsights>();
  const budgets = new Budgets(input.index.directory.costCenters);
  for (const s of statements) {
    const codes = new Set(s.kind === 'rollup' ? subtree(s.code) : [s.code]);
    const trendView = trend(s, codes, input.period, input.history, [...codes].reduce((t, c) => t + (carried.get(c) ?? 0n), 0n));
    out.set(s.number, {
      engagement: engagement ? engagementView([...codes].flatMap((c) => engagement.get(c) ?? []), codes, input.engagementRange ?? null) : null,
      mix: spendMix(s, premiumOf(codes), s.kind === 'direct' ? (longContext.get(s.code) ?? new Map<string, bigint>()) : longContextOf(codes), opusOf(codes)),
      trend: trendView,
      budget: budgets.view(s.kind, s.code, codes, input.period, trendView.currentCents, input.history),
      adoption: adoptionView(sumAdoption([...codes].map((c) => adoption.get(c)).filter((x) => x !== undefined)), seatsPriced ? [...codes].reduce((t, c) => t + (costCenters.get(c)?.seatCents ?? 0n), 0n) : null),
    });
  }
  return out;
}
