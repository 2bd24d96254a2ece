/**
 * Seats, an overhead markup and fixed-amount pools through a real month-end run: the sandbox's
 * September pulled over loopback, allocated, rendered and published with a second org directory
 * (test/fixtures/directories/seats-markup.yaml), then read back from what was published
 * (chargeback.json, summary.xlsx with openpyxl, journal.csv, the PDFs with pdftotext). The expected
 * figures are derived here from the raw pages and the directory text, not with the tool's code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RunResult } from '../src/run.js';
import { ROOT } from './helpers/cli.js';
import { cellCents, dollarsToCents, pdfText, readXlsx, valueRightOf, type XlsxSheet } from './helpers/readers.js';
import { runMonthAgainst } from './helpers/sandbox.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'directories', 'seats-markup.yaml');
const SEAT_PRICE_CENTS = 3000n;
const DAYS = 30n; // September

/**
 * The sandbox's September with this directory, pinned so that a change in any figure is seen:
 * $26,194.95 of usage (the README's figure) + $3,645.00 seats (121 people all month, one for 15
 * days) + $1,599.99 fixed amounts + $2,427.05 markup = $33,866.99.
 */
const EXPECTED = {
  sourceTotalCents: 2619495n,
  markupCents: 242705n,
  statementsTotalCents: 3386699n,
};

interface CostCenterJson {
  code: string;
  parent: string | null;
  directCents: string;
  poolShares: Array<{ pool: string; basis: string; cents: string }>;
  seatPersonDays: number;
  seatMonths: string;
  seatCents: string;
  markupPercent: string;
  markupCents: string;
  billedCents: string;
  statementNumber: string | null;
}
interface ChargebackJson {
  sourceTotalCents: string;
  costCenters: CostCenterJson[];
  pools: Array<{ name: string; kind: string; billedCents: string; shares: Record<string, string> }>;
  seatsCents: string;
  markupCents: string;
  extraCents: string;
  reconciliation: { ok: boolean; statementsTotalCents: string; extraCents: string };
}

/** The directory as plain data, read with the YAML library alone. */
const directoryText = parse(readFileSync(FIXTURE, 'utf8')) as {
  cost_centers: Array<{ code: string; parent?: string }>;
  people: Array<{ cost_center: string; from?: string | Date; to?: string | Date }>;
  markup: { percent: string; cost_centers: Record<string, string> };
};

/** Days of September a person holds a seat, from their from/to dates. */
function seatDays(p: { from?: string | Date; to?: string | Date }): bigint {
  const day = (v: string | Date | undefined, fallback: number) => (v === undefined ? fallback : Number((v instanceof Date ? v.toISOString() : v).slice(8, 10)));
  return BigInt(day(p.to, 30) - day(p.from, 1) + 1);
}

/** The markup percent a cost center inherits: its own override, else its nearest parent's, else the default. */
function inheritedPercent(code: string): bigint {
  if (code === 'UNALLOCATED') return 0n;
  const parents = new Map(directoryText.cost_centers.map((c) => [c.code, c.parent ?? null]));
  for (let c: string | null = code; c !== null; c = parents.get(c) ?? null) {
    const o = directoryText.markup.cost_centers[c];
    if (o !== undefined) return BigInt(o);
  }
  return BigInt(directoryText.markup.percent);
}

describe('a month with seats, markup and fixed-amount pools, run end to end on the sandbox', () => {
  let result: RunResult;
  let month: string;
  let json: ChargebackJson;
  let byCode: Map<string, CostCenterJson>;
  let sourceTotal: bigint;

  beforeAll(async () => {
    const run = await runMonthAgainst({}, { directoryPath: FIXTURE });
    if (run.error) throw run.error;
    result = run.result!;
    month = result.target;
    json = JSON.parse(readFileSync(join(month, 'chargeback.json'), 'utf8')) as ChargebackJson;
    byCode = new Map(json.costCenters.map((c) => [c.code, c]));
    // The provider's total, summed here from the pages as received with bigint micro-cents, rounded once.
    let micro = 0n;
    for (const f of readdirSync(join(month, 'raw')).filter((x) => /^cost-grouped-p\d{3}\.json$/.test(x))) {
      const page = JSON.parse(readFileSync(join(month, 'raw', f), 'utf8')) as { data: Array<{ cost: { amount: string } }> };
      for (const row of page.data) {
        const [whole, frac = ''] = row.cost.amount.split('.');
        micro += BigInt(whole!) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
      }
    }
    sourceTotal = (micro + 500_000n) / 1_000_000n;
  });

  it('publishes a FINAL month whose source total is the raw pages rounded once', () => {
    expect([result.status, result.reconciliation.ok, result.revision]).toEqual(['FINAL', true, 1]);
    expect(BigInt(json.sourceTotalCents)).toBe(sourceTotal);
    expect(sourceTotal).toBe(EXPECTED.sourceTotalCents);
  });

  it('charges every seat by the days it was held, per cost center, to the cent', () => {
    const expected = new Map<string, bigint>();
    let total = 0n;
    for (const p of directoryText.people) {
      // $30.00 over 30 days is exactly 100 cents a day: no rounding anywhere.
      const cents = (SEAT_PRICE_CENTS * seatDays(p)) / DAYS;
      expected.set(p.cost_center, (expected.get(p.cost_center) ?? 0n) + cents);
      total += cents;
    }
    expect(directoryText.people).toHaveLength(122);
    expect(total).toBe(121n * 3000n + 1500n);
    expect(BigInt(json.seatsCents)).toBe(total);
    for (const cc of json.costCenters) expect([cc.code, BigInt(cc.seatCents)]).toEqual([cc.code, expected.get(cc.code) ?? 0n]);
    const people = byCode.get('GA-PEOPLE')!;
    // Nora joins on the 16th: 15 of 30 days.
    expect(people.seatPersonDays % 30).toBe(15);
    expect(people.seatMonths.endsWith('.5000')).toBe(true);
  });

  it('splits the fixed monthly amounts exactly as the directory says', () => {
    const fixed = json.pools.filter((p) => p.kind === 'fixed-amount').map((p) => [p.name, p.billedCents, p.shares]);
    expect(fixed).toEqual([
      ['Platform fee', '150000', { 'ENG-PLAT': '90000', 'GA-IT': '60000' }],
      ['Enablement', '9999', { 'GTM-SALES': '3333', 'GTM-MKT': '3333', 'GTM-CS': '3333' }],
    ]);
  });

  it('applies the markup each cost center inherits, rounded once and split by largest remainder', () => {
    // Markup base: direct usage, pool shares and seats of each statement, from the published figures.
    const parts = json.costCenters.map((cc) => {
      const base = BigInt(cc.directCents) + cc.poolShares.reduce((a, s) => a + BigInt(s.cents), 0n) + BigInt(cc.seatCents);
      const pct = inheritedPercent(cc.code);
      expect([cc.code, cc.markupPercent]).toEqual([cc.code, pct.toString()]);
      return { code: cc.code, hundredths: base * pct }; // markup in hundredths of a cent, exact
    });
    const sum = parts.reduce((a, p) => a + p.hundredths, 0n);
    const total = (sum + 50n) / 100n;
    let leftover = total - parts.reduce((a, p) => a + p.hundredths / 100n, 0n);
    const order = [...parts].sort((a, b) => Number((b.hundredths % 100n) - (a.hundredths % 100n)) || (a.code < b.code ? -1 : 1));
    const bonus = new Set<string>();
    for (const p of order) if (leftover-- > 0n) bonus.add(p.code);
    expect(BigInt(json.markupCents)).toBe(total);
    expect(total).toBe(EXPECTED.markupCents);
    for (const p of parts) expect([p.code, BigInt(byCode.get(p.code)!.markupCents)]).toEqual([p.code, p.hundredths / 100n + (bonus.has(p.code) ? 1n : 0n)]);
  });

  it('adds up: every statement together is the source total plus seats, markup and fixed amounts, to the cent', () => {
    const grand = sourceTotal + BigInt(json.seatsCents) + BigInt(json.markupCents) + 150000n + 9999n;
    expect(grand).toBe(EXPECTED.statementsTotalCents);
    expect(json.costCenters.reduce((a, c) => a + BigInt(c.billedCents), 0n)).toBe(grand);
    expect([json.reconciliation.ok, BigInt(json.reconciliation.statementsTotalCents), BigInt(json.extraCents)]).toEqual([true, grand, grand - sourceTotal]);
    for (const cc of json.costCenters) {
      const parts = BigInt(cc.directCents) + cc.poolShares.reduce((a, s) => a + BigInt(s.cents), 0n) + BigInt(cc.seatCents) + BigInt(cc.markupCents);
      expect([cc.code, BigInt(cc.billedCents)]).toEqual([cc.code, parts]);
    }
  });

  it('the PDF statements (pdftotext) carry the seats, markup and pool shares and add up to the same total', () => {
    const pdfs = readdirSync(join(month, 'statements')).filter((f) => f.endsWith('.pdf'));
    // Every cost center gets a statement now: each has at least a seat or a share.
    expect(pdfs.map((f) => f.replace(/\.pdf$/, '')).sort()).toEqual(json.costCenters.filter((c) => c.statementNumber !== null).map((c) => c.code).sort());
    let sum = 0n;
    for (const f of pdfs) {
      const text = pdfText(join(month, 'statements', f));
      const total = dollarsToCents(`$${/Total \$([\d,]+\.\d{2})/.exec(text)![1]}`);
      expect([f, total]).toEqual([f, BigInt(byCode.get(f.replace(/\.pdf$/, ''))!.billedCents)]);
      sum += total;
    }
    expect(sum).toBe(EXPECTED.statementsTotalCents);

    const plat = pdfText(join(month, 'statements', 'ENG-PLAT.pdf'));
    const cc = byCode.get('ENG-PLAT')!;
    const amountOn = (text: string, label: string) => {
      const line = text.split('\n').find((l) => l.includes(label));
      expect(line, label).toBeDefined();
      // The amount is the last one on the line (the label itself may name a price).
      return dollarsToCents(line!.match(/\$[\d,]+\.\d{2}/g)!.at(-1)!);
    };
    expect(amountOn(plat, `Seats (${cc.seatMonths.replace(/00$/, '')} seat-months at $30.00, prorated by day)`)).toBe(BigInt(cc.seatCents));
    expect(amountOn(plat, 'Overhead markup (10%)')).toBe(BigInt(cc.markupCents));
    expect(amountOn(plat, 'Shared: Platform fee (60.00% of $1,500.00, fixed percentages)')).toBe(90000n);
    const sales = pdfText(join(month, 'statements', 'GTM-SALES.pdf'));
    expect(amountOn(sales, 'Shared: Enablement (33.33% of $99.99, even over 3 cost centers)')).toBe(3333n);
    expect(amountOn(sales, 'Overhead markup (5%)')).toBe(BigInt(byCode.get('GTM-SALES')!.markupCents));
    const people = pdfText(join(month, 'statements', 'GA-PEOPLE.pdf'));
    expect(people).not.toContain('Overhead markup');
  });

  it('summary.xlsx (openpyxl) and journal.csv tie to the same figures', () => {
    const [ccSheet, rec] = readXlsx(join(month, 'summary.xlsx')) as [XlsxSheet, XlsxSheet];
    expect(cellCents(ccSheet.cells.find((c) => c.formula?.startsWith('=SUBTOTAL(109,H2:')))).toBe(EXPECTED.statementsTotalCents);
    expect(cellCents(valueRightOf(rec, 'Source total, rounded once (USD)'))).toBe(sourceTotal);
    expect(cellCents(valueRightOf(rec, 'Charges on top: fixed pools, seats, markup (USD)'))).toBe(EXPECTED.statementsTotalCents - sourceTotal);
    expect(cellCents(valueRightOf(rec, 'Sum of all statements incl. UNALLOCATED (USD)'))).toBe(EXPECTED.statementsTotalCents);
    expect(valueRightOf(rec, 'Statements tie to the source total plus charges on top')!.value).toBe('yes');
    const [header, ...rows] = readFileSync(join(month, 'journal.csv'), 'utf8').trimEnd().split('\r\n');
    const cols = header!.split(',');
    const cents = (v: string | undefined) => (v ? BigInt(v.replace('.', '')) : 0n);
    const lines = rows.map((r) => r.split(','));
    const debits = lines.reduce((a, l) => a + cents(l[cols.indexOf('debit')]), 0n);
    expect(debits).toBe(EXPECTED.statementsTotalCents);
    expect(lines.reduce((a, l) => a + cents(l[cols.indexOf('credit')]), 0n)).toBe(debits);
  });
});
