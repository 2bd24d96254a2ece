import { formatUsd, percentText } from './money.js';

/** One issue of a month as diff reads it: totals per cost center and per spender. */
export interface DiffSide {
  readonly label: string;
  readonly costCenters: ReadonlyArray<{
    readonly code: string;
    readonly name: string;
    readonly owner: string | null;
    readonly billedCents: bigint;
    readonly actors: ReadonlyArray<{ readonly actorKey: string; readonly label: string; readonly billedCents: bigint }>;
    /** Charges other than direct usage, by name: "shared: <pool>", "seats", "markup", "adjustments of earlier months". */
    readonly charges?: ReadonlyMap<string, bigint>;
  }>;
  readonly directorySha256: string;
}

export interface CostCenterDiff {
  readonly code: string;
  readonly beforeCents: bigint;
  readonly afterCents: bigint;
  readonly deltaCents: bigint;
  /** Why, one reason per line: people added, moved or removed, spend up or down, directory changes. */
  readonly reasons: readonly string[];
}

/** A cost center as an issue records it: chargeback.json's fields, which an allocation shares. */
export interface IssuedCostCenter {
  readonly code: string;
  readonly name: string;
  readonly owner: { readonly name: string; readonly email: string } | null;
  readonly billedCents: bigint;
  readonly actors: ReadonlyArray<{ readonly actorKey: string; readonly label: string; readonly billedCents: bigint }>;
  readonly poolShares?: ReadonlyArray<{ readonly pool: string; readonly cents: bigint }>;
  readonly seatCents?: bigint;
  readonly markupCents?: bigint;
  readonly adjustments?: ReadonlyArray<{ readonly cents: bigint }>;
}

/** One side of a diff from an issue's cost centers (read from chargeback.json, or this run's allocation). */
export function diffSide(label: string, directorySha256: string, costCenters: readonly IssuedCostCenter[]): DiffSide {
  return {
    label,
    directorySha256,
    costCenters: costCenters.map((c) => {
      const charges = new Map<string, bigint>();
      for (const p of c.poolShares ?? []) charges.set(`shared: ${p.pool}`, p.cents);
      if (c.seatCents) charges.set('seats', c.seatCents);
      if (c.markupCents) charges.set('markup', c.markupCents);
      const carried = (c.adjustments ?? []).reduce((a, x) => a + x.cents, 0n);
      if (carried !== 0n) charges.set('adjustments of earlier months', carried);
      // Only what diff reads: an issue's actors also hold every line, which a side must not keep alive.
      const actors = c.actors.map((a) => ({ actorKey: a.actorKey, label: a.label, billedCents: a.billedCents }));
      return { code: c.code, name: c.name, owner: c.owner ? `${c.owner.name} <${c.owner.email}>` : null, billedCents: c.billedCents, actors, charges };
    }),
  };
}

/** Each cost center's reasons for changing between two issues, at most `most` each (diff's own words). */
export function reasonsBetween(before: DiffSide, after: DiffSide, most: number): Map<string, string[]> {
  return new Map(diffIssues(before, after).map((d) => [d.code, d.reasons.slice(0, most)]));
}

const signed = (cents: bigint) => (cents >= 0n ? `+${formatUsd(cents)}` : formatUsd(cents));

/**
 * What changed per cost center between two issues (two months, or two revisions of one) and
 * why. Pure; spenders are compared by their stable actor key, so a person who changed cost
 * center shows as moved, not as removed and added.
 */
export function diffIssues(before: DiffSide, after: DiffSide, topMovers = 3): CostCenterDiff[] {
  const homeBefore = new Map<string, string>();
  const homeAfter = new Map<string, string>();
  for (const cc of before.costCenters) for (const a of cc.actors) homeBefore.set(a.actorKey, cc.code);
  for (const cc of after.costCenters) for (const a of cc.actors) homeAfter.set(a.actorKey, cc.code);
  const codes = [...new Set([...before.costCenters.map((c) => c.code), ...after.costCenters.map((c) => c.code)])].sort();
  return codes.flatMap((code): CostCenterDiff[] => {
    const b = before.costCenters.find((c) => c.code === code);
    const a = after.costCenters.find((c) => c.code === code);
    const beforeCents = b?.billedCents ?? 0n;
    const afterCents = a?.billedCents ?? 0n;
    const reasons: string[] = [];
    if (!b) reasons.push(`cost center added${a ? ` (${a.name})` : ''}`);
    if (!a) reasons.push(`cost center removed (${b!.name})`);
    if (a && b && a.name !== b.name) reasons.push(`renamed from "${b.name}" to "${a.name}"`);
    if (a && b && a.owner !== b.owner) reasons.push(`owner changed from ${b.owner ?? 'nobody'} to ${a.owner ?? 'nobody'}`);
    const beforeActors = new Map((b?.actors ?? []).map((x) => [x.actorKey, x]));
    const afterActors = new Map((a?.actors ?? []).map((x) => [x.actorKey, x]));
    for (const [key, x] of afterActors) {
      if (beforeActors.has(key)) continue;
      const from = homeBefore.get(key);
      reasons.push(from ? `${x.label} moved in from ${from} (${formatUsd(x.billedCents)})` : `${x.label} added (${formatUsd(x.billedCents)})`);
    }
    for (const [key, x] of beforeActors) {
      if (afterActors.has(key)) continue;
      const to = homeAfter.get(key);
      reasons.push(to ? `${x.label} moved out to ${to} (was ${formatUsd(x.billedCents)})` : `${x.label} no longer spends here (was ${formatUsd(x.billedCents)})`);
    }
    const changes = [...afterActors]
      .filter(([key]) => beforeActors.has(key))
      .map(([key, x]) => ({ label: x.label, delta: x.billedCents - beforeActors.get(key)!.billedCents }))
      .filter((c) => c.delta !== 0n)
      .sort((p, q) => (q.delta < 0n ? -q.delta : q.delta) > (p.delta < 0n ? -p.delta : p.delta) ? 1 : -1)
      .slice(0, topMovers);
    for (const c of changes) reasons.push(`${c.label}: spend ${c.delta > 0n ? 'up' : 'down'} ${signed(c.delta)}`);
    const chargesBefore = b?.charges ?? new Map<string, bigint>();
    const chargesAfter = a?.charges ?? new Map<string, bigint>();
    for (const name of [...new Set([...chargesBefore.keys(), ...chargesAfter.keys()])].sort()) {
      const delta = (chargesAfter.get(name) ?? 0n) - (chargesBefore.get(name) ?? 0n);
      if (delta !== 0n) reasons.push(`${name}: ${signed(delta)}`);
    }
    if (beforeCents === afterCents && reasons.length === 0) return [];
    return [{ code, beforeCents, afterCents, deltaCents: afterCents - beforeCents, reasons }];
  });
}

export function formatDiff(before: DiffSide, after: DiffSide, diffs: readonly CostCenterDiff[]): string[] {
  const total = (s: DiffSide) => s.costCenters.reduce((a, c) => a + c.billedCents, 0n);
  const lines = [`${after.label} against ${before.label}: ${formatUsd(total(before))} \u2192 ${formatUsd(total(after))} (${signed(total(after) - total(before))})`];
  if (before.directorySha256 !== after.directorySha256) lines.push('the org directory changed between the two (sha256 differs)');
  for (const d of diffs) {
    const pct = d.beforeCents === 0n ? 'new' : percentText(d.deltaCents, d.beforeCents);
    lines.push(`${d.code}: ${formatUsd(d.beforeCents)} \u2192 ${formatUsd(d.afterCents)} (${signed(d.deltaCents)}, ${pct})`);
    for (const r of d.reasons) lines.push(`  - ${r}`);
  }
  if (diffs.length === 0) lines.push('no cost center changed');
  return lines;
}
