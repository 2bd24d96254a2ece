import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCostPage } from '../src/api/client.js';
import { ChargebackError } from '../src/errors.js';
import { runMonthAgainst } from './helpers/sandbox.js';

const REQUEST = '/v1/organizations/analytics/cost?starting_at=2026-09-01T00%3A00%3A00Z&ending_at=2026-10-01T00%3A00%3A00Z&limit=1000';
const page = (refreshed: unknown) => JSON.stringify({ data: [], has_more: false, next_page: null, data_refreshed_at: refreshed });

describe('data_refreshed_at is a timestamp or nothing', () => {
  it.each(['yesterday', '2026-10-31', '2026-02-30T00:00:00Z', '', 1761868800])('refuses %j as a schema error naming the field', (value) => {
    let error: unknown;
    try {
      parseCostPage(page(value), 'cost-total-p001.json', 1, 'cost-total', REQUEST);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChargebackError);
    expect((error as ChargebackError).kind).toBe('data');
    expect((error as ChargebackError).message).toBe('Page 1 of cost-total does not match the cost report schema.');
    expect((error as ChargebackError).details.join('\n')).toMatch(/data_refreshed_at: (expected an RFC 3339 timestamp such as "2026-10-31T12:00:00Z", found|.*expected string)/);
  });

  it.each(['2026-10-31T06:00:00Z', '2026-10-31T07:00:00+01:00', null])('accepts %j', (value) => {
    expect(parseCostPage(page(value), 'cost-total-p001.json', 1, 'cost-total', REQUEST).page.data_refreshed_at).toBe(value);
  });

  it('a month whose export says "yesterday" ends in exit 1 with nothing published, not "not complete yet"', async () => {
    const r = await runMonthAgainst({ byRequest: { 1: { kind: 'status', status: 200, body: page('yesterday') } } }, { period: '2026-09' });
    expect(r.error?.kind).toBe('data');
    expect(r.error?.message).toBe('Page 1 of cost-grouped does not match the cost report schema.');
    expect(r.error?.details.join('\n')).toContain('data_refreshed_at: expected an RFC 3339 timestamp such as "2026-10-31T12:00:00Z", found "yesterday" (string)');
    expect(readdirSync(r.out)).toEqual([]);
  });
});
