import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { adjustmentsBetween, toCarry, type IssuedFigures } from '../core/adjustments.js';
import type { CarriedAdjustment } from '../core/allocate.js';
import type { AccruedMonth } from '../core/journal.js';
import { nextPeriod, type Period } from '../core/period.js';
import { diffSide, reasonsBetween } from '../core/diff.js';
import { exists } from './publish.js';
import { CHARGEBACK_FILE, JOURNAL_FILE, closedMarker, readManifest, isFirstIssueFolder, issueFolder, parseIssueFolder, readChargeback, readChargebackBytes } from './layout.js';
import { errnoCode, fsCause, isFsError } from './fs-cause.js';
import { usageError } from '../errors.js';
import { readRecordedBytesIfPresent } from './read-recorded.js';

/** How many of diff's reasons a carried adjustment line names. */
const CARRIED_REASONS = 2;

/**
 * Per source month and cost center, what an issue carried ("2026-09" → ENG → cents), and the
 * latest revision of the source it carried for that cost center (from the reference, "… → CB-…-R2").
 */
function carriedBy(bytes: Uint8Array, where: string): Map<string, Map<string, { cents: bigint; revision: number }>> {
  const d = readChargeback(bytes, where);
  const out = new Map<string, Map<string, { cents: bigint; revision: number }>>();
  for (const cc of d.costCenters) {
    for (const a of cc.adjustments ?? []) {
      if (!a.fromPeriod) continue;
      const m = out.get(a.fromPeriod) ?? new Map<string, { cents: bigint; revision: number }>();
      const was = m.get(cc.code) ?? { cents: 0n, revision: 1 };
      const revision = Number(/-R(\d+)$/.exec(a.reference)?.[1] ?? '1');
      m.set(cc.code, { cents: was.cents + a.cents, revision: Math.max(was.revision, revision) });
      out.set(a.fromPeriod, m);
    }
  }
  return out;
}

export function parseIssued(bytes: Uint8Array, where: string): IssuedFigures {
  const d = readChargeback(bytes, where);
  return {
    period: d.period,
    revision: d.revision ?? 1,
    status: d.status,
    side: diffSide(issueFolder(d.period, d.revision ?? 1), d.directorySha256, d.costCenters),
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
  const { path, bytes } = await readChargebackBytes(folder);
  return { folder, revision, figures: parseIssued(bytes, path), bytes };
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
    const issue = parseIssueFolder(entry);
    if (issue && issue.label === label) found.push(issue.revision);
  }
  return found.sort((a, b) => a - b);
}

export async function latestIssue(outDir: string, label: string): Promise<Issue | null> {
  const all = await revisions(outDir, label);
  return all.length === 0 ? null : readIssue(outDir, label, all[all.length - 1]!);
}

/** Whether a journal.csv is laid out as 0.6.0 and later write it: provisional bookings reversed (it has reversal_date). */
function accrualLayout(bytes: Uint8Array): boolean {
  const header = Buffer.from(bytes.subarray(0, 4096)).toString('utf8').split('\r\n')[0] ?? '';
  return header.split(',').includes('reversal_date');
}

/**
 * The journal a revision of `issue` reverses: its journal.csv when its bookings still stand (a
 * FINAL issue, or a provisional one published before 0.6.0, which did not reverse itself); null
 * when it booked nothing (a provisional revision, a revision before 0.6.0) or reversed itself.
 * The file must be the one its manifest lists, or the reversal would not undo what was booked.
 */
export async function journalToReverse(issue: Issue): Promise<Buffer | null> {
  const { manifest } = await readManifest(issue.folder);
  const listed = manifest.outputs.find((o) => o.path === JOURNAL_FILE);
  if (!listed) return null;
  const path = join(issue.folder, JOURNAL_FILE);
  const fix = [`Restore ${path} from the published copy of the month (it is what was booked), check it with: chargeback verify ${issue.folder}`];
  const bytes = await readRecordedBytesIfPresent(path, 'the journal of the issue being revised');
  if (bytes === null) throw usageError(`${path} is missing: its manifest lists it, and this revision must reverse what it booked.`, fix);
  if (createHash('sha256').update(bytes).digest('hex') !== listed.sha256) throw usageError(`${path} differs from the one its manifest lists: this revision must reverse what was booked, not an edited copy.`, fix);
  return issue.figures.status === 'FINAL' || !accrualLayout(bytes) ? bytes : null;
}

/**
 * Earlier months still provisional when `period` is first issued: the latest issue's figures of
 * each, for its journal to accrue again. A month whose first journal predates 0.6.0 is left out
 * (its provisional booking was never reversed, so it still stands).
 */
export async function accruedBefore(outDir: string, period: Period): Promise<AccruedMonth[]> {
  const out: AccruedMonth[] = [];
  for (const month of (await publishedMonths(outDir)).filter((m) => m < period.label)) {
    const latest = await latestIssue(outDir, month);
    if (!latest || latest.figures.status !== 'PROVISIONAL') continue;
    const first = await readRecordedBytesIfPresent(join(outDir, issueFolder(month, 1), JOURNAL_FILE), 'the journal of an earlier month');
    if (first === null || !accrualLayout(first)) continue;
    out.push({
      period: month,
      revision: latest.revision,
      costCenters: latest.figures.costCenters.map((cc) => {
        let carried = 0n;
        for (const [key, cents] of cc.lines) if (key.startsWith('carried ')) carried += cents;
        return { code: cc.code, statementNumber: cc.statementNumber, cents: cc.billedCents - carried, markupCents: cc.lines.get('markup') ?? 0n };
      }),
    });
  }
  return out;
}

export async function isClosed(outDir: string, label: string): Promise<boolean> {
  return exists(join(outDir, closedMarker(label)));
}

/** The folder of the latest issue of every month before `period` published in outDir, ascending. */
export async function latestIssuesBefore(outDir: string, period: Period): Promise<string[]> {
  const out: string[] = [];
  for (const month of (await publishedMonths(outDir)).filter((m) => m < period.label)) {
    const all = await revisions(outDir, month);
    out.push(issueFolder(month, all[all.length - 1]!));
  }
  return out;
}

/** Months with a published first issue in outDir, ascending. */
async function publishedMonths(outDir: string): Promise<string[]> {
  return (await outEntries(outDir)).filter(isFirstIssueFolder).sort();
}

/**
 * The month whose statements will carry a revision of `period` made now: the first month after it
 * not issued yet (carriedInto adds a revision's differences to the next issue of any later month,
 * so a revision of a month issued since, made first, would carry it instead: page 1 says so).
 */
export async function monthCarrying(outDir: string, period: Period): Promise<{ differenceChargedOn: string; laterMonthsIssued: boolean }> {
  const issued = new Set(await publishedMonths(outDir));
  let next = nextPeriod(period);
  while (issued.has(next.label)) next = nextPeriod(next);
  return { differenceChargedOn: next.label, laterMonthsIssued: [...issued].some((m) => m > period.label) };
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
    /** Per cost center, the revision of the source whose difference months in between carried already. */
    const carriedUpTo = new Map<string, number>();
    for (const between of months.filter((m) => m > source && m < period.label)) {
      const issue = await latestIssue(outDir, between);
      for (const [code, c] of issue ? (carriedBy(issue.bytes, join(issue.folder, CHARGEBACK_FILE)).get(source) ?? []) : []) {
        already.set(code, (already.get(code) ?? 0n) + c.cents);
        carriedUpTo.set(code, Math.max(carriedUpTo.get(code) ?? 1, c.revision));
      }
    }
    // Why: what changed since the issue whose figures were last charged (the first, or a revision carried already).
    const reasons = new Map<string, readonly string[]>();
    const byBase = new Map<number, Map<string, string[]>>();
    for (const code of new Set([...first.figures.costCenters, ...latest.figures.costCenters].map((c) => c.code))) {
      const base = Math.min(carriedUpTo.get(code) ?? 1, latest.revision);
      if (!byBase.has(base)) {
        const from = base === 1 ? first : await readIssue(outDir, source, base);
        byBase.set(base, reasonsBetween(from.figures.side!, latest.figures.side!, CARRIED_REASONS));
      }
      reasons.set(code, byBase.get(base)!.get(code) ?? []);
    }
    const owed = toCarry(source, adjustmentsBetween(first.figures, latest.figures), already, reasons);
    if (owed.length > 0) sources.push(issueFolder(source, latest.revision));
    adjustments.push(...owed);
  }
  return { adjustments, source: sources.length > 0 ? sources.join(', ') : null };
}
