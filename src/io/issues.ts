import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { adjustmentsBetween, toCarry, type IssuedFigures } from '../core/adjustments.js';
import type { CarriedAdjustment } from '../core/allocate.js';
import type { Period } from '../core/period.js';
import { exists } from './publish.js';
import { parseRecordedJson, readRecordedBytes } from './read-recorded.js';
import { errnoCode, fsCause, isFsError } from './fs-cause.js';
import { usageError } from '../errors.js';

/**
 * Published issues of a month: out/<YYYY-MM> is the first; revisions (final figures, a
 * corrected directory) go to out/<YYYY-MM>.r2, .r3 … beside it, never over it.
 */
export function issueFolder(label: string, revision: number): string {
  return revision === 1 ? label : `${label}.r${revision}`;
}

export function closedMarker(label: string): string {
  return `${label}.closed.json`;
}

const cents = z.string().regex(/^-?\d+$/).transform((v) => BigInt(v));
/** The part of a published chargeback.json that revisions, carrying and diff read back. */
const chargebackSchema = z.looseObject({
  period: z.string(),
  revision: z.number().int().positive().optional(),
  status: z.string(),
  directorySha256: z.string(),
  costCenters: z.array(
    z.looseObject({
      code: z.string(),
      name: z.string(),
      owner: z.looseObject({ name: z.string(), email: z.string() }).nullable(),
      statementNumber: z.string().nullable(),
      billedCents: cents,
      actors: z.array(z.looseObject({ actorKey: z.string(), label: z.string(), billedCents: cents, lines: z.array(z.looseObject({ lineKey: z.string(), billedCents: cents })) })),
      poolShares: z.array(z.looseObject({ pool: z.string(), cents })).optional(),
      seatCents: cents.optional(),
      markupCents: cents.optional(),
      adjustments: z.array(z.looseObject({ fromPeriod: z.string().optional(), reference: z.string(), cents })).optional(),
    }),
  ),
});
export type PublishedChargeback = z.infer<typeof chargebackSchema>;

const CHARGEBACK_WHAT = 'a chargeback.json this version can read';
const CHARGEBACK_NEXT = 'Restore the file from a backup or copy of the published month, or re-issue that month with --force.';

export function readChargeback(bytes: Buffer, where: string): PublishedChargeback {
  return parseRecordedJson(bytes, where, chargebackSchema, CHARGEBACK_WHAT, { next: CHARGEBACK_NEXT });
}

/** A published chargeback.json read from disk: missing, unreadable or invalid is exit 2 naming it. */
export async function readChargebackFile(path: string): Promise<{ data: PublishedChargeback; bytes: Buffer }> {
  const bytes = await readRecordedBytes(path, 'the canonical allocation of a published month (chargeback.json)', { next: CHARGEBACK_NEXT });
  return { data: readChargeback(bytes, path), bytes };
}

/** Per source month and cost center, what an issue carried ("2026-09" → ENG → cents). */
function carriedBy(bytes: Buffer, where: string): Map<string, Map<string, bigint>> {
  const d = readChargeback(bytes, where);
  const out = new Map<string, Map<string, bigint>>();
  for (const cc of d.costCenters) {
    for (const a of cc.adjustments ?? []) {
      if (!a.fromPeriod) continue;
      const m = out.get(a.fromPeriod) ?? new Map<string, bigint>();
      m.set(cc.code, (m.get(cc.code) ?? 0n) + a.cents);
      out.set(a.fromPeriod, m);
    }
  }
  return out;
}

export function parseIssued(bytes: Buffer, where: string): IssuedFigures {
  const d = readChargeback(bytes, where);
  return {
    period: d.period,
    revision: d.revision ?? 1,
    status: d.status,
    costCenters: d.costCenters.map((cc) => {
      const lines = new Map<string, bigint>();
      for (const a of cc.actors) for (const l of a.lines) lines.set(`usage ${a.actorKey}#${l.lineKey}`, l.billedCents);
      for (const p of cc.poolShares ?? []) lines.set(`pool ${p.pool}`, p.cents);
      if (cc.seatCents) lines.set('seats', cc.seatCents);
      if (cc.markupCents) lines.set('markup', cc.markupCents);
      for (const c of cc.adjustments ?? []) lines.set(`carried ${c.reference}`, c.cents);
      return { code: cc.code, statementNumber: cc.statementNumber, billedCents: cc.billedCents, lines };
    }),
  };
}

export interface Issue {
  readonly folder: string;
  readonly revision: number;
  readonly figures: IssuedFigures;
  /** chargeback.json as published, kept with a revision so verify can re-derive it. */
  readonly bytes: Buffer;
}

async function readIssue(outDir: string, label: string, revision: number): Promise<Issue> {
  const folder = join(outDir, issueFolder(label, revision));
  const bytes = await readRecordedBytes(join(folder, 'chargeback.json'), 'the canonical allocation of a published month (chargeback.json)', { next: CHARGEBACK_NEXT });
  return { folder, revision, figures: parseIssued(bytes, join(folder, 'chargeback.json')), bytes };
}

/**
 * The entries of the output folder (none when it does not exist yet). A file in its place, or a
 * folder this user cannot read, is the user's to fix (exit 2), not a crash.
 */
async function outEntries(outDir: string): Promise<string[]> {
  try {
    return await readdir(outDir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    if (!isFsError(error)) throw error;
    const cause = errnoCode(error) === 'ENOTDIR' ? 'it is a file, not a folder' : fsCause(error);
    throw usageError(`--out ${outDir} cannot be read as the folder of published months: ${cause}.`, ['Pass --out the folder the months were published under, e.g. --out out.']);
  }
}

/** Revision numbers published for a month, ascending (empty when none). */
export async function revisions(outDir: string, label: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await outEntries(outDir)) {
    if (entry === label) found.push(1);
    const m = /^(\d{4}-\d{2})\.r(\d+)$/.exec(entry);
    if (m && m[1] === label) found.push(Number(m[2]));
  }
  return found.sort((a, b) => a - b);
}

export async function latestIssue(outDir: string, label: string): Promise<Issue | null> {
  const all = await revisions(outDir, label);
  return all.length === 0 ? null : readIssue(outDir, label, all[all.length - 1]!);
}

export async function isClosed(outDir: string, label: string): Promise<boolean> {
  return exists(join(outDir, closedMarker(label)));
}

/** Months with a published first issue in outDir, ascending. */
async function publishedMonths(outDir: string): Promise<string[]> {
  return (await outEntries(outDir)).filter((e) => /^\d{4}-\d{2}$/.test(e)).sort();
}

/**
 * Adjustments to carry into this month's statements: for every earlier month with revisions,
 * its latest revision minus its first issue per cost center, less what the months in between
 * have already carried. A correction made after the next month was issued is therefore carried
 * by the first month issued after it, and nothing is carried twice.
 */
export async function carriedInto(outDir: string, period: Period): Promise<{ adjustments: CarriedAdjustment[]; source: string | null }> {
  const months = await publishedMonths(outDir);
  const adjustments: CarriedAdjustment[] = [];
  const sources: string[] = [];
  for (const source of months.filter((m) => m < period.label)) {
    const all = await revisions(outDir, source);
    if (all.length < 2) continue;
    const first = await readIssue(outDir, source, 1);
    const latest = await readIssue(outDir, source, all[all.length - 1]!);
    const already = new Map<string, bigint>();
    for (const between of months.filter((m) => m > source && m < period.label)) {
      const issue = await latestIssue(outDir, between);
      for (const [code, cents] of issue ? (carriedBy(issue.bytes, join(issue.folder, 'chargeback.json')).get(source) ?? []) : []) already.set(code, (already.get(code) ?? 0n) + cents);
    }
    const owed = toCarry(source, adjustmentsBetween(first.figures, latest.figures), already);
    if (owed.length > 0) sources.push(issueFolder(source, latest.revision));
    adjustments.push(...owed);
  }
  return { adjustments, source: sources.length > 0 ? sources.join(', ') : null };
}

const carriedCopySchema = z.object({ source: z.string().nullable(), adjustments: z.array(z.object({ costCenter: z.string(), fromPeriod: z.string(), reference: z.string(), cents: z.string().regex(/^-?\d+$/) })) });

/** The adjustments a published month recorded as carried (inputs/carried-adjustments.json). */
export function parseCarriedCopy(bytes: Buffer, where: string): { adjustments: CarriedAdjustment[]; source: string | null } {
  const carried = parseRecordedJson(bytes, where, carriedCopySchema, 'a carried-adjustments file this version can read', { next: 'Restore it from the published copy of the month.' });
  return { source: carried.source, adjustments: carried.adjustments.map((c) => ({ costCenter: c.costCenter, fromPeriod: c.fromPeriod, reference: c.reference, cents: BigInt(c.cents) })) };
}
