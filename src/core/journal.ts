import type { Allocation } from './allocate.js';
import { expenseAccount, indexDirectory, legalEntityOf, type OrgDirectory } from './directory.js';
import { centsToDollarText } from './money.js';
import { lastDay, nextPeriod, parsePeriod, type Period } from './period.js';
import { numberFor } from './statements.js';

/**
 * The GL journals of an issue, written to journal.csv.
 *
 * Every issue books its own statements in full, in a journal of its own (`CB-2026-09`, a
 * revision `CB-2026-09-R2`): each cost center's expense account is debited with what its
 * statement charges for the month (carried adjustments of earlier months aside: the revisions
 * they come from book those), and the clearing and markup accounts are credited. Every journal
 * is reversed exactly once, by `<journal_id>-REV`:
 * - a PROVISIONAL issue's journal is an accrual, reversed in the same file on the first day of
 *   the month after its posting date;
 * - a FINAL issue's journal stays until a revision replaces it; the revision's file then
 *   reverses it, on the revision's posting date, line for line.
 * So the ledger always holds each month's latest final figures once (or, between a provisional
 * accrual's reversal and the final issue, nothing), and a revision's posting date is the last day
 * of the month whose statements charge its difference: the reversal and the new figures land in
 * the same period as the difference the department pays.
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

/** What an issue's journal needs besides its allocation. */
export interface JournalIssue {
  readonly status: 'PROVISIONAL' | 'FINAL';
  /** The day the issue was made (its clock, UTC). */
  readonly documentDate: string;
  /** The month whose statements charge a revision's difference (YYYY-MM); ignored for a first issue. */
  readonly differenceChargedOn: string | null;
  /** The journal lines of the issue this one replaces, when that issue was FINAL (it is reversed here); null otherwise. */
  readonly replaced: readonly JournalLine[] | null;
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
function reversalOf(lines: readonly JournalLine[], date: string, documentDate: string): JournalLine[] {
  return lines.map((l) => ({
    ...l,
    journal_id: `${l.journal_id}-REV`,
    status: 'REVERSAL',
    posting_date: date,
    document_date: documentDate,
    debit: l.credit,
    credit: l.debit,
    memo: `Reversal of ${l.journal_id} line ${l.line}: ${l.memo}`,
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

export function journalLines(allocation: Allocation, directory: OrgDirectory, issue: JournalIssue): JournalLine[] {
  const index = indexDirectory(directory);
  const p = allocation.period;
  const id = journalId(p, allocation.revision);
  const postingDate = journalPostingDate(p, allocation.revision, issue.differenceChargedOn);
  const reversalDate = issue.status === 'PROVISIONAL' ? nextMonthStart(postingDate) : '';
  const paying = directory.gl.payingEntity ?? '';
  const own: JournalLine[] = [];
  const add = (entity: string, account: string, costCenter: string, cents: bigint, memo: string, number: string, counterparty = '') => {
    if (cents === 0n) return;
    // A negative amount (a credit note) goes to the other side rather than as a negative debit.
    own.push({
      journal_id: id,
      status: issue.status,
      posting_date: postingDate,
      document_date: issue.documentDate,
      period: p.label,
      legal_entity: entity,
      line: String(own.length + 1),
      account,
      cost_center: costCenter,
      counterparty_entity: counterparty,
      debit: cents > 0n ? centsToDollarText(cents) : '',
      credit: cents < 0n ? centsToDollarText(-cents) : '',
      currency: 'USD',
      memo,
      statement_number: number,
      reverses: '',
      reversal_date: reversalDate,
    });
  };
  const kind = allocation.revision > 1 ? `revision ${allocation.revision}` : issue.status === 'PROVISIONAL' ? 'provisional accrual' : 'final';
  /** What each entity other than the paying one books, for the intercompany pairs. */
  const owedBy = new Map<string, bigint>();
  for (const cc of allocation.costCenters) {
    // Carried adjustments of earlier months are booked by the revisions they come from.
    const cents = cc.billedCents - cc.adjustments.reduce((a, c) => a + c.cents, 0n);
    if (cents === 0n) continue;
    const number = numberFor(allocation, cc.code);
    const entity = legalEntityOf(index, cc.code);
    add(entity, expenseAccount(index, cc.code), cc.code, cents, `Claude Enterprise chargeback ${p.label} ${cc.code} (${number}), ${kind}`, number);
    if (entity !== paying) owedBy.set(entity, (owedBy.get(entity) ?? 0n) + cents);
  }
  add(paying, directory.gl.clearingAccount, '', -allocation.sourceTotalCents, `Claude Enterprise usage ${p.label}, provider total (${id})`, id);
  for (const pool of allocation.pools.filter((x) => x.kind === 'fixed-amount')) {
    add(paying, directory.gl.clearingAccount, '', -pool.cents, `${pool.name} ${p.label}, fixed monthly charge (${id})`, id);
  }
  add(paying, directory.gl.clearingAccount, '', -allocation.seatsCents, `Claude Enterprise seats ${p.label}, prorated (${id})`, id);
  add(paying, directory.gl.markupAccount, '', -allocation.markupCents, `Overhead markup on Claude chargeback ${p.label} (${id})`, id);
  for (const [entity, cents] of [...owedBy].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    add(entity, directory.gl.dueToAccount ?? '', '', -cents, `Intercompany: due to ${paying} for Claude chargeback ${p.label} (${id})`, id, paying);
    add(paying, directory.gl.dueFromAccount ?? '', '', cents, `Intercompany: due from ${entity} for Claude chargeback ${p.label} (${id})`, id, entity);
  }
  const lines = [
    ...own,
    ...(issue.status === 'PROVISIONAL' ? reversalOf(own, reversalDate, issue.documentDate) : []),
    ...(issue.replaced ? reversalOf(issue.replaced, postingDate, issue.documentDate) : []),
  ];
  assertBalanced(lines);
  return lines;
}

