import type { Allocation } from './allocate.js';
import { expenseAccount, indexDirectory, legalEntityOf, type OrgDirectory } from './directory.js';
import { centsToDollarText } from './money.js';
import { lastDay, nextPeriod, parsePeriod, type Period } from './period.js';
import { numberFor } from './statements.js';

/**
 * The GL journals of an issue, written to journal.csv.
 *
 * The ledger holds, for every month, what its statements charge, in the month that charges it:
 * - A first issue books its statements (`CB-2026-09`): each cost center's expense account is
 *   debited with what its statement charges for the month (carried adjustments of earlier months
 *   aside), the clearing and markup accounts credited. A FINAL revision books its own figures in
 *   full (`CB-2026-09-R2`) on the last day of the month whose statements charge its difference,
 *   and reverses the FINAL journal it replaces there, line for line (`CB-2026-09-REV`, REVERSAL).
 * - A PROVISIONAL booking is an accrual, reversed on the first day of the next month
 *   (`…-REV`, AUTO_REVERSAL). Until the month is final, each later month's first issue accrues
 *   its latest provisional figures again (`CB-2026-10-A2026-09`, reversed in turn), and a
 *   PROVISIONAL revision books nothing itself: the next first issue accrues its figures.
 * So a department's expense in a month is what that month's statement charges (its own charges
 * and the differences it carries), whatever order the final figures come in.
 *
 * With legal entities named in the directory, every line names the entity that books it: a cost
 * center's expense in its own entity, clearing and markup in the paying entity. A cost center of
 * another entity gets an intercompany pair: "due to" the paying entity in its own books, "due
 * from" it in the paying entity's. Debits equal credits in every journal and every entity.
 */
export const JOURNAL_COLUMNS = [
  'journal_id',
  'status',
  'posting_date',
  'document_date',
  'period',
  'legal_entity',
  'line',
  'account',
  'cost_center',
  'counterparty_entity',
  'debit',
  'credit',
  'currency',
  'memo',
  'statement_number',
  'reverses',
  'reversal_date',
] as const;
export type JournalLine = Record<(typeof JOURNAL_COLUMNS)[number], string>;

/** An earlier month still provisional when a month is first issued: its latest figures, accrued again (see journalLines). */
export interface AccruedMonth {
  readonly period: string;
  /** The issue whose figures are accrued (1, or a provisional revision). */
  readonly revision: number;
  /** Per cost center: what its statement charged for the month (carried adjustments aside), and the markup in it. */
  readonly costCenters: ReadonlyArray<{ readonly code: string; readonly statementNumber: string | null; readonly cents: bigint; readonly markupCents: bigint }>;
}

/** What an issue's journal needs besides its allocation. */
export interface JournalIssue {
  readonly status: 'PROVISIONAL' | 'FINAL';
  /** The day the issue was made (its clock, UTC). */
  readonly documentDate: string;
  /** The month whose statements charge a revision's difference (YYYY-MM); ignored for a first issue. */
  readonly differenceChargedOn: string | null;
  /** The journal lines of the issue this one replaces when they are still booked (a FINAL issue, or one laid out before 0.6.0): reversed here; null otherwise. */
  readonly replaced: readonly JournalLine[] | null;
  /** Earlier months still provisional, accrued again by a first issue; empty for a revision. */
  readonly accrued?: readonly AccruedMonth[];
}

export function journalId(period: Period, revision: number): string {
  return `CB-${period.label}${revision > 1 ? `-R${revision}` : ''}`;
}

/** The last day of the period for a first issue; of the month that charges the difference for a revision. */
export function journalPostingDate(period: Period, revision: number, differenceChargedOn: string | null): string {
  return lastDay(revision === 1 || differenceChargedOn === null ? period : parsePeriod(differenceChargedOn)!);
}

/** The first day of the month after `day` (YYYY-MM-DD). */
function nextMonthStart(day: string): string {
  return `${nextPeriod(parsePeriod(day.slice(0, 7))!).label}-01`;
}

/** Swaps the two sides of journal lines, as the reversing journal `<id>-REV` posted on `date`. */
function reversalOf(lines: readonly JournalLine[], date: string, documentDate: string, status: 'AUTO_REVERSAL' | 'REVERSAL'): JournalLine[] {
  return lines.map((l) => ({
    ...l,
    journal_id: `${l.journal_id}-REV`,
    status,
    posting_date: date,
    document_date: documentDate,
    debit: l.credit,
    credit: l.debit,
    memo: `Reversal of ${l.journal_id} line ${l.line}`,
    reverses: l.journal_id,
    reversal_date: '',
  }));
}

/** Debits minus credits per legal entity of one journal; every entry must be zero. */
export function entityBalances(lines: readonly JournalLine[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const l of lines) out.set(l.legal_entity, (out.get(l.legal_entity) ?? 0n) + textCents(l.debit) - textCents(l.credit));
  return out;
}

/** "1234.56" → 123456n; "" → 0n. */
export function textCents(text: string): bigint {
  if (text === '') return 0n;
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(text);
  if (!m) throw new Error(`journal amount ${JSON.stringify(text)} is not dollars with two decimals`);
  const cents = BigInt(m[2]!) * 100n + BigInt(m[3]!);
  return m[1] === '-' ? -cents : cents;
}

function assertBalanced(lines: readonly JournalLine[]): void {
  const byJournal = new Map<string, JournalLine[]>();
  for (const l of lines) byJournal.set(l.journal_id, [...(byJournal.get(l.journal_id) ?? []), l]);
  for (const [id, ls] of byJournal) {
    for (const [entity, balance] of entityBalances(ls)) {
      if (balance !== 0n) throw new Error(`journal ${id} does not balance${entity ? ` in entity ${entity}` : ''}: debits minus credits ${balance} cents`);
    }
  }
}

/** One balanced journal: expense per cost center, credits, and the intercompany pairs, in the books of their entities. */
interface Booking {
  readonly id: string;
  readonly status: string;
  readonly postingDate: string;
  readonly documentDate: string;
  readonly period: string;
  readonly reversalDate: string;
  readonly expenses: ReadonlyArray<{ readonly code: string; readonly cents: bigint; readonly memo: string; readonly number: string }>;
  /** Credited in the paying entity (a negative amount is booked as a debit). */
  readonly credits: ReadonlyArray<{ readonly account: string; readonly cents: bigint; readonly memo: string }>;
}

function bookingLines(b: Booking, directory: OrgDirectory, index: ReturnType<typeof indexDirectory>): JournalLine[] {
  const paying = directory.gl.payingEntity ?? '';
  const lines: JournalLine[] = [];
  const add = (entity: string, account: string, costCenter: string, cents: bigint, memo: string, number: string, counterparty = '') => {
    if (cents === 0n) return;
    // A negative amount (a credit note) goes to the other side rather than as a negative debit.
    lines.push({
      journal_id: b.id,
      status: b.status,
      posting_date: b.postingDate,
      document_date: b.documentDate,
      period: b.period,
      legal_entity: entity,
      line: String(lines.length + 1),
      account,
      cost_center: costCenter,
      counterparty_entity: counterparty,
      debit: cents > 0n ? centsToDollarText(cents) : '',
      credit: cents < 0n ? centsToDollarText(-cents) : '',
      currency: 'USD',
      memo,
      statement_number: number,
      reverses: '',
      reversal_date: b.reversalDate,
    });
  };
  /** What each entity other than the paying one books, for the intercompany pairs. */
  const owedBy = new Map<string, bigint>();
  for (const e of b.expenses) {
    const entity = legalEntityOf(index, e.code);
    add(entity, expenseAccount(index, e.code), e.code, e.cents, e.memo, e.number);
    if (entity !== paying) owedBy.set(entity, (owedBy.get(entity) ?? 0n) + e.cents);
  }
  for (const c of b.credits) add(paying, c.account, '', -c.cents, c.memo, b.id);
  for (const [entity, cents] of [...owedBy].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    add(entity, directory.gl.dueToAccount ?? '', '', -cents, `Intercompany: due to ${paying} for Claude chargeback ${b.period} (${b.id})`, b.id, paying);
    add(paying, directory.gl.dueFromAccount ?? '', '', cents, `Intercompany: due from ${entity} for Claude chargeback ${b.period} (${b.id})`, b.id, entity);
  }
  return lines;
}

/**
 * The journals an issue writes (see the top of this file):
 * - a first issue, and a FINAL revision, book the issue's own figures (a PROVISIONAL revision
 *   books none: its figures are accrued by the next month's first issue, like every month still
 *   provisional then);
 * - a PROVISIONAL booking is reversed on the first day of the next month (`…-REV`, AUTO_REVERSAL);
 * - the FINAL journal a revision replaces is reversed on the revision's posting date (REVERSAL);
 * - a first issue accrues again each earlier month still provisional (`CB-<month>-A<earlier>`),
 *   reversed on the first day of the next month, so every month's expense is what its statements
 *   charge whatever order the final figures come in.
 */
export function journalLines(allocation: Allocation, directory: OrgDirectory, issue: JournalIssue): JournalLine[] {
  const index = indexDirectory(directory);
  const p = allocation.period;
  const id = journalId(p, allocation.revision);
  const postingDate = journalPostingDate(p, allocation.revision, issue.differenceChargedOn);
  const lines: JournalLine[] = [];
  const book = (b: Booking) => {
    const own = bookingLines(b, directory, index);
    lines.push(...own);
    return own;
  };
  const deferred: JournalLine[][] = [];
  if (allocation.revision === 1 || issue.status === 'FINAL') {
    const kind = allocation.revision > 1 ? `revision ${allocation.revision}` : issue.status === 'PROVISIONAL' ? 'provisional accrual' : 'final';
    const own = book({
      id,
      status: issue.status,
      postingDate,
      documentDate: issue.documentDate,
      period: p.label,
      reversalDate: issue.status === 'PROVISIONAL' ? nextMonthStart(postingDate) : '',
      // Carried adjustments of earlier months are booked by the revisions they come from.
      expenses: allocation.costCenters.map((cc) => {
        const number = numberFor(allocation, cc.code);
        return { code: cc.code, cents: cc.billedCents - cc.adjustments.reduce((a, c) => a + c.cents, 0n), memo: `Claude Enterprise chargeback ${p.label} ${cc.code} (${number}), ${kind}`, number };
      }),
      credits: [
        { account: directory.gl.clearingAccount, cents: allocation.sourceTotalCents, memo: `Claude Enterprise usage ${p.label}, provider total (${id})` },
        ...allocation.pools.filter((x) => x.kind === 'fixed-amount').map((pool) => ({ account: directory.gl.clearingAccount, cents: pool.cents, memo: `${pool.name} ${p.label}, fixed monthly charge (${id})` })),
        { account: directory.gl.clearingAccount, cents: allocation.seatsCents, memo: `Claude Enterprise seats ${p.label}, prorated (${id})` },
        { account: directory.gl.markupAccount, cents: allocation.markupCents, memo: `Overhead markup on Claude chargeback ${p.label} (${id})` },
      ],
    });
    if (issue.status === 'PROVISIONAL') deferred.push(reversalOf(own, nextMonthStart(postingDate), issue.documentDate, 'AUTO_REVERSAL'));
  }
  if (issue.replaced) lines.push(...reversalOf(issue.replaced, postingDate, issue.documentDate, 'REVERSAL'));
  for (const m of allocation.revision === 1 ? (issue.accrued ?? []) : []) {
    // "CB-2026-10-A2026-09", its reversal "…-REV": 23 characters, inside SAP's document header text.
    const accrualId = `${id}-A${m.period}`;
    const source = `CB-${m.period}${m.revision > 1 ? `-R${m.revision}` : ''}`;
    const total = m.costCenters.reduce((a, c) => a + c.cents, 0n);
    const markup = m.costCenters.reduce((a, c) => a + c.markupCents, 0n);
    const own = book({
      id: accrualId,
      status: 'PROVISIONAL',
      postingDate,
      documentDate: issue.documentDate,
      period: m.period,
      reversalDate: nextMonthStart(postingDate),
      expenses: m.costCenters.map((c) => ({ code: c.code, cents: c.cents, memo: `Claude chargeback ${m.period} ${c.code}, still provisional: accrued again`, number: c.statementNumber ?? '' })),
      credits: [
        { account: directory.gl.clearingAccount, cents: total - markup, memo: `Claude Enterprise ${m.period} (${source}), still provisional: accrued again` },
        { account: directory.gl.markupAccount, cents: markup, memo: `Overhead markup ${m.period} (${source}), still provisional: accrued again` },
      ],
    });
    deferred.push(reversalOf(own, nextMonthStart(postingDate), issue.documentDate, 'AUTO_REVERSAL'));
  }
  for (const d of deferred) lines.push(...d);
  assertBalanced(lines);
  return lines;
}
