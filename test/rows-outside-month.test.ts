import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCostPage } from '../src/api/client.js';
import { MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS } from '../src/api/cost-schema.js';
import { Money, sumMoney } from '../src/core/money.js';
import { ChargebackError } from '../src/errors.js';
import { clientFor, groupedQuery, runMonthAgainst, withSandbox } from './helpers/sandbox.js';
import { caught, caughtSync } from './helpers/errors.js';

const MONTH_REQUEST = '/v1/organizations/analytics/cost?starting_at=2026-09-01T00%3A00%3A00Z&ending_at=2026-10-01T00%3A00%3A00Z&group_by%5B%5D=actor&group_by%5B%5D=product&limit=1000';
const DAILY_REQUEST = `${MONTH_REQUEST}&time_bucket_width=1d`;

function pageWith(rows: Array<{ starting_at: string; ending_at: string; amount?: string; list_amount?: string }>): string {
  return JSON.stringify({
    data: rows.map((r) => ({
      starting_at: r.starting_at,
      ending_at: r.ending_at,
      group: { actor: { type: 'user_actor', user_id: 'user_01', email_address: 'ada@acme.example' }, product: 'claude_code' },
      cost: { amount: r.amount ?? '100.500000', list_amount: r.list_amount ?? null, currency: 'USD', requests: null },
    })),
    has_more: false,
    next_page: null,
    data_refreshed_at: '2026-11-25T06:00:00Z',
  });
}

const whole = { starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-01T00:00:00Z' };

describe('rows outside the requested month', () => {
  it('refuses a row that starts before the month, naming the page, the row, its actor and product, and the dates', async () => {
    await withSandbox({ byRequest: { 1: { kind: 'row-outside' } } }, async (s) => {
      const error = await caught(clientFor(s).pullCost(groupedQuery));
      expect(error.kind).toBe('data');
      expect(error.message).toBe(
        'Page 1 of cost-grouped, row 0 (API key apikey_01JKYDW28CJ75R9D7DJPSDTS8A, product api) covers 2026-08-31T00:00:00Z to 2026-09-01T00:00:00Z: it starts before the requested 2026-09-01T00:00:00Z.',
      );
      expect(error.details[0]).toBe('Requested: 2026-09-01T00:00:00Z to 2026-10-01T00:00:00Z, end exclusive.');
    });
  });

  it('refuses a row that ends after the month', () => {
    const error = caughtSync(() => parseCostPage(pageWith([whole, { starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-02T00:00:00Z' }]), 'cost-grouped-p003.json', 3, 'cost-grouped', MONTH_REQUEST));
    expect(error.kind).toBe('data');
    expect(error.message).toBe(
      'Page 3 of cost-grouped, row 1 (user user_01 (ada@acme.example), product claude_code) covers 2026-09-01T00:00:00Z to 2026-10-02T00:00:00Z: it ends after the requested 2026-10-01T00:00:00Z (exclusive).',
    );
  });

  it('refuses a row whose dates are not timestamps', () => {
    const error = caughtSync(() => parseCostPage(pageWith([{ starting_at: 'September', ending_at: '2026-10-01T00:00:00Z' }]), 'cost-grouped-p001.json', 1, 'cost-grouped', MONTH_REQUEST));
    expect(error.message).toBe(
      'Page 1 of cost-grouped, row 0 (user user_01 (ada@acme.example), product claude_code) covers September to 2026-10-01T00:00:00Z: expected RFC 3339 timestamps such as 2026-09-01T00:00:00Z.',
    );
  });

  it('refuses a daily row that spans more than one UTC day', async () => {
    const clean = await withSandbox({}, (s) => clientFor(s).pullCost(groupedQuery));
    const actor = clean.rows.find((r) => r.actor?.type === 'user_actor')!.actor as { userId: string };
    const daily = { ...groupedQuery, name: 'cost-daily-01', actorIds: [actor.userId], timeBucketWidth: '1d' as const };
    const fine = await withSandbox({}, (s) => clientFor(s).pullCost(daily));
    expect(fine.rows.length).toBeGreaterThan(0);
    await withSandbox({ byRequest: { 1: { kind: 'row-outside', startingAt: '2026-09-01T00:00:00Z', endingAt: '2026-09-03T00:00:00Z' } } }, async (s) => {
      const error = await caught(clientFor(s).pullCost(daily));
      expect(error.kind).toBe('data');
      expect(error.message).toMatch(/^Page 1 of cost-daily-01, row 0 \(user .*\) covers 2026-09-01T00:00:00Z to 2026-09-03T00:00:00Z: expected exactly one UTC day \(midnight to midnight\) for time_bucket_width=1d\.$/);
      expect(error.details[0]).toBe('Requested: 2026-09-01T00:00:00Z to 2026-10-01T00:00:00Z in UTC day buckets (time_bucket_width=1d), end exclusive.');
    });
  });

  it('ends a month run with a row outside the month in exit 1 with nothing published', async () => {
    const { error, out } = await runMonthAgainst({ byRequest: { 1: { kind: 'row-outside' } } });
    expect(error?.kind).toBe('data');
    expect(error!.message).toMatch(/^Page 1 of cost-grouped, row 0 \(.*\) covers 2026-08-31T00:00:00Z to 2026-09-01T00:00:00Z: it starts before the requested 2026-09-01T00:00:00Z\.$/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses the same row when a page is read back from raw/ (verify, --from-raw)', () => {
    // readRawListings passes the recorded request, so the range is the one that was asked for.
    const body = pageWith([{ starting_at: '2026-10-01T00:00:00Z', ending_at: '2026-10-02T00:00:00Z' }]);
    const error = caughtSync(() => parseCostPage(body, 'cost-grouped-p001.json', 1, 'cost-grouped', DAILY_REQUEST));
    expect(error.message).toMatch(/covers 2026-10-01T00:00:00Z to 2026-10-02T00:00:00Z: it ends after the requested 2026-10-01T00:00:00Z \(exclusive\)\.$/);
    expect(parseCostPage(pageWith([whole]), 'cost-grouped-p001.json', 1, 'cost-grouped', MONTH_REQUEST).rows).toHaveLength(1);
  });

  it('refuses a page whose request names no range, since its rows cannot be checked', () => {
    const error = caughtSync(() => parseCostPage(pageWith([whole]), 'cost-grouped-p001.json', 1, 'cost-grouped', '/v1/organizations/analytics/cost'));
    expect(error.kind).toBe('data');
    expect(error.message).toBe('Page 1 of cost-grouped cannot be checked: its request names no valid starting_at and ending_at.');
  });
});

describe('amounts the tool cannot carry exactly', () => {
  it('derives the limits from the Money precision: 24 digits before the point and 12 after', () => {
    expect(Money.precision).toBe(60);
    expect([MAX_INTEGER_DIGITS, MAX_FRACTION_DIGITS]).toEqual([24, 12]);
  });

  it('accepts an amount at the limits and carries it exactly, even summed a billion times over', () => {
    const amount = `-${'9'.repeat(24)}.${'9'.repeat(12)}`;
    const { rows } = parseCostPage(pageWith([{ ...whole, amount, list_amount: amount.slice(1) }]), 'cost-grouped-p001.json', 1, 'cost-grouped', MONTH_REQUEST);
    expect(rows[0]!.amountCents.toFixed()).toBe(amount);
    expect(rows[0]!.listAmountCents!.toFixed()).toBe(amount.slice(1));
    // Summed over 10^9 rows and multiplied by a rate of 15 significant digits, it is still exact:
    // 36 + 9 + 15 = 60 significant digits, Money's precision (checked against bigint arithmetic).
    const scaled = -(10n ** 36n - 1n); // the amount in units of 10^-12 cents
    const billion = rows[0]!.amountCents.times('1000000000');
    expect(billion.times(new Money(10).pow(12)).toFixed()).toBe((scaled * 10n ** 9n).toString());
    const rated = billion.times('1.23456789012345');
    expect(rated.times(new Money(10).pow(26)).toFixed()).toBe((scaled * 10n ** 9n * 123456789012345n).toString());
    expect(sumMoney([rows[0]!.amountCents, rows[0]!.amountCents]).toFixed()).toBe(`-1${'9'.repeat(24)}.${'9'.repeat(11)}8`);
  });

  it('refuses an amount with 25 digits before the decimal point, naming page, row and field', () => {
    const amount = `1${'0'.repeat(24)}.000000`;
    const error = caughtSync(() => parseCostPage(pageWith([whole, { ...whole, amount }]), 'cost-grouped-p002.json', 2, 'cost-grouped', MONTH_REQUEST));
    expect(error.kind).toBe('data');
    expect(error.message).toBe(
      'Page 2 of cost-grouped, row 1 (user user_01 (ada@acme.example), product claude_code): cost.amount "1000000000000000000000000.000000" has 25 digits before the decimal point; at most 24 are carried exactly.',
    );
  });

  it('refuses an amount with 13 fractional digits, and a list_amount with 30', () => {
    const thirteen = caughtSync(() => parseCostPage(pageWith([{ ...whole, amount: `1.${'0'.repeat(12)}1` }]), 'cost-grouped-p001.json', 1, 'cost-grouped', MONTH_REQUEST));
    expect(thirteen.message).toBe(
      'Page 1 of cost-grouped, row 0 (user user_01 (ada@acme.example), product claude_code): cost.amount "1.0000000000001" has 13 digits after the decimal point; at most 12 are carried exactly.',
    );
    const thirty = caughtSync(() => parseCostPage(pageWith([{ ...whole, list_amount: `0.${'3'.repeat(30)}` }]), 'cost-grouped-p001.json', 1, 'cost-grouped', MONTH_REQUEST));
    expect(thirty.message).toMatch(/: cost\.list_amount "0\.333333333333333333333333333333" has 30 digits after the decimal point; at most 12 are carried exactly\.$/);
  });

  it('ends a month run whose API sends an 80-digit amount in exit 1 naming page and row, with nothing published', async () => {
    const amount = '1'.repeat(80);
    const { error, out } = await runMonthAgainst({ byRequest: { 1: { kind: 'amount', amount } } });
    expect(error?.kind).toBe('data');
    expect(error!.message).toMatch(/^Page 1 of cost-grouped, row 0 \(.*\): cost\.amount "11111111111111111111…11111111" \(80 characters\) has 80 digits before the decimal point; at most 24 are carried exactly\.$/);
    expect(readdirSync(out)).toEqual([]);
  });
});

