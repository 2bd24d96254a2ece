import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';
import { dollarsToCents, pdfText, readCsv } from './helpers/readers.js';

/**
 * The README's month-end walk-through, end to end against the sandbox, whose values inside the
 * 30-day revision window are reported low at first and revised later:
 *   2026-10-05  provisional run of September
 *   2026-10-31  final run of September: revision 2 with exact adjustments
 *   2026-11-05  provisional run of October, carrying September's adjustments
 *   close September; nothing rewrites it any more
 */
type Json = {
  status: string;
  revision: number;
  sourceTotalCents: string;
  costCenters: Array<{ code: string; statementNumber: string | null; billedCents: string; adjustments: Array<{ reference: string; cents: string }>; actors: Array<{ actorKey: string; label: string }> }>;
  reconciliation: { ok: boolean; statementsTotalCents: string; sourceTotalCents: string; extraCents: string; carriedCents: string };
};

describe('month-end walk-through: provisional, final revision, adjustments carried forward, close', () => {
  const out = tempDir();
  const read = (month: string): Json => JSON.parse(readFileSync(join(out, month, 'chargeback.json'), 'utf8')) as Json;
  const hashes = (month: string) => Object.fromEntries(readdirSync(join(out, month), { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.')).map((f) => [f, createHash('sha256').update(readFileSync(join(out, month, f))).digest('hex')]));
  const runs: CliResult[] = [];
  let issuedBefore: Record<string, string>;

  beforeAll(async () => {
    runs.push(await runCli(['run', '--sandbox', '--period', '2026-09', '--provisional', '--now', '2026-10-05T09:00:00Z', '--out', out]));
    issuedBefore = hashes('2026-09');
    runs.push(await runCli(['run', '--sandbox', '--period', '2026-09', '--now', '2026-10-31T09:00:00Z', '--out', out]));
    runs.push(await runCli(['run', '--sandbox', '--period', '2026-10', '--provisional', '--now', '2026-11-05T09:00:00Z', '--out', out]));
  });

  it('issues September provisionally, then its final figures as revision 2 without touching what was issued', () => {
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    const first = read('2026-09');
    const final = read('2026-09.r2');
    expect([first.status, first.revision, final.status, final.revision]).toEqual(['PROVISIONAL', 1, 'FINAL', 2]);
    // The sandbox revised values up, so the final source total is higher than the provisional one.
    expect(BigInt(final.sourceTotalCents)).toBeGreaterThan(BigInt(first.sourceTotalCents));
    expect(hashes('2026-09')).toEqual(issuedBefore);
    expect(final.costCenters.find((c) => c.code === 'ENG-APP')!.statementNumber).toBe('CB-2026-09-ENG-APP-R2');
  });

  it('writes exact adjustments: per line they add up to each cost center, which add up to final minus billed', () => {
    const first = read('2026-09');
    const final = read('2026-09.r2');
    const path = join(out, '2026-09.r2', 'adjustments.csv');
    expect(readFileSync(path, 'utf8').split('\r\n')[0]).toBe(
      'period,revision,cost_center,cost_center_name,original_statement,revised_statement,line_type,person_or_spender,spender_id,product,model,context_window,cost_type,previous_cents,final_cents,adjustment_cents,previous_usd,final_usd,adjustment_usd,reason,line',
    );
    const rows = readCsv(path);
    const totals = rows.filter((r) => r.line === 'TOTAL');
    for (const t of totals) {
      const code = t.cost_center!;
      const billed = BigInt(first.costCenters.find((c) => c.code === code)!.billedCents);
      const finalCents = BigInt(final.costCenters.find((c) => c.code === code)!.billedCents);
      expect([BigInt(t.previous_cents!), BigInt(t.final_cents!), BigInt(t.adjustment_cents!)]).toEqual([billed, finalCents, finalCents - billed]);
      expect(t.original_statement).toBe(`CB-2026-09-${code}`);
      expect(t.line_type).toBe('total');
      const perLine = rows.filter((r) => r.cost_center === code && r.line !== 'TOTAL').reduce((a, r) => a + BigInt(r.adjustment_cents!), 0n);
      expect(perLine).toBe(BigInt(t.adjustment_cents!));
    }
    expect(totals.reduce((a, t) => a + BigInt(t.adjustment_cents!), 0n)).toBe(BigInt(final.sourceTotalCents) - BigInt(first.sourceTotalCents));
    // Readable: each usage line names the person or spender, the product and the model, and says why; dollars match cents.
    const cc = new Map(final.costCenters.map((c) => [c.code, c]));
    for (const r of rows.filter((x) => x.line_type === 'usage')) {
      const actorKey = r.line!.slice('usage '.length).split('#')[0]!;
      const actor = cc.get(r.cost_center!)?.actors.find((a) => a.actorKey === actorKey) ?? first.costCenters.find((c) => c.code === r.cost_center)!.actors.find((a) => a.actorKey === actorKey)!;
      expect(r.person_or_spender).toBe(actor.label);
      expect(r.line).toContain(`#${r.product}|${r.model || '\u2205'}|`);
      expect(r.reason).not.toBe('');
      expect(BigInt(r.adjustment_usd!.replace('.', ''))).toBe(BigInt(r.adjustment_cents!));
    }
    expect(totals.every((t) => t.reason!.length > 0 && t.cost_center_name!.length > 0)).toBe(true);
    expect(runs[1]!.stdout).toContain('2026-09 revision 2 FINAL');
  });

  it('carries the adjustments into October\u2019s statements, referencing the original statement numbers', () => {
    const final = read('2026-09.r2');
    const first = read('2026-09');
    const october = read('2026-10');
    const carried = october.costCenters.flatMap((c) => c.adjustments.map((a) => [c.code, a.reference, BigInt(a.cents)] as const));
    expect(carried.length).toBeGreaterThan(3);
    for (const [code, reference, cents] of carried) {
      expect(reference).toBe(`CB-2026-09-${code} \u2192 CB-2026-09-${code}-R2`);
      const expected = BigInt(final.costCenters.find((c) => c.code === code)!.billedCents) - BigInt(first.costCenters.find((c) => c.code === code)!.billedCents);
      expect(cents).toBe(expected);
    }
    const rec = october.reconciliation;
    expect(rec.ok).toBe(true);
    expect(BigInt(rec.statementsTotalCents)).toBe(BigInt(rec.sourceTotalCents) + BigInt(rec.extraCents) + BigInt(rec.carriedCents));
    expect(BigInt(rec.carriedCents)).toBe(BigInt(final.sourceTotalCents) - BigInt(first.sourceTotalCents));
    // On the PDF: its own charge line, with the amount.
    const [code, , cents] = carried[0]!;
    const text = pdfText(join(out, '2026-10', 'statements', `${code}.pdf`));
    const line = text.split('\n').find((l) => l.includes(`Adjustment of an earlier month: CB-2026-09-${code}`))!;
    expect(line).toBeDefined();
    expect(dollarsToCents(/-?\$[\d,]+\.\d{2}/.exec(line)![0])).toBe(cents);
    // October's journal balances and books October's own charges: September's difference is
    // booked by its revision (its final figures, after the provisional accrual's reversal).
    const journal = readCsv(join(out, '2026-10', 'journal.csv'));
    const amount = (v: string | undefined) => (v ? BigInt(v.replace('.', '')) : 0n);
    expect(journal.reduce((a, l) => a + amount(l.debit), 0n)).toBe(journal.reduce((a, l) => a + amount(l.credit), 0n));
    const booked = journal.filter((l) => l.journal_id === 'CB-2026-10' && l.cost_center === code).reduce((a, l) => a + amount(l.debit) - amount(l.credit), 0n);
    expect(booked).toBe(BigInt(october.costCenters.find((c) => c.code === code)!.billedCents) - cents);
    expect(readCsv(join(out, '2026-09.r2', 'journal.csv')).every((l) => l.journal_id === 'CB-2026-09-R2' && l.posting_date === '2026-10-31')).toBe(true);
    // The auditors' ledger ties to the statements, carried adjustments included.
    const ledger = readFileSync(join(out, '2026-10', 'ledger.csv'), 'utf8').trimEnd().split('\r\n');
    const lcols = ledger[0]!.split(',');
    const lrows = ledger.slice(1).map((l) => l.split(','));
    expect(lrows.reduce((a, r) => a + BigInt(r[lcols.indexOf('billed_cents')] || '0'), 0n)).toBe(BigInt(rec.statementsTotalCents));
    expect(lrows.filter((r) => r[lcols.indexOf('line_type')] === 'carried_adjustment')).toHaveLength(carried.length);
    // FOCUS marks the carried lines as corrections.
    const focus = readFileSync(join(out, '2026-10', 'focus.csv'), 'utf8').trimEnd().split('\r\n');
    const cols = focus[0]!.split(',');
    const corrections = focus.slice(1).filter((l) => l.split(',')[cols.indexOf('ChargeClass')] === 'Correction');
    expect(corrections).toHaveLength(carried.length);
  });

  it('diff explains the revision and the month-over-month change per cost center', async () => {
    const first = read('2026-09');
    const final = read('2026-09.r2');
    const revision = await runCli(['diff', '--period', '2026-09', '--out', out]);
    expect(revision.code).toBe(0);
    const lines = revision.stdout.split('\n');
    expect(lines[0]).toMatch(/^2026-09\.r2 against 2026-09: \$[\d,]+\.\d\d → \$[\d,]+\.\d\d \(\+\$[\d,]+\.\d\d\)$/);
    const app = lines.find((l) => l.startsWith('ENG-APP: '))!;
    const delta = BigInt(final.costCenters.find((c) => c.code === 'ENG-APP')!.billedCents) - BigInt(first.costCenters.find((c) => c.code === 'ENG-APP')!.billedCents);
    expect(dollarsToCents(/\(\+(\$[\d,]+\.\d\d),/.exec(app)![1]!)).toBe(delta);
    expect(lines[lines.indexOf(app) + 1]).toMatch(/^ {2}- .+: spend up \+\$/);
    const monthly = await runCli(['diff', '--period', '2026-10', '--out', out]);
    expect(monthly.stdout.split('\n')[0]).toMatch(/^2026-10 against 2026-09\.r2: /);
  });

  it('re-derives every issue offline, and a closed month is never rewritten', async () => {
    for (const month of ['2026-09', '2026-09.r2', '2026-10']) expect((await runCli(['verify', join(out, month)])).code).toBe(0);
    // A revision's copy of the issue it revises must match the issue beside it.
    const original = join(out, '2026-09', 'chargeback.json');
    const saved = readFileSync(original);
    writeFileSync(original, Buffer.concat([saved, Buffer.from(' ')]));
    const mismatch = await runCli(['verify', join(out, '2026-09.r2')]);
    writeFileSync(original, saved);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(`inputs/previous-chargeback.json differs from ${original}, the chargeback.json of the issue this revision revises`);
    const close = await runCli(['close', '--period', '2026-09', '--out', out, '--now', '2026-11-06T09:00:00Z']);
    expect(close.code).toBe(0);
    const marker = JSON.parse(readFileSync(join(out, '2026-09.closed.json'), 'utf8')) as { revision: number; closedAt: string };
    expect([marker.revision, marker.closedAt]).toEqual([2, '2026-11-06T09:00:00Z']);
    const forced = await runCli(['run', '--sandbox', '--period', '2026-09', '--force', '--now', '2026-11-06T10:00:00Z', '--out', out]);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain('is closed; --force would rewrite what was issued.');
    const closedRevision = hashes('2026-09.r2');
    const again = await runCli(['run', '--sandbox', '--period', '2026-09', '--now', '2026-11-06T10:00:00Z', '--out', out]);
    expect(again.stdout).toContain('already published');
    expect(hashes('2026-09')).toEqual(issuedBefore);
    expect(hashes('2026-09.r2')).toEqual(closedRevision);
  });
});

describe('a corrected org directory', () => {
  it('is issued as a revision whose adjustments move money between cost centers and add up to zero', async () => {
    const out = tempDir();
    expect((await runCli(['run', '--sandbox', '--period', '2026-09', '--now', '2026-11-25T09:00:00Z', '--out', out])).code).toBe(0);
    const text = readFileSync('mappings/org.yaml', 'utf8');
    const block = '  - email: tomas.lindqvist@acme.example\n    name: "Tomás Lindqvist"\n    cost_center: ENG-APP\n';
    expect(text).toContain(block);
    const corrected = join(tempDir(), 'org.yaml');
    writeFileSync(corrected, text.replace(block, block.replace('ENG-APP', 'ENG-DATA')));
    const r = await runCli(['run', '--sandbox', '--period', '2026-09', '--now', '2026-11-26T09:00:00Z', '--out', out, '--directory', corrected]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2026-09 revision 2 FINAL');
    const rows = readCsv(join(out, '2026-09.r2', 'adjustments.csv'));
    const totals = Object.fromEntries(rows.filter((x) => x.line === 'TOTAL').map((x) => [x.cost_center!, BigInt(x.adjustment_cents!)]));
    expect(totals['ENG-APP']! < 0n).toBe(true);
    expect(totals['ENG-DATA']! > 0n).toBe(true);
    expect(Object.values(totals).reduce((a, b) => a + b, 0n)).toBe(0n);
    expect((await runCli(['verify', join(out, '2026-09.r2')])).code).toBe(0);
  });
});

describe('a correction made after the next month was issued', () => {
  it('is carried by the first month issued after it, and never twice', async () => {
    const out = tempDir();
    const text = readFileSync('mappings/org.yaml', 'utf8');
    const block = '  - email: tomas.lindqvist@acme.example\n    name: "Tomás Lindqvist"\n    cost_center: ENG-APP\n';
    const corrected = join(tempDir(), 'org.yaml');
    writeFileSync(corrected, text.replace(block, block.replace('ENG-APP', 'ENG-DATA')));
    const run = (period: string, now: string, extra: string[] = []) => runCli(['run', '--sandbox', '--period', period, '--now', now, '--out', out, ...extra]);
    expect((await run('2026-09', '2026-11-25T09:00:00Z')).code).toBe(0);
    expect((await run('2026-10', '2026-11-25T09:00:00Z', ['--provisional'])).code).toBe(0);
    // September is corrected after October went out: its revision is carried by November.
    expect((await run('2026-09', '2026-11-26T09:00:00Z', ['--directory', corrected])).code).toBe(0);
    expect((await run('2026-11', '2026-12-05T09:00:00Z', ['--provisional', '--directory', corrected])).code).toBe(0);
    const json = (m: string) => JSON.parse(readFileSync(join(out, m, 'chargeback.json'), 'utf8')) as { costCenters: Array<{ code: string; billedCents: string; adjustments: Array<{ fromPeriod: string; cents: string }> }> };
    const delta = (code: string) => BigInt(json('2026-09.r2').costCenters.find((c) => c.code === code)!.billedCents) - BigInt(json('2026-09').costCenters.find((c) => c.code === code)!.billedCents);
    const november = json('2026-11').costCenters.flatMap((c) => c.adjustments.map((a) => [c.code, a.fromPeriod, BigInt(a.cents)]));
    expect(november.length).toBeGreaterThan(1);
    for (const [code, from, cents] of november) expect([from, cents]).toEqual(['2026-09', delta(code as string)]);
    expect(json('2026-10').costCenters.every((c) => c.adjustments.length === 0)).toBe(true);
    // December finds nothing left to carry.
    expect((await run('2026-12', '2027-01-05T09:00:00Z', ['--provisional', '--directory', corrected])).code).toBe(0);
    expect(json('2026-12').costCenters.every((c) => c.adjustments.length === 0)).toBe(true);
  });
});
