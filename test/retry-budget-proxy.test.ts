import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AnalyticsClient, PULL_DEADLINE_MS, RETRY_BUDGET_MS } from '../src/api/client.js';
import { proxiedFetch, proxySettings } from '../src/api/proxy.js';
import { caught } from './helpers/errors.js';
import { SANDBOX_API_KEY, type FaultAction } from '../src/sandbox/server.js';
import { fakeTime, groupedQuery, withSandbox } from './helpers/sandbox.js';

const everyRequest = (fault: FaultAction, n = 20) => Object.fromEntries(Array.from({ length: n }, (_, i) => [i + 1, fault]));

describe('one retry budget for the whole run', () => {
  it('stops retrying once the waits of all listings together would pass the budget (20 min by default)', async () => {
    expect(RETRY_BUDGET_MS).toBe(20 * 60_000);
    const time = fakeTime();
    // Every answer is a 503 asking for 5 minutes: four waits fit in 20 minutes, the fifth does not.
    await withSandbox({ byRequest: everyRequest({ kind: 'status', status: 503, retryAfter: '300' }) }, async (s) => {
      const client = new AnalyticsClient({ baseUrl: s.url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep });
      const error = await caught(client.pullCost(groupedQuery));
      expect(error.kind).toBe('upstream');
      expect(time.sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 30000]);
      expect(error.message).toContain('HTTP 503');
    });
    // 429 with retry-after 300 s: the budget, not the retry count, ends it.
    const slow = fakeTime();
    await withSandbox({ byRequest: everyRequest({ kind: 'status', status: 429, retryAfter: '300' }) }, async (s) => {
      const client = new AnalyticsClient({ baseUrl: s.url, apiKey: SANDBOX_API_KEY, now: slow.now, sleep: slow.sleep });
      const error = await caught(client.pullCost(groupedQuery));
      expect(slow.sleeps).toEqual([300_000, 300_000, 300_000, 300_000]);
      expect(error.message).toBe("The Analytics API answered HTTP 429 for cost-grouped-p001.json: rate_limit_error: injected fault 429, having spent 1200 s (20 min) of the run's 1200 s (20 min) retry budget.");
      expect(s.requests).toHaveLength(5);
    });
  });

  it('counts waits across listings: a second listing gets only what the first left', async () => {
    const time = fakeTime();
    await withSandbox({ byRequest: { 1: { kind: 'status', status: 429, retryAfter: '50' }, 2: { kind: 'status', status: 429, retryAfter: '50' }, 4: { kind: 'status', status: 429, retryAfter: '50' }, 5: { kind: 'status', status: 429, retryAfter: '50' } } }, async (s) => {
      const client = new AnalyticsClient({ baseUrl: s.url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, retryBudgetMs: 150_000 });
      await client.pullCost(groupedQuery);
      const error = await caught(client.pullCost({ ...groupedQuery, name: 'cost-total', groupBy: [] }));
      // 100 s spent by the first listing; the second may wait 50 s once more, not twice.
      expect(time.sleeps).toEqual([50_000, 50_000, 50_000]);
      expect(error.message).toBe("The Analytics API answered HTTP 429 for cost-total-p001.json: rate_limit_error: injected fault 429, having spent 150 s (3 min) of the run's 150 s (3 min) retry budget.");
    });
  });
});

describe('one deadline for the whole pull', () => {
  it('stops before a wait or a request that would end after the deadline (4 hours by default)', async () => {
    expect(PULL_DEADLINE_MS).toBe(4 * 60 * 60_000);
    const time = fakeTime();
    await withSandbox({ byRequest: everyRequest({ kind: 'status', status: 503 }) }, async (s) => {
      const client = new AnalyticsClient({ baseUrl: s.url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, deadlineAtMs: time.now() + 45_000 });
      const error = await caught(client.pullCost(groupedQuery));
      expect(error.kind).toBe('upstream');
      // 1 + 2 + 4 + 8 + 16 = 31 s waited; the next wait (30 s) would end after the 45 s deadline.
      expect(time.sleeps).toEqual([1000, 2000, 4000, 8000, 16000]);
      expect(time.now() - Date.parse('2026-11-25T09:00:00Z')).toBe(31_000);
      expect(error.message).toBe('The pull did not finish by its deadline (2026-11-25T09:00:45Z); stopped before cost-grouped-p001.json.');
      expect(error.details[0]).toContain("A run's pull may take at most 14400 s (4.0 h)");
    });
  });
});

/** A forwarding HTTP proxy on loopback that records what it was asked. */
async function withProxy<T>(fn: (url: string, seen: Array<{ url: string; headers: IncomingHttpHeaders }>) => Promise<T>): Promise<T> {
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const proxy = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // A tunnel (CONNECT host:port), as proxies are used for the API's https.
  proxy.on('connect', (req, client, head) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`http://proxyuser:proxy-pass-word@127.0.0.1:${(proxy.address() as AddressInfo).port}`, seen);
  } finally {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  }
}

describe('a proxy from HTTPS_PROXY / HTTP_PROXY', () => {
  it('is used only when set, with NO_PROXY honoured', () => {
    expect(proxySettings({})).toBeNull();
    expect(proxySettings({ https_proxy: 'http://p:3128' })).toEqual({ httpsProxy: 'http://p:3128', httpProxy: undefined, noProxy: undefined });
    expect(proxySettings({ HTTP_PROXY: 'http://p:3128', NO_PROXY: 'internal.example' })).toEqual({ httpsProxy: undefined, httpProxy: 'http://p:3128', noProxy: 'internal.example' });
  });

  it('carries every request of a listing through the proxy, with its credentials, over a real connection', async () => {
    await withSandbox({ pageUnits: 150 }, async (s) => {
      await withProxy(async (proxyUrl, seen) => {
        const time = fakeTime();
        const fetchImpl = await proxiedFetch({ httpProxy: proxyUrl, httpsProxy: undefined, noProxy: undefined });
        const client = new AnalyticsClient({ baseUrl: s.url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, fetchImpl });
        const pull = await client.pullCost(groupedQuery);
        expect(pull.pages.length).toBeGreaterThan(1);
        // Through the proxy: one tunnel to the sandbox (kept alive for every page), with the proxy's credentials.
        const host = new URL(s.url).host;
        expect(seen.length).toBeGreaterThanOrEqual(1);
        expect(seen.every((r) => r.url === host)).toBe(true);
        expect(seen[0]!.headers['proxy-authorization']).toBe(`Basic ${Buffer.from('proxyuser:proxy-pass-word').toString('base64')}`);
        expect(s.requests).toHaveLength(pull.pages.length);
      });
    });
  });
});
