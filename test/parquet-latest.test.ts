import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { publishTrueUp, runCli, tempDir } from './helpers/cli.js';
import { readCsv } from './helpers/readers.js';

// focus.parquet read back by DuckDB (not the library that wrote it) and tied to the cent to
// chargeback.json; out/latest/ counts every month once where a glob over out/* counts a revised
// month twice.

/** "116.8000000000" or "116.80" → 11680n, exactly (more than two decimals must be zeros). */
function cents(text: string): bigint {
  const [whole, frac = ''] = text.replace('-', '').split('.');
  if (/[1-9]/.test(frac.slice(2))) throw new Error(`${text} is not whole cents`);
  const c = BigInt(whole!) * 100n + BigInt(frac.padEnd(2, '0').slice(0, 2));
  return text.startsWith('-') ? -c : c;
}
const billed = (dir: string) => (JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { costCenters: Array<{ billedCents: string }> }).costCenters.reduce((a, c) => a + BigInt(c.billedCents), 0n);

async function query(sql: string): Promise<Array<Record<string, string>>> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, string>>;
  } finally {
    connection.closeSync();
  }
}

describe('focus.parquet and the latest view', () => {
  let out: string;
  beforeAll(async () => {
    out = tempDir();
    // September provisional, its final revision, October provisional carrying the difference.
    await publishTrueUp(out);
  }, 120_000);

  it('out/latest points every month at its latest issue', () => {
    expect(readlinkSync(join(out, 'latest', '2026-09'))).toBe(join('..', '2026-09.r2'));
    expect(readlinkSync(join(out, 'latest', '2026-10'))).toBe(join('..', '2026-10'));
  });

  it('DuckDB reads focus.parquet as typed columns that tie to focus.csv and chargeback.json to the cent', async () => {
    for (const month of ['2026-09', '2026-09.r2', '2026-10']) {
      const dir = join(out, month);
      const file = join(dir, 'focus.parquet');
      const [types] = await query(`SELECT typeof(BilledCost) AS money, typeof(ListCost) AS list, typeof(ChargePeriodStart) AS at, typeof(x_CostCenter) AS text FROM read_parquet('${file}') LIMIT 1`);
      expect(types).toEqual({ money: 'DECIMAL(38,10)', list: 'DECIMAL(38,10)', at: 'TIMESTAMP', text: 'VARCHAR' });
      const rows = await query(`SELECT CAST(BilledCost AS VARCHAR) AS cost, x_StatementNumber AS statement, x_CostCenter AS cc, ChargeClass AS class, strftime(ChargePeriodStart, '%Y-%m-%dT%H:%M:%SZ') AS start FROM read_parquet('${file}')`);
      const csv = readCsv(join(dir, 'focus.csv'));
      expect(rows).toHaveLength(csv.length);
      // Row for row: the same amounts, statements, cost centers, classes and charge periods as focus.csv (empty text is null).
      const key = (r: { cost: string; statement: string | null; cc: string | null; class: string | null; start: string | null }) => `${cents(r.cost)}|${r.statement ?? ''}|${r.cc ?? ''}|${r.class ?? ''}|${r.start ?? ''}`;
      expect(rows.map((r) => key(r as never))).toEqual(csv.map((r) => key({ cost: r.BilledCost!, statement: r.x_StatementNumber!, cc: r.x_CostCenter!, class: r.ChargeClass!, start: r.ChargePeriodStart! })));
      const total = rows.reduce((a, r) => a + cents(r.cost!), 0n);
      expect(total, month).toBe(billed(dir));
    }
  });

  it('the latest view without corrections and the first issues with them give the same total; a glob over out/* does not', async () => {
    const sum = async (glob: string, where = '') => cents((await query(`SELECT CAST(sum(BilledCost) AS VARCHAR) AS total FROM read_parquet('${glob}') ${where}`))[0]!.total!);
    const corrections = (await query(`SELECT count(*)::VARCHAR AS n FROM read_parquet('${join(out, '2026-10', 'focus.parquet')}') WHERE ChargeClass = 'Correction'`))[0]!.n;
    expect(Number(corrections)).toBeGreaterThan(3);
    // September's final figures and October's own charges, from chargeback.json.
    const own = (dir: string) => (JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { costCenters: Array<{ billedCents: string; adjustments?: Array<{ cents: string }> }> }).costCenters.reduce((a, c) => a + BigInt(c.billedCents) - (c.adjustments ?? []).reduce((x, y) => x + BigInt(y.cents), 0n), 0n);
    const expected = own(join(out, '2026-09.r2')) + own(join(out, '2026-10'));
    expect(await sum(join(out, 'latest', '*', 'focus.parquet'), "WHERE ChargeClass IS DISTINCT FROM 'Correction'")).toBe(expected);
    // What was charged month by month: the first issues, corrections included.
    expect(billed(join(out, '2026-09')) + billed(join(out, '2026-10'))).toBe(expected);
    expect(await sum(join(out, '2026-??', 'focus.parquet'))).toBe(expected);
    // A glob over every folder counts September twice.
    expect(await sum(join(out, '*', 'focus.parquet'))).not.toBe(expected);
    const months = await query(`SELECT strftime(BillingPeriodStart, '%Y-%m') AS month, count(DISTINCT x_StatementNumber) AS statements FROM read_parquet('${join(out, 'latest', '*', 'focus.parquet')}') GROUP BY 1 ORDER BY 1`);
    expect(months.map((m) => m.month)).toEqual(['2026-09', '2026-10']);
  });

  it('is re-derived byte for byte by verify', async () => {
    for (const month of ['2026-09.r2', '2026-10']) {
      const v = await runCli(['verify', join(out, month)]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }
  });
});

describe('focus.parquet written a row group at a time', () => {
  it('holds every row of a month larger than a row group, with exact sums, and the same bytes twice', async () => {
    const { writeFocusParquet } = await import('../src/render/focus-parquet.js');
    const { FOCUS_COLUMNS } = await import('../src/core/focus.js');
    const rows = Array.from({ length: 45_001 }, (_, i) => FOCUS_COLUMNS.map((c) => (c === 'BilledCost' ? `${i % 2 ? '-' : ''}${i}.${String(i % 100).padStart(2, '0')}` : c === 'ChargePeriodStart' ? '2026-09-01T00:00:00Z' : c === 'x_CostCenter' ? `CC-${i % 7}` : '')));
    const write = async () => {
      const chunks: Buffer[] = [];
      await writeFocusParquet({ write: async (c) => void chunks.push(Buffer.from(c)), close: async () => ({ path: '', sha256: '', bytes: 0 }) }, rows);
      return { bytes: Buffer.concat(chunks) };
    };
    const first = await write();
    expect(first.bytes.equals((await write()).bytes)).toBe(true);
    const file = join(tempDir(), 'focus.parquet');
    (await import('node:fs')).writeFileSync(file, first.bytes);
    const [r] = await query(`SELECT count(*)::VARCHAR AS n, CAST(sum(BilledCost) AS VARCHAR) AS total, count(DISTINCT x_CostCenter)::VARCHAR AS centers, count(SubAccountId)::VARCHAR AS subaccounts FROM read_parquet('${file}')`);
    const expected = rows.reduce((a, row) => a + cents(row[FOCUS_COLUMNS.indexOf('BilledCost')]!), 0n);
    expect(r).toEqual({ n: '45001', total: r!.total, centers: '7', subaccounts: '0' });
    expect(cents(r!.total!)).toBe(expected);
    const [meta] = await query(`SELECT count(DISTINCT row_group_id)::VARCHAR AS groups FROM parquet_metadata('${file}')`);
    expect(meta!.groups).toBe('3');
  });
});
