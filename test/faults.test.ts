import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMonth } from '../src/run.js';
import { SANDBOX_API_KEY, startSandbox, type FaultAction, type SandboxFaults } from '../src/sandbox/server.js';
import { tempDir } from './helpers/cli.js';
import { fakeTime, NOW, runMonthAgainst } from './helpers/sandbox.js';

const at = (ordinals: number[], fault: FaultAction) => Object.fromEntries(ordinals.map((n) => [n, fault]));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const status = (code: number, extra: Partial<Extract<FaultAction, { kind: 'status' }>> = {}): FaultAction => ({ kind: 'status', status: code, ...extra });

// A request deadline of 10 s: a busy machine must not turn a fault into a timeout and its retry
// into a clean answer. Only the hung-connection scenarios use a short deadline (they test it).
const runWith = (faults: SandboxFaults, apiKey?: string, timeoutMs = 10_000) => runMonthAgainst(faults, { apiKey, timeoutMs });

/** Upstream faults: each ends in the correct month or in a clear exit-3 error with nothing published. */
export const FAULT_SCENARIOS: ReadonlyArray<{ name: string; faults: SandboxFaults; outcome: 'correct' | RegExp; apiKey?: string; kind?: 'upstream' | 'tempfail' | 'data'; timeoutMs?: number }> = [
  { name: 'a burst of 429 with retry-after', faults: { byRequest: at([1, 2, 3], status(429, { retryAfter: '2' })) }, outcome: 'correct' },
  { name: 'a burst of 429 without retry-after', faults: { byRequest: at([1, 2, 3], status(429)) }, outcome: 'correct' },
  { name: '429 on every attempt', faults: { byRequest: at(range(1, 10), status(429, { retryAfter: '1' })) }, outcome: /HTTP 429.*\n.*Gave up after 7 attempts/ },
  { name: 'a burst of 500, 502, 503', faults: { byRequest: { 1: status(500), 2: status(502), 3: status(503) } }, outcome: 'correct' },
  { name: '529 on every attempt', faults: { byRequest: at(range(1, 10), status(529)) }, outcome: /HTTP 529 for cost-grouped-p001\.json: overloaded_error/ },
  { name: '410 on every attempt', faults: { pageUnits: 150, byRequest: at(range(2, 30), status(410)) }, outcome: /had to start over 4 times \(the cursor expired \(HTTP 410\)\)/ },
  { name: 'a hung connection, then an answer', faults: { byRequest: at([1], { kind: 'slow', ms: 2000 }) }, outcome: 'correct', timeoutMs: 250 },
  { name: 'hung connections on every attempt', faults: { byRequest: at(range(1, 8), { kind: 'slow', ms: 2000 }) }, outcome: /did not answer cost-grouped-p001\.json \(no answer within 0\.25 s\) after 7 attempts/, timeoutMs: 250 },
  { name: 'truncated JSON', faults: { byRequest: at([1], { kind: 'truncated' }) }, outcome: /Page 1 of cost-grouped is not JSON/ },
  { name: 'invalid JSON', faults: { byRequest: at([1], status(200, { body: '{"data": [,]}' })) }, outcome: /Page 1 of cost-grouped is not JSON/ },
  { name: 'an HTML error page with status 200', faults: { byRequest: at([1], status(200, { body: '<html><body>Bad gateway</body></html>', contentType: 'text/html' })) }, outcome: /is not JSON \(starts with "<html><body>Bad gateway/ },
  { name: 'a cursor that repeats forever', faults: { byRequest: at(range(1, 60), { kind: 'repeat-cursor' }) }, outcome: /repeats an earlier next_page cursor/ },
  { name: 'has_more true with a null cursor', faults: { byRequest: at([1], { kind: 'null-cursor' }) }, outcome: /says has_more: true but gives no next_page cursor/ },
  { name: 'an empty range with null data_refreshed_at', faults: { refreshLagHours: 24 * 400 }, outcome: /no data export covering 2026-09 yet \(data_refreshed_at is null\)/, kind: 'tempfail' },
  { name: 'a currency other than USD', faults: { byRequest: at([1], { kind: 'currency', currency: 'EUR' }) }, outcome: /currency is "EUR", expected "USD"/, kind: 'data' },
  { name: 'duplicated rows across pages', faults: { pageUnits: 150, byRequest: at([2], { kind: 'duplicate-row' }) }, outcome: /returned the same row twice/ },
  { name: '401 with a hint about the key', faults: {}, apiKey: 'sk-ant-api01-wrong-key', outcome: /HTTP 401.*\n.*ANTHROPIC_ANALYTICS_API_KEY/ },
  { name: '403 with a hint about the key', faults: { byRequest: at([1], status(403, { body: JSON.stringify({ type: 'error', error: { type: 'permission_error', message: 'analytics API access is disabled' } }) })) }, outcome: /HTTP 403 for cost-grouped-p001\.json: permission_error: analytics API access is disabled\.\n.*read:analytics/ },
];

describe('upstream faults against the sandbox', () => {
  let cleanTotal: bigint;
  beforeAll(async () => {
    cleanTotal = (await runWith({})).result!.sourceTotalCents;
  });

  it.each(FAULT_SCENARIOS)('$name', async ({ faults, outcome, apiKey, kind, timeoutMs }) => {
    const r = await runWith(faults, apiKey, timeoutMs);
    if (outcome === 'correct') {
      expect(r.error).toBeNull();
      expect(r.result!.sourceTotalCents).toBe(cleanTotal);
      return;
    }
    expect(r.error, 'expected a clear error').not.toBeNull();
    // Upstream faults exit 3; an export that has not caught up yet is "try later" (75).
    expect(r.error!.kind).toBe(kind ?? 'upstream');
    expect(`${r.error!.message}\n${r.error!.details.join('\n')}`).toMatch(outcome);
    expect(readdirSync(r.out)).toEqual([]);
  });
});

describe('README figures', () => {
  it('state the number of fault scenarios the suite runs', async () => {
    const readme = (await import('node:fs')).readFileSync('README.md', 'utf8');
    expect(readme).toContain(`**${FAULT_SCENARIOS.length} upstream fault scenarios**`);
  });
});

describe('where requests go', () => {
  it('only to the configured base URL', async () => {
    const sandbox = await startSandbox({ now: () => NOW, requestsPerMinute: 10_000 });
    const urls: string[] = [];
    const recording: typeof fetch = (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };
    try {
      const time = fakeTime();
      await runMonth({ period: '2026-09', provisional: false, now: new Date(NOW), outDir: tempDir(), force: false, directoryPath: 'mappings/org.yaml', api: { baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, label: 'sandbox' }, fetchImpl: recording, sleep: time.sleep, clientNow: time.now, log: () => {} });
    } finally {
      await sandbox.close();
    }
    expect(urls.length).toBeGreaterThanOrEqual(2);
    expect(urls.every((u) => u.startsWith(`${sandbox.url}/v1/organizations/analytics/cost?`) || u.startsWith(`${sandbox.url}/v1/organizations/analytics/usage?`) || u.startsWith(`${sandbox.url}/v1/organizations/analytics/users?`))).toBe(true);
    expect(urls.filter((u) => u.includes('/analytics/users?'))).toEqual([`${sandbox.url}/v1/organizations/analytics/users?starting_date=2026-09-01&ending_date=2026-10-01&limit=1000`]);
  });
});
