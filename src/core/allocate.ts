import { actorId, actorKey, actorLabel, actorTypeLabel, lineIdentity, type Actor, type CostRow } from './cost-row.js';
import { activeOn, indexDirectory, mapRow, markupPercent, UNALLOCATED, type CostCenter, type OrgDirectory } from './directory.js';
import { dataError } from '../errors.js';
import { createInterner } from './intern.js';
import { formatUsd, Money, percentText, roundCents, splitLargestRemainder, sumMoney } from './money.js';
import { periodDays, type Period } from './period.js';

export interface AllocationLine {
  /** Identity of the line inside its actor: every group value of the source row. */
  readonly lineKey: string;
  readonly rowId: string;
  readonly costCenter: string;
  readonly actorKey: string;
  readonly actorType: string;
  readonly actorId: string;
  readonly email: string | null;
  readonly product: string | null;
  readonly model: string | null;
  readonly contextWindow: string | null;
  readonly costType: string | null;
  readonly workspaceId: string | null;
  readonly unroundedCents: Money;
  readonly billedCents: bigint;
  readonly rule: string;
}

export interface ActorAllocation {
  readonly actorKey: string;
  readonly actorType: string;
  readonly actorId: string;
  readonly label: string;
  readonly email: string | null;
  readonly unroundedCents: Money;
  readonly billedCents: bigint;
  readonly lines: readonly AllocationLine[];
}

export interface PoolShare {
  readonly pool: string;
  /** How the share was computed, in words for the statement: "proportional to direct spend". */
  readonly basis: string;
  readonly cents: bigint;
}

export interface PoolAllocation {
  readonly name: string;
  readonly kind: 'usage' | 'fixed-amount';
  readonly basis: string;
  readonly note: string | null;
  /** Unrounded cents of the rows the pool claimed (or the fixed amount). */
  readonly unroundedCents: Money;
  /** The pool's billed cents: its part of the rounded source total, or the fixed amount. */
  readonly cents: bigint;
  /** Rows the pool claimed, for the ledger. */
  readonly sourceRows: ReadonlyArray<{ readonly rowId: string; readonly actorKey: string; readonly row: CostRow; readonly rule: string }>;
  /** Cost center code to cents; adds up to `cents` exactly. */
  readonly shares: ReadonlyMap<string, bigint>;
}

/** An adjustment of an earlier month carried into this month's statement. */
export interface CarriedAdjustment {
  readonly costCenter: string;
  /** The month the adjustment corrects ("2026-09"). */
  readonly fromPeriod: string;
  /** "CB-2026-09-ENG-PLAT → CB-2026-09-ENG-PLAT-R2" */
  readonly reference: string;
  readonly cents: bigint;
  /** Why the revision differs, in diff's words (the main ones); absent in months carried before 0.5.0. */
  readonly reasons?: readonly string[];
}

export interface CostCenterAllocation {
  readonly code: string;
  readonly name: string;
  readonly parent: string | null;
  readonly owner: CostCenter['owner'] | null;
  readonly glAccount: string | null;
  /** Unrounded direct usage (rows mapped to this cost center). */
  readonly unroundedCents: Money;
  /** Direct usage in cents: this cost center's part of the rounded source total. */
  readonly directCents: bigint;
  /** Shares of pools this cost center receives. */
  readonly poolShares: readonly PoolShare[];
  /** Seats (seat-based plans), prorated by days: person-days in the cost center, seat-months for display (4 decimals), and cents. */
  readonly seatPersonDays: number;
  readonly seatMonths: string;
  readonly seatCents: bigint;
  /** Overhead markup: the percent that applies and its cents. */
  readonly markupPercent: string;
  readonly markupCents: bigint;
  /** Adjustments of earlier months carried into this statement. */
  readonly adjustments: readonly CarriedAdjustment[];
  /** The statement total: direct usage, pool shares, seats, markup and carried adjustments. */
  readonly billedCents: bigint;
  readonly actors: readonly ActorAllocation[];
}

export interface UnmappedActor {
  readonly actorKey: string;
  readonly label: string;
  readonly rowCount: number;
  readonly unroundedCents: Money;
}

export interface Allocation {
  readonly period: Period;
  /** 1 for the first issue of the month; 2, 3… for revisions (final figures, corrections). */
  readonly revision: number;
  readonly carriedCents: bigint;
  readonly sourceTotalUnroundedCents: Money;
  /** The one rounding: the period's grand total in whole cents. */
  readonly sourceTotalCents: bigint;
  /** Every cost center of the directory (spend or not), then UNALLOCATED when it has rows. */
  readonly costCenters: readonly CostCenterAllocation[];
  readonly pools: readonly PoolAllocation[];
  readonly seatsCents: bigint;
  readonly markupCents: bigint;
  /** Charged on top of the provider's cost: fixed pool amounts, seats and markup. */
  readonly extraCents: bigint;
  readonly unmapped: readonly UnmappedActor[];
  readonly rowCount: number;
}

interface MappedRow {
  readonly row: CostRow;
  readonly costCenter: string;
  readonly pool: string | null;
  readonly rule: string;
  /** The directory's name for this spender: a listed person's name, or a rule's note for a non-person. */
  readonly name: string | null;
  readonly actorKey: string;
  readonly lineKey: string;
}


export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Decides who owns every row and splits the period's rounded total down the levels
 * (cost center, actor, line) by largest remainder. Pure.
 */
export function allocate(
  rows: readonly CostRow[],
  directory: OrgDirectory,
  period: Period,
  options: { readonly revision?: number; readonly carried?: readonly CarriedAdjustment[] } = {},
): Allocation {
  const carried = options.carried ?? [];
  const index = indexDirectory(directory);
  // A line's identity leaves the actor out, so a month of millions of lines names only as many
  // identities as it has products, models, windows, workspaces and buckets: keep one copy of each.
  const lineKeys = createInterner();
  // Parsed rows share one actor object per spender: one key text per actor, not one per row.
  const actorKeys = new Map<Actor | null, string>();
  const keyOf = (actor: Actor | null): string => {
    let key = actorKeys.get(actor);
    if (key === undefined) actorKeys.set(actor, (key = actorKey(actor)));
    return key;
  };
  const mapped: MappedRow[] = rows.map((row) => {
    const m = mapRow(index, row);
    const name = m.name ?? (row.actor?.type === 'user_actor' ? null : m.note);
    return { row, costCenter: m.costCenter, pool: m.pool, rule: m.rule, name, actorKey: keyOf(row.actor), lineKey: lineKeys.text(lineIdentity(row)) };
  });

  // Each row's identity (actor, then line) once; by actor, so no identity text is made per row.
  // Downstream a line is known by "actor#line" (adjustments, revisions, statement keys): two rows
  // whose texts join to the same identity must be refused too. That needs a "#" inside one key of
  // each, so only such rows are also checked by their joined text.
  const seen = new Map<string, Map<string, string>>();
  const joined = new Map<string, string>();
  for (const m of mapped) {
    let lines = seen.get(m.actorKey);
    if (lines === undefined) seen.set(m.actorKey, (lines = new Map()));
    const hashed = m.actorKey.includes('#') || m.lineKey.includes('#');
    const earlier = lines.get(m.lineKey) ?? (hashed ? joined.get(`${m.actorKey}#${m.lineKey}`) : undefined);
    if (earlier !== undefined) {
      throw dataError(`The cost report returned the same row twice (${m.row.rowId} repeats ${earlier}).`, [
        `Row identity: ${m.actorKey}#${m.lineKey}`,
        'Summing both would bill that spend twice. Nothing was published; pull the month again.',
      ]);
    }
    lines.set(m.lineKey, m.row.rowId);
    if (hashed) joined.set(`${m.actorKey}#${m.lineKey}`, m.row.rowId);
  }
  seen.clear();

  const unmappedRows = mapped.filter((m) => m.costCenter === UNALLOCATED);
  const unmapped: UnmappedActor[] = [...groupBy(unmappedRows, (m) => m.actorKey)]
    .map(([key, list]) => ({
      actorKey: key,
      label: describeActor(list[0]!.row),
      rowCount: list.length,
      unroundedCents: sumMoney(list.map((m) => m.row.amountCents)),
    }))
    .sort((a, b) => b.unroundedCents.comparedTo(a.unroundedCents) || byText(a.actorKey, b.actorKey));

  if (directory.unmapped === 'fail' && unmapped.length > 0) {
    throw dataError(
      `${unmapped.length} spender(s) in ${period.label} are not in the org directory and it says unmapped: fail.`,
      [
        ...unmapped.map(
          (u) => `Unmapped ${u.label} (${u.rowCount} rows, ${formatUsd(roundCents(u.unroundedCents))}) in ${period.label}`,
        ),
        `Next step: add them to ${directory.source} (people or rules), or set "unmapped: bucket" to send them to ${UNALLOCATED}.`,
      ],
    );
  }

  const sourceTotalUnroundedCents = sumMoney(rows.map((r) => r.amountCents));
  const sourceTotalCents = roundCents(sourceTotalUnroundedCents);

  const byCostCenter = groupBy(mapped.filter((m) => m.pool === null), (m) => m.costCenter);
  const byPool = groupBy(mapped.filter((m) => m.pool !== null), (m) => m.pool!);
  const directoryCodes = directory.costCenters.map((c) => c.code);
  const codes = [...directoryCodes];
  if (byCostCenter.has(UNALLOCATED) || carried.some((c) => c.costCenter === UNALLOCATED)) codes.push(UNALLOCATED);
  for (const c of carried) {
    if (!codes.includes(c.costCenter)) throw dataError(`A carried adjustment names cost center ${c.costCenter}, which the org directory no longer has.`, ['Add it back (it can have no people), or book the adjustment by hand; nothing was published.']);
  }

  // The one rounding, split over cost centers' direct usage and the usage pools alike.
  const ccWeights = codes.map((code) => ({ key: code, weight: sumMoney((byCostCenter.get(code) ?? []).map((m) => m.row.amountCents)) }));
  const poolKey = (name: string) => `pool:${name}`;
  const poolWeights = [...byPool].map(([name, list]) => ({ key: poolKey(name), weight: sumMoney(list.map((m) => m.row.amountCents)) }));
  const topCents = splitLargestRemainder(sourceTotalCents, [...ccWeights, ...poolWeights]);
  const directWeight = new Map(ccWeights.map((w) => [w.key, w.weight]));

  const pools = directory.pools.flatMap((pool): PoolAllocation[] => {
    const claimed = byPool.get(pool.name) ?? [];
    if (pool.amountCents === null && claimed.length === 0) return [];
    const cents = pool.amountCents ?? topCents.get(poolKey(pool.name))!;
    let receivers: Array<{ key: string; weight: Money }>;
    let basis: string;
    if (pool.split.kind === 'fixed') {
      receivers = pool.split.percentages.map((p) => ({ key: p.code, weight: new Money(p.percent) }));
      basis = 'fixed percentages';
    } else {
      const codesWithSpend = directoryCodes.filter((c) => !directWeight.get(c)!.isZero());
      const to = pool.to ?? codesWithSpend;
      const even = pool.split.kind === 'even';
      receivers = to.map((code) => ({ key: code, weight: even ? new Money(1) : directWeight.get(code)! }));
      basis = even ? `even over ${to.length} cost centers` : 'by direct spend';
    }
    // Nobody to share with (no direct spend anywhere): keep the money visible rather than lose it.
    if (receivers.length === 0) receivers = [{ key: UNALLOCATED, weight: new Money(1) }];
    return [
      {
        name: pool.name,
        kind: pool.amountCents === null ? 'usage' : 'fixed-amount',
        basis,
        note: pool.note,
        unroundedCents: pool.amountCents === null ? sumMoney(claimed.map((m) => m.row.amountCents)) : new Money(pool.amountCents.toString()),
        cents,
        sourceRows: claimed.map((m) => ({ rowId: m.row.rowId, actorKey: m.actorKey, row: m.row, rule: m.rule })),
        shares: splitLargestRemainder(cents, receivers),
      },
    ];
  });
  if (pools.some((p) => p.shares.has(UNALLOCATED)) && !codes.includes(UNALLOCATED)) codes.push(UNALLOCATED);
  const ccCents = new Map(codes.map((code) => [code, topCents.get(code) ?? 0n]));

  const base = codes.map((code, i) => {
    const cc = index.costCenters.get(code);
    const ccRows = byCostCenter.get(code) ?? [];
    const billed = ccCents.get(code)!;
    const byActor = groupBy(ccRows, (m) => m.actorKey);
    const actorKeys = [...byActor.keys()].sort(byText);
    const actorWeights = actorKeys.map((k) => ({ key: k, weight: sumMoney(byActor.get(k)!.map((m) => m.row.amountCents)) }));
    const actorCents = splitLargestRemainder(billed, actorWeights);

    const actors = actorKeys.map((k, j): ActorAllocation => {
      const list = byActor.get(k)!;
      const first = list[0]!.row;
      const lineWeights = list.map((m) => ({ key: m.lineKey, weight: m.row.amountCents }));
      const lineCents = splitLargestRemainder(actorCents.get(k)!, lineWeights);
      const lines = list
        .map((m): AllocationLine => ({
          lineKey: m.lineKey,
          rowId: m.row.rowId,
          costCenter: code,
          actorKey: k,
          actorType: actorTypeLabel(m.row.actor),
          actorId: actorId(m.row.actor),
          email: m.row.actor?.type === 'user_actor' ? m.row.actor.email : null,
          product: m.row.product,
          model: m.row.model,
          contextWindow: m.row.contextWindow,
          costType: m.row.costType,
          workspaceId: m.row.workspaceId,
          unroundedCents: m.row.amountCents,
          billedCents: lineCents.get(m.lineKey)!,
          rule: m.rule,
        }))
        .sort((a, b) => byText(a.lineKey, b.lineKey));
      return {
        actorKey: k,
        actorType: actorTypeLabel(first.actor),
        actorId: actorId(first.actor),
        label: actorLabel(first.actor, list[0]!.name),
        email: first.actor?.type === 'user_actor' ? first.actor.email : null,
        unroundedCents: actorWeights[j]!.weight,
        billedCents: actorCents.get(k)!,
        lines,
      };
    });

    const poolShares = pools.flatMap((p): PoolShare[] => {
      const share = p.shares.get(code);
      if (share === undefined) return [];
      return [{ pool: p.name, basis: `${percentText(share, p.cents)} of ${formatUsd(p.cents)}, ${p.basis}`, cents: share }];
    });
    return {
      code,
      name: cc?.name ?? 'Unallocated (not in the org directory)',
      parent: cc?.parent ?? null,
      owner: cc?.owner ?? null,
      glAccount: cc?.glAccount ?? null,
      unroundedCents: ccWeights[i]?.weight ?? sumMoney([]),
      directCents: billed,
      poolShares,
      actors,
    };
  });

  // Seats: each person's seat price, prorated by the days they belonged to a cost center; the
  // total is rounded once and split by largest remainder like everything else.
  const days = periodDays(period);
  const personDays = new Map<string, number>();
  if (directory.seatPriceCents !== null) {
    for (const person of directory.people) {
      const active = days.filter((d) => activeOn(person, d)).length;
      personDays.set(person.costCenter, (personDays.get(person.costCenter) ?? 0) + active);
    }
  }
  const price = new Money(directory.seatPriceCents ?? 0);
  const seatWeights = base.map((cc) => ({ key: cc.code, weight: price.times(personDays.get(cc.code) ?? 0).dividedBy(days.length) }));
  const seatsCents = roundCents(sumMoney(seatWeights.map((w) => w.weight)));
  const seatSplit = splitLargestRemainder(seatsCents, seatWeights);

  // Markup on what each statement carries so far, rounded once over all cost centers.
  const markupWeights = base.map((cc) => {
    const sofar = cc.directCents + cc.poolShares.reduce((a, ps) => a + ps.cents, 0n) + seatSplit.get(cc.code)!;
    return { key: cc.code, weight: new Money(sofar.toString()).times(markupPercent(index, cc.code)).dividedBy(100) };
  });
  const markupCents = roundCents(sumMoney(markupWeights.map((w) => w.weight)));
  const markupSplit = splitLargestRemainder(markupCents, markupWeights);

  const costCenters = base.map((cc): CostCenterAllocation => {
    const seatCents = seatSplit.get(cc.code)!;
    const markup = markupSplit.get(cc.code)!;
    const adjustments = carried.filter((c) => c.costCenter === cc.code);
    return {
      ...cc,
      adjustments,
      seatPersonDays: personDays.get(cc.code) ?? 0,
      seatMonths: new Money(personDays.get(cc.code) ?? 0).dividedBy(days.length).toFixed(4),
      seatCents,
      markupPercent: markupPercent(index, cc.code),
      markupCents: markup,
      billedCents: cc.directCents + cc.poolShares.reduce((a, ps) => a + ps.cents, 0n) + seatCents + markup + adjustments.reduce((a, c) => a + c.cents, 0n),
    };
  });

  const extraCents = pools.filter((p) => p.kind === 'fixed-amount').reduce((a, p) => a + p.cents, 0n) + seatsCents + markupCents;
  const carriedCents = carried.reduce((a, c) => a + c.cents, 0n);
  return { period, revision: options.revision ?? 1, carriedCents, sourceTotalUnroundedCents, sourceTotalCents, costCenters, pools, seatsCents, markupCents, extraCents, unmapped, rowCount: rows.length };
}

function describeActor(row: CostRow): string {
  const a = row.actor;
  if (a?.type === 'user_actor') return `user ${a.email ?? a.userId}${a.deleted ? ' (deleted)' : ''}`;
  // Lower-cased to sit mid-sentence, but not an acronym: "service account …", "API key …".
  return actorLabel(a).replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase());
}

/** A cost center gets a statement when it has spend, a share, a charge or an adjustment. */
export function hasStatement(cc: CostCenterAllocation): boolean {
  return cc.actors.length > 0 || cc.poolShares.length > 0 || cc.seatCents !== 0n || cc.markupCents !== 0n || cc.adjustments.length > 0;
}
