import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AnalyticsClient, MAX_PAGE_BYTES, PULL_DEADLINE_MS, RETRY_BUDGET_MS } from '../src/api/client.js';
import { ChargebackError } from '../src/errors.js';
import { proxiedFetch, proxySettings } from '../src/api/proxy.js';
import { caught } from './helpers/errors.js';
import { SANDBOX_API_KEY, type FaultAction } from '../src/sandbox/server.js';
import { fakeTime, groupedQuery, withSandbox } from './helpers/sandbox.js';

const everyRequest = (fault: FaultAction, n = 20) => Object.fromEntries(Array.from({ length: n }, (_, i) => [i + 1, fault]));

describe('one retry budget for the whole run', () => {
  it('stops retrying once the waits of all listings together would pass the budget (20 min by default)', async () => {
    expect(RETRY_BUDGET_MS).toBe(20 * 60_000);
    const time = fakeTime();
    // A 503 without retry-after backs off; six retries end it before the budget does.
    await withSandbox({ byRequest: everyRequest({ kind: 'status', status: 503 }) }, async (s) => {
      const client = new AnalyticsClient({ baseUrl: s.url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep });
      const error = await caught(client.pullCost(groupedQuery));
      expect(error.kind).toBe('upstream');
      expect(time.sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 30000]);
      expect(error.message).toContain('HTTP 503');
    });
    // 429 (or 503) with retry-after 300 s: four waits fit in 20 minutes; the budget, not the retry count, ends it.
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
      expect(error.message).toBe("The Analytics API answered HTTP 429 for cost-total-p001.json: rate_limit_error: injected fault 429, having spent 150 s (2 min 30 s) of the run's 150 s (2 min 30 s) retry budget.");
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
        const { fetchImpl, close } = await proxiedFetch({ httpProxy: proxyUrl, httpsProxy: undefined, noProxy: undefined });
        const client = new AnalyticsClient({ baseUrl: s.url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, fetchImpl });
        const pull = await client.pullCost(groupedQuery).finally(close);
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

describe('a proxy that misbehaves', () => {
  it('refuses proxy variables that are not http(s) URLs with exit 2, never echoing the password', () => {
    for (const value of ['puser:proxysecret@127.0.0.1:9', 'http://[bad', 'socks5://puser:proxysecret@127.0.0.1:1080', 'http://']) {
      let error: unknown;
      try {
        proxySettings({ HTTPS_PROXY: value });
      } catch (e) {
        error = e;
      }
      expect(error, value).toBeInstanceOf(ChargebackError);
      const e = error as ChargebackError;
      expect(e.kind).toBe('usage');
      expect(e.message).toMatch(/^HTTPS_PROXY is not an http\(s\) proxy URL \(found (not a URL|a socks5 URL|a URL without a host)\)\.$/);
      expect([e.message, ...e.details].join('\n')).not.toContain('proxysecret');
    }
  });

  it('a proxy that refuses (407) ends in an upstream error, not a crash; one that never answers is cut at the deadline and closed', async () => {
    const sockets = new Set<import('node:stream').Duplex>();
    const proxy = createServer();
    let mode: '407' | 'silent' = '407';
    proxy.on('connect', (_req, socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // The server keeps its half open when the client hangs up: close it too, to count closed tunnels.
      socket.on('end', () => socket.end());
      if (mode === '407') socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
    });
    proxy.on('request', (_req, res) => {
      if (mode === '407') res.writeHead(407).end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://puser:proxysecret@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      for (const m of ['407', 'silent'] as const) {
        mode = m;
        const time = fakeTime();
        const { fetchImpl, close } = await proxiedFetch({ httpProxy: undefined, httpsProxy: proxyUrl, noProxy: undefined }, 300);
        const client = new AnalyticsClient({ baseUrl: 'https://api.example.invalid', apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, fetchImpl, timeoutMs: 300, maxRetries: 1 });
        const error = await caught(client.pullCost(groupedQuery));
        await close();
        expect(error.kind, m).toBe('upstream');
        expect(error.message, m).toMatch(/^The Analytics API did not answer cost-grouped-p001\.json \(.+\) after 2 attempts\.$/);
        if (m === 'silent') expect(error.message).toContain('no answer within 0.3 s');
        expect([error.message, ...error.details].join('\n')).not.toContain('proxysecret');
      }
      // The agent's own timeouts close the silent tunnel: no connection is left to keep the process alive.
      for (let i = 0; i < 100 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(sockets.size).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('a body that never ends', () => {
  /** A server that answers 200 at once and then streams chunks as fast as it can, forever or up to `limit` bytes. */
  async function withStream<T>(limit: number, fn: (url: string) => Promise<T>): Promise<T> {
    const chunk = Buffer.alloc(1 << 20, 0x20);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const pump = () => {
        while (sent < limit) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (sent = limit));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('is cut at the request deadline on every attempt, however fast it flows', async () => {
    await withStream(Number.POSITIVE_INFINITY, async (url) => {
      const time = fakeTime();
      // Throttled so it never reaches the page-size limit within the deadline.
      const slowly: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        const reader = response.body!.getReader();
        const body = new ReadableStream<Uint8Array>({
          async pull(c) {
            const { done, value } = await reader.read();
            await new Promise((r) => setTimeout(r, 5));
            if (done) c.close();
            else c.enqueue(value.subarray(0, 1024));
          },
          cancel: (reason) => reader.cancel(reason),
        });
        return new Response(body, { status: response.status, headers: response.headers });
      };
      const client = new AnalyticsClient({ baseUrl: url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, fetchImpl: slowly, timeoutMs: 300, maxRetries: 1 });
      const started = performance.now();
      const error = await caught(client.pullCost(groupedQuery));
      expect(error.message).toBe('The Analytics API did not answer cost-grouped-p001.json (no answer within 0.3 s) after 2 attempts.');
      expect(performance.now() - started).toBeLessThan(30_000);
    });
  });

  it('stops reading past 64 MiB and says so (exit 3), without holding more', async () => {
    expect(MAX_PAGE_BYTES).toBe(64 * 1_048_576);
    await withStream(Number.POSITIVE_INFINITY, async (url) => {
      const time = fakeTime();
      const client = new AnalyticsClient({ baseUrl: url, apiKey: SANDBOX_API_KEY, now: time.now, sleep: time.sleep, timeoutMs: 60_000 });
      const error = await caught(client.pullCost(groupedQuery));
      expect(error.kind).toBe('upstream');
      expect(error.message).toBe('The Analytics API sent more than 64 MiB for cost-grouped-p001.json, far more than a page of 1000 rows.');
      expect(time.sleeps).toEqual([]);
    });
  });
});
