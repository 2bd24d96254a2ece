import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Statement, StatementLine, StatementUser } from '../src/core/statements.js';
import { renderStatementXlsx } from '../src/render/statement-xlsx.js';
import { sheetRatio, xmlText } from '../src/render/spreadsheet.js';
import { tempDir } from './helpers/cli.js';
import { cellCents, readXlsx, type XlsxCell, type XlsxSheet } from './helpers/readers.js';

/**
 * The statement workbook is written row by row (exceljs's streaming writer into a zip of our
 * own). A statement of many lines must still come back whole from another reader (openpyxl), with
 * its totals' cached values, the same bytes for the same inputs, and no text read as a formula.
 */

const LINES = 20_000;
const USERS = 2_000;
const HOSTILE = '=HYPERLINK("http://evil.example","click")';
/** Spaces at both ends and a line break, which a sheet keeps only when told; markup characters. */
const SPACED = '  Zoë <"O\'Brien"> & co\nline two ';
/** A control character XML 1.0 cannot hold: dropped, the rest kept. */
const CONTROL = 'Bell\u0007 Person';
const CLOCK = new Date(Date.UTC(2026, 9, 5, 10, 0, 7));

function statement(): Statement {
  const users: StatementUser[] = [];
  for (let i = 0; i < USERS; i++) {
    users.push({ costCenter: `ENG-${i % 40}`, actorKey: `user:u${i}`, label: i === 3 ? '+cmd' : i === 6 ? SPACED : i === 7 ? CONTROL : `Person ${i}`, email: i % 9 === 0 ? null : `person.${i}@example.com`, actorType: 'user_actor', actorId: `user_${String(i).padStart(6, '0')}`, cents: 0n, share: '0.00%' });
  }
  const lines: StatementLine[] = [];
  const perUser = new Map<string, bigint>();
  let direct = 0n;
  for (let i = 0; i < LINES; i++) {
    const u = users[i % USERS]!;
    // Amounts with cents that a double does not hold exactly in binary (0.1, 0.07 and the like).
    const cents = BigInt(((i * 7919) % 123_457) - 3_000);
    direct += cents;
    perUser.set(u.actorKey, (perUser.get(u.actorKey) ?? 0n) + cents);
    lines.push({ key: `${u.actorKey}|${i}`, costCenter: u.costCenter, actorKey: u.actorKey, label: i === 17 ? HOSTILE : u.label, email: u.email, actorId: u.actorId, product: ['claude_code', 'chat', 'api'][i % 3]!, model: `claude-model-${i % 5}`, contextWindow: i % 4 ? '0-200k' : '200k-1M', costType: i % 2 ? 'tokens' : 'web_search', unroundedCents: `${cents}.25`, cents, rule: i === 29 ? '-rule starting with a minus' : `rule ${i % 11}`, rawRow: `cost-grouped-p${String(1 + Math.floor(i / 1000)).padStart(3, '0')}.json#${i % 1000}` });
  }
  const withCents = users.map((u) => ({ ...u, cents: perUser.get(u.actorKey) ?? 0n }));
  return {
    kind: 'direct', number: 'CB-2026-09-ENG', company: 'Example Corp', code: 'ENG', name: 'Engineering', parent: null, owner: { name: 'Ada Owner', email: 'ada@example.com' },
    periodLabel: '2026-09', periodTitle: 'September 2026', periodStartIso: '2026-09-01T00:00:00Z', periodEndExclusiveIso: '2026-10-01T00:00:00Z',
    status: 'FINAL', dataAsOf: '2026-10-01T04:00:00Z', issuedAt: CLOCK.toISOString(), totalCents: direct, directCents: direct, unroundedTotalCents: `${direct}`,
    breakdowns: [{ title: 'Charges', of: 'total', rows: [{ label: 'Direct usage', cents: direct, share: '100.00%' }] }],
    users: withCents, lines, chargeLines: [], lineCount: lines.length, notes: ['Every line of the cost center and its descendants.'], revision: null, carried: [], finalDueOn: null, quantities: null,
  };
}

let s: Statement;
let bytes: Buffer;
let path: string;
let sheets: XlsxSheet[];

beforeAll(async () => {
  s = statement();
  bytes = await renderStatementXlsx(s, CLOCK);
  path = join(tempDir(), 'statement.xlsx');
  writeFileSync(path, bytes);
  sheets = readXlsx(path);
}, 180_000);

const sheet = (name: string) => sheets.find((x) => x.name === name)!;
const cellMap = (x: XlsxSheet) => new Map<string, XlsxCell>(x.cells.map((c) => [c.ref, c]));
const text = (cells: Map<string, XlsxCell>, ref: string) => String(cells.get(ref)?.value ?? '');

describe('a statement workbook written row by row', () => {
  it('has the sheets, frozen header rows and tables of the statement', () => {
    expect(sheets.map((x) => x.name)).toEqual(['Summary', 'Users', 'Lines']);
    for (const name of ['Summary', 'Users', 'Lines']) expect(sheet(name).freeze, name).toBe('A2');
    // Tables with a totals row each, over every data row (the table filters; no sheet autofilter).
    expect(sheet('Lines').tables.map((t) => [t.name, t.ref, t.totalsRowCount])).toEqual([['ChargeLines', `A1:X${LINES + 2}`, 1]]);
    expect(sheet('Users').tables.map((t) => [t.name, t.ref, t.totalsRowCount])).toEqual([['Spenders', `A1:G${USERS + 2}`, 1]]);
    expect(sheet('Lines').autofilter).toBeNull();
  });

  it('holds every line, in order, and the total formula caches their sum', () => {
    const cells = cellMap(sheet('Lines'));
    expect(text(cells, 'A1')).toBe('Statement');
    expect(text(cells, 'R1')).toBe('Rule');
    let sum = 0n;
    s.lines.forEach((l, i) => {
      const r = i + 2;
      expect([text(cells, `B${r}`), text(cells, `C${r}`), text(cells, `F${r}`), text(cells, `H${r}`), text(cells, `I${r}`), text(cells, `J${r}`), text(cells, `K${r}`), text(cells, `Q${r}`)], `row ${r}`).toEqual(['usage', l.costCenter, l.actorId, l.product, l.model, l.contextWindow, l.costType, l.rawRow]);
      // Unrounded cents as a number, exactly as written.
      expect(cells.get(`N${r}`)!.value, `row ${r}`).toEqual({ number: l.unroundedCents });
      const cents = cellCents(cells.get(`O${r}`));
      expect(cents, `row ${r}`).toBe(l.cents);
      expect(cells.get(`O${r}`)!.format).toContain('$');
      sum += cents;
    });
    const total = LINES + 2;
    expect(text(cells, `A${total}`)).toBe('Total');
    expect(cells.get(`O${total}`)!.formula).toBe(`=SUBTOTAL(109,O2:O${LINES + 1})`);
    expect(cellCents(cells.get(`O${total}`))).toBe(sum);
    expect(sum).toBe(s.directCents);
    expect(cells.has(`A${total + 1}`)).toBe(false);
  });

  it('ties the Summary to the Users sheet and the Charges table, with cached values', () => {
    const users = cellMap(sheet('Users'));
    expect(users.get(`F${USERS + 2}`)!.formula).toBe(`=SUBTOTAL(109,F2:F${USERS + 1})`);
    expect(cellCents(users.get(`F${USERS + 2}`))).toBe(s.directCents);
    const summary = sheet('Summary');
    const at = (label: string) => summary.cells.find((c) => c.ref.startsWith('B') && summary.cells.some((k) => k.ref === `A${c.ref.slice(1)}` && k.value === label))!;
    expect(at('Direct usage (USD)').formula).toBe(`=SUM('Users'!F2:F${USERS + 1})`);
    expect(cellCents(at('Direct usage (USD)'))).toBe(s.directCents);
    const total = at('Total (USD)');
    const chargesTotal = summary.cells.filter((c) => c.value === 'Total').at(-1)!;
    expect(total.formula).toBe(`=B${chargesTotal.ref.slice(1)}`);
    expect(cellCents(total)).toBe(s.totalCents);
    expect(summary.cells.find((c) => c.ref === `C${chargesTotal.ref.slice(1)}`)!.value).toBe('ties to total');
  });

  it('neutralizes text that would read as a formula', () => {
    const lines = cellMap(sheet('Lines'));
    expect(text(lines, 'D19')).toBe(`'${HOSTILE}`);
    expect(lines.get('D19')!.formula).toBeNull();
    expect(text(lines, 'R31')).toBe("'-rule starting with a minus");
    const users = cellMap(sheet('Users'));
    expect(text(users, 'B5')).toBe("'+cmd");
    const formulas = sheets.flatMap((x) => x.cells).filter((c) => c.formula !== null).map((c) => c.formula!);
    expect(formulas.every((f) => /^=(SUM\(|SUBTOTAL\(109,|IF\(|B\d+$)/.test(f))).toBe(true);
    const strings = sheets.flatMap((x) => x.cells).filter((c) => typeof c.value === 'string').map((c) => c.value as string);
    // Plain numbers as text (negative unrounded cents) are not formulas and stay as they are.
    expect(strings.filter((v) => /^[=+\-@\t\r]/.test(v) && !/^-?\d+(\.\d+)?$/.test(v))).toEqual([]);
  });

  it('keeps spaces, line breaks and markup characters in text, and drops what XML cannot hold', () => {
    const users = cellMap(sheet('Users'));
    const row = (label: string) => [...users.values()].find((c) => c.ref.startsWith('B') && c.value === label)?.ref;
    expect(row(SPACED), 'the spaced name comes back as written').toBeDefined();
    expect(row('Bell Person')).toBeDefined();
    expect([...users.values()].some((c) => typeof c.value === 'string' && c.value.includes('\u0007'))).toBe(false);
  });

  it('gives the same bytes for the same statement and clock', async () => {
    const again = await renderStatementXlsx(statement(), CLOCK);
    expect(again.equals(bytes)).toBe(true);
    const later = await renderStatementXlsx(s, new Date(CLOCK.getTime() + 60_000));
    expect(later.equals(bytes)).toBe(false);
  }, 60_000);

  it('is a sound zip: [Content_Types].xml first, entries by name, each stamped with the run clock', () => {
    const listing = execFileSync('/usr/bin/python3', ['-c', [
      'import json, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'print(json.dumps({"bad": z.testzip(), "entries": [[i.filename, list(i.date_time), i.compress_type] for i in z.infolist()]}))',
    ].join('\n'), path], { encoding: 'utf8' });
    const { bad, entries } = JSON.parse(listing) as { bad: string | null; entries: Array<[string, number[], number]> };
    expect(bad).toBeNull();
    const names = entries.map((e) => e[0]);
    expect(names[0]).toBe('[Content_Types].xml');
    expect(names.slice(1)).toEqual([...names.slice(1)].sort());
    expect(names).toEqual(expect.arrayContaining(['xl/workbook.xml', 'xl/styles.xml', 'xl/worksheets/sheet1.xml', 'xl/worksheets/sheet2.xml', 'xl/worksheets/sheet3.xml', 'docProps/core.xml', 'docProps/app.xml']));
    // Zip times have two-second steps: 10:00:07 is stored as 10:00:06.
    for (const [, time, method] of entries) {
      expect(time).toEqual([2026, 10, 5, 10, 0, 6]);
      expect(method).toBe(8);
    }
  });

  it('writes no formula over an empty range (a circular reference) when a statement has no spenders and an empty breakdown', async () => {
    const empty = { ...statement(), users: [], lines: [], totalCents: 0n, directCents: 0n, breakdowns: [{ title: 'Direct usage by product', of: 'direct' as const, rows: [] }] };
    const file = join(tempDir(), 'empty.xlsx');
    writeFileSync(file, await renderStatementXlsx(empty, CLOCK));
    const formulas = readXlsx(file).flatMap((x) => x.cells.filter((c) => c.formula !== null).map((c) => `${x.name}!${c.ref} ${c.formula}`));
    for (const f of formulas) {
      for (const [, a, b] of f.matchAll(/[A-Z]+(\d+):[A-Z]+(\d+)/g)) expect(Number(a), f).toBeLessThanOrEqual(Number(b));
    }
  });

  it('drops the characters XML cannot hold, U+FFFE and U+FFFF included, and rounds shares half away from zero', () => {
    expect(xmlText('a\u0007b\uFFFEc\uFFFFd')).toBe('abcd');
    expect(sheetRatio(5n, -8n)).toBe(-0.625);
    expect(sheetRatio(2n, -3n)).toBe(-0.6667);
    expect(sheetRatio(-1n, 3n)).toBe(-0.3333);
    expect(sheetRatio(1n, 20_000n)).toBe(0.0001);
    expect(sheetRatio(1n, 20_001n)).toBe(0);
  });
});
