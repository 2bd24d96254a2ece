import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { joinQuantities, pricePerMillion, type UsageRow } from '../src/core/usage.js';
import { modelQuantities } from '../src/core/statements.js';
import { usageRowOf } from '../src/sandbox/usage-data.js';
import { acceptedUsageRow, checkedUsageRow, usageRowSchema } from '../src/api/usage-schema.js';
import type { Allocation } from '../src/core/allocate.js';
import { Money } from '../src/core/money.js';
import { publishTrueUp, runCli, tempDir } from './helpers/cli.js';
import { dollarsToCents, pdfText, readCsv, readXlsx } from './helpers/readers.js';
import { runMonthAgainst } from './helpers/sandbox.js';

// Quantities from the usage listing: the statements' tokens and prices against the test's own
// sums of the raw usage pages, FOCUS 1.4's quantity rules on every row we write, and a month
// whose usage listing is refused.

interface RawUsage {
  group: { actor: Record<string, string> | null; product: string | null; model: string | null; context_window: string | null; workspace_id: string | null };
  usage: { uncached_input_tokens: number; cache_read_input_tokens: number; output_tokens: number; cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number }; server_tool_use: { web_search_requests: number }; requests: number | null };
}
interface Kinds { input: bigint; write: bigint; read: bigint; output: bigint; requests: bigint; searches: bigint }
const zero = (): Kinds => ({ input: 0n, write: 0n, read: 0n, output: 0n, requests: 0n, searches: 0n });

/** The used usage pages of a published month, as the test reads them (requests.json, then each page). */
function rawUsage(dir: string): RawUsage[] {
  const requests = JSON.parse(readFileSync(join(dir, 'raw', 'requests.json'), 'utf8')) as { exchanges?: Array<{ query: string; used: boolean; file: string }> } | Array<{ query: string; used: boolean; file: string }>;
  const list = Array.isArray(requests) ? requests : requests.exchanges!;
  return list.filter((r) => r.query === 'usage' && r.used).flatMap((r) => (JSON.parse(readFileSync(join(dir, 'raw', r.file), 'utf8')) as { data: RawUsage[] }).data);
}

/** "api_actor:apikey_…|product|model|window|workspace", as both the raw pages and the ledger can name it. */
function groupKey(actorType: string, actorId: string, product: string, model: string, window: string, workspace: string): string {
  return [actorType, actorId, product, model, window, workspace].join('|');
}
function rawKey(u: RawUsage): string {
  const a = u.group.actor;
  // The ledger names a federated identity by its subject.
  const id = a === null ? '' : (a.user_id ?? a.service_account_id ?? a.api_key_id ?? a.subject ?? '');
  return groupKey(a === null ? 'none' : a.type!, id, u.group.product ?? '', u.group.model ?? '', u.group.context_window ?? '', u.group.workspace_id ?? '');
}
function rawKinds(u: RawUsage): Kinds {
  const x = u.usage;
  return { input: BigInt(x.uncached_input_tokens), write: BigInt(x.cache_creation.ephemeral_5m_input_tokens + x.cache_creation.ephemeral_1h_input_tokens), read: BigInt(x.cache_read_input_tokens), output: BigInt(x.output_tokens), requests: BigInt(x.requests ?? 0), searches: BigInt(x.server_tool_use.web_search_requests) };
}
const int = (s: string) => BigInt(s.replace(/,/g, ''));

/** The "Tokens by model" table of a statement PDF, read with pdftotext. */
function tokenTable(text: string): Array<{ model: string; input: bigint; write: bigint; read: bigint; output: bigint; requests: bigint; cents: bigint; perMillion: bigint }> {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => /^\s*Model\s+Input\s+Cache write\s+Cache read\s+Output\s+Requests\s+Token cost\s+Per 1M/.test(l));
  if (at < 0) return [];
  const rows = [];
  for (const line of lines.slice(at + 1)) {
    const m = /^\s*(\S.*?)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+(\$[\d,.]+)\s+(\$[\d,.]+)\s*$/.exec(line);
    if (!m) break;
    rows.push({ model: m[1]!, input: int(m[2]!), write: int(m[3]!), read: int(m[4]!), output: int(m[5]!), requests: int(m[6]!), cents: dollarsToCents(m[7]!), perMillion: dollarsToCents(m[8]!) });
  }
  return rows;
}

describe('quantities and unit prices on the statements', () => {
  let dir: string;
  beforeAll(async () => {
    const { out, error } = await runMonthAgainst({});
    expect(error).toBeNull();
    dir = join(out, '2026-09');
  }, 120_000);

  it('tokens and requests per model on each statement equal the sums of the raw usage pages of its spenders, and the price is token cost over tokens', () => {
    const usage = rawUsage(dir);
    expect(usage.length).toBeGreaterThan(100);
    const byGroup = new Map(usage.map((u) => [rawKey(u), rawKinds(u)]));
    // Which statement each token group is billed to, from the ledger's cost lines (not its quantities).
    const ledger = readCsv(join(dir, 'ledger.csv'));
    const owners = new Map<string, Set<string>>();
    for (const l of ledger.filter((r) => r.line_type === 'usage' && r.cost_type === 'tokens')) {
      const key = groupKey(l.actor_type!, l.actor_id!, l.product!, l.model!, l.context_window!, l.workspace_id!);
      owners.set(key, (owners.get(key) ?? new Set()).add(l.statement_number!));
    }
    // Groups billed to two statements (a person who moved mid-month) are split by cost; the rest belong to one.
    const split = new Set([...owners].filter(([, s]) => s.size > 1).map(([k]) => k));
    const chargeback = JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { costCenters: Array<{ code: string; statementNumber: string }> };
    let checked = 0;
    for (const cc of chargeback.costCenters) {
      const file = join(dir, 'statements', `${cc.code}.pdf`);
      // A parent without spend of its own has a roll-up only.
      if (!existsSync(file)) continue;
      const text = pdfText(file);
      const table = tokenTable(text);
      const mine = [...owners].filter(([, s]) => s.has(cc.statementNumber)).map(([k]) => k);
      if (mine.length === 0 || mine.some((k) => split.has(k))) continue;
      const expected = new Map<string, Kinds>();
      for (const key of mine) {
        const model = key.split('|')[3]!;
        const k = byGroup.get(key)!;
        const e = expected.get(model) ?? zero();
        for (const f of ['input', 'write', 'read', 'output', 'requests'] as const) e[f] += k[f];
        expected.set(model, e);
      }
      const rows = table.slice(0, -1);
      expect(rows.map((r) => r.model).sort(), cc.code).toEqual([...expected.keys()].sort());
      for (const r of rows) {
        const e = expected.get(r.model)!;
        expect({ input: r.input, write: r.write, read: r.read, output: r.output, requests: r.requests }, `${cc.code} ${r.model}`).toEqual({ input: e.input, write: e.write, read: e.read, output: e.output, requests: e.requests });
      }
      // Each price is the exact cost of its token lines (the ledger's unrounded cents) over their tokens,
      // per million, rounded half up to the cent once; the total row too.
      const tokenLines = ledger.filter((l) => l.statement_number === cc.statementNumber && l.line_type === 'usage' && l.cost_type === 'tokens');
      for (const r of table) {
        const lines = r.model === 'Total' ? tokenLines : tokenLines.filter((l) => l.model === r.model);
        const exactCents = lines.reduce((a, l) => a.plus(l.unrounded_cents!), new Money(0));
        const tokens = r.input + r.write + r.read + r.output;
        const exact = exactCents.times(10_000).times(100).dividedBy(tokens.toString());
        expect(r.perMillion, `${cc.code} ${r.model}`).toBe(BigInt(exact.toDecimalPlaces(0, Money.ROUND_HALF_UP).toFixed(0)));
      }
      // The token cost adds up to the statement's "Tokens" cost-type line.
      const totalRow = table.at(-1)!;
      expect(totalRow.model).toBe('Total');
      expect(rows.reduce((a, r) => a + r.cents, 0n)).toBe(totalRow.cents);
      const tokensLine = /^Tokens\s+(\$[\d,.]+)/m.exec(text.split('Direct usage by cost type')[1] ?? '');
      expect(tokensLine, cc.code).not.toBeNull();
      expect(totalRow.cents).toBe(dollarsToCents(tokensLine![1]!));
      checked += 1;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('the ledger carries every token, search and request of the raw pages exactly once', () => {
    const raw = zero();
    for (const u of rawUsage(dir)) {
      const k = rawKinds(u);
      for (const f of Object.keys(raw) as Array<keyof Kinds>) raw[f] += k[f];
    }
    const ledger = readCsv(join(dir, 'ledger.csv'));
    const sum = (column: string) => ledger.reduce((a, r) => a + (r[column] ? BigInt(r[column]!) : 0n), 0n);
    expect({ input: sum('input_tokens'), write: sum('cache_write_tokens'), read: sum('cache_read_tokens'), output: sum('output_tokens'), searches: sum('web_searches') }).toEqual({ input: raw.input, write: raw.write, read: raw.read, output: raw.output, searches: raw.searches });
    // Requests of groups with tokens go with the token lines; a group with none counts executions.
    expect(sum('requests')).toBe(raw.requests);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { source: { quantities: { linesUnmeasured: number; usageGroupsWithoutCost: number } } };
    expect(manifest.source.quantities).toMatchObject({ linesUnmeasured: 0, usageGroupsWithoutCost: 0 });
  });

  it('the statement workbook carries the quantities of every line', () => {
    const ledger = readCsv(join(dir, 'ledger.csv'));
    const lines = ledger.filter((r) => r.line_type === 'usage' && r.cost_center === 'ENG-PLAT');
    const expectedInput = lines.reduce((a, r) => a + (r.input_tokens ? BigInt(r.input_tokens) : 0n), 0n);
    expect(expectedInput).toBeGreaterThan(0n);
    // openpyxl (Debian's system Python) reads the table the tool wrote with its own writer.
    const sheet = readXlsx(join(dir, 'statements', 'ENG-PLAT.xlsx')).find((x) => x.name === 'Lines')!;
    const table = sheet.tables.find((t) => t.name === 'ChargeLines')!;
    const sumOf = (title: string) => {
      // The table has 24 columns, A to X.
      const letter = String.fromCharCode(65 + table.columns.indexOf(title));
      return sheet.cells.filter((c) => new RegExp(`^${letter}\\d+$`).test(c.ref) && c.value !== null && typeof c.value === 'object').reduce((a, c) => a + BigInt((c.value as { number: string }).number), 0n);
    };
    expect(table.columns.slice(-6)).toEqual(['Input tokens', 'Cache write tokens', 'Cache read tokens', 'Output tokens', 'Requests', 'Web searches']);
    expect(sumOf('Input tokens')).toBe(expectedInput);
    expect(sumOf('Output tokens')).toBe(lines.reduce((a, r) => a + (r.output_tokens ? BigInt(r.output_tokens) : 0n), 0n));
  });
});

describe('FOCUS 1.4 quantity and cost rules on every row we write', () => {
  let out: string;
  beforeAll(async () => {
    out = tempDir();
    // September provisional, its final revision, October carrying the difference as corrections.
    await publishTrueUp(out);
  }, 120_000);

  /**
   * The rules that apply to our rows (FOCUS 1.4, Cost and Usage dataset):
   *  1. ChargeCategory is one of Adjustment, Credit, Purchase, Tax, Usage (never null).
   *  2. ChargeClass is null or "Correction".
   *  3. PricingQuantity is not null when ChargeCategory is Usage or Purchase and ChargeClass is not Correction.
   *  4. PricingUnit is null exactly when PricingQuantity is null.
   *  5. ConsumedQuantity is null when ChargeCategory is not Usage.
   *  6. ConsumedQuantity is not null when ChargeCategory is Usage and ChargeClass is not Correction.
   *  7. ConsumedUnit is null exactly when ConsumedQuantity is null.
   *  8. Quantities are valid decimals; units follow UnitFormat ("Tokens", "1000000 Tokens", "Seat-Months").
   *  9. BilledCost, ContractedCost, EffectiveCost and ListCost are never null and are valid decimals.
   * 10. ListCost of a charge unrelated to others with no ListUnitPrice (our corrections) equals BilledCost.
   * 11. BillingCurrency is USD; ChargePeriodStart is before ChargePeriodEnd.
   * Tax and Credit rules (PricingQuantity null on Tax) apply to no row we write: we write neither.
   */
  it('holds for every row of every issue', () => {
    const decimal = /^-?\d+(\.\d+)?$/;
    const unit = /^(\d+ )?[A-Z][a-z]*s(-[A-Z][a-z]+s)?$/;
    let corrections = 0;
    let usage = 0;
    for (const month of ['2026-09', '2026-09.r2', '2026-10']) {
      const rows = readCsv(join(out, month, 'focus.csv'));
      expect(rows.length).toBeGreaterThan(100);
      for (const [i, r] of rows.entries()) {
        const where = `${month} focus.csv row ${i + 2}`;
        const correction = r.ChargeClass === 'Correction';
        expect(['Adjustment', 'Credit', 'Purchase', 'Tax', 'Usage'], where).toContain(r.ChargeCategory);
        expect(['', 'Correction'], where).toContain(r.ChargeClass);
        if ((r.ChargeCategory === 'Usage' || r.ChargeCategory === 'Purchase') && !correction) expect(r.PricingQuantity, where).not.toBe('');
        expect(r.PricingUnit === '', where).toBe(r.PricingQuantity === '');
        if (r.ChargeCategory !== 'Usage') expect(r.ConsumedQuantity, where).toBe('');
        if (r.ChargeCategory === 'Usage' && !correction) expect(r.ConsumedQuantity, where).not.toBe('');
        expect(r.ConsumedUnit === '', where).toBe(r.ConsumedQuantity === '');
        for (const q of [r.PricingQuantity, r.ConsumedQuantity]) if (q !== '') expect(q, where).toMatch(decimal);
        for (const u of [r.PricingUnit, r.ConsumedUnit]) if (u !== '') expect(u, where).toMatch(unit);
        for (const c of [r.BilledCost, r.ContractedCost, r.EffectiveCost, r.ListCost]) expect(c, where).toMatch(decimal);
        if (correction) {
          expect(r.ListCost, where).toBe(r.BilledCost);
          corrections += 1;
        }
        expect(r.BillingCurrency, where).toBe('USD');
        expect(Date.parse(r.ChargePeriodStart!), where).toBeLessThan(Date.parse(r.ChargePeriodEnd!));
        // A token row is priced per million of the tokens it consumed.
        if (r.PricingUnit === '1000000 Tokens') {
          expect(new Money(r.PricingQuantity!).times(1_000_000).toFixed(0), where).toBe(r.ConsumedQuantity);
          usage += 1;
        }
      }
    }
    expect(corrections).toBeGreaterThan(3);
    expect(usage).toBeGreaterThan(300);
  });

  it('the tokens in focus.csv add up to the raw usage pages', () => {
    for (const month of ['2026-09.r2', '2026-10']) {
      const dir = join(out, month);
      const raw = rawUsage(dir).reduce((a, u) => {
        const k = rawKinds(u);
        return a + k.input + k.write + k.read + k.output;
      }, 0n);
      const focus = readCsv(join(dir, 'focus.csv')).filter((r) => r.ConsumedUnit === 'Tokens').reduce((a, r) => a + BigInt(r.ConsumedQuantity!), 0n);
      expect(focus, month).toBe(raw);
    }
  });
});

describe('a month whose usage listing is refused', () => {
  it('is published without quantities, says so, and verifies', async () => {
    const { out, result, error } = await runMonthAgainst({ usageStatus: 403 });
    expect(error).toBeNull();
    expect(result!.warnings.join('\n')).toMatch(/usage quantities for 2026-09 are not available \(The Analytics API answered HTTP 403/);
    const dir = join(out, '2026-09');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { source: { usageEndpoint: string | null; quantities: unknown } };
    expect(manifest.source.usageEndpoint).toBeNull();
    expect(manifest.source.quantities).toBeNull();
    expect(pdfText(join(dir, 'statements', 'ENG-PLAT.pdf'))).toContain('This month was published without quantities');
    const focus = readCsv(join(dir, 'focus.csv'));
    expect(focus.filter((r) => r.ConsumedQuantity !== '')).toHaveLength(0);
    // The refused exchange is kept with the rest; verify re-derives the month from raw/ alone.
    const requests = readFileSync(join(dir, 'raw', 'requests.json'), 'utf8');
    expect(requests).toMatch(/"query": ?"usage"[^}]*"status": ?403/);
    const v = await runCli(['verify', dir]);
    expect(v.code, v.stderr).toBe(0);
  }, 120_000);
});

describe('usage the month cannot use', () => {
  it('a usage page that breaks the report\'s rules (a row outside the month) stops the run: exit 1, nothing published', async () => {
    // Requests: grouped, total, premium, engagement, then usage (5).
    const { out, error } = await runMonthAgainst({ byRequest: { 5: { kind: 'row-outside' } } });
    expect(error?.kind).toBe('data');
    expect(error?.message).toMatch(/Page 1 of usage, row 0 covers .* it starts before the requested/);
    expect(existsSync(join(out, '2026-09'))).toBe(false);
  }, 60_000);

  it('usage from an export older than the cost\'s is not used: published without quantities, its page kept as not used, and verify agrees', async () => {
    const { out, result, error } = await runMonthAgainst({ usageStaleHours: 24 * 60 });
    expect(error).toBeNull();
    expect(result!.warnings.join('\n')).toMatch(/usage quantities for 2026-09 were not used: its export \(data_refreshed_at .*\) is older than the cost's .* and does not cover the month/);
    const dir = join(out, '2026-09');
    const requests = JSON.parse(readFileSync(join(dir, 'raw', 'requests.json'), 'utf8')) as Array<{ query: string; used: boolean; outcome: string; file: string | null }>;
    expect(requests.filter((r) => r.query === 'usage')).toEqual([expect.objectContaining({ used: false, outcome: expect.stringMatching(/^not used: /), file: expect.stringMatching(/^discarded\//) })]);
    expect(existsSync(join(dir, 'raw', 'usage-p001.json'))).toBe(false);
    expect(readCsv(join(dir, 'focus.csv')).filter((r) => r.ConsumedQuantity !== '')).toHaveLength(0);
    const v = await runCli(['verify', dir]);
    expect(v.code, v.stderr).toBe(0);
  }, 120_000);
});

describe('the usage row check', () => {
  it('the fast check accepts a row only when zod accepts it, and refuses what zod refuses', () => {
    const count = fc.oneof(fc.nat(), fc.integer({ min: -5, max: -1 }), fc.double({ noNaN: true }), fc.constant('12'), fc.constant(null), fc.constant(undefined), fc.constant(2 ** 60));
    const row = fc.record({
      starting_at: fc.constant('2026-09-01T00:00:00Z'),
      ending_at: fc.oneof(fc.constant('2026-10-01T00:00:00Z'), fc.constant(7)),
      group: fc.oneof(fc.constant(null), fc.record({ actor: fc.oneof(fc.constant(null), fc.constant({ type: 'api_actor', api_key_id: 'apikey_1' }), fc.constant({ type: 'user_actor' })), product: fc.oneof(fc.constant('chat'), fc.constant(null), fc.constant(3)), model: fc.constant('claude-opus-4-6') })),
      usage: fc.record({ uncached_input_tokens: count, cache_read_input_tokens: count, output_tokens: count, cache_creation: fc.oneof(fc.constant(null), fc.record({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count })), server_tool_use: fc.oneof(fc.constant(null), fc.record({ web_search_requests: count })), requests: count }),
    });
    fc.assert(
      fc.property(row, (value) => {
        const zod = usageRowSchema.safeParse(value).success;
        expect(acceptedUsageRow(value) !== undefined && !zod).toBe(false);
        expect(checkedUsageRow(value) !== undefined).toBe(zod);
      }),
      { numRuns: 500 },
    );
  });
});

describe('joining quantities to cost lines', () => {
  it('adds cache writes as whole numbers past 2^53 exactly', () => {
    const big: UsageRow = { ...row(0), cacheWrite5m: Number.MAX_SAFE_INTEGER, cacheWrite1h: Number.MAX_SAFE_INTEGER - 1 };
    const q = joinQuantities(allocationOf(['1.000']), [big]);
    expect(q.byRow.get('r0')!.cacheWrite).toBe(2n * BigInt(Number.MAX_SAFE_INTEGER) - 1n);
  });

  it('prices a model by the exact cost of its measured token lines only, and counts the others', () => {
    const allocation = allocationOf(['300.000000', '100.000000']);
    // Only the first line's group has a usage row: the second line is another workspace.
    (allocation.costCenters[0]!.actors[0]!.lines[1] as { workspaceId: string | null }).workspaceId = 'wrkspc_other';
    Object.assign(allocation.costCenters[0]!, { directCents: 400n });
    const q = joinQuantities(allocation, [{ ...row(250_000), cacheRead: 0, output: 0, cacheWrite5m: 0 }]);
    const [m] = modelQuantities(allocation.costCenters[0]!, q);
    expect(m!.unmeasuredLines).toBe(1);
    // 300 cents over 250,000 tokens: $12.00 per million, whatever the other line costs.
    expect(pricePerMillion(m!)!.toFixed(2)).toBe('12.00');
    expect(m!.tokenCents).toBe(400n);
  });

  /** An allocation with one spender whose token group is billed as `weights.length` lines (a move mid-month). */
  function allocationOf(weights: readonly string[]): Allocation {
    const lines = weights.map((w, i) => ({ lineKey: `l${i}`, rowId: `r${i}`, costCenter: `CC${i}`, actorKey: 'user:u1', actorType: 'user_actor', actorId: 'u1', email: null, product: 'chat', model: 'm', contextWindow: '0-200k', costType: 'tokens', workspaceId: null, unroundedCents: new Money(w), billedCents: 0n, rule: 'r' }));
    return { costCenters: [{ actors: [{ actorKey: 'user:u1', lines }] }], pools: [] } as unknown as Allocation;
  }
  const row = (t: number): UsageRow => ({ rowId: 'u#0', startingAt: 's', endingAt: 'e', actor: { type: 'user_actor', userId: 'u1', email: null, name: null, deleted: false }, product: 'chat', model: 'm', contextWindow: '0-200k', workspaceId: null, uncachedInput: t, cacheRead: 2 * t, cacheWrite5m: 3, cacheWrite1h: 0, output: t + 1, webSearches: 0, requests: 7 });

  it('splits a group over its lines so every kind adds up to the group exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }).map((n) => (n / 1000).toFixed(3)), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 2 ** 40 }), (weights, t) => {
        const q = joinQuantities(allocationOf(weights), [row(t)]);
        const parts = weights.map((_, i) => q.byRow.get(`r${i}`)!);
        expect(parts.reduce((a, p) => a + p.uncachedInput, 0n)).toBe(BigInt(t));
        expect(parts.reduce((a, p) => a + p.cacheRead, 0n)).toBe(BigInt(2 * t));
        expect(parts.reduce((a, p) => a + p.output, 0n)).toBe(BigInt(t + 1));
        expect(parts.reduce((a, p) => a + p.requests, 0n)).toBe(7n);
        expect(parts.every((p) => p.uncachedInput >= 0n)).toBe(true);
      }),
    );
  });

  it('the sandbox derives tokens from cost at its blended price, in whole tokens', () => {
    const rows = [
      { starting_at: 'a', ending_at: 'b', group: { model: 'claude-opus-4-6', cost_type: 'tokens' }, cost: { amount: '1234.567890' } },
      { starting_at: 'a', ending_at: 'b', group: { model: 'claude-opus-4-6', cost_type: 'web_search' }, cost: { amount: '7.000000' } },
    ];
    const u = usageRowOf(rows) as { usage: { total_tokens: number; uncached_input_tokens: number; cache_read_input_tokens: number; output_tokens: number; cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number }; server_tool_use: { web_search_requests: number } }; group: Record<string, unknown> };
    // 1234.56789 cents at 600 micro-cents a token.
    expect(u.usage.total_tokens).toBe(Math.floor(1_234_567_890 / 600));
    const x = u.usage;
    expect(x.uncached_input_tokens + x.cache_read_input_tokens + x.output_tokens + x.cache_creation.ephemeral_5m_input_tokens + x.cache_creation.ephemeral_1h_input_tokens).toBe(x.total_tokens);
    expect(x.server_tool_use.web_search_requests).toBe(7);
    expect('cost_type' in u.group).toBe(false);
  });
});
