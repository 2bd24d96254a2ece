import { describe, expect, it } from 'vitest';
import { allocate } from '../src/core/allocate.js';
import { FOCUS_COLUMNS, FOCUS_MANDATORY, focusRows } from '../src/core/focus.js';
import { journalLines } from '../src/core/journal.js';
import { parsePeriod } from '../src/core/period.js';
import { directory, row, user } from './helpers/rows.js';

const sep = parsePeriod('2026-09')!;
const FINAL_ISSUE = { status: 'FINAL', documentDate: '2026-10-31', differenceChargedOn: null, replaced: null } as const;
const toCents = (text: string) => (text === '' ? 0n : BigInt(text.replace('.', '')));

describe('GL journal', () => {
  it('debits each expense account, credits the clearing account, and balances exactly', () => {
    const rows = [
      row(user('user_ana', 'ana@acme.example'), '1000.004'),
      row(user('user_bo', 'bo@acme.example'), '2600.336333'),
      row(null, '17.25', { product: 'claude_tag' }),
      row(user('user_x', 'x@elsewhere.example'), '4.4'),
    ];
    const lines = journalLines(allocate(rows, directory(), sep), directory(), FINAL_ISSUE);
    expect(lines.map((l) => [l.line, l.account, l.cost_center, l.debit, l.credit])).toEqual([
      ['1', '6110', 'ENG-PLAT', '10.00', ''],
      ['2', '6120', 'ENG-APP', '26.00', ''],
      ['3', '6300', 'IT', '0.17', ''],
      ['4', '6999', 'UNALLOCATED', '0.05', ''],
      ['5', '2990', '', '', '36.22'],
    ]);
    expect(lines.every((l) => l.journal_id === 'CB-2026-09' && l.status === 'FINAL' && l.posting_date === '2026-09-30' && l.document_date === '2026-10-31' && l.currency === 'USD')).toBe(true);
    // A final issue stays booked: nothing reverses it, and no entity is named in this directory.
    expect(lines.every((l) => l.reversal_date === '' && l.reverses === '' && l.legal_entity === '')).toBe(true);
    expect(lines[1]!.memo).toBe('Claude Enterprise chargeback 2026-09 ENG-APP (CB-2026-09-ENG-APP), final');
    expect(lines.reduce((a, l) => a + toCents(l.debit), 0n)).toBe(lines.reduce((a, l) => a + toCents(l.credit), 0n));
  });

  it('takes the nearest parent\u2019s account, the configured default, and books a credit note on the credit side', () => {
    const d = directory({
      costCenters: [
        { code: 'ENG', name: 'Engineering', parent: null, owner: { name: 'O', email: 'o@acme.example' }, glAccount: '6100' },
        { code: 'ENG-PLAT', name: 'Platform', parent: 'ENG', owner: { name: 'O', email: 'o@acme.example' }, glAccount: null },
        { code: 'ENG-APP', name: 'Apps', parent: 'ENG', owner: { name: 'O', email: 'o@acme.example' }, glAccount: null },
        { code: 'IT', name: 'IT', parent: null, owner: { name: 'O', email: 'o@acme.example' }, glAccount: null },
      ],
      gl: { clearingAccount: '2100', unallocatedAccount: '6998', defaultExpenseAccount: '6500', markupAccount: '4900' },
    });
    const rows = [row(user('user_ana', 'ana@acme.example'), '500'), row(user('user_bo', 'bo@acme.example'), '-200'), row(null, '100', { product: 'claude_tag' })];
    const lines = journalLines(allocate(rows, d, sep), d, FINAL_ISSUE);
    expect(lines.map((l) => [l.account, l.cost_center, l.debit, l.credit])).toEqual([
      ['6100', 'ENG-PLAT', '5.00', ''],
      ['6100', 'ENG-APP', '', '2.00'],
      ['6500', 'IT', '1.00', ''],
      ['2100', '', '', '4.00'],
    ]);
  });
});

describe('FOCUS 1.4 export', () => {
  it('carries every mandatory column, custom columns prefixed x_, and BilledCost adding up to the source total', () => {
    const rows = [
      row(user('user_ana', 'ana@acme.example'), '1000.004', { listAmountCents: null }),
      row(user('user_bo', 'bo@acme.example'), '2000.003', { product: 'claude_code', contextWindow: '200k-1M' }),
      row(null, '3.3', { product: 'code_review', model: null, costType: 'code_execution', contextWindow: null }),
    ];
    const allocation = allocate(rows, directory(), sep);
    const focus = focusRows(allocation, rows, directory());
    // The 21 mandatory FOCUS 1.4 Cost and Usage columns, listed here from the specification.
    const spec = ['BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart', 'ContractedCost', 'EffectiveCost', 'HostProviderName', 'InvoiceIssuerName', 'ListCost', 'PricingQuantity', 'PricingUnit', 'ServiceCategory', 'ServiceName', 'ServiceProviderName'];
    for (const c of spec) expect(FOCUS_COLUMNS).toContain(c);
    expect([...FOCUS_MANDATORY].sort()).toEqual([...spec].sort());
    for (const r of focus) for (const c of spec) expect(r[c as keyof typeof r], c).toBeDefined();
    expect(FOCUS_COLUMNS.filter((c) => !(FOCUS_MANDATORY as readonly string[]).includes(c) && !['ConsumedQuantity', 'ConsumedUnit', 'ServiceSubcategory', 'SubAccountId'].includes(c)).every((c) => c.startsWith('x_'))).toBe(true);
    expect(focus.map((r) => [r.x_CostCenter, r.BilledCost, r.x_ContextWindowTier, r.x_Product, r.x_User])).toEqual([
      ['ENG-PLAT', '10.00', '0-200k', 'chat', 'ana@acme.example'],
      ['ENG-APP', '20.00', '200k-1M', 'claude_code', 'bo@acme.example'],
      ['UNALLOCATED', '0.03', '', 'code_review', ''],
    ]);
    expect(focus.reduce((a, r) => a + toCents(r.BilledCost!), 0n)).toBe(allocation.sourceTotalCents);
    for (const r of focus) {
      expect(r.BillingPeriodStart).toBe('2026-09-01T00:00:00Z');
      expect(r.BillingPeriodEnd).toBe('2026-10-01T00:00:00Z');
      expect(r.ChargeCategory).toBe('Usage');
      expect(r.BillingCurrency).toBe('USD');
      expect(r.EffectiveCost).toBe(r.BilledCost);
    }
  });
});
