import { hasStatement, type Allocation, type CostCenterAllocation } from './allocate.js';
import { UNALLOCATED } from './directory.js';
import type { StatementInsights } from './insights.js';
import { decimalText, formatUsd, Money, percentText, splitLargestRemainder, sumMoney } from './money.js';
import { dayOf, finalFromMs, parsePeriod } from './period.js';
import { en, type Messages } from '../i18n/en.js';
import { sumModelQuantities, type LineQuantity, type ModelQuantity, type Quantities } from './usage.js';

export type DocumentStatus = 'FINAL' | 'PROVISIONAL';

export interface StatementContext {
  readonly company: string;
  readonly status: DocumentStatus;
  /** The provider's data_refreshed_at for the pull. */
  readonly dataAsOf: string | null;
  /** The run's clock (--now), which also dates the documents. */
  readonly issuedAt: string;
  readonly sourceEndpoint: string;
  readonly directorySha256: string;
  readonly toolVersion: string;
  /** The directory's seat price per person-month, in cents; null without seats. */
  readonly seatPriceCents: string | null;
  /** Per cost center, what this statement revises (a revision of the month only). */
  readonly revisions?: Readonly<Record<string, StatementRevision>>;
  /** The month's quantities by cost line; null when the month was published without them. */
  readonly quantities?: Quantities | null;
  /** Whether the directory sets any budget (the notes then say how budgets are read). */
  readonly budgeted?: boolean;
  /** The statements' language (the template's locale picks it; English by default) and how it writes amounts, months and days. */
  readonly language?: StatementLanguage;
}

/** What the text a statement carries is written with: the message catalog and the locale's formats. */
export interface StatementLanguage {
  readonly m: Messages;
  readonly money: (cents: bigint) => string;
  readonly month: (label: string) => string;
  readonly day: (iso: string) => string;
  readonly integer: (n: number | bigint) => string;
  readonly percent: (part: bigint, whole: bigint, digits: number) => string;
  /** A decimal written with a point ("18.63", "2.5") in the locale's decimal separator. */
  readonly decimal: (text: string) => string;
}

/** English, with amounts as "$1,234.56" and days as written: what a statement says without a template. */
export const ENGLISH: StatementLanguage = {
  m: en,
  money: formatUsd,
  month: (label) => {
    const p = parsePeriod(label);
    return p ? periodTitle(p.year, p.month) : label;
  },
  day: (iso) => iso.slice(0, 10),
  integer: (n) => n.toLocaleString('en-US'),
  percent: (part, whole) => percentText(part, whole),
  decimal: (text) => text,
};

/** A pool share's basis as the allocation records it ("20.99% of $390.08, by direct spend"), in the statement's language. */
export function shareBasisText(language: StatementLanguage, shareCents: bigint, basis: string): string {
  const m = /^-?[\d.]+% of -?\$([\d,]+)\.(\d\d), (.*)$/.exec(basis);
  if (!m) return basisText(language.m, basis);
  const poolCents = BigInt(m[1]!.replace(/,/g, '')) * 100n + BigInt(m[2]!);
  return language.m.charges.shareOf(language.percent(shareCents, poolCents, 2), language.money(poolCents), basisText(language.m, m[3]!));
}

/** A pool's basis ("by direct spend", "even over 3 cost centers", "fixed percentages") in the statement's language. */
export function basisText(m: Messages, basis: string): string {
  const even = /^even over (\d+) cost centers$/.exec(basis);
  if (even) return m.charges.basis.even(Number(even[1]));
  return basis === 'by direct spend' || basis === 'fixed percentages' ? m.charges.basis[basis] : basis;
}



/** What a revised statement replaces, and where its difference is charged. */
export interface StatementRevision {
  /** 2 for the month's first revision, and so on. */
  readonly revision: number;
  /** The cost center's statement number in the month's first issue (CB-2026-09-ENG-APP). */
  readonly of: string;
  /** The statement this one replaces (the issue it revises); null when that issue had none for the cost center. */
  readonly replaces: string | null;
  readonly previousCents: bigint;
  readonly previousStatus: DocumentStatus;
  /** When the replaced issue was made (its clock); null when not recorded. */
  readonly previousIssuedAt: string | null;
  /** This statement's total less the one it replaces. */
  readonly differenceCents: bigint;
  /** The month whose statement carries the difference, and that statement's number. */
  readonly chargedOn: { readonly periodLabel: string; readonly periodTitle: string; readonly number: string };
  /** Whether months after the revised one were issued already: a revision of one of them, issued first, would carry the difference instead. */
  readonly laterMonthsIssued: boolean;
  /** What changed against the replaced statement, by person and charge, in diff's words (the main ones). */
  readonly reasons: readonly string[];
}

/** The revision in one sentence, in the statement's language (its notes; page 1 says it too). */
export function revisionNote(r: StatementRevision, periodLabel: string, language: StatementLanguage = ENGLISH): string {
  const { m, money, day, month } = language;
  return `${revisionOpening(r, month(periodLabel), money, day, m)} ${differenceSentence(r, money, m, month)}${changedSentence(r, m, money)}`;
}

/** "Revision 2 of CB-…: replaces CB-… ($X, STATUS, issued DATE)." or, for a cost center the revised issue had no statement for, says so. */
export function revisionOpening(r: StatementRevision, periodTitle: string, money: (cents: bigint) => string, day: (iso: string) => string, m: Messages = en): string {
  if (r.replaces === null) return m.pdf.revision.firstOfCostCenter(r.revision, periodTitle);
  return m.pdf.revision.replaces(r.revision, r.of, r.replaces, money(r.previousCents), m.pdf.status[r.previousStatus] ?? r.previousStatus, r.previousIssuedAt ? day(r.previousIssuedAt) : null);
}

/** " What changed: …." after the difference; empty when diff finds no reason. */
export function changedSentence(r: StatementRevision, m: Messages = en, money: (cents: bigint) => string = formatUsd): string {
  return whatChanged(r.reasons, m, money);
}

/** " What changed: a; b." from diff's reasons (a revision's, or a carried adjustment's), in the statement's language; empty without any. */
export function whatChanged(reasons: readonly string[], m: Messages = en, money: (cents: bigint) => string = formatUsd): string {
  return reasons.length > 0 ? m.pdf.revision.whatChanged(reasons.map((r) => reasonIn(m, money, r)).join('; ')) : '';
}

/** "$1,234.56" or "+$12.00" / "-$3.00" (diff's amounts) to cents; null when it is not one. */
function usdCents(text: string): bigint | null {
  const m = /^([+-]?)\$([\d,]+)\.(\d\d)$/.exec(text);
  if (!m) return null;
  const cents = BigInt(m[2]!.replace(/,/g, '')) * 100n + BigInt(m[3]!);
  return m[1] === '-' ? -cents : cents;
}

/**
 * One of diff's reasons (recorded in English with US amounts, as `chargeback diff` prints them and
 * chargeback.json keeps them) in the statement's language and formats; a reason of a shape this
 * does not know is shown as recorded.
 */
export function reasonIn(m: Messages, money: (cents: bigint) => string, reason: string): string {
  // English statements print the reasons as recorded (English amounts read the same in every English locale).
  if (m === en) return reason;
  const r = m.pdf.reasons;
  const amount = (text: string, signed = false) => {
    const cents = usdCents(text);
    if (cents === null) return text;
    return signed && cents >= 0n ? `+${money(cents)}` : money(cents);
  };
  const chargeName = (name: string) => (name === 'seats' ? r.seats : name === 'markup' ? r.markup : name === 'adjustments of earlier months' ? r.carried : name.startsWith('shared: ') ? r.shared(name.slice(8)) : name);
  let x: RegExpExecArray | null;
  if ((x = /^cost center added(?: \((.*)\))?$/.exec(reason))) return r.ccAdded(x[1] ?? null);
  if ((x = /^cost center removed \((.*)\)$/.exec(reason))) return r.ccRemoved(x[1]!);
  if ((x = /^renamed from "(.*)" to "(.*)"$/.exec(reason))) return r.renamed(x[1]!, x[2]!);
  if ((x = /^owner changed from (.*) to (.*)$/.exec(reason))) return r.owner(x[1] === 'nobody' ? r.nobody : x[1]!, x[2] === 'nobody' ? r.nobody : x[2]!);
  if ((x = /^(.*) moved in from (\S+) \((\$[\d,.]+)\)$/.exec(reason))) return r.movedIn(x[1]!, x[2]!, amount(x[3]!));
  if ((x = /^(.*) moved out to (\S+) \(was (\$[\d,.]+)\)$/.exec(reason))) return r.movedOut(x[1]!, x[2]!, amount(x[3]!));
  if ((x = /^(.*) no longer spends here \(was (\$[\d,.]+)\)$/.exec(reason))) return r.gone(x[1]!, amount(x[2]!));
  if ((x = /^(.*) added \((\$[\d,.]+)\)$/.exec(reason))) return r.added(x[1]!, amount(x[2]!));
  if ((x = /^(.*): spend (up|down) ([+-]?\$[\d,.]+)$/.exec(reason))) return r.spend(x[1]!, x[2] === 'up', amount(x[3]!, true));
  if ((x = /^(.*): ([+-]?\$[\d,.]+)$/.exec(reason))) return r.charge(chargeName(x[1]!), amount(x[2]!, true));
  return reason;
}

/** Where the difference goes: charged, credited, or nothing when the figures did not change. */
export function differenceSentence(r: StatementRevision, money: (cents: bigint) => string, m: Messages = en, month: (label: string) => string = (label) => (label === r.chargedOn.periodLabel ? r.chargedOn.periodTitle : label)): string {
  const d = r.differenceCents;
  if (d === 0n) return m.pdf.revision.unchanged;
  // The next month not yet issued carries it, unless a month issued since is revised first (laterMonthsIssued).
  return m.pdf.revision.difference(`${d > 0n ? '+' : ''}${money(d)}`, d > 0n, month(r.chargedOn.periodLabel), r.chargedOn.number, r.laterMonthsIssued);
}

export interface BreakdownRow {
  readonly label: string;
  readonly cents: bigint;
  readonly share: string;
}

export interface Breakdown {
  readonly title: string;
  /** What the rows add up to: the statement total, or its direct usage (without pool shares). */
  readonly of: 'total' | 'direct';
  readonly rows: readonly BreakdownRow[];
}

export interface StatementUser {
  /** The cost center the spender is charged to (differs between lines of a roll-up). */
  readonly costCenter: string;
  readonly actorKey: string;
  readonly label: string;
  readonly email: string | null;
  readonly actorType: string;
  readonly actorId: string;
  readonly cents: bigint;
  readonly share: string;
}

export interface StatementLine {
  /** Actor and line identity; the last sort key, so the order never depends on the input. */
  readonly key: string;
  readonly costCenter: string;
  readonly actorKey: string;
  readonly label: string;
  readonly email: string | null;
  readonly actorId: string;
  readonly product: string;
  readonly model: string;
  readonly contextWindow: string;
  readonly costType: string;
  readonly unroundedCents: string;
  readonly cents: bigint;
  readonly rule: string;
  /** The source row it was billed from (page and index), as in the ledger's raw_row. */
  readonly rawRow: string;
  /** The quantities behind the line (tokens, searches or executions); null when it has none. */
  readonly quantity?: LineQuantity | null;
}

/** A charge line that is not usage: a pool share, seats, markup or an earlier month's adjustment, as the ledger names it. */
export interface ChargeLine {
  readonly lineType: 'pool_share' | 'seats' | 'markup' | 'carried_adjustment';
  readonly label: string;
  readonly cents: bigint;
  /** How it was computed, in the ledger's words. */
  readonly rule: string;
  /** The month it charges for: an earlier month for a carried adjustment; absent for this month's. */
  readonly period?: string;
  /** A pool share's pool; a carried adjustment's reference and reasons (to say them in the statement's language). */
  readonly pool?: string;
  readonly reference?: string;
  readonly reasons?: readonly string[];
}

export interface Statement {
  /** direct: one cost center's own spend; rollup: a parent's own spend plus all its descendants'. */
  readonly kind: 'direct' | 'rollup';
  readonly number: string;
  readonly company: string;
  readonly code: string;
  readonly name: string;
  readonly parent: string | null;
  readonly owner: { readonly name: string; readonly email: string } | null;
  readonly periodLabel: string;
  readonly periodTitle: string;
  readonly periodStartIso: string;
  readonly periodEndExclusiveIso: string;
  readonly status: DocumentStatus;
  readonly dataAsOf: string | null;
  readonly issuedAt: string;
  readonly totalCents: bigint;
  /** Direct usage: the total less shares of shared-cost pools. */
  readonly directCents: bigint;
  readonly unroundedTotalCents: string;
  readonly breakdowns: readonly Breakdown[];
  readonly users: readonly StatementUser[];
  /**
   * Every usage line of a direct statement, sorted; empty when built with `lines: false` (the
   * month makes them with `statementLines` as it renders each statement). Empty on a roll-up: its
   * lines are its direct statements' (each workbook's Lines sheet, and the ledger), not repeated
   * at every level above.
   */
  readonly lines: readonly StatementLine[];
  /** The charges besides usage, in the order of the Charges table; empty on a roll-up. */
  readonly chargeLines: readonly ChargeLine[];
  /** How many usage lines the statement sums: its own, or for a roll-up its direct statements'. */
  readonly lineCount: number;
  readonly notes: readonly string[];
  /** What this statement revises; null for a first issue and for roll-ups (which charge nothing). */
  readonly revision: StatementRevision | null;
  /** Adjustments of earlier months this statement carries, with why each revision differs (diff's main reasons). */
  readonly carried: ReadonlyArray<{ readonly reference: string; readonly cents: bigint; readonly reasons: readonly string[] }>;
  /** A provisional statement's final one is due on or after this day (YYYY-MM-DD); null when FINAL. */
  readonly finalDueOn: string | null;
  /** Tokens, requests and the price per million tokens by model (direct usage); null when the month has no quantities. */
  readonly quantities: readonly ModelQuantity[] | null;
  /** Engagement, spend mix and trend; attached after the statements are built. */
  readonly insights?: StatementInsights;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function periodTitle(year: number, month: number): string {
  return `${MONTHS[month - 1]} ${year}`;
}

export function statementNumber(periodLabel: string, code: string, revision = 1): string {
  return `CB-${periodLabel}-${code}${revision > 1 ? `-R${revision}` : ''}`;
}

/** The statement number of a cost center in this allocation (its revision included). */
export function numberFor(allocation: Allocation, code: string): string {
  return statementNumber(allocation.period.label, code, allocation.revision);
}

type Dimension = 'product' | 'model' | 'contextWindow' | 'costType';
const DIMENSIONS: ReadonlyArray<{ key: Dimension; title: string; none: string }> = [
  { key: 'product', title: 'Direct usage by product', none: '(no product)' },
  { key: 'model', title: 'Direct usage by model', none: '(no model, e.g. code execution)' },
  { key: 'costType', title: 'Direct usage by cost type', none: '(combined)' },
  { key: 'contextWindow', title: 'Direct usage by context window tier', none: '(no tier)' },
];
export const CHARGES_TITLE = 'Charges';

const compareRows = (a: { cents: bigint; label: string }, b: { cents: bigint; label: string }) =>
  a.cents === b.cents ? (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) : a.cents > b.cents ? -1 : 1;

/**
 * A breakdown is a view, not a level: each one splits the cost center's billed total over its
 * own groups by largest remainder, so every breakdown adds up to the statement total exactly.
 */
function breakdown(cc: CostCenterAllocation, dim: (typeof DIMENSIONS)[number]): Breakdown {
  const sums = new Map<string, Money[]>();
  for (const a of cc.actors) {
    for (const l of a.lines) {
      const label = l[dim.key] ?? dim.none;
      const list = sums.get(label);
      if (list) list.push(l.unroundedCents);
      else sums.set(label, [l.unroundedCents]);
    }
  }
  const parts = [...sums].map(([key, list]) => ({ key, weight: sumMoney(list) }));
  const cents = splitLargestRemainder(cc.directCents, parts);
  const rows = parts
    .map((p) => ({ label: p.key, cents: cents.get(p.key)!, share: percentText(cents.get(p.key)!, cc.directCents) }))
    .sort(compareRows);
  return { title: dim.title, of: 'direct', rows };
}

function hasCharges(cc: CostCenterAllocation): boolean {
  return cc.poolShares.length > 0 || cc.seatCents !== 0n || cc.markupCents !== 0n || cc.adjustments.length > 0;
}

/** Pool shares, seats, markup and carried adjustments, with the ledger's line types and rules. */
export function chargeLines(cc: CostCenterAllocation): ChargeLine[] {
  return [
    ...cc.poolShares.map((p) => ({ lineType: 'pool_share' as const, label: `Shared: ${p.pool}`, cents: p.cents, rule: `pool ${p.pool}: ${p.basis}`, pool: p.pool })),
    ...(cc.seatCents !== 0n ? [{ lineType: 'seats' as const, label: 'Seats', cents: cc.seatCents, rule: `seats: ${cc.seatPersonDays} person-days (${cc.seatMonths} seat-months)` }] : []),
    ...(cc.markupCents !== 0n ? [{ lineType: 'markup' as const, label: 'Overhead markup', cents: cc.markupCents, rule: `markup ${cc.markupPercent}%` }] : []),
    ...cc.adjustments.map((a) => ({ lineType: 'carried_adjustment' as const, label: `Adjustment of an earlier month: ${a.reference}${whatChanged(a.reasons ?? [])}`, cents: a.cents, rule: `adjustment of ${a.fromPeriod}: ${a.reference}`, period: a.fromPeriod, reference: a.reference, reasons: a.reasons ?? [] })),
  ];
}

/** Direct usage, each pool share, seats and markup: the lines that make up the statement total. */
function charges(cc: CostCenterAllocation, seatPriceCents: string | null, language: StatementLanguage): Breakdown {
  const { m, money } = language;
  const rows = [
    { label: m.charges.directUsage, cents: cc.directCents },
    ...cc.poolShares.map((p) => ({ label: m.charges.pool(p.pool, shareBasisText(language, p.cents, p.basis)), cents: p.cents })),
    ...(cc.seatCents !== 0n ? [{ label: m.charges.seats(language.decimal(new Money(cc.seatMonths).toFixed(2)), money(BigInt(new Money(seatPriceCents ?? 0).toFixed(0)))), cents: cc.seatCents }] : []),
    ...(cc.markupCents !== 0n ? [{ label: m.charges.markup(language.decimal(cc.markupPercent)), cents: cc.markupCents }] : []),
    ...cc.adjustments.map((a) => ({ label: m.charges.carried(a.reference), cents: a.cents })),
  ];
  return { title: CHARGES_TITLE, of: 'total', rows: rows.map((r) => ({ ...r, share: percentText(r.cents, cc.billedCents) })) };
}

function methodNotes(ctx: StatementContext, allocation: Allocation): string[] {
  const { m, integer } = ctx.language ?? ENGLISH;
  const n = m.pdf.notes;
  return [
    n.source(ctx.sourceEndpoint),
    ctx.status === 'FINAL' ? n.final : n.provisional,
    n.rounding(integer(allocation.rowCount)),
    ...(allocation.pools.length > 0 ? [n.pools(allocation.pools.map((p) => n.pool(p.name, p.kind === 'usage', basisText(m, p.basis))).join('; '))] : []),
    n.mapping(UNALLOCATED, ctx.directorySha256.slice(0, 16)),
    ...(ctx.quantities ? [n.quantities] : []),
    ...(ctx.budgeted ? [n.budgets] : []),
  ];
}

/** A direct statement's usage lines, highest first (ties by actor and line identity). */
export function statementLines(cc: CostCenterAllocation, quantities: Quantities | null = null): StatementLine[] {
  return cc.actors
    .flatMap((a) =>
      a.lines.map((l) => ({
        key: `${a.actorKey}#${l.lineKey}`,
        costCenter: cc.code,
        actorKey: a.actorKey,
        label: a.label,
        email: a.email,
        actorId: a.actorId,
        product: l.product ?? '',
        model: l.model ?? '',
        contextWindow: l.contextWindow ?? '',
        costType: l.costType ?? '',
        unroundedCents: decimalText(l.unroundedCents),
        cents: l.billedCents,
        rule: l.rule,
        rawRow: l.rowId,
        quantity: quantities?.byRow.get(l.rowId) ?? null,
      })),
    )
    .sort((a, b) => compareRows(a, b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * One statement per cost center with spend. Pure; sorted and rounded, ready to render. With
 * `lines: false` the statements' lines are left for `statementLines` to make when each statement
 * is rendered (a month's lines are then never all held twice); `lineCount` is set either way.
 */
export function buildStatements(allocation: Allocation, ctx: StatementContext, options: { readonly lines?: boolean } = {}): Statement[] {
  const p = allocation.period;
  const language = ctx.language ?? ENGLISH;
  return allocation.costCenters
    .filter(hasStatement)
    .map((cc): Statement => {
      const users = cc.actors
        .map((a) => ({
          costCenter: cc.code,
          actorKey: a.actorKey,
          label: a.label,
          email: a.email,
          actorType: a.actorType,
          actorId: a.actorId,
          cents: a.billedCents,
          share: percentText(a.billedCents, cc.directCents),
        }))
        .sort(compareRows);
      const lines = options.lines === false ? [] : statementLines(cc, ctx.quantities ?? null);
      const lineCount = options.lines === false ? cc.actors.reduce((n, a) => n + a.lines.length, 0) : lines.length;
      return {
        kind: 'direct',
        number: numberFor(allocation, cc.code),
        company: ctx.company,
        code: cc.code,
        name: cc.name,
        parent: cc.parent,
        owner: cc.owner,
        periodLabel: p.label,
        periodTitle: periodTitle(p.year, p.month),
        periodStartIso: p.startIso,
        periodEndExclusiveIso: p.endExclusiveIso,
        status: ctx.status,
        dataAsOf: ctx.dataAsOf,
        issuedAt: ctx.issuedAt,
        totalCents: cc.billedCents,
        directCents: cc.directCents,
        unroundedTotalCents: decimalText(cc.unroundedCents),
        breakdowns: [...(hasCharges(cc) ? [charges(cc, ctx.seatPriceCents, language)] : []), ...DIMENSIONS.map((d) => breakdown(cc, d))],
        users,
        lines,
        chargeLines: chargeLines(cc),
        lineCount,
        notes: [...(ctx.revisions?.[cc.code] ? [revisionNote(ctx.revisions[cc.code]!, p.label, language)] : []), ...methodNotes(ctx, allocation)],
        revision: ctx.revisions?.[cc.code] ?? null,
        carried: cc.adjustments.map((a) => ({ reference: a.reference, cents: a.cents, reasons: a.reasons ?? [] })),
        finalDueOn: ctx.status === 'PROVISIONAL' ? dayOf(finalFromMs(p)) : null,
        quantities: ctx.quantities ? modelQuantities(cc, ctx.quantities) : null,
      };
    });
}

/**
 * A direct statement's token lines by model: tokens by kind, requests, and their cents. The cents
 * are the statement's "Tokens" cost-type amount (one split of the direct total, as the breakdowns
 * make it) split over the models by their exact token cost, so the table adds up to that line.
 */
export function modelQuantities(cc: CostCenterAllocation, quantities: Quantities): ModelQuantity[] {
  // Per model: the quantities, every token line's exact cents, and those of the lines with a quantity (summed once at the end).
  const byModel = new Map<string, { q: { -readonly [K in keyof ModelQuantity]: ModelQuantity[K] }; cents: Money[]; measured: Money[] }>();
  const byCostType = new Map<string, Money[]>();
  for (const a of cc.actors) {
    for (const l of a.lines) {
      const type = l.costType ?? '(combined)';
      (byCostType.get(type) ?? byCostType.set(type, []).get(type)!).push(l.unroundedCents);
      if (l.costType !== 'tokens') continue;
      const model = l.model ?? '';
      let m = byModel.get(model);
      if (!m) byModel.set(model, (m = { q: { model, uncachedInput: 0n, cacheWrite: 0n, cacheRead: 0n, output: 0n, requests: 0n, tokenCents: 0n, measuredCents: '0', unmeasuredLines: 0 }, cents: [], measured: [] }));
      m.cents.push(l.unroundedCents);
      const q = quantities.byRow.get(l.rowId);
      if (!q || q.measure !== 'tokens') {
        m.q.unmeasuredLines += 1;
        continue;
      }
      m.q.uncachedInput += q.uncachedInput;
      m.q.cacheWrite += q.cacheWrite;
      m.q.cacheRead += q.cacheRead;
      m.q.output += q.output;
      m.q.requests += q.requests;
      m.measured.push(l.unroundedCents);
    }
  }
  if (byModel.size === 0) return [];
  const typeCents = splitLargestRemainder(cc.directCents, [...byCostType].map(([key, list]) => ({ key, weight: sumMoney(list) })));
  const modelCents = splitLargestRemainder(typeCents.get('tokens') ?? 0n, [...byModel].map(([key, m]) => ({ key, weight: sumMoney(m.cents) })));
  return sumModelQuantities([...byModel].map(([key, m]) => ({ ...m.q, tokenCents: modelCents.get(key)!, measuredCents: decimalText(sumMoney(m.measured)) })));
}

/**
 * Roll-up statements for every cost center with descendants that spent: its own spend plus each
 * descendant's, as subtotals. Every figure is a sum of the direct statements' exact cents, so a
 * roll-up agrees with the statements it summarises to the cent. Pure.
 */
export function buildRollups(allocation: Allocation, direct: readonly Statement[], language: StatementLanguage = ENGLISH): Statement[] {
  const { m } = language;
  const byCode = new Map(direct.map((s) => [s.code, s]));
  const children = new Map<string, string[]>();
  for (const cc of allocation.costCenters) if (cc.parent) children.set(cc.parent, [...(children.get(cc.parent) ?? []), cc.code]);
  const subtree = (code: string): string[] => [code, ...[...(children.get(code) ?? [])].sort().flatMap(subtree)];
  return allocation.costCenters
    .filter((cc) => (children.get(cc.code) ?? []).length > 0)
    .flatMap((cc): Statement[] => {
      const parts = subtree(cc.code).flatMap((code) => (byCode.has(code) ? [byCode.get(code)!] : []));
      if (parts.length === 0) return [];
      const total = parts.reduce((a, s) => a + s.totalCents, 0n);
      const direct = parts.reduce((a, s) => a + s.directCents, 0n);
      const subtotals: Breakdown = {
        title: 'By cost center',
        of: 'total',
        // Own spend, then each direct child with everything below it, so deeper levels nest.
        rows: [
          ...(byCode.has(cc.code) ? [{ code: cc.code, name: m.charges.ownSpend(byCode.get(cc.code)!.name), cents: byCode.get(cc.code)!.totalCents }] : []),
          ...[...(children.get(cc.code) ?? [])].sort().flatMap((child) => {
            const below = subtree(child).flatMap((code) => (byCode.has(code) ? [byCode.get(code)!] : []));
            if (below.length === 0) return [];
            const name = allocation.costCenters.find((c) => c.code === child)!.name;
            return [{ code: child, name: below.length > 1 || below[0]!.code !== child ? m.charges.andBelow(name, below.length) : name, cents: below.reduce((a, s) => a + s.totalCents, 0n) }];
          }),
        ].map((r) => ({ label: `${r.code} \u2014 ${r.name}`, cents: r.cents, share: percentText(r.cents, total) })),
      };
      // Each view is the parts' same view added up, so it agrees with them to the cent.
      const titles = [CHARGES_TITLE, ...DIMENSIONS.map((d) => d.title)];
      const breakdowns = titles.flatMap((title): Breakdown[] => {
        const sums = new Map<string, bigint>();
        for (const s of parts) {
          const b = s.breakdowns.find((x) => x.title === title);
          // A part without pool shares has no Charges view: all of it is direct usage.
          const rows = b?.rows ?? (title === CHARGES_TITLE ? [{ label: m.charges.directUsage, cents: s.totalCents, share: '' }] : []);
          for (const r of rows) {
            // Pool shares merge by pool: each part's label also carries its own basis.
            const label = title === CHARGES_TITLE ? r.label.replace(/ \(.*\)$/, '') : r.label;
            sums.set(label, (sums.get(label) ?? 0n) + r.cents);
          }
        }
        const of = title === CHARGES_TITLE ? 'total' : 'direct';
        if (title === CHARGES_TITLE && sums.size === 1) return [];
        const whole = of === 'total' ? total : direct;
        return [{ title, of, rows: [...sums].map(([label, cents]) => ({ label, cents, share: percentText(cents, whole) })).sort(compareRows) }];
      });
      const first = parts[0]!;
      return [
        {
          ...first,
          kind: 'rollup',
          number: `${numberFor(allocation, cc.code)}-ROLLUP`,
          code: cc.code,
          name: cc.name,
          parent: cc.parent,
          owner: cc.owner,
          totalCents: total,
          directCents: direct,
          unroundedTotalCents: decimalText(sumMoney(parts.map((s) => new Money(s.unroundedTotalCents)))),
          breakdowns: [subtotals, ...breakdowns],
          users: parts.flatMap((s) => s.users.map((u) => ({ ...u, share: percentText(u.cents, direct) }))).sort(compareRows),
          lines: [],
          chargeLines: [],
          lineCount: parts.reduce((n, s) => n + s.lineCount, 0),
          notes: [
            m.pdf.notes.rollup(parts.length, parts.map((s) => s.number).join(', ')),
            // The method notes the parts share, not the first part's own revision.
            ...(first.revision ? first.notes.slice(1) : first.notes),
          ],
          revision: null,
          carried: [],
          quantities: parts.some((s) => s.quantities === null) ? null : sumModelQuantities(parts.flatMap((s) => s.quantities!)),
        },
      ];
    });
}
