import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { publishTrueUp, ROOT, runCli, tempDir } from './helpers/cli.js';
import { readCsv } from './helpers/readers.js';

// journal.csv as an accountant imports it: accruals of provisional months reversed on the first
// day of the next month, every issue booked once in full, intercompany pairs per legal entity.
// Amounts are summed here from the CSV text and compared with chargeback.json, not recomputed
// with the tool's own code.

type Line = Record<string, string>;
const cents = (text: string): bigint => {
  if (text === '') return 0n;
  const [whole, frac] = text.split('.');
  return BigInt(whole!) * 100n + BigInt(frac!.padEnd(2, '0'));
};
const net = (l: Line) => cents(l.debit!) - cents(l.credit!);
const journalOf = (dir: string): Line[] => readCsv(join(dir, 'journal.csv'));
/** Every journal line under out/, in every issue folder. */
const allJournals = (out: string): Line[] => readdirSync(out).filter((d) => /^\d{4}-\d{2}(\.r\d+)?$/.test(d)).flatMap((d) => journalOf(join(out, d)));
/** Debits minus credits on each cost center's lines, over the lines given. */
function byCostCenter(lines: readonly Line[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const l of lines) if (l.cost_center) out.set(l.cost_center, (out.get(l.cost_center) ?? 0n) + net(l));
  return out;
}
interface CostCenter {
  readonly code: string;
  readonly billedCents: string;
  readonly adjustments?: ReadonlyArray<{ readonly cents: string }>;
}
const chargeback = (dir: string) => JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { costCenters: CostCenter[] };
/** What each statement charges, without the adjustments of earlier months it carries. */
const ownCharges = (dir: string) => new Map(chargeback(dir).costCenters.map((c) => [c.code, BigInt(c.billedCents) - (c.adjustments ?? []).reduce((a, x) => a + BigInt(x.cents), 0n)]));
const statementTotals = (dir: string) => new Map(chargeback(dir).costCenters.map((c) => [c.code, BigInt(c.billedCents)]));
const nonZero = (m: Map<string, bigint>) => new Map([...m].filter(([, v]) => v !== 0n));

/** The sample directory's Go-to-Market cost centers, booked by the US entity (legal_entity on their parent). */
const US_CENTERS = ['GTM-SALES', 'GTM-MKT', 'GTM-CS'];

describe('accrual journals over a provisional month, its final revision and the next month', () => {
  let out: string;
  beforeAll(async () => {
    out = tempDir();
    await publishTrueUp(out);
  }, 120_000);

  it('a provisional journal is marked, dated, and reverses to zero on the first day of the next month', () => {
    const lines = journalOf(join(out, '2026-09'));
    const accrual = lines.filter((l) => l.journal_id === 'CB-2026-09');
    const reversal = lines.filter((l) => l.journal_id === 'CB-2026-09-REV');
    expect(accrual.length).toBeGreaterThan(10);
    expect(accrual.every((l) => l.status === 'PROVISIONAL' && l.posting_date === '2026-09-30' && l.document_date === '2026-10-05' && l.reversal_date === '2026-10-01')).toBe(true);
    expect(reversal.every((l) => l.status === 'AUTO_REVERSAL' && l.posting_date === '2026-10-01' && l.reverses === 'CB-2026-09')).toBe(true);
    expect(reversal).toHaveLength(accrual.length);
    // Over the two months, every account, cost center and entity nets to zero.
    const key = (l: Line) => `${l.legal_entity}|${l.account}|${l.cost_center}`;
    const sums = new Map<string, bigint>();
    for (const l of [...accrual, ...reversal]) sums.set(key(l), (sums.get(key(l)) ?? 0n) + net(l));
    expect([...sums.values()].every((v) => v === 0n)).toBe(true);
    // And the accrual is what the provisional statements charged.
    expect(byCostCenter(accrual)).toEqual(nonZero(ownCharges(join(out, '2026-09'))));
  });

  it('the final revision books September in full in the month that charges its difference', () => {
    const lines = journalOf(join(out, '2026-09.r2'));
    // Replacing a provisional issue (already reversed), it reverses nothing itself.
    expect(lines.every((l) => l.journal_id === 'CB-2026-09-R2' && l.status === 'FINAL' && l.posting_date === '2026-10-31' && l.document_date === '2026-11-25' && l.reversal_date === '')).toBe(true);
    expect(byCostCenter(lines)).toEqual(nonZero(ownCharges(join(out, '2026-09.r2'))));
  });

  it('in October each expense account holds exactly what the October statement charges, the carried difference included', () => {
    const october = allJournals(out).filter((l) => l.posting_date!.startsWith('2026-10-'));
    expect(byCostCenter(october)).toEqual(nonZero(statementTotals(join(out, '2026-10'))));
    // October's own journal books its own usage, not September's difference a second time.
    const own = journalOf(join(out, '2026-10')).filter((l) => l.journal_id === 'CB-2026-10');
    expect(byCostCenter(own)).toEqual(nonZero(ownCharges(join(out, '2026-10'))));
  });

  it('everything ever booked for September, once reversals are in, is the final figures', () => {
    const september = allJournals(out).filter((l) => l.period === '2026-09');
    expect(byCostCenter(september)).toEqual(nonZero(ownCharges(join(out, '2026-09.r2'))));
  });

  it('debits equal credits in every journal and every legal entity, with intercompany lines for the US entity', () => {
    const lines = allJournals(out);
    const balance = new Map<string, bigint>();
    for (const l of lines) balance.set(`${l.journal_id}|${l.legal_entity}`, (balance.get(`${l.journal_id}|${l.legal_entity}`) ?? 0n) + net(l));
    expect(balance.size).toBeGreaterThanOrEqual(10); // 5 journals × 2 entities
    for (const [k, v] of balance) expect(v, k).toBe(0n);
    for (const id of ['CB-2026-09', 'CB-2026-09-R2', 'CB-2026-10']) {
      const j = lines.filter((l) => l.journal_id === id);
      const dir = id === 'CB-2026-09' ? '2026-09' : id === 'CB-2026-10' ? '2026-10' : '2026-09.r2';
      const usOwn = US_CENTERS.reduce((a, c) => a + (ownCharges(join(out, dir)).get(c) ?? 0n), 0n);
      expect(usOwn).toBeGreaterThan(0n);
      // The US entity books its cost centers' expense and owes the paying entity as much.
      expect(j.filter((l) => l.legal_entity === 'US01' && l.cost_center).map((l) => l.cost_center).sort()).toEqual([...US_CENTERS].sort());
      const dueTo = j.filter((l) => l.account === '2410');
      const dueFrom = j.filter((l) => l.account === '1410');
      expect(dueTo.map((l) => [l.legal_entity, l.counterparty_entity, l.debit, l.credit])).toEqual([['US01', 'DE01', '', `${usOwn / 100n}.${String(usOwn % 100n).padStart(2, '0')}`]]);
      expect(dueFrom.map((l) => [l.legal_entity, l.counterparty_entity, cents(l.debit!)])).toEqual([['DE01', 'US01', usOwn]]);
      // Clearing and markup belong to the paying entity.
      expect(j.filter((l) => l.account === '2990').every((l) => l.legal_entity === 'DE01')).toBe(true);
    }
  });
});

/** Debits minus credits per cost center over every journal line under out/ posted in `month` (YYYY-MM). */
const bookedIn = (out: string, month: string) => byCostCenter(allJournals(out).filter((l) => l.posting_date!.startsWith(`${month}-`)));

describe('each month holds what its statements charge, whatever order the final figures come in', () => {
  const run = async (out: string, args: string[]) => {
    const r = await runCli(['run', '--sandbox', '--out', out, ...args]);
    if (r.code !== 0) throw new Error(`run ${args.join(' ')}: ${r.stderr}`);
  };

  it('September final after October was issued: October accrues September again, November books the final', async () => {
    const out = tempDir();
    await run(out, ['--period', '2026-09', '--provisional', '--now', '2026-10-05T09:00:00Z']);
    await run(out, ['--period', '2026-10', '--provisional', '--now', '2026-11-05T09:00:00Z']);
    await run(out, ['--period', '2026-09', '--now', '2026-11-25T09:00:00Z']);
    await run(out, ['--period', '2026-11', '--provisional', '--now', '2026-12-05T09:00:00Z']);
    // October's first issue accrued September's provisional figures again, reversed on 1 November.
    const accrual = journalOf(join(out, '2026-10')).filter((l) => l.journal_id === 'CB-2026-10-A2026-09');
    expect(accrual.every((l) => l.status === 'PROVISIONAL' && l.period === '2026-09' && l.posting_date === '2026-10-31' && l.reversal_date === '2026-11-01')).toBe(true);
    expect(byCostCenter(accrual)).toEqual(nonZero(ownCharges(join(out, '2026-09'))));
    expect(readFileSync(join(out, '2026-10', 'inputs', 'accrued-months.json'), 'utf8')).toContain('"period": "2026-09"');
    // September's revision is charged on November's statements and booked on 30 November.
    expect(journalOf(join(out, '2026-09.r2')).every((l) => l.posting_date === '2026-11-30')).toBe(true);
    for (const month of ['2026-09', '2026-10', '2026-11']) expect(bookedIn(out, month), month).toEqual(nonZero(statementTotals(join(out, month))));
    // November's first issue accrues October (still provisional), not September (final now).
    expect(new Set(journalOf(join(out, '2026-11')).map((l) => l.journal_id))).toEqual(new Set(['CB-2026-11', 'CB-2026-11-REV', 'CB-2026-11-A2026-10', 'CB-2026-11-A2026-10-REV']));
    for (const month of ['2026-10', '2026-11']) expect((await runCli(['verify', join(out, month)])).code, month).toBe(0);
  }, 120_000);

  it('two provisional revisions before the final: only the latest figures stand in the month that charges them', async () => {
    const out = tempDir();
    await run(out, ['--period', '2026-09', '--provisional', '--now', '2026-10-05T09:00:00Z']);
    const text = readFileSync(join(ROOT, 'mappings', 'org.yaml'), 'utf8');
    const at = text.indexOf('cost_center: ENG-APP', text.indexOf('people:'));
    const corrected = join(out, 'org.yaml');
    writeFileSync(corrected, `${text.slice(0, at)}cost_center: ENG-PLAT${text.slice(at + 'cost_center: ENG-APP'.length)}`);
    await run(out, ['--period', '2026-09', '--provisional', '--now', '2026-10-20T09:00:00Z', '--directory', corrected]);
    // A provisional revision books nothing itself: the next first issue accrues its figures.
    expect(journalOf(join(out, '2026-09.r2'))).toEqual([]);
    await run(out, ['--period', '2026-09', '--now', '2026-11-25T09:00:00Z', '--directory', corrected]);
    await run(out, ['--period', '2026-10', '--provisional', '--now', '2026-11-25T10:00:00Z', '--directory', corrected]);
    expect(bookedIn(out, '2026-10')).toEqual(nonZero(statementTotals(join(out, '2026-10'))));
    expect(byCostCenter(allJournals(out).filter((l) => l.period === '2026-09'))).toEqual(nonZero(ownCharges(join(out, '2026-09.r3'))));
  }, 120_000);
});

describe('a final month revised again', () => {
  it('its revision reverses the replaced final journal line for line, keeps it under inputs/, and verify re-derives it', async () => {
    const out = tempDir();
    const r1 = await runCli(['run', '--sandbox', '--out', out, '--period', '2026-09', '--now', '2026-11-25T09:00:00Z']);
    expect(r1.code, r1.stderr).toBe(0);
    // A corrected directory: one Application Engineering person moves to Platform Engineering.
    const text = readFileSync(join(ROOT, 'mappings', 'org.yaml'), 'utf8');
    const at = text.indexOf('cost_center: ENG-APP', text.indexOf('people:'));
    const corrected = join(out, 'org.yaml');
    writeFileSync(corrected, `${text.slice(0, at)}cost_center: ENG-PLAT${text.slice(at + 'cost_center: ENG-APP'.length)}`);
    const r2 = await runCli(['run', '--sandbox', '--out', out, '--period', '2026-09', '--now', '2026-11-26T09:00:00Z', '--directory', corrected]);
    expect(r2.code, r2.stderr).toBe(0);

    const first = journalOf(join(out, '2026-09'));
    expect(first.every((l) => l.status === 'FINAL' && l.reversal_date === '')).toBe(true);
    const lines = journalOf(join(out, '2026-09.r2'));
    const reversal = lines.filter((l) => l.journal_id === 'CB-2026-09-REV');
    expect(reversal.map((l) => [l.line, l.account, l.cost_center, l.legal_entity, l.debit, l.credit])).toEqual(first.map((l) => [l.line, l.account, l.cost_center, l.legal_entity, l.credit, l.debit]));
    expect(reversal.every((l) => l.reverses === 'CB-2026-09' && l.posting_date === '2026-10-31' && l.document_date === '2026-11-26')).toBe(true);
    // What remains booked is the revision, once.
    expect(byCostCenter([...first, ...lines])).toEqual(nonZero(ownCharges(join(out, '2026-09.r2'))));
    expect(byCostCenter([...first, ...lines]).get('ENG-APP')).not.toBe(byCostCenter(first).get('ENG-APP'));
    expect(readFileSync(join(out, '2026-09.r2', 'inputs', 'previous-journal.csv'))).toEqual(readFileSync(join(out, '2026-09', 'journal.csv')));
    const v = await runCli(['verify', join(out, '2026-09.r2')]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    // The kept copy must be the journal beside it.
    const published = readFileSync(join(out, '2026-09', 'journal.csv'), 'utf8');
    writeFileSync(join(out, '2026-09', 'journal.csv'), `${published}x`);
    const tampered = await runCli(['verify', join(out, '2026-09.r2')]);
    expect(tampered.code).not.toBe(0);
    expect(tampered.stdout + tampered.stderr).toContain('inputs/previous-journal.csv differs from');
    writeFileSync(join(out, '2026-09', 'journal.csv'), published);
    // A revision must reverse what was booked: an edited or missing journal is refused, nothing written.
    const r2Journal = join(out, '2026-09.r2', 'journal.csv');
    writeFileSync(r2Journal, readFileSync(r2Journal, 'utf8').replace(/\r\n/g, '\n'));
    const again = await runCli(['run', '--sandbox', '--out', out, '--period', '2026-09', '--now', '2026-11-27T09:00:00Z']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${r2Journal} differs from the one its manifest lists`);
    rmSync(r2Journal);
    const missing = await runCli(['run', '--sandbox', '--out', out, '--period', '2026-09', '--now', '2026-11-27T09:00:00Z']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(out, '2026-09.r2', 'journal.csv')} is missing: its manifest lists it`);
    expect(readdirSync(out).filter((d) => d.startsWith('2026-09'))).toEqual(['2026-09', '2026-09.r2']);
  }, 120_000);
});

describe('legal entities in the directory', () => {
  it('a cost center in another entity without the paying entity and intercompany accounts is refused with line and column', async () => {
    const dir = tempDir();
    const text = readFileSync(join(ROOT, 'mappings', 'org.yaml'), 'utf8').replace(/\ngl:\n(  .*\n)+/, '\n');
    const file = join(dir, 'org.yaml');
    writeFileSync(file, text);
    const r = await runCli(['validate', '--directory', file]);
    expect(r.code).toBe(2);
    const line = text.split('\n').findIndex((l) => l.includes('legal_entity: "US01"')) + 1;
    expect(r.stderr).toContain(`${file}:${line}:`);
    expect(r.stderr).toContain('legal entity "US01" needs gl.paying_entity, gl.due_to_account, gl.due_from_account, which are not set');
  });

  it('another problem in the file does not make the intercompany settings look missing; an entity code must be a code', async () => {
    const dir = tempDir();
    const file = join(dir, 'org.yaml');
    writeFileSync(file, readFileSync(join(ROOT, 'mappings', 'org.yaml'), 'utf8').replace('company:', 'compnay: x\ncompany:').replace('legal_entity: "US01"', 'legal_entity: "US 01"'));
    const r = await runCli(['validate', '--directory', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('compnay');
    expect(r.stderr).not.toContain('which are not set');
    expect(r.stderr).toContain('found "US 01", expected a legal entity code');
  });
});
