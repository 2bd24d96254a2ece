import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';
import { cellCents, dollarsToCents, parseCsvLine, pdfText, qpdfCheck, readXlsx, valueRightOf, type XlsxSheet } from './helpers/readers.js';

const NOW = '2026-11-25T09:00:00Z';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

interface Manifest {
  status: string;
  clock: string;
  period: { label: string };
  totals: { sourceTotalCents: string; statementsTotalCents: string; unallocatedCents: string; orgTotalDifferenceCents: string };
  inputs: Array<{ path: string; sha256: string; bytes: number }>;
  outputs: Array<{ path: string; sha256: string; bytes: number }>;
}

describe('month-end run on the sandbox, read back with independent readers', () => {
  let outA: string;
  let monthA: string;
  let first: CliResult;
  let manifest: Manifest;
  let sourceTotal: bigint;

  beforeAll(async () => {
    outA = tempDir();
    first = await runCli(['run', '--sandbox', '--now', NOW, '--out', outA]);
    monthA = join(outA, '2026-09');
    manifest = JSON.parse(readFileSync(join(monthA, 'manifest.json'), 'utf8')) as Manifest;
    sourceTotal = BigInt(manifest.totals.sourceTotalCents);
  });

  it('defaults to the latest final month and reports the tie-out', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(manifest.period.label).toBe('2026-09');
    expect(manifest.status).toBe('FINAL');
    expect(manifest.clock).toBe(NOW);
    expect(first.stdout).toMatch(/^2026-09 FINAL: source total \$[\d,]+\.\d\d, statements add up to it exactly\.$/m);
    expect(manifest.totals.statementsTotalCents).toBe(manifest.totals.sourceTotalCents);
    expect(manifest.totals.orgTotalDifferenceCents).toBe('0');
  });

  it('writes a PDF and a workbook for every cost center with spend, and the finance and audit files', () => {
    const files = listFiles(monthA);
    const codes = files.filter((f) => /^statements\/[^/]+\.pdf$/.test(f)).map((f) => f.replace(/^statements\/|\.pdf$/g, ''));
    expect(codes).toEqual(['ENG-APP', 'ENG-DATA', 'ENG-PLAT', 'ENG-SEC', 'GA-FIN', 'GA-IT', 'GA-LEGAL', 'GA-PEOPLE', 'GTM-CS', 'GTM-MKT', 'GTM-SALES', 'UNALLOCATED']);
    for (const c of codes) expect(files).toContain(`statements/${c}.xlsx`);
    // Parents get roll-up statements.
    expect(files.filter((f) => f.startsWith('statements/rollup/'))).toEqual(['ENG', 'GA', 'GTM'].flatMap((c) => [`statements/rollup/${c}.pdf`, `statements/rollup/${c}.xlsx`]));
    for (const f of ['summary.xlsx', 'ledger.csv', 'journal.csv', 'focus.csv', 'inputs/org-directory.yaml', 'chargeback.json', 'manifest.json', 'raw/requests.json', 'raw/cost-grouped-p001.json', 'raw/cost-total-p001.json']) expect(files).toContain(f);
  });

  it('the source total is the raw pages summed independently and rounded once', () => {
    // Summed here with plain bigint micro-cents from the pages as received, not with the tool's code.
    let micro = 0n;
    for (const f of listFiles(join(monthA, 'raw')).filter((x) => /^cost-grouped-p\d{3}\.json$/.test(x))) {
      const page = JSON.parse(readFileSync(join(monthA, 'raw', f), 'utf8')) as { data: Array<{ cost: { amount: string } }> };
      for (const row of page.data) {
        const [whole, frac = ''] = row.cost.amount.split('.');
        expect(frac.length).toBeLessThanOrEqual(6);
        micro += BigInt(whole!) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
      }
    }
    expect(micro).toBeGreaterThan(0n);
    const halfUp = (micro + 500_000n) / 1_000_000n;
    expect(sourceTotal).toBe(halfUp);
  });

  it('PDF statement totals (pdftotext) add up to the source total to the cent', () => {
    const pdfs = listFiles(monthA).filter((f) => /^statements\/[^/]+\.pdf$/.test(f));
    let sum = 0n;
    for (const f of pdfs) {
      const text = pdfText(join(monthA, f));
      const total = /Total \$([\d,]+\.\d{2})/.exec(text);
      expect(total, f).not.toBeNull();
      sum += dollarsToCents(`$${total![1]}`);
      const code = f.replace(/^statements\/|\.pdf$/g, '');
      expect(text).toContain(`CB-2026-09-${code}`);
      expect(text).toMatch(/Page 1 of \d+/);
      expect(text).toContain('FINAL');
      expect(qpdfCheck(join(monthA, f))).toContain('No syntax or stream encoding errors found');
    }
    expect(sum).toBe(sourceTotal);
  });

  it('roll-up statements (pdftotext and openpyxl) show each child as a subtotal that adds up exactly', () => {
    const pdfTotal = (path: string) => dollarsToCents(`$${/Total \$([\d,]+\.\d{2})/.exec(pdfText(join(monthA, path)))![1]}`);
    for (const [parent, children] of [['ENG', ['ENG-APP', 'ENG-DATA', 'ENG-PLAT', 'ENG-SEC']], ['GTM', ['GTM-CS', 'GTM-MKT', 'GTM-SALES']], ['GA', ['GA-FIN', 'GA-IT', 'GA-LEGAL', 'GA-PEOPLE']]] as const) {
      const text = pdfText(join(monthA, 'statements', 'rollup', `${parent}.pdf`));
      expect(text).toContain('Roll-up statement');
      expect(text).toContain(`CB-2026-09-${parent}-ROLLUP`);
      const childTotals = children.map((c) => pdfTotal(`statements/${c}.pdf`));
      const total = pdfTotal(`statements/rollup/${parent}.pdf`);
      expect(total).toBe(childTotals.reduce((a, b) => a + b, 0n));
      // Each child appears as a subtotal line with exactly its own statement total.
      children.forEach((c, i) => {
        const line = text.split('\n').find((l) => l.includes(`${c} \u2014 `))!;
        expect(dollarsToCents(/\$[\d,]+\.\d{2}/.exec(line)![0])).toBe(childTotals[i]);
      });
      // Its lines are its statements' (their Lines sheets), counted here and not repeated.
      const allocation = JSON.parse(readFileSync(join(monthA, 'chargeback.json'), 'utf8')) as { costCenters: Array<{ code: string; actors: Array<{ lines: unknown[] }> }> };
      const lineCount = allocation.costCenters.filter((cc) => cc.code === parent || (children as readonly string[]).includes(cc.code)).reduce((n, cc) => n + cc.actors.reduce((m, a) => m + a.lines.length, 0), 0);
      expect(text.replace(/\s+/g, ' ')).toContain(`Every line behind these amounts (${lineCount.toLocaleString('en-US')} by product, model, context window and cost type) is in the workbooks of the direct statements it sums (sheet Lines) and in ledger.csv.`);
      const rollupSheets = readXlsx(join(monthA, 'statements', 'rollup', `${parent}.xlsx`));
      expect(rollupSheets.map((sh) => sh.name)).toEqual(['Summary', 'Users', 'Engagement', 'Trend']);
      const [summary] = rollupSheets as [XlsxSheet];
      expect(cellCents(valueRightOf(summary, 'Total (USD)'))).toBe(total);
      const direct = cellCents(valueRightOf(summary, 'Direct usage (USD)'));
      const ties = summary.cells.filter((c) => typeof c.value === 'string' && c.value.startsWith('ties to '));
      // By cost center and Charges tie to the total; the four usage views to the direct usage.
      expect(ties.map((c) => c.value)).toEqual(['ties to total', 'ties to total', 'ties to direct usage', 'ties to direct usage', 'ties to direct usage', 'ties to direct usage']);
      for (const c of ties) expect(cellCents(summary.cells.find((x) => x.ref === `B${c.ref.replace(/^[A-Z]+/, '')}`))).toBe(c.value === 'ties to total' ? total : direct);
    }
  });

  it('renders names in Latin, Greek and Cyrillic scripts in the PDF', () => {
    const data = pdfText(join(monthA, 'statements', 'ENG-DATA.pdf'));
    expect(data).toContain('Ελένη Παπαδοπούλου');
    const sec = pdfText(join(monthA, 'statements', 'ENG-SEC.pdf'));
    expect(sec).toContain('Дмитрий Волков');
    const plat = pdfText(join(monthA, 'statements', 'ENG-PLAT.pdf'));
    expect(plat).toContain('Zoë Łukasiewicz');
  });

  it('workbooks (openpyxl) carry formulas whose cached totals equal the statements and the source total', () => {
    let sum = 0n;
    for (const f of listFiles(monthA).filter((x) => /^statements\/[^/]+\.xlsx$/.test(x))) {
      const sheets = readXlsx(join(monthA, f));
      expect(sheets.map((s) => s.name)).toEqual(['Summary', 'Users', 'Lines', 'Engagement', 'Trend']);
      const [summary, users, lines] = sheets as [XlsxSheet, XlsxSheet, XlsxSheet];
      const total = cellCents(valueRightOf(summary, 'Total (USD)'));
      const direct = cellCents(valueRightOf(summary, 'Direct usage (USD)'));
      expect(valueRightOf(summary, 'Total (USD)')!.formula).toMatch(/^=B\d+$/);
      sum += total;
      // Users sum to the direct usage; Lines (every charge line) to the statement total.
      for (const [sheet, expected] of [[users, direct], [lines, total]] as const) {
        expect(sheet.freeze).toBe('A2');
        // A defined table with a totals row of its own (which filters; no sheet autofilter beside it).
        expect(sheet.tables).toHaveLength(1);
        expect(sheet.tables[0]!.totalsRowCount).toBe(1);
        const totalRow = sheet.cells.find((c) => c.value === 'Total')!;
        const formulaCell = sheet.cells.find((c) => c.formula?.startsWith('=SUBTOTAL(109,') && c.ref.endsWith(totalRow.ref.replace(/^[A-Z]+/, '')))!;
        expect(formulaCell.format).toContain('$');
        expect(cellCents(formulaCell)).toBe(expected);
        // The cached value equals the sum a calc engine would compute from the cells above it.
        const column = formulaCell.ref.replace(/\d+$/, '');
        const above = sheet.cells.filter((c) => c.ref.replace(/\d+$/, '') === column && c.ref !== formulaCell.ref && c.ref !== `${column}1`);
        expect(above.reduce((acc, c) => acc + cellCents(c), 0n)).toBe(expected);
      }
      // Every table on the Summary sheet ties to what it claims: the total or the direct usage.
      const checks = summary.cells.filter((c) => typeof c.value === 'string' && c.value.startsWith('ties to '));
      expect(checks.length).toBeGreaterThanOrEqual(4);
      for (const check of checks) {
        const row = check.ref.replace(/^[A-Z]+/, '');
        const cached = cellCents(summary.cells.find((c) => c.ref === `B${row}`));
        expect(cached).toBe(check.value === 'ties to total' ? total : direct);
      }
      expect(summary.cells.some((c) => c.value === 'CHECK')).toBe(false);
    }
    expect(sum).toBe(sourceTotal);
  });

  it('summary.xlsx (openpyxl) reconciles the statements against the source total', () => {
    const [cc, rec, unmapped] = readXlsx(join(monthA, 'summary.xlsx')) as [XlsxSheet, XlsxSheet, XlsxSheet];
    expect(cc.name).toBe('Cost centers');
    const total = cc.cells.find((c) => c.formula?.startsWith('=SUBTOTAL(109,H2:'))!;
    expect(cellCents(total)).toBe(sourceTotal);
    const eng = cc.cells.find((c) => c.value === 'ENG')!.ref.replace(/^A/, '');
    const children = cc.cells.filter((c) => c.ref.startsWith('C') && c.value === 'ENG').map((c) => c.ref.replace(/^C/, ''));
    expect(children).toHaveLength(4);
    const rollup = cellCents(cc.cells.find((c) => c.ref === `K${eng}`));
    expect(rollup).toBe(children.reduce((acc, r) => acc + cellCents(cc.cells.find((c) => c.ref === `H${r}`)), 0n));
    expect(cellCents(valueRightOf(rec, 'Source total, rounded once (USD)'))).toBe(sourceTotal);
    expect(cellCents(valueRightOf(rec, 'Sum of all statements incl. UNALLOCATED (USD)'))).toBe(sourceTotal);
    expect(valueRightOf(rec, 'Statements tie to the source total plus charges on top')!.value).toBe('yes');
    expect(valueRightOf(rec, 'Org total minus grouped rows (cents)')!.value).toBe('0');
    const spenders = unmapped.cells.filter((c) => /^A\d+$/.test(c.ref) && c.ref !== 'A1' && c.value !== 'Total');
    expect(spenders).toHaveLength(6);
    // Labels as a reader writes them: "API key …", not "aPI key …".
    expect(spenders.some((c) => String(c.value).startsWith('API key apikey_'))).toBe(true);
    expect(spenders.filter((c) => /^[a-z][A-Z]/.test(String(c.value)))).toEqual([]);
    // The check compares dollars rounded to the cent, not floating sums.
    expect(valueRightOf(rec, 'Statements tie to the source total plus charges on top')!.formula).toMatch(/^=IF\(ROUND\(B\d+\+B\d+\+B\d+,2\)=ROUND\(B\d+,2\),"yes","NO"\)$/);
    const unallocated = cellCents(unmapped.cells.find((c) => c.formula?.startsWith('=SUBTOTAL(109,E2:')));
    expect(unallocated).toBe(BigInt(manifest.totals.unallocatedCents));
    expect(cellCents(valueRightOf(rec, 'of which UNALLOCATED (USD)'))).toBe(unallocated);
  });

  it('ledger.csv: one row per allocation line whose billed cents add up, with rule and provenance', () => {
    const [header, ...rows] = readFileSync(join(monthA, 'ledger.csv'), 'utf8').trimEnd().split('\r\n');
    const cols = header!.split(',');
    expect(cols).toContain('rule');
    const billed = cols.indexOf('billed_cents');
    const rule = cols.indexOf('rule');
    const sha = cols.indexOf('directory_sha256');
    const raw = cols.indexOf('raw_row');
    const simple = rows.filter((r) => !r.includes('"'));
    expect(simple.length).toBe(rows.length);
    const parsed = rows.map((r) => r.split(','));
    expect(parsed.reduce((acc, r) => acc + BigInt(r[billed] || '0'), 0n)).toBe(sourceTotal);
    const directorySha = manifest.inputs.find((i) => i.path === 'inputs/org-directory.yaml')!.sha256;
    const type = cols.indexOf('line_type');
    expect(new Set(parsed.map((r) => r[type]))).toEqual(new Set(['usage', 'pool_source', 'pool_share']));
    for (const r of parsed) {
      expect(r[sha]).toBe(directorySha);
      if (r[type] === 'usage') expect(r[rule]).toMatch(/^(person (user_id|email)=|rule \d+ |unmapped$)/);
      if (r[type] === 'pool_source') expect([r[rule], r[billed]]).toEqual(['pool Usage with no individual user (Slack and Code Review) no_actor', '']);
      if (r[type] === 'pool_share') expect(r[rule]).toBe('pool Usage with no individual user (Slack and Code Review): by direct spend');
      if (r[type] === 'pool_share') continue;
      expect(r[raw]).toMatch(/^cost-grouped-p\d{3}\.json#\d+$/);
    }
    expect(directorySha).toBe(createHash('sha256').update(readFileSync('mappings/org.yaml')).digest('hex'));
  });

  it('manifest lists the sha256 of every input and every other output', () => {
    const files = listFiles(monthA).filter((f) => f !== 'manifest.json');
    const listed = [...manifest.inputs, ...manifest.outputs];
    expect(listed.map((o) => o.path).sort()).toEqual(files);
    for (const o of listed) expect(createHash('sha256').update(readFileSync(join(monthA, o.path))).digest('hex')).toBe(o.sha256);
    // The directory used is kept with the month, byte for byte.
    expect(readFileSync(join(monthA, 'inputs', 'org-directory.yaml')).equals(readFileSync('mappings/org.yaml'))).toBe(true);
  });

  it('a second run with the same --now gives byte-identical files, PDF and XLSX included', async () => {
    const outB = tempDir();
    const second = await runCli(['run', '--sandbox', '--now', NOW, '--out', outB], { TZ: 'Pacific/Chatham', LANG: 'de_DE.UTF-8' });
    expect(second.code).toBe(0);
    const monthB = join(outB, '2026-09');
    const filesA = listFiles(monthA);
    expect(listFiles(monthB)).toEqual(filesA);
    const differing = filesA.filter((f) => !readFileSync(join(monthA, f)).equals(readFileSync(join(monthB, f))));
    expect(differing).toEqual([]);
  });

  it('never overwrites a published month: a same-figures re-run writes nothing; --force replaces a first issue whole', async () => {
    const before = readFileSync(join(monthA, 'manifest.json'));
    const again = await runCli(['run', '--sandbox', '--now', '2026-11-25T10:00:00Z', '--out', outA]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`2026-09 is already published in ${monthA} with the same figures (FINAL); nothing was written.\n`);
    expect(readFileSync(join(monthA, 'manifest.json')).equals(before)).toBe(true);
    writeFileSync(join(monthA, 'stray-note.txt'), 'left by hand');
    const forced = await runCli(['run', '--sandbox', '--now', '2026-11-26T10:00:00Z', '--out', outA, '--force']);
    expect(forced.code).toBe(0);
    const replaced = JSON.parse(readFileSync(join(monthA, 'manifest.json'), 'utf8')) as Manifest;
    expect(replaced.clock).toBe('2026-11-26T10:00:00Z');
    expect(existsSync(join(monthA, 'stray-note.txt'))).toBe(false);
    expect(readdirSync(outA).sort()).toEqual(['2026-09', 'latest']);
  });
});

describe('journal.csv and focus.csv of the sandbox month', () => {
  it('journal debits equal credits and the month total; FOCUS BilledCost sums to the source total', async () => {
    const out = tempDir();
    expect((await runCli(['run', '--sandbox', '--now', NOW, '--out', out])).code).toBe(0);
    const month = join(out, '2026-09');
    const manifest = JSON.parse(readFileSync(join(month, 'manifest.json'), 'utf8')) as Manifest;
    const total = BigInt(manifest.totals.sourceTotalCents);
    const csv = (file: string) => {
      const [header, ...rows] = readFileSync(join(month, file), 'utf8').trimEnd().split('\r\n');
      const cols = header!.split(',');
      return rows.map((r) => Object.fromEntries(parseCsvLine(r).map((v, i) => [cols[i]!, v])));
    };
    const cents = (v: string | undefined) => (v ? BigInt(v.replace('.', '')) : 0n);
    const journal = csv('journal.csv');
    const debits = journal.reduce((a, l) => a + cents(l.debit), 0n);
    expect(debits).toBe(journal.reduce((a, l) => a + cents(l.credit), 0n));
    // The expense lines (one per cost center) carry the month total; the rest is the clearing
    // credit and the intercompany pair of the sample's US entity.
    expect(journal.filter((l) => l.cost_center !== '').reduce((a, l) => a + cents(l.debit) - cents(l.credit), 0n)).toBe(total);
    expect(journal.every((l) => l.journal_id === 'CB-2026-09' && l.status === 'FINAL')).toBe(true);
    expect(journal.filter((l) => l.account === '2990')).toHaveLength(1);
    const focus = csv('focus.csv');
    for (const c of ['BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart', 'ContractedCost', 'EffectiveCost', 'HostProviderName', 'InvoiceIssuerName', 'ListCost', 'PricingQuantity', 'PricingUnit', 'ServiceCategory', 'ServiceName', 'ServiceProviderName']) {
      expect(Object.keys(focus[0]!)).toContain(c);
    }
    expect(focus.reduce((a, r) => a + cents(r.BilledCost), 0n)).toBe(total);
    expect(focus.every((r) => r.BillingCurrency === 'USD' && r.ChargeCategory === 'Usage' && r.BilledCost !== '')).toBe(true);
  });
});
