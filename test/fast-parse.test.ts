import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument, visit } from 'yaml';
import { parseCostPage, parseUsersPage } from '../src/api/client.js';
import {
  acceptedCostRow,
  amountDigitsProblem,
  checkedCostRow,
  costPageSchema,
  costRowSchema,
  describeIssues,
  describeRawRow,
  MAX_FRACTION_DIGITS,
  MAX_INTEGER_DIGITS,
  toCostRow,
} from '../src/api/cost-schema.js';
import { acceptedUserActivity, checkedUserActivity, toEngagementRow, userActivitySchema, usersPageSchema } from '../src/api/users-schema.js';
import type { CostRow } from '../src/core/cost-row.js';
import { actorsWithChangingOwner, ancestry, DEFAULT_GL, indexDirectory, mapRow, markupPercent, RULE_MATCHERS, UNALLOCATED, type DirectoryIndex, type OrgDirectory, type PoolMatcher } from '../src/core/directory.js';
import type { EngagementRow } from '../src/core/engagement.js';
import { createInterner } from '../src/core/intern.js';
import { addDays, instantMs, parsePeriod, periodDays, startOfDayMs, startOfHourMs } from '../src/core/period.js';
import { ChargebackError, dataError, usageError } from '../src/errors.js';
import { aliasTargets, parseDirectory, parseWholeDirectory, readPlainPeople } from '../src/io/directory-file.js';

/**
 * Rows are checked by a hand-written fast check and only what it does not accept goes to zod.
 * These properties hold the fast path to the pure zod path, on rows that are valid and on rows
 * that are subtly not (a wrong type, a missing field, null for absent, an extra or `__proto__`
 * key, a bad amount, an unknown or misspelt actor type): the same row, or the same error.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20261202);

const MONTH = '/v1/organizations/analytics/cost?starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-01T00:00:00Z&group_by[]=actor';
const DAILY = '/v1/organizations/analytics/cost?starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-01T00:00:00Z&time_bucket_width=1d&actor_ids[]=user_1';
const USERS = '/v1/organizations/analytics/users?starting_date=2026-09-01&ending_date=2026-10-01';

/** A key left out of the object (as opposed to present with null). */
const ABSENT = Symbol('absent');

/** An object whose keys are own data properties, as JSON.parse makes them ("__proto__" included). */
function build(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) if (v !== ABSENT) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** Values no field expects, for wrong types. */
const stray: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(ABSENT),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(1.5, -0, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY),
  fc.boolean(),
  fc.constantFrom('', 'x', 'USD', 'user_actor'),
  fc.constant([]),
  fc.constant(['a']),
  fc.constant({}),
  fc.constant({ type: 'x' }),
);
const extraKeys = fc.array(fc.tuple(fc.constantFrom('extra', 'actor_type', '__proto__', 'constructor', 'toString', 'type', 'note'), fc.oneof(fc.string({ maxLength: 4 }), fc.constant({ product: 'sneaky', type: 'api_actor' }), fc.constant(null))), { maxLength: 2 });

/** An object of `fields` (each may come out ABSENT), sometimes with extra keys, sometimes not an object at all. */
function shaped(fields: Record<string, fc.Arbitrary<unknown>>, notObject = 1): fc.Arbitrary<unknown> {
  const obj = fc.tuple(fc.record(fields), fc.oneof({ weight: 3, arbitrary: fc.constant([] as Array<[string, unknown]>) }, { weight: 1, arbitrary: extraKeys })).map(([r, extra]) => build([...Object.entries(r), ...extra]));
  return fc.oneof({ weight: 12, arbitrary: obj }, { weight: notObject, arbitrary: stray });
}
/** Mostly `good`, sometimes anything. */
const usually = (good: fc.Arbitrary<unknown>, weight = 10) => fc.oneof({ weight, arbitrary: good }, { weight: 1, arbitrary: stray });

const label = fc.constantFrom('chat', 'claude_code', 'claude-sonnet-4-5', '0-200k', 'tokens', 'wrkspc_1', 'fast', 'us', '');
const optText = usually(fc.oneof(label, fc.constant(null), fc.constant(ABSENT)));
const text = usually(fc.oneof(label, fc.string({ maxLength: 6 })));

/** Amounts: as the API writes them, at the digit limits and past them, and not decimals at all. */
const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const cents = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.boolean(), digits(1, 9), fc.option(digits(1, 6))).map(([neg, w, f]) => `${neg ? '-' : ''}${w}${f === null ? '' : `.${f}`}`) },
  { weight: 2, arbitrary: fc.tuple(digits(MAX_INTEGER_DIGITS - 1, MAX_INTEGER_DIGITS + 1), digits(MAX_FRACTION_DIGITS - 1, MAX_FRACTION_DIGITS + 1)).map(([w, f]) => `${w}.${f}`) },
  { weight: 2, arbitrary: fc.constantFrom('', '-', '1.', '.5', '1e3', ' 1', '1 ', '+1', '--1', '1.2.3', '0x10', '１', '1,000.00', 'NaN', 'Infinity', '-0', '007.10') },
  { weight: 1, arbitrary: stray },
);

const userActor = shaped({ type: fc.constant('user_actor'), user_id: usually(fc.constantFrom('user_1', 'user_2', '')), email_address: optText, email: optText, name: optText, deleted: usually(fc.oneof(fc.boolean(), fc.constant(ABSENT))) });
const serviceAccountActor = shaped({ type: fc.constant('service_account_actor'), service_account_id: usually(fc.constantFrom('svc_1', '')) });
const apiActor = shaped({ type: fc.constant('api_actor'), api_key_id: usually(fc.constantFrom('apikey_1', '')) });
const federatedActor = shaped({ type: fc.constant('federated_actor'), subject: optText, provider: usually(fc.oneof(fc.constant(null), fc.constant(ABSENT), shaped({ type: text }))) });
const otherActor = shaped({ type: usually(fc.constantFrom('robot_actor', 'User_actor', 'user_actor ', 'user', '', 'api_actor\u0000')), id: text });
const actor = fc.oneof(fc.constant(null), fc.constant(ABSENT), userActor, userActor, serviceAccountActor, apiActor, federatedActor, otherActor);

const bound = usually(fc.constantFrom('2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z', '2026-09-02T00:00:00Z', '2026-09-03T00:00:00Z', '2026-09-01T00:00:00+00:00', '2026-08-31T00:00:00Z', '2026-10-02T00:00:00Z', '2026-09-01T12:00:00Z', 'September'));
const costRow = shaped(
  {
    starting_at: usually(fc.constantFrom('2026-09-01T00:00:00Z', '2026-09-01T00:00:00Z', '2026-09-02T00:00:00Z')),
    ending_at: bound,
    group: fc.oneof(
      { weight: 8, arbitrary: shaped({ actor, product: optText, model: optText, context_window: optText, cost_type: optText, workspace_id: optText, speed: optText, inference_geo: optText }) },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constant(ABSENT) },
    ),
    cost: shaped({
      amount: cents,
      list_amount: fc.oneof(cents, fc.constant(null), fc.constant(ABSENT)),
      currency: usually(fc.constantFrom('USD', 'USD', 'USD', 'EUR', 'usd')),
      requests: usually(fc.oneof(fc.nat(1000), fc.constant(null), fc.constant(ABSENT))),
    }),
  },
  1,
);

/** A row the schema accepts, in any of the shapes it allows (absent or null options, extra keys, every actor kind). */
const validText = fc.oneof(label, fc.constant(null), fc.constant(ABSENT));
const withExtras = (fields: Record<string, fc.Arbitrary<unknown>>) => fc.tuple(fc.record(fields), fc.oneof(fc.constant([] as Array<[string, unknown]>), extraKeys.map((e) => e.filter(([k]) => k !== 'type')))).map(([r, extra]) => build([...extra, ...Object.entries(r)]));
const validActor = fc.oneof(
  fc.constant(null),
  fc.constant(ABSENT),
  withExtras({ type: fc.constant('user_actor'), user_id: fc.constantFrom('user_1', 'user_2'), email_address: validText, email: validText, name: validText, deleted: fc.oneof(fc.boolean(), fc.constant(ABSENT)) }),
  withExtras({ type: fc.constant('service_account_actor'), service_account_id: fc.constant('svc_1') }),
  withExtras({ type: fc.constant('api_actor'), api_key_id: fc.constant('apikey_1') }),
  withExtras({ type: fc.constant('federated_actor'), subject: validText, provider: fc.oneof(fc.constant(null), fc.constant(ABSENT), fc.constant({ type: 'aws' })) }),
  withExtras({ type: fc.constant('robot_actor'), id: fc.constant('r1') }),
);
const goodCents = cents.filter((v) => typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v));
const validCostRow = fc
  .tuple(
    fc.constantFrom(['2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z'], ['2026-09-02T00:00:00Z', '2026-09-03T00:00:00Z']),
    withExtras({
      group: fc.oneof(withExtras({ actor: validActor, product: validText, model: validText, context_window: validText, cost_type: validText, workspace_id: validText, speed: validText, inference_geo: validText }), fc.constant(null), fc.constant(ABSENT)),
      cost: withExtras({ amount: goodCents, list_amount: fc.oneof(goodCents, fc.constant(null), fc.constant(ABSENT)), currency: fc.constant('USD'), requests: fc.oneof(fc.nat(9), fc.constant(null), fc.constant(ABSENT)) }),
    }),
  )
  .map(([[starting_at, ending_at], rest]) => build([['starting_at', starting_at], ['ending_at', ending_at], ...Object.entries(rest)]));

const count = usually(fc.oneof(fc.nat(100_000), fc.constantFrom(0, -0, 2 ** 53 - 1)), 12);
const optCount = usually(fc.oneof(fc.nat(1000), fc.constant(null), fc.constant(ABSENT)), 12);
const userActivity = shaped({
  user: fc.oneof({ weight: 8, arbitrary: shaped({ id: usually(fc.constantFrom('user_1', 'user_2', '')), email_address: optText, type: fc.constant('user') }) }, { weight: 1, arbitrary: fc.constant(null) }),
  chat_metrics: fc.oneof({ weight: 4, arbitrary: shaped({ distinct_conversation_count: optCount, message_count: count }) }, { weight: 1, arbitrary: fc.constant(ABSENT) }),
  claude_code_metrics: fc.oneof(
    {
      weight: 4,
      arbitrary: shaped({
        core_metrics: shaped({ commit_count: count, pull_request_count: count, distinct_session_count: optCount, lines_of_code: shaped({ added_count: count, removed_count: count }) }),
        tool_actions: fc.constant({ edit_tool: { accepted_count: 0 } }),
      }),
    },
    { weight: 1, arbitrary: fc.constant(ABSENT) },
  ),
});

/** Two row paths agree: both refuse, or both accept and give the same normalised row. */
function sameCostRow(value: unknown): boolean {
  const fast = acceptedCostRow(value);
  const zod = costRowSchema.safeParse(value);
  // The fast check is never more lenient than the schema.
  if (fast !== undefined) expect(zod.success).toBe(true);
  const checked = checkedCostRow(value);
  expect(checked !== undefined).toBe(zod.success);
  if (zod.success) {
    expect(toCostRow(checked!, 'cost-grouped-p001.json#0', createInterner())).toEqual(toCostRow(zod.data, 'cost-grouped-p001.json#0', createInterner()));
    expect(describeRawRow(checked!)).toBe(describeRawRow(zod.data));
  }
  return fast !== undefined;
}

/*
 * The oracle: page parsing as it was before the fast check (zod validates the whole page, every
 * row), copied here unchanged, so the properties compare against today's behaviour and not
 * against code that could change with the implementation.
 */
function oldAmountDigitsProblem(text: string): string | null {
  const [whole = '', fraction = ''] = text.replace(/^-/, '').split('.');
  const shown = text.length > 40 ? `"${text.slice(0, 20)}…${text.slice(-8)}" (${text.length} characters)` : JSON.stringify(text);
  if (whole.length > MAX_INTEGER_DIGITS) return `${shown} has ${whole.length} digits before the decimal point; at most ${MAX_INTEGER_DIGITS} are carried exactly`;
  if (fraction.length > MAX_FRACTION_DIGITS) return `${shown} has ${fraction.length} digits after the decimal point; at most ${MAX_FRACTION_DIGITS} are carried exactly`;
  return null;
}

function oldRequestedRange(request: string, n: number, queryName: string) {
  const query = new URLSearchParams(request.includes('?') ? request.slice(request.indexOf('?') + 1) : '');
  const startIso = query.get('starting_at') ?? '';
  const endIso = query.get('ending_at') ?? '';
  const start = instantMs(startIso);
  const end = instantMs(endIso);
  if (start === null || end === null) throw new Error(`oracle: no range in ${request} (${n}, ${queryName})`);
  const daily = query.get('time_bucket_width') === '1d';
  return { startIso, endIso, startMs: daily ? startOfDayMs(start) : startOfHourMs(start), endMs: daily ? end : startOfHourMs(end), daily };
}

function oldRowOutside(startText: string, endText: string, asked: ReturnType<typeof oldRequestedRange>): string | null {
  const start = instantMs(startText);
  const end = instantMs(endText);
  if (start === null || end === null) return 'expected RFC 3339 timestamps such as 2026-09-01T00:00:00Z';
  if (end <= start) return 'it ends before it starts';
  if (start < asked.startMs) return `it starts before the requested ${asked.startIso}`;
  if (end > asked.endMs) return `it ends after the requested ${asked.endIso} (exclusive)`;
  if (asked.daily && (start !== startOfDayMs(start) || end !== addDays(start, 1))) return 'expected exactly one UTC day (midnight to midnight) for time_bucket_width=1d';
  return null;
}

function oldParsePage<T>(body: string, n: number, queryName: string, request: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, what: string): T {
  const parsed = schema.safeParse(JSON.parse(body));
  if (!parsed.success) {
    throw dataError(`Page ${n} of ${queryName} does not match ${what}.`, [
      ...describeIssues(parsed.error),
      `Request: GET ${request}`,
      'The provider changed or broke the response. Nothing was published; keep the raw page for the report and run again later.',
    ]);
  }
  return parsed.data;
}

function oldParseCostPage(body: string, file: string, n: number, queryName: string, request: string) {
  const page = oldParsePage(body, n, queryName, request, costPageSchema, 'the cost report schema');
  const asked = oldRequestedRange(request, n, queryName);
  const rows = page.data.map((raw, i) => {
    const where = `Page ${n} of ${queryName}, row ${i} (${describeRawRow(raw)})`;
    if (raw.cost.currency !== 'USD') {
      throw dataError(`Page ${n} of ${queryName}, row ${i}: currency is "${raw.cost.currency}", expected "USD".`, [
        'Chargeback statements are in USD and never convert silently. Nothing was published; report it to the provider.',
      ]);
    }
    for (const [field, value] of [['amount', raw.cost.amount], ['list_amount', raw.cost.list_amount]] as const) {
      const problem = typeof value === 'string' ? oldAmountDigitsProblem(value) : null;
      if (problem !== null) {
        throw dataError(`${where}: cost.${field} ${problem}.`, [
          `Request: GET ${request}`,
          'Rounding it would change the bill without saying so. Nothing was published; keep the raw page and report it to the provider.',
        ]);
      }
    }
    const outside = oldRowOutside(raw.starting_at, raw.ending_at, asked);
    if (outside !== null) {
      throw dataError(`${where} covers ${raw.starting_at} to ${raw.ending_at}: ${outside}.`, [
        `Requested: ${asked.startIso} to ${asked.endIso}${asked.daily ? ' in UTC day buckets (time_bucket_width=1d)' : ''}, end exclusive.`,
        `Request: GET ${request}`,
        'Billing it would charge spend of another period (or count a day twice). Nothing was published; keep the raw page and report it to the provider.',
      ]);
    }
    return toCostRow(raw, `${file}#${i}`);
  });
  return { page, rows };
}

function oldParseUsersPage(body: string, file: string, n: number, queryName: string, request: string) {
  const page = oldParsePage(body, n, queryName, request, usersPageSchema, 'the user activity schema');
  return { page, rows: page.data.flatMap((raw, i) => toEngagementRow(raw, `${file}#${i}`) ?? []) };
}

type Outcome = { rows: ReadonlyArray<CostRow | EngagementRow>; envelope: Record<string, unknown> } | { kind: string; message: string; details: readonly string[] };

function outcome(parse: () => { page: { data: unknown[] }; rows: ReadonlyArray<CostRow | EngagementRow> }): Outcome {
  try {
    const { page, rows } = parse();
    const { data: _rows, ...envelope } = page;
    return { rows, envelope };
  } catch (error) {
    if (!(error instanceof ChargebackError)) throw error;
    return { kind: error.kind, message: error.message, details: error.details };
  }
}

/** A page around `rows`: mostly a good envelope, sometimes a broken one. */
const envelope = (rows: fc.Arbitrary<unknown>) =>
  shaped(
    {
      data: fc.oneof({ weight: 12, arbitrary: fc.array(rows, { maxLength: 5 }) }, { weight: 1, arbitrary: stray }),
      has_more: usually(fc.boolean()),
      next_page: usually(fc.oneof(fc.constant('page_2'), fc.constant(null), fc.constant(ABSENT))),
      data_refreshed_at: usually(fc.oneof(fc.constantFrom('2026-10-02T03:00:00Z', '2026-10-02T03:00:00.5+02:00', 'yesterday', '2026-10-02'), fc.constant(null), fc.constant(ABSENT))),
    },
    0,
  );

describe('the fast row check', () => {
  it('accepts a cost row only as the schema does, and gives the same row', () => {
    let fast = 0;
    let runs = 0;
    fc.assert(
      fc.property(costRow, (row) => {
        runs++;
        if (sameCostRow(row)) fast++;
      }),
      { numRuns: 3000, seed },
    );
    // Both paths are exercised: most rows take the fast one, many go to zod.
    expect(fast).toBeGreaterThan(runs / 5);
    expect(fast).toBeLessThan(runs * 0.9);
  });

  it('accepts a user activity row only as the schema does, and gives the same row', () => {
    let fast = 0;
    let runs = 0;
    fc.assert(
      fc.property(userActivity, (row) => {
        runs++;
        const accepted = acceptedUserActivity(row);
        const zod = userActivitySchema.safeParse(row);
        if (accepted !== undefined) expect(zod.success).toBe(true);
        const checked = checkedUserActivity(row);
        expect(checked !== undefined).toBe(zod.success);
        if (zod.success) {
          const interner = createInterner();
          expect(toEngagementRow(checked!, 'users-p001.json#0', interner)).toEqual(toEngagementRow(zod.data, 'users-p001.json#0', interner));
        }
        if (accepted !== undefined) fast++;
      }),
      { numRuns: 2000, seed },
    );
    expect(fast).toBeGreaterThan(runs / 5);
    expect(fast).toBeLessThan(runs * 0.9);
  });

  it('finds the same digit problems as before, without building a message for a good amount', () => {
    const amount = fc.oneof(cents.filter((v): v is string => typeof v === 'string'), fc.string({ unit: fc.constantFrom('0', '1', '.', '-'), maxLength: 50 }), fc.string());
    fc.assert(
      fc.property(amount, (value) => {
        expect(amountDigitsProblem(value)).toBe(oldAmountDigitsProblem(value));
      }),
      { numRuns: 2000, seed },
    );
  });
});

describe('pages through the fast check', () => {
  it('a cost page gives the same rows, or the same error, as zod checking every row', () => {
    let pagesWithRows = 0;
    fc.assert(
      fc.property(envelope(fc.oneof({ weight: 8, arbitrary: validCostRow }, { weight: 1, arbitrary: costRow })), fc.constantFrom(MONTH, MONTH, DAILY), (page, request) => {
        const body = JSON.stringify(page);
        const expected = outcome(() => oldParseCostPage(body, 'cost-grouped-p002.json', 2, 'cost-grouped', request));
        const actual = outcome(() => parseCostPage(body, 'cost-grouped-p002.json', 2, 'cost-grouped', request));
        expect(actual).toEqual(expected);
        if ('rows' in actual && actual.rows.length > 0) pagesWithRows++;
      }),
      { numRuns: 2000, seed },
    );
    expect(pagesWithRows).toBeGreaterThan(50);
  });

  it('a users page gives the same rows, or the same error, as zod checking every row', () => {
    let pagesWithRows = 0;
    fc.assert(
      fc.property(envelope(userActivity), (page) => {
        const body = JSON.stringify(page);
        const expected = outcome(() => oldParseUsersPage(body, 'users-p003.json', 3, 'users', USERS));
        const actual = outcome(() => parseUsersPage(body, 'users-p003.json', 3, 'users', USERS));
        expect(actual).toEqual(expected);
        if ('rows' in actual && actual.rows.length > 0) pagesWithRows++;
      }),
      { numRuns: 1000, seed },
    );
    expect(pagesWithRows).toBeGreaterThan(50);
  });

  it('a page of many valid rows and one bad row names the bad row as zod does', () => {
    const good = (i: number) => ({
      starting_at: '2026-09-01T00:00:00Z',
      ending_at: '2026-10-01T00:00:00Z',
      group: { actor: { type: 'user_actor', user_id: `user_${i}`, email_address: `u${i}@b.example` }, product: 'chat', model: 'm', context_window: '0-200k', cost_type: 'tokens', workspace_id: null },
      cost: { amount: '12.5', list_amount: null, currency: 'USD', requests: null },
    });
    const rows: unknown[] = Array.from({ length: 400 }, (_, i) => good(i));
    rows[317] = { ...good(317), cost: { amount: 12.5, currency: 'USD' } };
    rows[318] = { ...good(318), group: { actor: { type: 'user_actor', email: 'x@b.example' } } };
    const body = JSON.stringify({ data: rows, has_more: 'no' });
    const expected = outcome(() => oldParseCostPage(body, 'cost-grouped-p001.json', 1, 'cost-grouped', MONTH));
    expect(outcome(() => parseCostPage(body, 'cost-grouped-p001.json', 1, 'cost-grouped', MONTH))).toEqual(expected);
    expect('message' in expected && expected.details.join('\n')).toContain('data[317].cost.amount');
  });
});

/*
 * The directory is read once and looked up through maps; these hold the faster code to what it
 * replaced: the same directory or problems whether the labels are settled before the single
 * reading or after a first one, the same alias targets, the same movers, markups and ancestries.
 */
describe('the directory, read once', () => {
  const samples = ['mappings/org.yaml', 'test/fixtures/directories/seats-markup.yaml'].map((f) => readFileSync(f, 'utf8').split('\n'));
  const replacement = fc.constantFrom('0299', '"0299"', '6.1e3', 'true', 'null', '~', '0x17D4', '.5', '+12', '1_000', 'ENG', 'GTM-SALES', "'x'", '[a, b]', '{ a: 1 }', '', '&a ENG', '2026-09-15', '"2026-09-31"', 'a@b', 'user_01J');
  const edit = fc.oneof(
    fc.tuple(fc.constant('value' as const), fc.nat(), replacement),
    fc.tuple(fc.constant('key' as const), fc.nat(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'parent', 'cost_center', 'to', 'from')),
    fc.tuple(fc.constant('delete' as const), fc.nat(), fc.constant('')),
    fc.tuple(fc.constant('repeat' as const), fc.nat(), fc.constant('')),
  );
  function edited(lines: readonly string[], edits: ReadonlyArray<readonly ['value' | 'key' | 'delete' | 'repeat', number, string]>): string {
    const out = [...lines];
    for (const [kind, at, text] of edits) {
      const i = at % out.length;
      const line = out[i]!;
      const m = /^(\s*(?:- )?)([A-Za-z_]+):(\s*)(.*)$/.exec(line);
      if (kind === 'delete') out.splice(i, 1);
      else if (kind === 'repeat') out.splice(i, 0, line);
      else if (m && kind === 'value') out[i] = `${m[1]}${m[2]}: ${text}`;
      else if (m && kind === 'key') out.splice(i + 1, 0, `${m[1]!.replace('- ', '  ')}${text}: ${m[4] || 'x'}`);
    }
    return out.join('\n');
  }
  const withoutHash = (r: ReturnType<typeof parseDirectory>) => ({ problems: r.problems, directory: r.directory === null ? null : { ...r.directory, sha256: '' } });

  it('gives the same directory or the same problems as settling after a first reading', () => {
    let loaded = 0;
    fc.assert(
      fc.property(fc.nat(1), fc.array(edit, { maxLength: 4 }), (which, edits) => {
        const text = edited(samples[which]!, edits);
        // A "*" anywhere (here in a final comment) makes the loader settle after a first reading, as it always did.
        const once = parseWholeDirectory(text, 'org.yaml');
        const twice = parseWholeDirectory(`${text}\n# *\n`, 'org.yaml');
        expect(withoutHash(once)).toEqual(withoutHash(twice));
        expect(parseDirectory(text, 'org.yaml')).toEqual(once);
        if (once.directory !== null) loaded++;
      }),
      { numRuns: 150, seed },
    );
    expect(loaded).toBeGreaterThan(10);
  });

  it('resolves every alias to what Alias.resolve finds', () => {
    const value = fc.oneof(
      fc.constantFrom('a', 'b', 'c').map((n) => `&${n} x`),
      fc.constantFrom('a', 'b', 'c', 'd').map((n) => `*${n}`),
      fc.constantFrom('a', 'b').map((n) => `&${n} { k: *${n === 'a' ? 'b' : 'a'} }`),
      fc.constant('plain'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('k1', 'k2', 'k3'), value), { minLength: 1, maxLength: 8 }), (items) => {
        const doc = parseDocument(items.map(([k, v], i) => `- ${k}${i}: ${v}`).join('\n'));
        const targets = aliasTargets(doc);
        let aliases = 0;
        visit(doc, {
          Alias: (_key, alias) => {
            aliases++;
            expect(targets.get(alias)).toBe(alias.resolve(doc));
          },
        });
        expect(targets.size).toBe(aliases);
      }),
      { numRuns: 300, seed },
    );
  });
});

/*
 * The people list read line by line (readPlainPeople) against the YAML library reading the whole
 * file: the same directory, or (a list the reader does not take, or any problem) the whole file
 * read by the library. People lists generated plain, and with what the reader must not take.
 */
describe('the people list read apart', () => {
  const org = readFileSync('mappings/org.yaml', 'utf8');
  const [before, after] = [org.slice(0, org.indexOf('\npeople:\n') + 1), org.slice(org.indexOf('\nrules:\n') + 1)];
  const codes = parseWholeDirectory(org, 'org.yaml').directory!.costCenters.map((c) => c.code);
  const quoted = (text: string) => `"${text}"`;
  /** Mostly `usual`, now and then one of `others`. */
  const odd = <T,>(usual: T, ...others: T[]) => fc.oneof({ weight: 6, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
  /** A value as written: plain, quoted, or something YAML reads otherwise. */
  const written = (plain: fc.Arbitrary<string>) =>
    fc.oneof(
      { weight: 20, arbitrary: plain },
      { weight: 6, arbitrary: plain.map(quoted) },
      { weight: 2, arbitrary: plain.map((t) => `'${t.replaceAll("'", "''")}'`) },
      { weight: 2, arbitrary: plain.map((t) => `${t}   # note`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('', '~', 'null', 'Null', 'true', 'FALSE', '0299', '6.1e3', '.5', '+12', '2026-09-15', '"2026-09-31"', 'a: b', 'a #b', 'a#b', '[x]', '{ a: 1 }', '&x a', '*x', '!!str a', '|', '>', '"a\\"b"', '"a\\nb"', "'it''s'", '"x" y', "'x", '"\u0085"', '"\u2028"', 'Ana  Lima', 'José', 'O\'Brien', '_x', '-x', '@x', '`x`', '%x', '? x', 'x:', 'x: ', '"#"', '"\t"', '\u00a0x', 'ǅ', 'a\u0301', '٣x', '"\ud83d\ude00"', '"\ud83d"'),
      },
    );
  const name = odd('Ana Lima', 'Zoë Łukasiewicz', 'Ελένη', 'Дмитрий Волков', "O'Brien", 'R&D lead', 'Mr. Smith-Jones', 'a: b', 'x #y');
  const some = (key: string, v: fc.Arbitrary<string>, present = 1) => fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: present, arbitrary: v.map((x) => [key, x] as const) });
  /** A person: mostly as a directory lists one, sometimes with a field the checks or the reader refuse. */
  const item = (i: number) =>
    fc
      .tuple(
        written(fc.constant(`p${i}@acme.example`)).map((v) => ['email', v] as const),
        some('name', written(name)),
        written(fc.constantFrom(...codes)).map((v) => ['cost_center', v] as const),
        some('user_id', written(fc.constant(`user_0${i}AB`))),
        some('from', written(fc.constantFrom('2026-09-01', '2026-09-15', '2026-10-31')), 1),
        some('to', written(fc.constantFrom('2026-10-14', '2026-08-31')), 1),
        fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'Email', 'e-mail', 'email', 'note'), written(fc.constant('x'))), fc.tuple(fc.constant('name'), written(name)), fc.tuple(fc.constant('cost_center'), written(fc.constantFrom(...codes))), fc.tuple(fc.constant('email'), fc.constant(`q${i}@acme.example`))) }),
        fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\n  # between\n', '\n\n') }),
      )
      .map(([email, ...rest]) => {
        const gap = rest.pop() as string;
        return [[email, ...(rest.filter((e) => e !== null) as Array<readonly [string, string]>)], gap] as const;
      });
  /** How items are laid out: indentation, and now and then a line the reader must refuse. */
  const layout = fc.record({
    indent: odd(2, 0, 4),
    dash: odd('- ', '-  ', '--', '-'),
    extraIndent: odd(0, 2, -2),
    trailing: odd('', '  ', '\t'),
    eol: odd('\n', '\r\n'),
    peopleLine: odd('people:', 'people:  # the people', 'people: []', 'people:  '),
    last: fc.boolean(),
  });

  function directoryText(items: ReadonlyArray<readonly [ReadonlyArray<readonly [string, string]>, string]>, l: { indent: number; dash: string; extraIndent: number; trailing: string; eol: string; peopleLine: string; last: boolean }): string {
    const pad = ' '.repeat(l.indent);
    const lines: string[] = [];
    items.forEach(([entries, gap], n) => {
      entries.forEach(([key, value], j) => {
        const text = value === '' ? `${key}:` : `${key}: ${value}`;
        const under = ' '.repeat(Math.max(0, l.indent + l.dash.length + (n === 1 && j === 1 ? l.extraIndent : 0)));
        lines.push(`${j === 0 ? `${pad}${l.dash}` : under}${text}${n === 2 ? l.trailing : ''}`);
      });
      if (gap) lines.push(gap.replace(/^\n|\n$/g, ''));
    });
    const people = `${l.peopleLine}\n${lines.join('\n')}\n`;
    const text = l.last ? `${before}${after}${people}` : `${before}${people}${after}`;
    return l.eol === '\n' ? text : text.replaceAll('\n', l.eol);
  }

  it('gives what the YAML library gives, and reads most plain lists itself', () => {
    let quick = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(0) }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => item(i)))),
        layout,
        (items, l) => {
          runs++;
          const text = directoryText(items, l);
          const read = parseDirectory(text, 'org.yaml');
          expect(read).toEqual(parseWholeDirectory(text, 'org.yaml'));
          if (read.directory !== null && readPlainPeople(text) !== null) quick++;
        },
      ),
      { numRuns: 600, seed },
    );
    expect(quick).toBeGreaterThan(runs / 5);
  });

  it('reads a value as the library does, or not at all', () => {
    // One person, one field: the reader's value is the library's whenever the reader takes it.
    const value = fc.oneof(written(name), written(fc.string({ maxLength: 8 })), written(fc.string({ unit: 'grapheme', maxLength: 6 })), written(fc.string({ unit: 'binary', maxLength: 4 })));
    let taken = 0;
    fc.assert(
      fc.property(fc.constantFrom('name', 'email', 'from', 'user_id'), value, (key, v) => {
        const text = `company: x\npeople:\n  - ${key}:${v === '' ? '' : ` ${v}`}\n    cost_center: ENG\nrules: []\n`;
        if (/[\n\r]/.test(v)) return;
        const plain = readPlainPeople(text);
        if (plain === null) return;
        taken++;
        const whole = parseDocument(text, { uniqueKeys: true });
        expect(whole.errors).toEqual([]);
        expect(plain.people).toEqual((whole.toJS() as { people: unknown }).people);
      }),
      { numRuns: 2000, seed },
    );
    expect(taken).toBeGreaterThan(300);
  });
});

/** actorsWithChangingOwner as it was: every row mapped on every day of the period. */
function oldActorsWithChangingOwner(index: DirectoryIndex, rows: readonly CostRow[], days: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const row of rows) {
    const a = row.actor;
    const id = a?.type === 'user_actor' ? a.userId : a?.type === 'service_account_actor' ? a.serviceAccountId : a?.type === 'api_actor' ? a.apiKeyId : null;
    if (id === null) {
      const owners = new Set(days.map((d) => mapRow(index, row, d).rule));
      if (owners.size > 1) {
        throw usageError(`A dated rule or person entry changes the owner of spend with no actor id inside the month (${[...owners].join(' / ')}).`, [
          `Row: ${row.rowId} (product ${row.product ?? 'none'}). The API can be asked for daily rows only per user, service account or API key.`,
          'Let such rules start on the first of a month (from:) and end on a last day (to:), or match these rows with an undated rule or pool.',
        ]);
      }
      continue;
    }
    if (ids.has(id)) continue;
    const owners = new Set(days.map((d) => { const m = mapRow(index, row, d); return `${m.costCenter}|${m.pool ?? ''}|${m.rule}`; }));
    if (owners.size > 1) ids.add(id);
  }
  return [...ids].sort();
}

function oldMarkupPercent(index: DirectoryIndex, code: string): string {
  const markup = index.directory.markup;
  if (markup === null || code === UNALLOCATED) return '0';
  for (const c of oldAncestry(index, code).reverse()) {
    const o = markup.overrides.find((x) => x.code === c);
    if (o) return o.percent;
  }
  return markup.percent;
}

function oldAncestry(index: DirectoryIndex, code: string): string[] {
  const chain: string[] = [];
  let current: string | null = code;
  while (current !== null && !chain.includes(current)) {
    chain.unshift(current);
    current = index.costCenters.get(current)?.parent ?? null;
  }
  return chain;
}

describe('directory lookups through maps', () => {
  const CODES = ['ENG', 'ENG-A', 'ENG-B', 'GTM', 'OPS'];
  const day = fc.oneof(fc.constant(null), fc.constantFrom('2026-08-20', '2026-09-01', '2026-09-02', '2026-09-14', '2026-09-15', '2026-09-30', '2026-10-01'));
  const dated = fc.tuple(day, day).map(([from, to]) => ({ from, to }));
  const person = fc.tuple(fc.constantFrom('user_1', 'user_2', 'user_3', null), fc.constantFrom('a@acme.example', 'B@acme.example', 'c@contractors.acme.example', null), fc.constantFrom(...CODES), dated, fc.boolean()).map(([userId, email, costCenter, d, undated]) => ({
    userId: userId ?? (email === null ? 'user_9' : null),
    email,
    name: null,
    costCenter,
    ...(undated ? { from: null, to: null } : d),
  }));
  const rule = fc.tuple(fc.constantFrom(...RULE_MATCHERS), fc.constantFrom('apikey_1', 'svc_1', 'wrk_1', 'acme.example', 'chat', 'claude_code'), fc.constantFrom(...CODES), dated, fc.boolean());
  const pool = fc.tuple(fc.constantFrom('no_actor', 'product', 'api_key_id', 'workspace_id') as fc.Arbitrary<PoolMatcher>, fc.constantFrom('chat', 'apikey_1', 'wrk_1', 'true'));
  const actorOf = fc.oneof(
    fc.constant(null),
    fc.tuple(fc.constantFrom('user_1', 'user_2', 'user_3', 'user_4'), fc.constantFrom('a@acme.example', 'b@acme.example', 'c@contractors.acme.example', null)).map(([userId, email]) => ({ type: 'user_actor', user_id: userId, email_address: email })),
    fc.constant({ type: 'api_actor', api_key_id: 'apikey_1' }),
    fc.constant({ type: 'service_account_actor', service_account_id: 'svc_1' }),
    fc.constant({ type: 'federated_actor', subject: 's' }),
  );
  const row = fc.tuple(actorOf, fc.constantFrom('chat', 'claude_code', null), fc.constantFrom('wrk_1', null));
  const directoryOf = fc.record({
    people: fc.array(person, { maxLength: 6 }),
    rules: fc.array(rule, { maxLength: 3 }),
    pools: fc.array(pool, { maxLength: 1 }),
    parents: fc.array(fc.constantFrom(...CODES, null), { minLength: CODES.length, maxLength: CODES.length }),
    overrides: fc.array(fc.tuple(fc.constantFrom(...CODES), fc.constantFrom('1', '2.5', '0')), { maxLength: 3 }),
  });

  it('finds the same actors whose owner changes inside the month, or the same refusal', () => {
    const days = periodDays(parsePeriod('2026-09')!);
    let movers = 0;
    fc.assert(
      fc.property(directoryOf, fc.array(row, { minLength: 1, maxLength: 12 }), (d, rows) => {
        const directory: OrgDirectory = {
          company: 'Acme',
          seatPriceCents: null,
          markup: null,
          billingAccountId: null,
          gl: DEFAULT_GL,
          unmapped: 'bucket',
          costCenters: CODES.map((code) => ({ code, name: code, parent: null, owner: { name: 'O', email: 'o@acme.example' }, glAccount: null })),
          people: d.people,
          rules: d.rules.map(([matcher, value, costCenter, dates, undated], i) => ({ index: i + 1, matcher, value, costCenter, note: null, ...(undated ? { from: null, to: null } : dates) })),
          pools: d.pools.map(([matcher, value]) => ({ name: `P-${matcher}`, match: { matcher, value }, amountCents: null, split: { kind: 'proportional' as const }, to: null, note: null })),
          sha256: '',
          source: 'org.yaml',
        };
        const costRows = rows.map(([actor, product, workspace], i) =>
          toCostRow({ starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-01T00:00:00Z', group: { actor, product, workspace_id: workspace }, cost: { amount: '1', currency: 'USD' } } as never, `cost-grouped-p001.json#${i}`, createInterner()),
        );
        const index = indexDirectory(directory);
        const expected = outcomeOf(() => oldActorsWithChangingOwner(index, costRows, days));
        expect(outcomeOf(() => actorsWithChangingOwner(index, costRows, days))).toEqual(expected);
        if (Array.isArray(expected) && expected.length > 0) movers++;
      }),
      { numRuns: 1000, seed },
    );
    expect(movers).toBeGreaterThan(20);
  });

  it('finds the same markup and ancestry for every cost center, parents in cycles included', () => {
    fc.assert(
      fc.property(directoryOf, fc.constantFrom('5', '0'), (d, percent) => {
        const directory = {
          markup: { percent, overrides: d.overrides.map(([code, p]) => ({ code, percent: p })) },
          costCenters: CODES.map((code, i) => ({ code, name: code, parent: d.parents[i]!, owner: { name: 'O', email: 'o@acme.example' }, glAccount: null })),
          people: [],
        } as unknown as OrgDirectory;
        const index = indexDirectory(directory);
        for (const code of [...CODES, UNALLOCATED, 'NOWHERE']) {
          expect(ancestry(index, code)).toEqual(oldAncestry(index, code));
          expect(markupPercent(index, code)).toBe(oldMarkupPercent(index, code));
        }
      }),
      { numRuns: 300, seed },
    );
  });
});

function outcomeOf<T>(run: () => T): T | { message: string; details: readonly string[] } {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof ChargebackError)) throw error;
    return { message: error.message, details: error.details };
  }
}
