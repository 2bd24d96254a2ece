import type { Allocation } from './allocate.js';
import { expenseAccount, indexDirectory, type OrgDirectory } from './directory.js';
import { centsToDollarText } from './money.js';
import { lastDay } from './period.js';
import { numberFor } from './statements.js';

/**
 * The GL journal: one balanced double-entry journal for the month. Each cost center's expense
 * account is debited with its statement total, the clearing account is credited with the month
 * total; debits equal credits exactly because the statements add up to the source total.
 */
export const JOURNAL_COLUMNS = ['journal_id', 'date', 'period', 'line', 'account', 'cost_center', 'debit', 'credit', 'currency', 'memo', 'statement_number'] as const;
export type JournalLine = Record<(typeof JOURNAL_COLUMNS)[number], string>;

/** The last calendar day of the period, the usual posting date of a month-end accrual. */
function postingDate(allocation: Allocation): string {
  return lastDay(allocation.period);
}

export function journalLines(allocation: Allocation, directory: OrgDirectory): JournalLine[] {
  const index = indexDirectory(directory);
  const p = allocation.period;
  const journalId = `CB-${p.label}`;
  const date = postingDate(allocation);
  const lines: JournalLine[] = [];
  let debits = 0n;
  let credits = 0n;
  const add = (account: string, costCenter: string, cents: bigint, memo: string, number: string) => {
    // A negative amount (a credit note) goes to the other side rather than as a negative debit.
    const debit = cents > 0n ? cents : 0n;
    const credit = cents < 0n ? -cents : 0n;
    debits += debit;
    credits += credit;
    lines.push({
      journal_id: journalId,
      date,
      period: p.label,
      line: String(lines.length + 1),
      account,
      cost_center: costCenter,
      debit: debit > 0n ? centsToDollarText(debit) : '',
      credit: credit > 0n ? centsToDollarText(credit) : '',
      currency: 'USD',
      memo,
      statement_number: number,
    });
  };
  for (const cc of allocation.costCenters) {
    if (cc.billedCents === 0n) continue;
    const number = numberFor(allocation, cc.code);
    add(expenseAccount(index, cc.code), cc.code, cc.billedCents, `Claude Enterprise chargeback ${p.label} ${cc.code} (${number})`, number);
  }
  if (allocation.sourceTotalCents !== 0n) {
    add(directory.gl.clearingAccount, '', -allocation.sourceTotalCents, `Claude Enterprise usage ${p.label}, provider total (${journalId})`, journalId);
  }
  for (const pool of allocation.pools.filter((x) => x.kind === 'fixed-amount')) {
    add(directory.gl.clearingAccount, '', -pool.cents, `${pool.name} ${p.label}, fixed monthly charge (${journalId})`, journalId);
  }
  if (allocation.seatsCents !== 0n) add(directory.gl.clearingAccount, '', -allocation.seatsCents, `Claude Enterprise seats ${p.label}, prorated (${journalId})`, journalId);
  if (allocation.carriedCents !== 0n) add(directory.gl.clearingAccount, '', -allocation.carriedCents, `True-up of earlier months carried into ${p.label} (${journalId})`, journalId);
  if (allocation.markupCents !== 0n) add(directory.gl.markupAccount, '', -allocation.markupCents, `Overhead markup on Claude chargeback ${p.label} (${journalId})`, journalId);
  if (debits !== credits) throw new Error(`journal ${journalId} does not balance: debits ${debits}, credits ${credits}`);
  return lines;
}
