import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocate } from '../src/core/allocate.js';
import { withDailyRows } from '../src/core/daily.js';
import { actorsWithChangingOwner, indexDirectory } from '../src/core/directory.js';
import { periodDays, parsePeriod } from '../src/core/period.js';
import { runMonth } from '../src/run.js';
import { ChargebackError } from '../src/errors.js';
import { costUnits, microCentsText } from '../src/sandbox/cost-data.js';
import { SANDBOX_API_KEY, startSandbox } from '../src/sandbox/server.js';
import { runCli, tempDir } from './helpers/cli.js';
import { directory, row, user } from './helpers/rows.js';
import { fakeTime, NOW } from './helpers/sandbox.js';

const sep = parsePeriod('2026-09')!;
const days = periodDays(sep);
const ana = user('user_ana', 'ana@acme.example');

function moved() {
  const d = directory();
  return directory({
    people: [
      { email: 'ana@acme.example', userId: null, name: 'Ana', costCenter: 'ENG-PLAT', from: null, to: '2026-09-14' },
      { email: 'ana@acme.example', userId: null, name: 'Ana', costCenter: 'ENG-APP', from: '2026-09-15', to: null },
      ...d.people.filter((p) => p.email !== 'ana@acme.example'),
    ],
    rules: d.rules.map((r) => (r.matcher === 'api_key_id' ? { ...r, from: '2026-09-10' } : r)),
  });
}

describe('effective-dated ownership', () => {
  it('finds exactly the actors whose owner changes inside the month', () => {
    const rows = [row(ana, '3009.99999'), row(user('user_bo', 'bo@acme.example'), '10'), row({ type: 'api_actor', apiKeyId: 'apikey_ci' }, '5')];
    expect(actorsWithChangingOwner(indexDirectory(moved()), rows, days)).toEqual(['apikey_ci', 'user_ana']);
    expect(actorsWithChangingOwner(indexDirectory(directory()), rows, days)).toEqual([]);
  });

  it('charges a move on the 15th by day: days 1-14 to the old cost center, 15-30 to the new one', () => {
    const monthly = [row(ana, '3009.99999'), row(user('user_bo', 'bo@acme.example'), '500')];
    const daily = days.map((day) => row(ana, '100.3333330', { startingAt: `${day}T00:00:00Z`, endingAt: `${day}T23:59:59Z`, rowId: `daily#${day}` }));
    const rows = withDailyRows(monthly, daily, ['user_ana']);
    expect(rows).toHaveLength(31);
    const a = allocate(rows, moved(), sep);
    // 14 days × 100.333333 = 1404.666662 and 16 days = 1605.333328 (+ Bo's 500 on ENG-APP):
    // total 3509.99999 → 3510 cents; ENG-PLAT 1404.67 → 1405, ENG-APP 2105.33 → 2105.
    expect(a.sourceTotalCents).toBe(3510n);
    const cc = Object.fromEntries(a.costCenters.map((c) => [c.code, c.billedCents]));
    expect(cc).toEqual({ ENG: 0n, 'ENG-PLAT': 1405n, 'ENG-APP': 2105n, IT: 0n });
    const anaApp = a.costCenters.find((c) => c.code === 'ENG-APP')!.actors.find((x) => x.actorId === 'user_ana')!;
    expect([anaApp.unroundedCents.toFixed(), anaApp.billedCents, anaApp.lines.length]).toEqual(['1605.333328', 1605n, 16]);
    expect(anaApp.lines[0]!.rule).toBe('person email=ana@acme.example');
  });

  it('refuses a dated rule on spend that has no actor id to fetch by day (exit 2), instead of ignoring the date', () => {
    const d = directory();
    const dated = directory({ rules: d.rules.map((r) => (r.matcher === 'product' ? { ...r, from: '2026-09-15' } : r)) });
    let error: unknown;
    try {
      actorsWithChangingOwner(indexDirectory(dated), [row(null, '3000', { product: 'claude_tag' })], days);
    } catch (e) {
      error = e;
    }
    expect((error as ChargebackError).kind).toBe('usage');
    expect((error as ChargebackError).message).toBe('A dated rule or person entry changes the owner of spend with no actor id inside the month (unmapped / rule 5 product=claude_tag).');
  });

  it('refuses daily rows that do not add up to the month', () => {
    const daily = days.map((day) => row(ana, '100', { startingAt: `${day}T00:00:00Z`, rowId: `d#${day}` }));
    expect(() => withDailyRows([row(ana, '3001')], daily, ['user_ana'])).toThrow(/daily cost of user_ana does not add up to its monthly cost \(3000 vs 3001 cents\)/);
  });
});

describe('a move on the 15th against the sandbox', () => {
  it('pulls daily rows for the mover only and splits them at the move, exactly as the sandbox bills each day', async () => {
    const email = 'tomas.lindqvist@acme.example';
    const text = readFileSync('mappings/org.yaml', 'utf8');
    const block = `  - email: ${email}\n    name: "Tomás Lindqvist"\n    cost_center: ENG-APP\n`;
    expect(text).toContain(block);
    const movedYaml = text.replace(block, `${block}    to: 2026-09-14\n  - email: ${email}\n    name: "Tomás Lindqvist"\n    cost_center: ENG-PLAT\n    from: 2026-09-15\n`);
    const dir = tempDir();
    const directoryPath = join(dir, 'org.yaml');
    writeFileSync(directoryPath, movedYaml);

    const sandbox = await startSandbox({ now: () => NOW });
    const out = tempDir();
    const time = fakeTime();
    try {
      await runMonth({ period: '2026-09', provisional: false, now: new Date(NOW), outDir: out, force: false, directoryPath, api: { baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, label: 'sandbox' }, sleep: time.sleep, clientNow: time.now, log: () => {} });
      const daily = sandbox.requests.filter((r) => r.path.includes('time_bucket_width=1d'));
      expect(daily.length).toBeGreaterThan(0);
      expect(daily[0]!.path).toMatch(/actor_ids%5B%5D=user_[A-Z0-9]+/);
      expect(daily.every((r) => r.path.match(/actor_ids%5B%5D=/g)!.length === 1)).toBe(true);
    } finally {
      await sandbox.close();
    }
    const month = join(out, '2026-09');
    const allocation = JSON.parse(readFileSync(join(month, 'chargeback.json'), 'utf8')) as {
      costCenters: Array<{ code: string; actors: Array<{ email: string | null; unroundedCents: string; lines: Array<{ rowId: string }> }> }>;
    };
    const of = (code: string) => allocation.costCenters.find((c) => c.code === code)!.actors.find((a) => a.email === email)!;
    // The sandbox's own per-day data, summed independently for each side of the move.
    const refreshed = Date.parse('2026-11-25T06:00:00Z');
    const spent = (from: string, to: string) =>
      microCentsText(costUnits(Date.parse(from), Date.parse(to), refreshed).filter((u) => u.actor?.email_address === email).reduce((acc, u) => acc + [...u.amounts.values()].reduce((x, y) => x + y, 0n), 0n));
    expect(of('ENG-APP').unroundedCents).toBe(spent('2026-09-01T00:00:00Z', '2026-09-15T00:00:00Z').replace(/\.?0+$/, ''));
    expect(of('ENG-PLAT').unroundedCents).toBe(spent('2026-09-15T00:00:00Z', '2026-10-01T00:00:00Z').replace(/\.?0+$/, ''));
    expect(of('ENG-APP').lines.every((l) => l.rowId.startsWith('cost-daily-01-p'))).toBe(true);
    // The month with its daily listing re-derives byte for byte offline.
    const verify = await runCli(['verify', month]);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
  });
});
