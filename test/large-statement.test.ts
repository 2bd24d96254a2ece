import { readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { scaledOrganization, writeScaledDirectory } from '../src/sandbox/scaled-org.js';
import { tempDir } from './helpers/cli.js';
import { cellCents, dollarsToCents, pdfText, qpdfCheck, readXlsx, type XlsxSheet } from './helpers/readers.js';
import { runMonthAgainst } from './helpers/sandbox.js';

/**
 * A statement for a cost center of more than a thousand people, from the scaled sandbox (1,100
 * people under one division, department and team: the team is billed for about 1,080 spenders and
 * 4,600 lines), read back with poppler and openpyxl. Every expected value comes from
 * chargeback.json, not from the render code.
 */

interface Line { product: string | null; model: string | null; contextWindow: string | null; costType: string | null; billedCents: string }
interface Actor { actorKey: string; actorType: string; actorId: string; label: string; email: string | null; billedCents: string; lines: Line[] }
interface CostCenter { code: string; statementNumber: string | null; directCents: string; billedCents: string; actors: Actor[] }

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

let month: string;
let cc: CostCenter;
let pdfPath: string;
let xlsxPath: string;
let pages: string[][];

beforeAll(async () => {
  const org = scaledOrganization({ people: 1100, costCenters: 3, seed: 1 });
  const directory = join(tempDir(), 'org.yaml');
  await writeScaledDirectory(org, directory);
  const { out, error } = await runMonthAgainst({}, { organization: org, directoryPath: directory });
  expect(error).toBeNull();
  month = join(out, '2026-09');
  const all = (JSON.parse(readFileSync(join(month, 'chargeback.json'), 'utf8')) as { costCenters: CostCenter[] }).costCenters;
  cc = all.filter((c) => c.statementNumber !== null).sort((a, b) => b.actors.length - a.actors.length)[0]!;
  pdfPath = join(month, 'statements', `${cc.code}.pdf`);
  xlsxPath = join(month, 'statements', `${cc.code}.xlsx`);
  pages = pdfText(pdfPath).split('\f').map((p) => p.split('\n'));
}, 180_000);

/** A row of the people table: name, e-mail or id, amount, share of direct usage. */
const PERSON_ROW = /^(\S.*?)\s{2,}(\(no e-mail\)|\S+)\s{2,}(-?\$[\d,]+\.\d{2})\s+(\d+\.\d{2}%)$/;
const PEOPLE_HEADER = /^Name\s+E-mail or id\s+Amount\s+Share$/;
const ENGAGEMENT_HEADER = /^Person\s+Sessions\s+Commits\s+PRs\s+Lines \+\s+Lines −\s+Chats\s+Usage\s+Per session\s+Per commit\s+Per PR$/;

/** The people table, page by page: from its heading to its total row. */
function peopleTable(): Array<{ page: number; header: boolean; rows: Array<{ name: string; id: string; cents: bigint }>; total: boolean }> {
  const start = pages.findIndex((p) => p.some((l) => l.trim() === 'Direct usage by person and spender'));
  expect(start).toBeGreaterThanOrEqual(0);
  const out = [];
  for (let i = start; i < pages.length; i++) {
    const lines = pages[i]!.map((l) => l.trim());
    const from = i === start ? lines.indexOf('Direct usage by person and spender') : 0;
    const rows = [];
    let total = false;
    let header = false;
    for (const l of lines.slice(from)) {
      if (PEOPLE_HEADER.test(l)) header = true;
      if (/^Direct usage total\s/.test(l)) {
        total = true;
        break;
      }
      const m = PERSON_ROW.exec(l);
      if (m) rows.push({ name: m[1]!, id: m[2]!, cents: dollarsToCents(m[3]!) });
    }
    out.push({ page: i + 1, header, rows, total });
    if (total) break;
  }
  return out;
}

describe('a statement for a cost center of a thousand people', () => {
  it('is a cost center of more than a thousand spenders and thousands of lines', () => {
    expect(cc.actors.length).toBeGreaterThanOrEqual(1000);
    expect(cc.actors.reduce((a, x) => a + x.lines.length, 0)).toBeGreaterThanOrEqual(4000);
  });

  it('lists every person once, by spend descending (equal amounts by name), with the header on every page the table continues on', () => {
    const table = peopleTable();
    expect(table.length).toBeGreaterThan(10);
    expect(table.at(-1)!.total).toBe(true);
    for (const p of table) {
      expect(p.header, `people table header on page ${p.page}`).toBe(true);
      // A page never holds the header with a single row: the first keeps three, the last two (total included).
      expect(p.rows.length + (p.total ? 1 : 0), `rows on page ${p.page}`).toBeGreaterThanOrEqual(p === table[0] ? 3 : 2);
    }
    const rows = table.flatMap((p) => p.rows);
    const expected = [...cc.actors]
      .sort((a, b) => {
        const [x, y] = [BigInt(a.billedCents), BigInt(b.billedCents)];
        return x !== y ? (x > y ? -1 : 1) : byText(a.label, b.label) || byText(a.actorKey, b.actorKey);
      })
      .map((a) => ({ id: a.email ?? (a.actorType === 'user_actor' ? '(no e-mail)' : a.actorId), cents: BigInt(a.billedCents) }));
    expect(rows.map((r) => ({ id: r.id, cents: r.cents }))).toEqual(expected);
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      expect(a.cents > b.cents || (a.cents === b.cents && a.name <= b.name), `${a.name} before ${b.name}`).toBe(true);
    }
  });

  it('repeats the engagement table\u2019s header on each page it continues on, and sums the people it leaves out as Other', () => {
    const first = pages.findIndex((p) => p.some((l) => l.trim() === 'Value: Claude Code and chat activity'));
    const last = pages.findIndex((p) => p.some((l) => /^Total\s+[\d,]+\s+[\d,]+/.test(l.trim())));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(last).toBeGreaterThanOrEqual(first);
    for (let i = first; i <= last; i++) expect(pages[i]!.some((l) => ENGAGEMENT_HEADER.test(l.trim())), `engagement header on page ${i + 1}`).toBe(true);
    const text = pages.map((p) => p.join('\n')).join('\n').replace(/\s+/g, ' ');
    const users = cc.actors.filter((a) => a.actorType === 'user_actor').length;
    expect(text).toMatch(new RegExp(`The 40 people with the highest usage are shown, the other [\\d,]+ summed as Other; every one is in the workbook CB-2026-09-${cc.code}\\.xlsx`));
    expect(text).toMatch(/Other \([\d,]+ more\)/);
    expect(users).toBeGreaterThan(40);
    expect(text).toContain(`is in the workbook CB-2026-09-${cc.code}.xlsx (statements/${cc.code}.xlsx in the month\u2019s folder), sheet Lines.`);
  });

  it('stays a sensible size: the people once, one row each; the lines only in the workbook', () => {
    const info = execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' });
    const count = Number(/^Pages:\s+(\d+)/m.exec(info)![1]);
    const bytes = statSync(pdfPath).size;
    expect(count).toBe(pages.length - 1);
    // Measured: 29 pages and about 150 kB for 1,080 spenders (before: 58 pages, 301 kB, with every
    // person three times). The people table takes about 48 rows a page; the other sections fit in 8.
    expect(count).toBeLessThanOrEqual(Math.ceil(cc.actors.length / 45) + 8);
    expect(bytes).toBeLessThan(200_000);
    qpdfCheck(pdfPath);
  });

  it('holds every charge line in the workbook, usage adding up to the direct usage and all to the total, with the header row printed on every page', () => {
    const sheets = readXlsx(xlsxPath);
    const lines = sheets.find((s) => s.name === 'Lines') as XlsxSheet;
    const cells = new Map(lines.cells.map((c) => [c.ref, c]));
    const at = (column: string, row: number) => cells.get(`${column}${row}`);
    const text = (column: string, row: number) => String(at(column, row)?.value ?? '');
    let totalRow = 2;
    while (at('A', totalRow)?.value !== 'Total') totalRow += 1;
    const expected = cc.actors.flatMap((a) => a.lines.map((l) => [a.actorId, l.product ?? '', l.model ?? '', l.contextWindow ?? '', l.costType ?? '', l.billedCents].join('|'))).sort();
    const got: string[] = [];
    let usage = 0n;
    let all = 0n;
    for (let r = 2; r < totalRow; r++) {
      expect(text('C', r)).toBe(cc.code);
      const cents = cellCents(at('O', r));
      all += cents;
      if (text('B', r) !== 'usage') continue;
      usage += cents;
      got.push([text('F', r), text('H', r), text('I', r), text('J', r), text('K', r), cents.toString()].join('|'));
    }
    expect(got.sort()).toEqual(expected);
    expect(usage).toBe(BigInt(cc.directCents));
    expect(all).toBe(BigInt(cc.billedCents));
    const total = at('O', totalRow)!;
    expect(total.formula).toBe(`=SUBTOTAL(109,O2:O${totalRow - 1})`);
    expect(cellCents(total)).toBe(BigInt(cc.billedCents));
    // Users: one row per spender.
    const users = sheets.find((s) => s.name === 'Users') as XlsxSheet;
    expect(users.cells.filter((c) => /^A\d+$/.test(c.ref) && c.value === cc.code)).toHaveLength(cc.actors.length);
    // Printed, the long sheets repeat their header row on every page.
    const workbook = new TextDecoder().decode(unzipSync(new Uint8Array(readFileSync(xlsxPath)))['xl/workbook.xml']!);
    for (const sheet of ['Users', 'Lines', 'Engagement']) expect(workbook).toContain(`&apos;${sheet}&apos;!$1:$1`);
  });
});
