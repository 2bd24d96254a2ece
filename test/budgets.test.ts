import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Budgets } from '../src/core/budget.js';
import { parsePeriod } from '../src/core/period.js';
import { planMessages, composeMessage } from '../src/delivery/message.js';
import { parseDirectory } from '../src/io/directory-file.js';
import { runMonth } from '../src/run.js';
import { startSandbox, SANDBOX_API_KEY } from '../src/sandbox/server.js';
import { tempDir } from './helpers/cli.js';
import { cellCents, dollarsToCents, pdfText, readXlsx } from './helpers/readers.js';
import { fakeTime, NOW } from './helpers/sandbox.js';

// Budgets: read from the directory with line and column for every problem, a mid-year change,
// roll-ups from their children unless set, and budget, actual, variance and year to date on the
// statements, the summary, chargeback.json and the e-mail, against the test's own sums.

const HEAD = `company: "Budget Test"
cost_centers:
  - code: ENG
    name: "Engineering"
    owner: { name: "E", email: e@example.com }
  - code: ENG-A
    name: "A"
    parent: ENG
    owner: { name: "A", email: a@example.com }
`;

describe('budgets in the org directory', () => {
  it('reads effective-dated budgets exactly (a YAML number is taken as written)', () => {
    const { directory, problems } = parseDirectory(`${HEAD}    budgets:
      - { monthly: 4500.10, from: 2026-01-01, to: 2026-06-30 }
      - { monthly: "5000", from: 2026-07-01 }
`, 'org.yaml');
    expect(problems).toEqual([]);
    const a = directory!.costCenters.find((c) => c.code === 'ENG-A')!;
    expect(a.budgets).toEqual([{ monthlyCents: 450010n, from: '2026-01-01', to: '2026-06-30' }, { monthlyCents: 500000n, from: '2026-07-01', to: null }]);
  });

  it.each([
    ['a day inside a month', '      - { monthly: "10.00", from: 2026-07-15 }\n', 11, 'found from: 2026-07-15, expected the first day of a month'],
    ['an end inside a month', '      - { monthly: "10.00", to: 2026-07-30 }\n', 11, 'found to: 2026-07-30, expected the last day of a month'],
    ['a float of dollars', '      - { monthly: 10.005 }\n', 11, 'found "10.005", expected a USD amount with at most two decimals'],
    ['overlapping budgets', '      - { monthly: "10.00" }\n      - { monthly: "20.00", from: 2026-07-01 }\n', 12, 'overlapping budgets: budgets[0] (open to open) and budgets[1] (2026-07-01 to open)'],
  ])('refuses %s, naming line and column', (_, budgets, line, message) => {
    const { directory, problems } = parseDirectory(`${HEAD}    budgets:\n${budgets}`, 'org.yaml');
    expect(directory).toBeNull();
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(line);
    expect(problems[0]!.column).toBeGreaterThan(1);
    expect(problems[0]!.message).toContain(message);
  });

  it('gives a roll-up its children\'s budgets unless it has its own, and a parent\'s direct statement none', () => {
    const { directory } = parseDirectory(`${HEAD}    budgets: [{ monthly: "100.00" }]
  - code: ENG-B
    name: "B"
    parent: ENG
    owner: { name: "B", email: b@example.com }
    budgets: [{ monthly: "50.00", to: 2026-06-30 }, { monthly: "70.00", from: 2026-07-01 }]
  - code: OPS
    name: "Ops"
    owner: { name: "O", email: o@example.com }
    budgets: [{ monthly: "999.00" }]
  - code: OPS-X
    name: "X"
    parent: OPS
    owner: { name: "X", email: x@example.com }
    budgets: [{ monthly: "1.00" }]
`, 'org.yaml');
    const b = new Budgets(directory!.costCenters);
    const june = parsePeriod('2026-06')!;
    const july = parsePeriod('2026-07')!;
    expect(b.monthly('rollup', 'ENG', june)).toEqual({ cents: 15000n, fromChildren: true });
    expect(b.monthly('rollup', 'ENG', july)).toEqual({ cents: 17000n, fromChildren: true });
    expect(b.monthly('rollup', 'OPS', july)).toEqual({ cents: 99900n, fromChildren: false });
    expect(b.monthly('direct', 'OPS', july)).toBeNull();
    expect(b.monthly('direct', 'ENG-B', june)).toEqual({ cents: 5000n, fromChildren: false });
  });
});

describe('budgets that start mid-year, and their limits', () => {
  it('the year to date compares only the months issued with a budget', () => {
    const { directory } = parseDirectory(`${HEAD}    budgets: [{ monthly: "100.00", from: 2026-09-01 }]
`, 'org.yaml');
    const b = new Budgets(directory!.costCenters);
    // June and August were issued without a budget, September with one.
    const history = ['2026-06', '2026-08'].map((period) => ({ period, revision: 1, status: 'FINAL', costCenters: new Map([['ENG-A', 50_000n]]), actors: new Map() }));
    const view = b.view('direct', 'ENG-A', new Set(['ENG-A']), parsePeriod('2026-09')!, 9_000n, history)!;
    expect(view).toMatchObject({ budgetCents: 10_000n, ytdBudgetCents: 10_000n, ytdActualCents: 9_000n, ytdMonths: 1, ytdFrom: '2026-09' });
  });

  it('refuses a budget too large to stay exact in a workbook, and names overlaps by their place in the file', () => {
    const big = parseDirectory(`${HEAD}    budgets: [{ monthly: "999999999999.99" }]
`, 'org.yaml');
    expect(big.problems.map((p) => [p.line, p.message])).toEqual([[10, expect.stringContaining('expected a monthly budget of at most 11 digits before the decimal point')]]);
    const overlap = parseDirectory(`${HEAD}    budgets:
      - { monthly: "x" }
      - { monthly: "10.00" }
      - { monthly: "20.00", from: 2026-07-01 }
`, 'org.yaml');
    expect(overlap.problems.map((p) => p.message)).toEqual([expect.stringContaining('found "x"'), expect.stringContaining('overlapping budgets: budgets[1] (open to open) and budgets[2] (2026-07-01 to open)')]);
    const unknown = parseDirectory(`${HEAD}    budgets: [{ monthly: "10.00", form: 2026-07-01 }]
`, 'org.yaml');
    expect(unknown.problems[0]!.fix).toContain('allowed here: monthly, from, to');
  });
});

describe('budgets on a month\'s documents, after a mid-year change', () => {
  let out: string;
  const warnings = new Map<string, readonly string[]>();
  beforeAll(async () => {
    out = tempDir();
    const sandbox = await startSandbox({ now: () => NOW, requestsPerMinute: 10_000 });
    const time = fakeTime();
    try {
      // June (budget 4,500 for ENG-PLAT) and July (5,000): the year to date counts both.
      for (const period of ['2026-06', '2026-07']) {
        const r = await runMonth({ period, provisional: false, now: new Date(NOW), outDir: out, force: false, directoryPath: 'mappings/org.yaml', api: { baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, label: 'sandbox' }, sleep: time.sleep, clientNow: time.now, log: () => {} });
        warnings.set(period, r.warnings);
      }
    } finally {
      await sandbox.close();
    }
  }, 120_000);

  const chargeback = (month: string) => JSON.parse(readFileSync(join(out, month, 'chargeback.json'), 'utf8')) as { costCenters: Array<{ code: string; billedCents: string; statementNumber: string | null; adjustments: Array<{ cents: string }> }>; budgets: Array<Record<string, string | number | boolean>> };
  const own = (month: string, codes: readonly string[]) => chargeback(month).costCenters.filter((c) => codes.includes(c.code)).reduce((a, c) => a + BigInt(c.billedCents) - c.adjustments.reduce((x, y) => x + BigInt(y.cents), 0n), 0n);
  const ENG = ['ENG', 'ENG-PLAT', 'ENG-APP', 'ENG-DATA', 'ENG-SEC'];

  it('page 1 states budget, charges, variance and year to date, from the test\'s own sums', () => {
    const june = own('2026-06', ['ENG-PLAT']);
    const july = own('2026-07', ['ENG-PLAT']);
    const text = pdfText(join(out, '2026-07', 'statements', 'ENG-PLAT.pdf')).replace(/\s+/g, ' ');
    const usd = (c: bigint) => `$${(Number(c < 0n ? -c : c) / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
    const variance = 550000n - july;
    expect(text).toContain(`Budget for July 2026: $5,500.00. This month’s charges: ${usd(july)}, ${variance < 0n ? `over budget by ${usd(variance)} (` : `under budget by ${usd(variance)}.`}`);
    expect(text).toContain(`Year to date (2 months issued, June 2026 to July 2026): ${usd(june + july)} of $10,000.00 budgeted`);
    const juneText = pdfText(join(out, '2026-06', 'statements', 'ENG-PLAT.pdf')).replace(/\s+/g, ' ');
    expect(juneText).toContain('Budget for June 2026: $4,500.00.');
  });

  it('the roll-up takes its children\'s budgets, the summary lists every budget, and the run warns of each one over', () => {
    const july = chargeback('2026-07');
    const eng = july.budgets.find((b) => b.statement === 'CB-2026-07-ENG-ROLLUP')!;
    expect(eng).toMatchObject({ budgetCents: '2150000', fromChildren: true, actualCents: own('2026-07', ENG).toString(), ytdBudgetCents: String(2150000 + 2050000), ytdActualCents: (own('2026-06', ENG) + own('2026-07', ENG)).toString() });
    expect(july.budgets.find((b) => b.statement === 'CB-2026-07-GTM-ROLLUP')).toMatchObject({ budgetCents: '250000', fromChildren: false });
    // Every statement over its budget gets a warning, and only those (June: Platform Engineering).
    for (const month of ['2026-06', '2026-07']) {
      const over = chargeback(month).budgets.filter((b) => BigInt(String(b.varianceCents)) < 0n).map((b) => String(b.statement)).sort();
      expect(warnings.get(month)!.filter((w) => w.includes(`over its ${month} budget`)).map((w) => w.split(' ')[0]).sort(), month).toEqual(over);
    }
    expect(chargeback('2026-06').budgets.filter((b) => BigInt(String(b.varianceCents)) < 0n).map((b) => b.statement)).toEqual(['CB-2026-06-ENG-PLAT']);
    // summary.xlsx, read back by openpyxl: the Budgets table holds every statement with a budget.
    const sheet = readXlsx(join(out, '2026-07', 'summary.xlsx')).find((s) => s.name === 'Budgets')!;
    expect(sheet.tables.map((t) => t.name)).toEqual(['Budgets']);
    const rows = july.budgets.length;
    for (let r = 2; r <= rows + 1; r++) {
      const number = sheet.cells.find((c) => c.ref === `A${r}`)!.value as string;
      const b = july.budgets.find((x) => x.statement === number)!;
      expect(cellCents(sheet.cells.find((c) => c.ref === `E${r}`)), number).toBe(BigInt(String(b.budgetCents)));
      expect(cellCents(sheet.cells.find((c) => c.ref === `G${r}`)), number).toBe(BigInt(String(b.varianceCents)));
      expect(cellCents(sheet.cells.find((c) => c.ref === `J${r}`)), number).toBe(BigInt(String(b.ytdActualCents)));
    }
  });

  it('the e-mail states each statement\'s budget', async () => {
    const july = chargeback('2026-07');
    const costCenters = july.costCenters.map((c) => ({ code: c.code, name: c.code, parent: c.code.includes('-') ? c.code.split('-')[0]! : null, owner: { name: 'Owner', email: `${c.code.toLowerCase()}@example.com` }, statementNumber: c.statementNumber, billedCents: BigInt(c.billedCents) }));
    const budgets = new Map(july.budgets.map((b) => [String(b.statement), { budgetCents: BigInt(String(b.budgetCents)), actualCents: BigInt(String(b.actualCents)), varianceCents: BigInt(String(b.varianceCents)), ytdBudgetCents: BigInt(String(b.ytdBudgetCents)), ytdActualCents: BigInt(String(b.ytdActualCents)) }]));
    const plan = planMessages(parsePeriod('2026-07')!, 1, costCenters.filter((c) => c.code !== 'UNALLOCATED'), () => true, budgets);
    const message = plan.messages.find((m) => m.recipient === 'eng-plat@example.com')!;
    const composed = await composeMessage(message, message.attachments.map(() => Buffer.from('x')), { period: parsePeriod('2026-07')!, company: 'Acme', email: { subject: 'Statement {period}', body: 'Hello {owner}.', from: null }, from: null, now: new Date(NOW) } as never);
    const body = composed.bytes.toString('utf8').replace(/=\r\n/g, '');
    const b = budgets.get('CB-2026-07-ENG-PLAT')!;
    expect(body).toContain(`Budget ENG-PLAT (ENG-PLAT): $5,500.00; charges $${(Number(b.actualCents) / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`);
    expect(dollarsToCents("$5,500.00")).toBe(b.budgetCents);
  });
});
