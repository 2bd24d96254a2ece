import { describe, expect, it } from 'vitest';
import { AnalyticsClient, describeBaseUrl, MAX_RETRY_AFTER_MS, retryAfterMs } from '../src/api/client.js';
import { DEFAULT_ROW_BOUND, listingBounds, pageBound } from '../src/api/listing-bounds.js';
import { SANDBOX_API_KEY, startSandbox, type FaultAction, type SandboxFaults } from '../src/sandbox/server.js';
import { ChargebackError } from '../src/errors.js';
import { runCli, tempDir } from './helpers/cli.js';
import { clientFor, fakeTime, groupedQuery, NOW, runMonthAgainst, withSandbox } from './helpers/sandbox.js';
import { caught, caughtSync } from './helpers/errors.js';

const everyRequest = (fault: FaultAction, n = 20) => Object.fromEntries(Array.from({ length: n }, (_, i) => [i + 1, fault]));
const url = 'http://alice:hunter2-PASSWORD@127.0.0.1:9/v1';
const text = (e: ChargebackError) => [e.message, ...e.details].join('\n');

/** A sandbox that answers as fast as it can (the client keeps to 60 a minute on its fake clock). */
async function withFastSandbox<T>(faults: SandboxFaults, fn: (url: string) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox({ now: () => NOW, faults, requestsPerMinute: 100_000 });
  try {
    return await fn(sandbox.url);
  } finally {
    await sandbox.close();
  }
}

describe('every wait is bounded', () => {
  it('cuts a body that trickles a byte at a time at the request deadline, on every attempt, within retries × deadline + backoffs', async () => {
    const time = fakeTime();
    await withSandbox({ byRequest: everyRequest({ kind: 'trickle', ms: 100 }) }, async (s) => {
      const client = new AnalyticsClient({ baseUrl: s.url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, timeoutMs: 300, maxRetries: 2 });
      const started = performance.now();
      const error = await caught(client.pullCost(groupedQuery));
      const elapsedMs = performance.now() - started;
      expect(error.kind).toBe('upstream');
      expect(error.message).toBe('The Analytics API did not answer cost-grouped-p001.json (no answer within 0.3 s) after 3 attempts.');
      // Three attempts, each with headers sent and the body cut off, and the backoffs between them.
      expect(s.requests.map((r) => r.status)).toEqual([200, 200, 200]);
      expect((error as unknown as { attempts: Array<{ status: number; outcome: string }> }).attempts.map((a) => [a.status, a.outcome])).toEqual([
        [0, 'no answer: no answer within 0.3 s'],
        [0, 'no answer: no answer within 0.3 s'],
        [0, 'no answer: no answer within 0.3 s'],
      ]);
      expect(time.sleeps).toEqual([1000, 2000]);
      // 3 × 0.3 s of real deadline (the backoffs pass on the fake clock); the body alone would take minutes.
      expect(elapsedMs).toBeGreaterThanOrEqual(3 * 300 - 50);
      expect(elapsedMs).toBeLessThan(15_000);
    });
  });

  it('ends at once with exit 75 and the UTC time to try again when retry-after is above 5 minutes', async () => {
    const time = fakeTime();
    await withSandbox({ byRequest: { 1: { kind: 'status', status: 429, retryAfter: '100000' } } }, async (s) => {
      const error = await caught(clientFor(s, time).pullCost(groupedQuery));
      expect(error.kind).toBe('tempfail');
      expect(error.message).toBe(
        'The Analytics API asked us to wait 100000 s (27.8 h) before cost-grouped-p001.json (HTTP 429, retry-after: "100000"), more than the 5 minutes we wait; try again after 2026-11-26T12:46:40Z.',
      );
      expect(error.details[1]).toBe('Nothing was published. Run the month again after that time (exit code 75: try later).');
      expect(time.sleeps).toEqual([]);
      expect(s.requests).toHaveLength(1);
    });
  });

  it('reads a retry-after HTTP date as the time to try again', async () => {
    const time = fakeTime();
    await withSandbox({ byRequest: { 1: { kind: 'status', status: 503, retryAfter: 'Thu, 26 Nov 2026 09:00:00 GMT' } } }, async (s) => {
      const error = await caught(clientFor(s, time).pullCost(groupedQuery));
      expect(error.kind).toBe('tempfail');
      expect(error.message).toMatch(/wait 86400 s \(24\.0 h\) before cost-grouped-p001\.json \(HTTP 503, .*; try again after 2026-11-26T09:00:00Z\.$/);
      expect(time.sleeps).toEqual([]);
    });
  });

  it('waits a retry-after of exactly 5 minutes, no more and no less', async () => {
    const time = fakeTime();
    await withSandbox({ byRequest: { 1: { kind: 'status', status: 429, retryAfter: '300' } } }, async (s) => {
      const pull = await clientFor(s, time).pullCost(groupedQuery);
      expect(pull.retries).toBe(1);
      expect(time.sleeps).toEqual([300_000]);
    });
    expect(MAX_RETRY_AFTER_MS).toBe(300_000);
    expect(retryAfterMs('301', NOW)).toBe(301_000);
    expect(retryAfterMs('100000', NOW)).toBe(100_000_000);
    expect(retryAfterMs('soon', NOW)).toBeNull();
  });

  it('stops a listing of new cursors at the row bound and says how the bound was derived', async () => {
    const time = fakeTime();
    await withFastSandbox({ endless: 'rows' }, async (url) => {
      const client = new AnalyticsClient({ baseUrl: url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep });
      const error = await caught(client.pullCost({ ...groupedQuery, bound: { rows: 500, derivation: '500 rows = 20 actors × 25 groupings each' } }));
      expect(error.kind).toBe('upstream');
      expect(error.message).toBe('The cost-grouped listing did not end: page 1 brings it to 531 rows, more than the 500 the organization can have.');
      expect(error.details[0]).toBe('Bound: 500 rows = 20 actors × 25 groupings each, and at most 3 empty pages in a row.');
    });
  });

  it('stops a listing of new cursors serving rows again at its row bound, whatever the page size', async () => {
    const time = fakeTime();
    await withFastSandbox({ endless: 'rows' }, async (url) => {
      const client = new AnalyticsClient({ baseUrl: url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep });
      const error = await caught(client.pullCost({ ...groupedQuery, bound: { rows: 5_000, derivation: '5,000 rows = 200 actors × 25 groupings each' } }));
      expect(error.message).toBe('The cost-grouped listing did not end: page 19 brings it to 5,112 rows, more than the 5,000 the organization can have.');
      expect(error.details[0]).toBe('Bound: 5,000 rows = 200 actors × 25 groupings each, and at most 3 empty pages in a row.');
    });
  });

  it('never stops a real listing for its page count: short pages are followed to the end', async () => {
    const time = fakeTime();
    const bound = { rows: 5_000, derivation: '5,000 rows = 200 actors × 25 groupings each' };
    const clean = await withFastSandbox({}, (url) => new AnalyticsClient({ baseUrl: url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep }).pullCost({ ...groupedQuery, bound }));
    const short = await withFastSandbox({ pageUnits: 3 }, (url) => new AnalyticsClient({ baseUrl: url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep }).pullCost({ ...groupedQuery, bound }));
    // Far more pages than 5,000 rows would fill at 1000 a page, and the same rows.
    expect(short.pages.length).toBeGreaterThan(100);
    expect(short.rows.length).toBe(clean.rows.length);
  });

  it('stops a listing of empty pages that say has_more after 3 in a row', async () => {
    const time = fakeTime();
    await withFastSandbox({ endless: 'empty' }, async (url) => {
      const client = new AnalyticsClient({ baseUrl: url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep });
      const error = await caught(client.pullCost(groupedQuery));
      expect(error.kind).toBe('upstream');
      expect(error.message).toBe('The cost-grouped listing did not end: pages 1 to 4 had no rows but said has_more: true (4 empty pages in a row, at most 3 allowed).');
      expect(error.details[0]).toBe(`Bound: ${DEFAULT_ROW_BOUND.derivation}, and at most 3 empty pages in a row.`);
    });
  });

  it('stops an endless listing in a month run with exit 3 by the bound derived from the directory', async () => {
    const { error, out } = await runMonthAgainst({ endless: 'empty' });
    expect(error?.kind).toBe('upstream');
    expect(error!.message).toBe('The cost-grouped listing did not end: pages 1 to 4 had no rows but said has_more: true (4 empty pages in a row, at most 3 allowed).');
    expect(error!.details[0]).toBe(
      'Bound: 250,000 rows = 10,000 actors = max(10,000, 2 × (121 people + 5 rules in mappings/org.yaml)) × 25 groupings each, and at most 3 empty pages in a row.',
    );
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(out)).toEqual([]);
  });

  it('bounds a 500,000-person organization well above the 2,500 pages of its real month', () => {
    const bounds = listingBounds({ people: 500_000, rules: 200, source: 'mappings/org.yaml' });
    expect(bounds.perActor).toEqual({ rows: 25_010_000, derivation: '25,010,000 rows = 1,000,400 actors = max(10,000, 2 × (500,000 people + 200 rules in mappings/org.yaml)) × 25 groupings each' });
    expect(pageBound(bounds.perActor)).toBe(25_010);
    expect(bounds.users.rows).toBe(1_000_400);
    expect(bounds.total.rows).toBe(25);
    expect(bounds.daily(50, 31)).toEqual({ rows: 38_750, derivation: '38,750 rows = 50 actors × 31 days × 25 groupings each' });
    expect(pageBound(bounds.daily(50, 31))).toBe(39);
  });
});

describe('no credentials in the base URL', () => {

  it('refuses user:password@ in the base URL with a usage error that names neither', () => {
    const error = caughtSync(() => new AnalyticsClient({ baseUrl: url, apiKey: SANDBOX_API_KEY }));
    expect(error.kind).toBe('usage');
    expect(error.message).toBe('ANTHROPIC_BASE_URL contains credentials (user:password@ before 127.0.0.1:9); they are not accepted there.');
    expect(text(error)).toContain('HTTPS_PROXY');
    expect(text(error)).not.toMatch(/alice|hunter2/);
    const userOnly = caughtSync(() => new AnalyticsClient({ baseUrl: 'https://alice@api.example', apiKey: SANDBOX_API_KEY }));
    expect(text(userOnly)).not.toContain('alice');
  });

  it('never echoes a base URL that is not http(s), which could carry a secret', () => {
    const error = caughtSync(() => new AnalyticsClient({ baseUrl: 'alice:hunter2-PASSWORD@host', apiKey: SANDBOX_API_KEY }));
    expect(error.kind).toBe('usage');
    expect(error.message).toBe('ANTHROPIC_BASE_URL is not an http(s) URL (its scheme is "alice").');
    expect(text(error)).not.toContain('hunter2');
  });

  it('describes a base URL by its origin only', () => {
    expect(describeBaseUrl(url)).toBe('http://127.0.0.1:9');
    expect(describeBaseUrl('https://api.anthropic.com/')).toBe('https://api.anthropic.com');
    expect(describeBaseUrl('https://gw.example:8443/anthropic?token=abc')).toBe('https://gw.example:8443');
    expect(describeBaseUrl('not a url')).toBe('(not a URL)');
  });

  it('prints the base URL by its origin in an unreachable-server error', async () => {
    const time = fakeTime();
    const client = new AnalyticsClient({ baseUrl: 'http://127.0.0.1:9/gateway/', apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, maxRetries: 0 });
    const error = await caught(client.pullCost(groupedQuery));
    expect(error.details[0]).toBe('Base URL: http://127.0.0.1:9');
  });
});

describe('the CLI', () => {
  const env = { ANTHROPIC_ANALYTICS_API_KEY: SANDBOX_API_KEY };

  it('exits 75 at once and says when to try again when the API asks to wait more than 5 minutes', async () => {
    const sandbox = await startSandbox({ now: () => NOW, faults: { byRequest: { 1: { kind: 'status', status: 429, retryAfter: 'Wed, 03 Dec 2031 10:00:00 GMT' } } } });
    try {
      const out = tempDir();
      const r = await runCli(['run', '--period', '2026-09', '--now', '2026-11-25T09:00:00Z', '--out', out], { ...env, ANTHROPIC_BASE_URL: sandbox.url });
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(/retry-after: "Wed, 03 Dec 2031 10:00:00 GMT"\), more than the 5 minutes we wait; try again after 2031-12-03T10:00:00Z\./);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(sandbox.requests).toHaveLength(1);
    } finally {
      await sandbox.close();
    }
  });

  it('exits 2 for credentials in ANTHROPIC_BASE_URL without printing the user or the password', async () => {
    const r = await runCli(['run', '--period', '2026-09', '--now', '2026-11-25T09:00:00Z', '--out', tempDir()], { ...env, ANTHROPIC_BASE_URL: url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ANTHROPIC_BASE_URL');
    expect(r.stderr).toContain('HTTPS_PROXY');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/alice|hunter2/);
  });
});
