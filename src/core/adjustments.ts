import type { Allocation, CarriedAdjustment, CostCenterAllocation } from './allocate.js';
import type { DiffSide } from './diff.js';
import { formatUsd } from './money.js';
import { numberFor } from './statements.js';

/** What a published issue of a month billed, line by line (read back from its chargeback.json). */
export interface IssuedFigures {
  readonly period: string;
  readonly revision: number;
  readonly status: string;
  readonly costCenters: ReadonlyArray<{
    readonly code: string;
    readonly statementNumber: string | null;
    readonly billedCents: bigint;
    readonly lines: ReadonlyMap<string, bigint>;
  }>;
  /** Names, owners and each spender's total, for the reasons diff gives (read from chargeback.json). */
  readonly side?: DiffSide;
}

export interface AdjustmentLine {
  readonly costCenter: string;
  /** The statement that billed it before (empty when the cost center had none). */
  readonly originalStatement: string;
  readonly revisedStatement: string;
  /** "usage user:…#chat|…", "pool …", "seats", "markup", "carried …", or "TOTAL". */
  readonly line: string;
  readonly previousCents: bigint;
  readonly finalCents: bigint;
  readonly adjustmentCents: bigint;
}

/** Every billed line of a cost center under a stable identity, comparable across issues. */
export function billedLines(cc: CostCenterAllocation): Map<string, bigint> {
  const lines = new Map<string, bigint>();
  for (const a of cc.actors) for (const l of a.lines) lines.set(`usage ${a.actorKey}#${l.lineKey}`, l.billedCents);
  for (const p of cc.poolShares) lines.set(`pool ${p.pool}`, p.cents);
  if (cc.seatCents !== 0n) lines.set('seats', cc.seatCents);
  if (cc.markupCents !== 0n) lines.set('markup', cc.markupCents);
  for (const c of cc.adjustments) lines.set(`carried ${c.reference}`, c.cents);
  return lines;
}

/**
 * Final minus billed, per cost center and per line, between an issued month and its revision.
 * Pure; the per-line adjustments of a cost center add up to its TOTAL row exactly, because both
 * issues' lines add up to their statement totals.
 */
export function figuresOf(allocation: Allocation, status: string): IssuedFigures {
  return {
    period: allocation.period.label,
    revision: allocation.revision,
    status,
    costCenters: allocation.costCenters.map((cc) => ({ code: cc.code, statementNumber: numberFor(allocation, cc.code), billedCents: cc.billedCents, lines: billedLines(cc) })),
  };
}

export function adjustmentsBetween(previous: IssuedFigures, current: IssuedFigures): AdjustmentLine[] {
  const out: AdjustmentLine[] = [];
  const codes = [...new Set([...previous.costCenters.map((c) => c.code), ...current.costCenters.map((c) => c.code)])].sort();
  for (const code of codes) {
    const before = previous.costCenters.find((c) => c.code === code);
    const now = current.costCenters.find((c) => c.code === code);
    const prevLines = before?.lines ?? new Map<string, bigint>();
    const nowLines = now?.lines ?? new Map<string, bigint>();
    const base = { costCenter: code, originalStatement: before?.statementNumber ?? '', revisedStatement: now?.statementNumber ?? '' };
    let total = 0n;
    for (const line of [...new Set([...prevLines.keys(), ...nowLines.keys()])].sort()) {
      const previousCents = prevLines.get(line) ?? 0n;
      const finalCents = nowLines.get(line) ?? 0n;
      if (previousCents === finalCents) continue;
      total += finalCents - previousCents;
      out.push({ ...base, line, previousCents, finalCents, adjustmentCents: finalCents - previousCents });
    }
    const previousTotal = before?.billedCents ?? 0n;
    const finalTotal = now?.billedCents ?? 0n;
    if (total !== finalTotal - previousTotal) throw new Error(`adjustment lines of ${code} add up to ${total}, not ${finalTotal - previousTotal}`);
    if (previousTotal !== finalTotal) out.push({ ...base, line: 'TOTAL', previousCents: previousTotal, finalCents: finalTotal, adjustmentCents: finalTotal - previousTotal });
  }
  return out;
}

/** One adjustment per cost center to carry into the next month's statements. */
/**
 * What a month's revisions still owe the statements: final minus first issue per cost center,
 * less what later months have already carried of it. One adjustment per cost center.
 */
export function toCarry(fromPeriod: string, lines: readonly AdjustmentLine[], alreadyCarried: ReadonlyMap<string, bigint>, reasons: ReadonlyMap<string, readonly string[]> = new Map()): CarriedAdjustment[] {
  return lines
    .filter((l) => l.line === 'TOTAL')
    .map((l) => ({ costCenter: l.costCenter, fromPeriod, reference: `${l.originalStatement || '(none)'} \u2192 ${l.revisedStatement || '(none)'}`, cents: l.adjustmentCents - (alreadyCarried.get(l.costCenter) ?? 0n), reasons: reasons.get(l.costCenter) ?? [] }))
    .filter((c) => c.cents !== 0n);
}

export function describeAdjustment(l: AdjustmentLine): string {
  return `${l.costCenter}: ${formatUsd(l.previousCents)} billed, ${formatUsd(l.finalCents)} final, adjustment ${formatUsd(l.adjustmentCents)}`;
}
