import { describe, expect, it } from 'vitest';
import { PREMIUM_GROUP_BY } from '../src/api/client.js';
import { ChargebackError } from '../src/errors.js';
import { readdirSync, readFileSync } from 'node:fs';
import { runCli } from './helpers/cli.js';
import { join } from 'node:path';
import { clientFor, fakeTime, runMonthAgainst, SEPTEMBER, withSandbox } from './helpers/sandbox.js';
import { pdfText } from './helpers/readers.js';

const users = { name: 'users', startingDate: '2026-09-01', endingDate: '2026-10-01' };

describe('engagement (GET /analytics/users, rollup) over loopback', () => {
  it('pages with next_page only, without the beta header, and gets the same rows as one page', async () => {
    const one = await withSandbox({}, (s) => clientFor(s).pullUsers(users));
    expect(one.pages).toHaveLength(1);
    expect(one.rows.length).toBeGreaterThan(100);
    await withSandbox({ pageUnits: 40 }, async (s) => {
      const pull = await clientFor(s).pullUsers(users);
      expect(pull.pages.length).toBe(Math.ceil(one.rows.length / 40));
      expect(pull.pages[0]!.request).toBe('/v1/organizations/analytics/users?starting_date=2026-09-01&ending_date=2026-10-01&limit=1000');
      expect(pull.pages[1]!.request).toContain('&page=page_');
      expect(pull.rows.map(({ rowId: _, ...r }) => r)).toEqual(one.rows.map(({ rowId: _, ...r }) => r));
      expect(pull.dataRefreshedAt).toBeNull();
      for (const r of s.requests) {
        expect(r.headers['anthropic-beta']).toBeUndefined();
        expect(r.headers['anthropic-version']).toBeTruthy();
      }
    });
    // Rows are sorted by email, one per user, and activity follows spend: no commits without sessions.
    const emails = one.rows.map((r) => r.email!);
    expect(emails).toEqual([...emails].sort());
    expect(new Set(one.rows.map((r) => r.userId)).size).toBe(one.rows.length);
    for (const r of one.rows) if (r.commits > 0) expect(r.sessions).toBeGreaterThan(0);
  });

  it('a month of days adds up to the rollup of the month', async () => {
    await withSandbox({}, async (s) => {
      const month = await clientFor(s).pullUsers(users);
      const first = await clientFor(s).pullUsers({ name: 'a', startingDate: '2026-09-01', endingDate: '2026-09-16' });
      const second = await clientFor(s).pullUsers({ name: 'b', startingDate: '2026-09-16', endingDate: '2026-10-01' });
      const sum = (rows: typeof month.rows) => rows.reduce((t, r) => t + r.pullRequests * 1_000_000 + r.commits, 0);
      expect(sum(first.rows) + sum(second.rows)).toBe(sum(month.rows));
    });
  });

  it('retries a 500 on the users listing and refuses a day that is not aggregated yet', async () => {
    await withSandbox({ byRequest: { 1: { kind: 'status', status: 500 } } }, async (s) => {
      const time = fakeTime();
      const pull = await clientFor(s, time).pullUsers(users);
      expect([pull.retries, time.sleeps]).toEqual([1, [1000]]);
    });
    await withSandbox({}, async (s) => {
      const error = await clientFor(s).pullUsers({ name: 'users', startingDate: '2026-11-01', endingDate: '2026-11-26' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChargebackError);
      expect((error as ChargebackError).message).toContain('HTTP 400');
      expect((error as ChargebackError).message).toContain('latest available day is 2026-11-23');
    });
  });

  it('a malformed counter is a data error naming the field', async () => {
    await withSandbox({ byRequest: { 1: { kind: 'status', status: 200, body: JSON.stringify({ data: [{ user: { id: 'user_x', email_address: 'x@y.example' }, claude_code_metrics: { core_metrics: { commit_count: '3', pull_request_count: 1, lines_of_code: { added_count: 1, removed_count: 0 } } } }], next_page: null }) } } }, async (s) => {
      const error = (await clientFor(s).pullUsers(users).catch((e: unknown) => e)) as ChargebackError;
      expect(error.kind).toBe('data');
      expect(error.message).toBe('Page 1 of users does not match the user activity schema.');
      expect(error.details.join('\n')).toContain('data[0].claude_code_metrics.core_metrics.commit_count');
    });
  });

  it('the premium listing groups the month by speed and inference region and adds up to the org total', async () => {
    await withSandbox({}, async (s) => {
      const premium = await clientFor(s).pullCost({ name: 'cost-premium', ...SEPTEMBER, groupBy: PREMIUM_GROUP_BY });
      const total = await clientFor(s).pullCost({ name: 'cost-total', ...SEPTEMBER, groupBy: [] });
      const sum = premium.rows.reduce((t, r) => t.plus(r.amountCents), total.rows[0]!.amountCents.times(0));
      expect(sum.toFixed()).toBe(total.rows[0]!.amountCents.toFixed());
      expect(new Set(premium.rows.map((r) => r.speed ?? null))).toEqual(new Set(['fast', 'standard', null]));
      expect(new Set(premium.rows.map((r) => r.inferenceGeo ?? null))).toEqual(new Set(['us', 'global', null]));
    });
  });

  it('a month the provider cannot serve engagement for is published without it, with a warning', async () => {
    // Requests 1-3 are the cost listings; the 4th is the users listing.
    const refused = await runMonthAgainst({ byRequest: { 4: { kind: 'status', status: 403 } } });
    expect(refused.error).toBeNull();
    expect(refused.result!.warnings).toEqual([expect.stringContaining('engagement for 2026-09 is not available (The Analytics API answered HTTP 403 for users-p001.json')]);
    const month = join(refused.out, '2026-09');
    expect(readdirSync(join(month, 'raw')).filter((f) => f.startsWith('users'))).toEqual([]);
    expect(pdfText(join(month, 'statements', 'ENG-PLAT.pdf'))).toContain('No engagement is shown');
    // Beyond the 90-day look-back: the same, and the money is unaffected.
    const old = await runMonthAgainst({}, { period: '2026-08' });
    expect(old.result!.warnings).toEqual([expect.stringContaining('starting_date: must be within the last 90 days')]);
    expect(old.result!.sourceTotalCents).toBe(2504458n);
  });

  it('keeps the refused exchange in raw/requests.json, and the month still verifies', async () => {
    const refused = await runMonthAgainst({ byRequest: { 4: { kind: 'status', status: 403 } } });
    const month = join(refused.out, '2026-09');
    const requests = JSON.parse(readFileSync(join(month, 'raw', 'requests.json'), 'utf8')) as Array<{ query: string; status: number; used: boolean; file: string | null }>;
    expect(requests.filter((r) => r.query === 'users')).toEqual([expect.objectContaining({ status: 403, used: false, file: 'discarded/004-users-http403.txt' })]);
    const r = await runCli(['verify', month]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('says when the provider\u2019s report does not reach the month\u2019s end yet', async () => {
    const { result, out } = await runMonthAgainst({}, { period: '2026-11', provisional: true });
    expect(result!.warnings).toContain('engagement for 2026-11 covers activity up to 2026-11-20 only: the provider\'s report trails by a few days; the statements say so.');
    const text = pdfText(join(out, '2026-11', 'statements', 'ENG-PLAT.pdf')).replace(/\s+/g, ' ');
    expect(text).toContain('Activity from 1 November 2026 to 20 November 2026, not the whole month');
  });
});
