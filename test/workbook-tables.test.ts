import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { publishTrueUp, ROOT, runCli, tempDir } from './helpers/cli.js';
import { recalculatedByLibreOffice } from './helpers/libreoffice.js';
import { readXlsx, type XlsxCell, type XlsxSheet } from './helpers/readers.js';

// The workbooks as an analyst opens them: the line data of every workbook is a defined table
// (header, style, totals row), every charge line of a statement is in it with numbers, dates and
// percentages as such, and LibreOffice, recalculating every formula on load, gets the values the
// workbook caches. Read with openpyxl; amounts summed here as exact decimal text.

interface CostCenter {
  readonly code: string;
  readonly statementNumber: string | null;
  readonly billedCents: string;
  readonly poolShares?: readonly unknown[];
  readonly seatCents?: string;
  readonly markupCents?: string;
  readonly adjustments?: readonly unknown[];
}
const costCenters = (dir: string) => (JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { costCenters: CostCenter[] }).costCenters;
/** A cell's number as exact cents ("580.09" → 58009n). */
function cents(cell: XlsxCell | undefined): bigint {
  const v = cell?.value;
  if (v === null || v === undefined || typeof v !== 'object') throw new Error(`not a number: ${JSON.stringify(v)}`);
  const [whole, frac = ''] = v.number.replace('-', '').split('.');
  const c = BigInt(whole!) * 100n + BigInt(frac.padEnd(2, '0').slice(0, 2));
  if (frac.length > 2) throw new Error(`${v.number} has more than two decimals`);
  return v.number.startsWith('-') ? -c : c;
}
const byRef = (sheet: XlsxSheet) => new Map(sheet.cells.map((c) => [c.ref, c]));
/** The rows of a table's data (header and totals rows left out), as cells by column name. */
function tableRows(sheet: XlsxSheet, name: string): Array<Map<string, XlsxCell | undefined>> {
  const t = sheet.tables.find((x) => x.name === name)!;
  const [, end] = /^A\d+:[A-Z]+(\d+)$/.exec(t.ref)!;
  const cells = byRef(sheet);
  const rows: Array<Map<string, XlsxCell | undefined>> = [];
  for (let r = 2; r <= Number(end) - t.totalsRowCount; r++) rows.push(new Map(t.columns.map((c, i) => [c, cells.get(`${String.fromCharCode(65 + i)}${r}`)])));
  return rows;
}
const text = (c: XlsxCell | undefined) => (typeof c?.value === 'string' ? c.value : '');

describe('workbooks ready for a pivot table', () => {
  let out: string;
  let seats: string;
  beforeAll(async () => {
    out = tempDir();
    // October carries September's adjustments; the seats directory adds seats, markup and fixed amounts.
    await publishTrueUp(out);
    seats = tempDir();
    const r = await runCli(['run', '--sandbox', '--out', seats, '--period', '2026-09', '--now', '2026-11-25T09:00:00Z', '--directory', join(ROOT, 'test', 'fixtures', 'directories', 'seats-markup.yaml')]);
    if (r.code !== 0) throw new Error(r.stderr);
  }, 180_000);

  it('each statement workbook holds every charge line in one table that adds up to the statement total', () => {
    let checked = 0;
    const types = new Set<string>();
    for (const month of [join(out, '2026-10'), join(seats, '2026-09')]) {
      for (const cc of costCenters(month).filter((c) => c.statementNumber !== null)) {
        const sheets = readXlsx(join(month, 'statements', `${cc.code}.xlsx`));
        const lines = sheets.find((s) => s.name === 'Lines')!;
        expect(lines.tables.map((t) => [t.name, t.style, t.headerRowCount, t.totalsRowCount])).toEqual([['ChargeLines', 'TableStyleMedium2', 1, 1]]);
        expect(lines.autofilter).toBeNull(); // the table filters; a sheet filter beside it would clash
        for (const column of ['Statement', 'Line type', 'Cost center', 'Person or spender', 'Product', 'Product code', 'Model', 'Raw row', 'Rule', 'Amount (USD)', 'Share of statement', 'Period start']) {
          expect(lines.tables[0]!.columns).toContain(column);
        }
        const rows = tableRows(lines, 'ChargeLines');
        const sum = rows.reduce((a, r) => a + cents(r.get('Amount (USD)')), 0n);
        expect(sum, cc.code).toBe(BigInt(cc.billedCents));
        const count = (type: string) => rows.filter((r) => text(r.get('Line type')) === type).length;
        expect(count('pool_share')).toBe(cc.poolShares?.length ?? 0);
        expect(count('carried_adjustment')).toBe(cc.adjustments?.length ?? 0);
        expect(count('seats')).toBe(cc.seatCents && cc.seatCents !== '0' ? 1 : 0);
        expect(count('markup')).toBe(cc.markupCents && cc.markupCents !== '0' ? 1 : 0);
        for (const r of rows) {
          types.add(text(r.get('Line type')));
          expect(text(r.get('Statement'))).toBe(cc.statementNumber);
          // Numbers are numbers; dates are dates; shares are percentages.
          expect(r.get('Amount (USD)')!.format).toContain('$');
          expect(typeof r.get('Share of statement')!.value).toBe('object');
          expect(r.get('Share of statement')!.format).toContain('%');
          expect(r.get('Period start')!.value).toMatch(/^2026-(09|10)-01T00:00:00$/);
          if (text(r.get('Line type')) === 'usage') expect(text(r.get('Raw row'))).toMatch(/^cost-[a-z-]+-p\d{3}\.json#\d+$/);
        }
        // The totals row is the table's own, a SUBTOTAL cached with the statement total.
        const totals = byRef(lines).get(`O${rows.length + 2}`)!;
        expect(totals.formula).toBe(`=SUBTOTAL(109,O2:O${rows.length + 1})`);
        expect(cents(totals)).toBe(BigInt(cc.billedCents));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect([...types].sort()).toEqual(['carried_adjustment', 'markup', 'pool_share', 'seats', 'usage']);
  });

  it('the summary, the spenders and engagement are tables too, and the checks compare rounded cents', () => {
    const summary = readXlsx(join(out, '2026-10', 'summary.xlsx'));
    const tables = summary.flatMap((s) => s.tables.map((t) => `${s.name}:${t.name}`));
    expect(tables).toEqual(['Cost centers:CostCenters', 'Unmapped:UnmappedSpenders', 'Engagement:EngagementByCostCenter', 'Budgets:Budgets', 'Adoption:Adoption']);
    const centers = tableRows(summary.find((s) => s.name === 'Cost centers')!, 'CostCenters');
    const billed = costCenters(join(out, '2026-10')).reduce((a, c) => a + BigInt(c.billedCents), 0n);
    expect(centers.reduce((a, r) => a + cents(r.get('Statement total (USD)')), 0n)).toBe(billed);
    expect(centers.reduce((a, r) => a + cents(r.get('of which carried adjustments (USD)')), 0n)).not.toBe(0n);
    const rec = summary.find((s) => s.name === 'Reconciliation')!;
    expect(rec.cells.find((c) => c.formula?.includes('IF('))!.formula).toMatch(/^=IF\(ROUND\(.+,2\)=ROUND\(.+,2\),"yes","NO"\)$/);
    expect(rec.cells.find((c) => c.ref.startsWith('B') && text(rec.cells.find((x) => x.ref === `A${c.ref.slice(1)}`)) === 'Issued')!.value).toBe('2026-11-25T09:00:00');
    const statement = readXlsx(join(out, '2026-10', 'statements', 'ENG-PLAT.xlsx'));
    expect(statement.find((s) => s.name === 'Users')!.tables.map((t) => t.name)).toEqual(['Spenders']);
    expect(statement.find((s) => s.name === 'Engagement')!.tables.map((t) => t.name)).toEqual(['EngagementByPerson']);
    const checks = statement.find((s) => s.name === 'Summary')!.cells.filter((c) => c.formula?.startsWith('=IF('));
    expect(checks.length).toBeGreaterThan(3);
    for (const c of checks) expect(c.formula).toMatch(/^=IF\(ROUND\(B\d+,2\)=ROUND\(B\d+,2\),"ties to (total|direct usage)","CHECK"\)$/);
    // A roll-up's line data is its spenders (its lines are its direct statements').
    const rollup = readXlsx(join(out, '2026-10', 'statements', 'rollup', 'ENG.xlsx'));
    expect(rollup.flatMap((s) => s.tables.map((t) => t.name))).toEqual(['Spenders', 'EngagementByPerson']);
  });

  it('LibreOffice, recalculating every formula on load, gives the values the workbooks cache', () => {
    const month = join(out, '2026-10');
    const files = [
      join(month, 'summary.xlsx'),
      ...readdirSync(join(month, 'statements')).filter((f) => f.endsWith('.xlsx')).map((f) => join(month, 'statements', f)),
      ...readdirSync(join(month, 'statements', 'rollup')).filter((f) => f.endsWith('.xlsx')).map((f) => join(month, 'statements', 'rollup', f)),
      join(seats, '2026-09', 'statements', 'ENG-PLAT.xlsx'),
    ];
    // One workbook whose cached total is made wrong: LibreOffice must replace it, or it did not recalculate.
    const work = tempDir();
    const wrong = join(work, 'wrong.xlsx');
    execFileSync('/usr/bin/python3', ['-c', WRONG_CACHE, files[1]!, wrong]);
    // Rows hidden (as a filter hides them) in the summary's cost centers and a statement's spenders:
    // the reconciliation and the Summary's totals must not move (they sum the data, not the totals rows).
    const hiddenSummary = join(work, 'hidden-summary.xlsx');
    const hiddenStatement = join(work, 'hidden-statement.xlsx');
    execFileSync('/usr/bin/python3', ['-c', HIDE_ROWS, files[0]!, hiddenSummary, 'xl/worksheets/sheet1.xml']);
    execFileSync('/usr/bin/python3', ['-c', HIDE_ROWS, files[1]!, hiddenStatement, 'xl/worksheets/sheet2.xml']);
    const recalculated = recalculatedByLibreOffice([...files, wrong, hiddenSummary, hiddenStatement]);
    let formulas = 0;
    files.forEach((file, i) => {
      const mine = readXlsx(file);
      const theirs = new Map(readXlsx(recalculated[i]!).map((s) => [s.name, byRef(s)]));
      for (const sheet of mine) {
        for (const cell of sheet.cells.filter((c) => c.formula !== null)) {
          formulas++;
          const again = theirs.get(sheet.name)?.get(cell.ref);
          expect(again?.value, `${file} ${sheet.name}!${cell.ref} ${cell.formula}`).toEqual(cell.value);
        }
      }
    });
    expect(formulas).toBeGreaterThan(200);
    const original = readXlsx(files[1]!).find((s) => s.name === 'Lines')!;
    const total = original.cells.find((c) => c.formula?.startsWith('=SUBTOTAL('))!;
    const tampered = readXlsx(wrong).find((s) => s.name === 'Lines')!.cells.find((c) => c.ref === total.ref)!;
    expect(tampered.value).toEqual({ number: '0' });
    const fixed = readXlsx(recalculated[files.length]!).find((s) => s.name === 'Lines')!.cells.find((c) => c.ref === total.ref)!;
    expect(fixed.value).toEqual(total.value);
    const cells = (file: string, sheet: string) => byRef(readXlsx(file).find((x) => x.name === sheet)!);
    const [summaryAgain, statementAgain] = recalculated.slice(files.length + 1);
    const rec = cells(files[0]!, 'Reconciliation');
    const recHidden = cells(summaryAgain!, 'Reconciliation');
    for (const [ref, cell] of rec) if (cell.formula) expect(recHidden.get(ref)?.value, `Reconciliation!${ref}`).toEqual(cell.value);
    const sum = cells(files[1]!, 'Summary');
    const sumHidden = cells(statementAgain!, 'Summary');
    for (const [ref, cell] of sum) if (cell.formula) expect(sumHidden.get(ref)?.value, `Summary!${ref}`).toEqual(cell.value);
  }, 300_000);
});

/** Copies a workbook with the cached value of its Lines table's total set to 0 (argv: from, to). */
const WRONG_CACHE = `
import re, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "xl/worksheets/sheet3.xml":
            data, n = re.subn(rb"(<f>SUBTOTAL\\(109,O2:O\\d+\\)</f><v>)[^<]+(</v>)", rb"\\g<1>0\\g<2>", data)
            assert n == 1, n
        zout.writestr(item, data)
`;

/** Copies a workbook with rows 2 and 3 of one sheet part hidden (argv: from, to, part). */
const HIDE_ROWS = `
import re, sys, zipfile
src, dst, part = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == part:
            data, n = re.subn(rb'<row r="([23])"', rb'<row r="\\1" hidden="1"', data)
            assert n == 2, n
        zout.writestr(item, data)
`;
