import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseCostPage } from '../src/api/client.js';
import { UNALLOCATED, type OrgDirectory } from '../src/core/directory.js';
import { ChargebackError } from '../src/errors.js';
import { parseDirectory } from '../src/io/directory-file.js';

/** Fixed by default so CI is reproducible; FUZZ_SEED=<n> explores other inputs. */
const seed = Number(process.env.FUZZ_SEED ?? 20261125);

export const FUZZ_RUNS = { directoryText: 300, directoryMutations: 300, pageJson: 300, pageMutations: 300 } as const;

/**
 * The directory mutated: the sandbox organization with seats, markup and fixed-amount pools, so
 * mutations reach every section; its people cut to ten, which keeps each load quick without
 * changing which fields a mutation can reach.
 */
const sampleText = readFileSync('test/fixtures/directories/seats-markup.yaml', 'utf8');
const sampleParsed = JSON.parse(JSON.stringify((await import('yaml')).parse(sampleText))) as Record<string, unknown> & { people: unknown[] };
const sampleObject: Record<string, unknown> = { ...sampleParsed, people: sampleParsed.people.slice(0, 10) };
const costRow = (amount: string, i = 1) => ({ starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-01T00:00:00Z', group: { actor: { type: 'user_actor', user_id: `user_${i}`, email_address: `u${i}@b.example`, name: 'A', deleted: false }, product: 'chat', model: 'm', context_window: '0-200k', cost_type: 'tokens', workspace_id: null }, cost: { amount, list_amount: '120', currency: 'USD', requests: null } });
const pageOf = (amounts: readonly string[]) => ({ data: amounts.map((a, i) => costRow(a, i + 1)), has_more: false, next_page: null, data_refreshed_at: '2026-11-25T06:00:00Z' });
const page = JSON.stringify(pageOf(['100.5']));
/** The request a page of the month's grouped listing answers; rows are checked against its range. */
const REQUEST = '/v1/organizations/analytics/cost?starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-01T00:00:00Z&group_by[]=actor';
/** Cent amounts as the API writes them: up to six decimals, sometimes negative (credits). */
const amountText = fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 6 })).map(([negative, digits, decimals]) => {
  const text = digits.toString().padStart(decimals + 1, '0');
  const whole = text.slice(0, text.length - decimals);
  return `${negative ? '-' : ''}${whole}${decimals > 0 ? `.${text.slice(-decimals)}` : ''}`;
});

/** A decimal string as an integer count of 10^-scale units, in plain bigint. */
function scaled(text: string, scale: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal string: ${text}`);
  const frac = m[3] ?? '';
  if (frac.length > scale) throw new Error(`more than ${scale} decimals: ${text}`);
  return (m[1] ? -1n : 1n) * BigInt(m[2]! + frac.padEnd(scale, '0'));
}

/** The directory written back as YAML from the model alone, so that loading it again must give the same model. */
function toYaml(d: OrgDirectory): string {
  const dollars = (cents: bigint) => `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
  const dates = (e: { from: string | null; to: string | null }) => ({ ...(e.from !== null ? { from: e.from } : {}), ...(e.to !== null ? { to: e.to } : {}) });
  return stringify({
    company: d.company,
    ...(d.billingAccountId !== null ? { billing_account_id: d.billingAccountId } : {}),
    ...(d.seatPriceCents !== null ? { seats: { price: dollars(BigInt(d.seatPriceCents)) } } : {}),
    ...(d.markup !== null ? { markup: { percent: d.markup.percent, cost_centers: Object.fromEntries(d.markup.overrides.map((o) => [o.code, o.percent])) } } : {}),
    gl: { clearing_account: d.gl.clearingAccount, unallocated_account: d.gl.unallocatedAccount, default_expense_account: d.gl.defaultExpenseAccount, markup_account: d.gl.markupAccount, ...(d.gl.payingEntity ? { paying_entity: d.gl.payingEntity } : {}), ...(d.gl.dueToAccount ? { due_to_account: d.gl.dueToAccount } : {}), ...(d.gl.dueFromAccount ? { due_from_account: d.gl.dueFromAccount } : {}) },
    unmapped: d.unmapped,
    cost_centers: d.costCenters.map((c) => ({ code: c.code, name: c.name, ...(c.parent !== null ? { parent: c.parent } : {}), owner: { name: c.owner.name, email: c.owner.email }, ...(c.glAccount !== null ? { gl_account: c.glAccount } : {}), ...(c.legalEntity ? { legal_entity: c.legalEntity } : {}), ...((c.budgets ?? []).length > 0 ? { budgets: c.budgets!.map((b) => ({ monthly: dollars(b.monthlyCents), ...dates(b) })) } : {}) })),
    people: d.people.map((p) => ({ ...(p.email !== null ? { email: p.email } : {}), ...(p.userId !== null ? { user_id: p.userId } : {}), ...(p.name !== null ? { name: p.name } : {}), cost_center: p.costCenter, ...dates(p) })),
    rules: d.rules.map((r) => ({ match: { [r.matcher]: r.value }, cost_center: r.costCenter, ...(r.note !== null ? { note: r.note } : {}), ...dates(r) })),
    pools: d.pools.map((p) => ({
      name: p.name,
      ...(p.match !== null ? { match: { [p.match.matcher]: p.match.matcher === 'no_actor' ? true : p.match.value } } : {}),
      ...(p.amountCents !== null ? { amount: dollars(p.amountCents) } : {}),
      split: p.split.kind === 'fixed' ? { fixed: Object.fromEntries(p.split.percentages.map((x) => [x.code, x.percent])) } : p.split.kind,
      ...(p.to !== null ? { to: [...p.to] } : {}),
      ...(p.note !== null ? { note: p.note } : {}),
    })),
  });
}

/** Any JSON value, or text and cost center codes, which more often give a directory that still loads. */
const replacementValue = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 2 },
  { arbitrary: fc.string(), weight: 1 },
  { arbitrary: fc.constantFrom('ENG', 'ENG-PLAT', 'GA-IT', 'GTM-CS', 'UNALLOCATED', '2026-09-15', '30.00', '12.5'), weight: 1 },
);

const withoutSource = (d: OrgDirectory) => ({ ...d, sha256: '', source: '' });
let directoriesParsed = 0;

/** What a directory that loads must be: every code it names exists, and it survives a round trip. */
function holdsTogether(d: OrgDirectory): void {
  directoriesParsed += 1;
  const codes = d.costCenters.map((c) => c.code);
  expect(new Set(codes).size).toBe(codes.length);
  expect(codes).not.toContain(UNALLOCATED);
  const known = new Set(codes);
  const named = [
    ...d.costCenters.flatMap((c) => (c.parent !== null ? [c.parent] : [])),
    ...d.people.map((p) => p.costCenter),
    ...d.rules.map((r) => r.costCenter),
    ...d.pools.flatMap((p) => [...(p.to ?? []), ...(p.split.kind === 'fixed' ? p.split.percentages.map((x) => x.code) : [])]),
    ...(d.markup?.overrides.map((o) => o.code) ?? []),
  ];
  for (const code of named) expect(known.has(code), `${code} is named but not a cost center`).toBe(true);
  for (const p of d.people) expect(p.email !== null || p.userId !== null).toBe(true);
  for (const p of d.pools) if (p.split.kind === 'fixed') expect(p.split.percentages.reduce((a, x) => a + scaled(x.percent, 20), 0n)).toBe(100n * 10n ** 20n);
  const again = parseDirectory(toYaml(d), 'again.yaml');
  expect(again.problems).toEqual([]);
  expect(withoutSource(again.directory!)).toEqual(withoutSource(d));
}

let pagesParsed = 0;

/** What a page that parses must be: one row per data item, each amount exactly as written, summed exactly. */
function addsUp(body: string, rows: ReturnType<typeof parseCostPage>['rows']): void {
  pagesParsed += 1;
  const data = (JSON.parse(body) as { data: Array<{ cost: { amount: unknown } }> }).data;
  expect(rows.map((r) => r.rowId)).toEqual(data.map((_, i) => `fuzz-p001.json#${i}`));
  const amounts = data.map((d) => d.cost.amount);
  for (const a of amounts) expect(typeof a, 'an amount is read from a string only').toBe('string');
  const scale = Math.max(0, ...amounts.map((a) => ((a as string).split('.')[1] ?? '').length));
  const expected = amounts.reduce((acc: bigint, a) => acc + scaled(a as string, scale), 0n);
  const parsed = rows.reduce((acc, r) => acc + scaled(r.amountCents.toFixed(scale), scale), 0n);
  expect(parsed).toBe(expected);
  rows.forEach((r, i) => expect(scaled(r.amountCents.toFixed(scale), scale)).toBe(scaled(amounts[i] as string, scale)));
  expect(rows.every((r) => r.currency === 'USD')).toBe(true);
}

/** Replaces the value at a random path of a JSON-like object with a random value. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const keys = Object.keys(value as object);
  if (keys.length === 0) return replacement;
  const key = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...(value as Record<string, unknown>) };
  copy[key] = mutate((value as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

/** People, rules and cost centers as the (mutated) object says, in the model's terms. */
function asWritten(written: Record<string, unknown>) {
  const list = (key: string) => (written[key] ?? []) as Array<Record<string, unknown>>;
  const orNull = (v: unknown) => (v === undefined ? null : v);
  return {
    costCenters: list('cost_centers').map((c) => [c.code, orNull(c.parent), orNull(c.gl_account)]),
    people: list('people').map((p) => [orNull(p.email), orNull(p.user_id), orNull(p.name), p.cost_center, orNull(p.from), orNull(p.to)]),
    rules: list('rules').map((r, i) => [i + 1, ...Object.entries(r.match as object)[0]!, r.cost_center, orNull(r.note), orNull(r.from), orNull(r.to)]),
  };
}

/** The loader either returns a directory that holds together or located problems; it never throws. */
function loadsCleanly(text: string, written?: Record<string, unknown>): boolean {
  const { directory, problems } = parseDirectory(text, 'fuzz.yaml');
  expect(directory === null ? problems.length > 0 : problems.length === 0).toBe(true);
  for (const p of problems) expect(p.line).toBeGreaterThanOrEqual(1);
  if (directory !== null) {
    holdsTogether(directory);
    // What loads is what was written: a misread that reads the same twice would survive the round trip.
    if (written) {
      expect({
        costCenters: directory.costCenters.map((c) => [c.code, c.parent, c.glAccount]),
        people: directory.people.map((p) => [p.email, p.userId, p.name, p.costCenter, p.from, p.to]),
        rules: directory.rules.map((r) => [r.index, r.matcher, r.value, r.costCenter, r.note, r.from, r.to]),
      }).toEqual(asWritten(written));
    }
  }
  return true;
}

/** The page parser either returns rows that add up or a ChargebackError; nothing else escapes. */
function parsesCleanly(body: string): boolean {
  let parsed: ReturnType<typeof parseCostPage>;
  try {
    parsed = parseCostPage(body, 'fuzz-p001.json', 1, 'fuzz', REQUEST);
  } catch (error) {
    expect(error).toBeInstanceOf(ChargebackError);
    return true;
  }
  addsUp(body, parsed.rows);
  return true;
}

describe('fuzzing the directory loader and the page parser', () => {
  it('reports an unresolved alias as a located problem (found by this fuzzer)', () => {
    const { directory, problems } = parseDirectory('*!', 'fuzz.yaml');
    expect(directory).toBeNull();
    expect(problems[0]!.message).toMatch(/^YAML (syntax )?error: /);
  });

  it(`directory: ${FUZZ_RUNS.directoryText} arbitrary texts`, () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.jsonValue().map((v) => stringify(v))), (text) => loadsCleanly(text)), { numRuns: FUZZ_RUNS.directoryText, seed });
  });

  it('the checks of what parses hold for the samples themselves, and catch a directory that does not survive a round trip', () => {
    const before = directoriesParsed;
    for (const file of ['mappings/org.yaml', 'test/fixtures/directories/seats-markup.yaml']) {
      const { directory } = parseDirectory(readFileSync(file, 'utf8'), file);
      holdsTogether(directory!);
    }
    expect(directoriesParsed).toBe(before + 2);
    const { directory } = parseDirectory(readFileSync('test/fixtures/directories/seats-markup.yaml', 'utf8'), 'x.yaml');
    const renamed = { ...directory!, people: [{ ...directory!.people[0]!, costCenter: 'NOWHERE' }, ...directory!.people.slice(1)] };
    expect(() => holdsTogether(renamed)).toThrow(/NOWHERE is named but not a cost center/);
    // The loader trims the company name, so a model holding untrimmed text cannot come back the same.
    expect(() => holdsTogether({ ...directory!, company: ' Acme ' })).toThrow(/company/);
  });

  it(`directory: ${FUZZ_RUNS.directoryMutations} mutations of the sample; what loads is what was written, names only its own cost centers and loads again the same`, () => {
    const before = directoriesParsed;
    // The unmutated sample loads, as written.
    expect(loadsCleanly(stringify(sampleObject), sampleObject)).toBe(true);
    expect(directoriesParsed).toBe(before + 1);
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), replacementValue, (path, replacement) => {
        const written = mutate(sampleObject, path, replacement) as Record<string, unknown>;
        return loadsCleanly(stringify(written), written);
      }),
      { numRuns: FUZZ_RUNS.directoryMutations, seed },
    );
    // The property above must have had directories to check, not only refusals.
    expect(directoriesParsed - before).toBeGreaterThanOrEqual(FUZZ_RUNS.directoryMutations / 20);
  });

  it(`page: ${FUZZ_RUNS.pageJson} arbitrary bodies`, () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null')), parsesCleanly), { numRuns: FUZZ_RUNS.pageJson, seed });
  });

  it('a page that parses adds up: checked on a valid page, and the check catches a row read wrong', () => {
    const before = pagesParsed;
    const body = JSON.stringify(pageOf(['100.5', '-0.000001', '41280.000000']));
    expect(parsesCleanly(body)).toBe(true);
    expect(pagesParsed).toBe(before + 1);
    const { rows } = parseCostPage(body, 'fuzz-p001.json', 1, 'fuzz', REQUEST);
    expect(() => addsUp(body, rows.slice(1))).toThrow();
    expect(() => addsUp(JSON.stringify(pageOf(['100.5', '-0.000002', '41280.000000'])), rows)).toThrow();
  });

  it(`page: ${FUZZ_RUNS.pageMutations} mutations of valid pages; what parses has every amount exactly and the same sum as bigint arithmetic on the text`, () => {
    const before = pagesParsed;
    fc.assert(
      fc.property(fc.array(amountText, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.option(fc.jsonValue({ maxDepth: 2 }), { freq: 3 }), (amounts, path, replacement) =>
        // One in three keeps the page whole, so many multi-row pages reach the sum check.
        parsesCleanly(JSON.stringify(replacement === null ? pageOf(amounts) : mutate(pageOf(amounts), path, replacement))),
      ),
      { numRuns: FUZZ_RUNS.pageMutations, seed },
    );
    expect(pagesParsed - before).toBeGreaterThanOrEqual(FUZZ_RUNS.pageMutations / 5);
  });
});

describe('README figures', () => {
  it('state the number of fuzz and property cases the suite runs', () => {
    const readme = readFileSync('README.md', 'utf8');
    const fuzz = Object.values(FUZZ_RUNS).reduce((a, b) => a + b, 0);
    expect(readme).toContain(`**${fuzz} fuzz cases**`);
    // Property cases: every fc.assert in the suite with its numRuns.
    const properties = readdirSync('test')
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `test/${f}`)
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/numRuns: (\d+)/g)].map((m) => Number(m[1])))
      .reduce((a, b) => a + b, 0);
    expect(readme).toContain(`**${properties} property cases**`);
  });
});
