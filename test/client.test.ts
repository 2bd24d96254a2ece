import { describe, expect, it } from 'vitest';
import { AnalyticsClient } from '../src/api/client.js';
import { RateLimiter } from '../src/api/rate-limiter.js';
import { SANDBOX_API_KEY, startSandbox } from '../src/sandbox/server.js';
import { sumMoney } from '../src/core/money.js';
import { ChargebackError } from '../src/errors.js';
import { clientFor, fakeTime, groupedQuery, NOW, SEPTEMBER, withSandbox } from './helpers/sandbox.js';
import { caught } from './helpers/errors.js';

const rowKeys = (rows: Array<{ actor: unknown; product: string | null; model: string | null; contextWindow: string | null; costType: string | null; amountCents: { toFixed(): string } }>) =>
  rows.map((r) => JSON.stringify([r.actor, r.product, r.model, r.contextWindow, r.costType, r.amountCents.toFixed()])).sort();

describe('analytics client over loopback against the sandbox', () => {
  it('follows has_more/next_page over several pages and matches the one-page pull and the org total', async () => {
    const onePage = await withSandbox({}, (s) => clientFor(s).pullCost(groupedQuery));
    expect(onePage.pages).toHaveLength(1);
    await withSandbox({ pageUnits: 150 }, async (s) => {
      const pull = await clientFor(s).pullCost(groupedQuery);
      expect(pull.pages.length).toBeGreaterThanOrEqual(3);
      expect(pull.pages[0]!.request).toContain('group_by%5B%5D=actor');
      expect(pull.pages[0]!.request).toContain('limit=1000');
      expect(pull.pages[1]!.request).toContain('&page=page_');
      expect(rowKeys(pull.rows)).toEqual(rowKeys(onePage.rows));
      expect(pull.dataRefreshedAt).toBe('2026-11-25T06:00:00Z');
      const total = await clientFor(s).pullCost({ name: 'cost-total', ...SEPTEMBER, groupBy: [] });
      expect(total.rows).toHaveLength(1);
      expect(total.rows[0]!.amountCents.toFixed()).toBe(sumMoney(pull.rows.map((r) => r.amountCents)).toFixed());
      // Every request carried the documented headers.
      for (const r of s.requests) {
        expect(r.headers['anthropic-beta']).toBe('analytics-usage-cost-2026-08-24');
        expect(r.headers['anthropic-version']).toBeTruthy();
      }
    });
  });

  it('restarts from page one when the cursor dies (410) in the middle', async () => {
    await withSandbox({ pageUnits: 150, byRequest: { 3: { kind: 'status', status: 410 } } }, async (s) => {
      const pull = await clientFor(s).pullCost(groupedQuery);
      expect(pull.restarts).toBe(1);
      expect(s.requests.map((r) => [r.ordinal, r.status, r.path.includes('page=')])).toEqual([
        [1, 200, false],
        [2, 200, true],
        [3, 410, true],
        [4, 200, false],
        ...pull.pages.slice(1).map((_, i) => [5 + i, 200, true]),
      ]);
      expect(pull.pages.map((p) => p.file)).toEqual(pull.pages.map((_, i) => `cost-grouped-p00${i + 1}.json`));
    });
  });

  it('starts over when the provider refreshes its data between pages (no 410)', async () => {
    await withSandbox({ pageUnits: 150, byRequest: { 2: { kind: 'refreshed' } } }, async (s) => {
      const logs: string[] = [];
      const time = fakeTime();
      const client = new AnalyticsClient({ baseUrl: s.url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, log: (m) => logs.push(m) });
      const pull = await client.pullCost(groupedQuery);
      expect(pull.restarts).toBe(1);
      expect(pull.dataRefreshedAt).toBe('2026-11-25T07:00:00Z');
      expect(logs[0]).toBe('the provider refreshed its data while paging (data_refreshed_at 2026-11-25T06:00:00Z then 2026-11-25T07:00:00Z) on cost-grouped; restarting from page 1 (restart 1 of 3)');
      // The abandoned page stays in the audit trail, marked as not used.
      expect(pull.attempts.map((a) => [a.status, a.keptAs !== null])).toEqual([[200, false], [200, false], ...pull.pages.map(() => [200, true])]);
      expect(pull.attempts[0]!.outcome).toBe('discarded: the listing restarted');
    });
  });

  it('gives up after a bounded number of restarts when every cursor dies', async () => {
    const byRequest = Object.fromEntries([2, 4, 6, 8].map((n) => [n, { kind: 'status' as const, status: 410 }]));
    await withSandbox({ pageUnits: 150, byRequest }, async (s) => {
      const error = await caught(clientFor(s, fakeTime(), { maxRestarts: 3 }).pullCost(groupedQuery));
      expect(error.kind).toBe('upstream');
      expect(error.message).toBe('The listing of cost-grouped had to start over 4 times (the cursor expired (HTTP 410)); gave up after 3 restarts.');
    });
  });

  it('honours retry-after on 429 and backs off on 500 and 529', async () => {
    const time = fakeTime();
    await withSandbox(
      {
        byRequest: {
          1: { kind: 'status', status: 429, retryAfter: '7' },
          2: { kind: 'status', status: 500 },
          3: { kind: 'status', status: 529 },
        },
      },
      async (s) => {
        const pull = await clientFor(s, time).pullCost(groupedQuery);
        expect(pull.retries).toBe(3);
        expect(time.sleeps).toEqual([7000, 2000, 4000]);
        expect(pull.rows.length).toBeGreaterThan(500);
      },
    );
  });

  it('times out a hung request and retries it', async () => {
    const time = fakeTime();
    await withSandbox({ byRequest: { 1: { kind: 'slow', ms: 3000 } } }, async (s) => {
      const pull = await clientFor(s, time, { timeoutMs: 300 }).pullCost(groupedQuery);
      expect(pull.retries).toBe(1);
      expect(time.sleeps).toEqual([1000]);
    });
  });

  it('accepts schema drift: extra fields, a new product and the old email field', async () => {
    const clean = await withSandbox({}, (s) => clientFor(s).pullCost(groupedQuery));
    const drift = await withSandbox({ drift: true }, (s) => clientFor(s).pullCost(groupedQuery));
    expect(drift.rows).toHaveLength(clean.rows.length);
    expect(drift.pages[0]!.body).toContain('"email":');
    expect(drift.pages[0]!.body).not.toContain('"email_address":');
    const emails = (rows: typeof clean.rows) => rows.flatMap((r) => (r.actor?.type === 'user_actor' && r.actor.email ? [r.actor.email] : [])).sort();
    expect(emails(drift.rows)).toEqual(emails(clean.rows));
    expect(new Set(drift.rows.map((r) => r.product))).toContain('cowork_sessions');
    expect(sumMoney(drift.rows.map((r) => r.amountCents)).toFixed()).toBe(sumMoney(clean.rows.map((r) => r.amountCents)).toFixed());
  });

  it('rejects a malformed amount with a clear data error', async () => {
    await withSandbox({ byRequest: { 1: { kind: 'malformed-amount' } } }, async (s) => {
      const error = await caught(clientFor(s).pullCost(groupedQuery));
      expect(error.kind).toBe('data');
      expect(error.message).toBe('Page 1 of cost-grouped does not match the cost report schema.');
      expect(error.details[0]).toMatch(/^data\[0\]\.cost\.amount: expected a decimal string in cents such as "41280\.000000", found \d+(\.\d+)? \(number\)$/);
    });
  });

  it('explains a refused key without ever printing it', async () => {
    await withSandbox({}, async (s) => {
      const secret = 'sk-ant-api01-THIS-IS-A-SECRET-KEY';
      const error = await caught(clientFor(s, fakeTime(), { apiKey: secret }).pullCost(groupedQuery));
      expect(error.kind).toBe('upstream');
      expect(error.message).toContain('HTTP 401');
      expect(error.details.join('\n')).toContain('ANTHROPIC_ANALYTICS_API_KEY');
      expect(`${error.message}\n${error.details.join('\n')}`).not.toContain(secret);
    });
  });
});

describe('the API key stays secret', () => {
  const secret = 'sk-ant-api01-SECRET-ECHOED-BY-A-PROXY';

  it('is scrubbed from retry logs and errors even when the server echoes it', async () => {
    const echo = JSON.stringify({ type: 'error', error: { type: 'api_error', message: `bad key ${secret}` } });
    await withSandbox(
      { byRequest: { 1: { kind: 'status', status: 500, body: echo }, 2: { kind: 'status', status: 400, body: echo } } },
      async (s) => {
        const logs: string[] = [];
        const time = fakeTime();
        const client = new AnalyticsClient({ baseUrl: s.url, apiKey: secret, now: time.now, sleep: time.sleep, log: (m) => logs.push(m) });
        const error = await caught(client.pullCost(groupedQuery));
        expect(logs).toEqual(['cost-grouped-p001.json: HTTP 500 (api_error: bad key [redacted]); retrying in 1 s']);
        expect(error.message).toBe('The Analytics API answered HTTP 400 for cost-grouped-p001.json: api_error: bad key [redacted].');
        expect(JSON.stringify(error.details)).not.toContain(secret);
      },
      secret,
    );
  });

  it('is scrubbed from error bodies kept in the audit trail', async () => {
    const echo = JSON.stringify({ type: 'error', error: { type: 'api_error', message: `bad key ${secret}` } });
    await withSandbox(
      { byRequest: { 1: { kind: 'status', status: 503, body: echo } } },
      async (s) => {
        const time = fakeTime();
        const pull = await new AnalyticsClient({ baseUrl: s.url, apiKey: secret, now: time.now, sleep: time.sleep }).pullCost(groupedQuery);
        expect(pull.attempts[0]!.status).toBe(503);
        expect(pull.attempts[0]!.body).toBe(echo.replace(secret, '[redacted]'));
      },
      secret,
    );
  });

  it('refuses a key that cannot travel in a header, without echoing it', () => {
    const bad = `${secret}\n`;
    let error: unknown;
    try {
      new AnalyticsClient({ baseUrl: 'http://127.0.0.1:9', apiKey: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChargebackError);
    expect((error as ChargebackError).kind).toBe('usage');
    expect(`${(error as ChargebackError).message}${(error as ChargebackError).details.join('')}`).not.toContain(secret);
  });
});

describe('rate limiter', () => {
  it('paces a long listing in the client to 60 requests per minute', async () => {
    const time = fakeTime();
    const sandbox = await startSandbox({ now: () => NOW, faults: { pageUnits: 4 }, requestsPerMinute: 10_000 });
    try {
      const pull = await clientFor(sandbox, time).pullCost(groupedQuery);
      expect(pull.requests).toBeGreaterThan(120);
      expect(sandbox.requests.every((r) => r.status === 200)).toBe(true);
      // n requests need at least floor((n - 1) / 60) full minutes of waiting.
      expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(Math.floor((pull.requests - 1) / 60) * 60_000);
    } finally {
      await sandbox.close();
    }
  });

  it('never lets more than 60 requests into any 60-second window', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter(60, 60_000, time.now, time.sleep);
    const sent: number[] = [];
    for (let i = 0; i < 200; i++) {
      await limiter.acquire();
      sent.push(time.now());
    }
    for (let i = 0; i + 60 < sent.length; i++) expect(sent[i + 60]! - sent[i]!).toBeGreaterThanOrEqual(60_000);
    expect(sent[199]! - sent[0]!).toBe(180_000);
  });
});
