import type { Socket } from 'node:net';
import { usageError } from '../errors.js';

/**
 * Requests through a proxy when HTTPS_PROXY / HTTP_PROXY (or their lower-case forms) say so, with
 * NO_PROXY honoured. Node's own fetch ignores these variables, so undici's proxy agent carries
 * them. Credentials a proxy needs belong in the proxy URL, never in ANTHROPIC_BASE_URL.
 */
export interface ProxySettings {
  readonly httpsProxy: string | undefined;
  readonly httpProxy: string | undefined;
  readonly noProxy: string | undefined;
}

/** The proxy variables, each an http(s) URL; refused (exit 2) without echoing what could hold a password. */
export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings | null {
  const pick = (name: string) => {
    const [used, value] = [[name, env[name]], [name.toLowerCase(), env[name.toLowerCase()]]].find(([, v]) => v) ?? [name, undefined];
    if (value) checkProxyUrl(used!, value);
    return value || undefined;
  };
  const settings = { httpsProxy: pick('HTTPS_PROXY'), httpProxy: pick('HTTP_PROXY'), noProxy: env.NO_PROXY || env.no_proxy || undefined };
  return settings.httpsProxy || settings.httpProxy ? settings : null;
}

function checkProxyUrl(name: string, value: string): void {
  let url: URL | null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    const found = url === null ? 'not a URL' : url.hostname === '' ? 'a URL without a host' : `a ${url.protocol.replace(/:$/, '')} URL`;
    throw usageError(`${name} is not an http(s) proxy URL (found ${found}).`, [
      `Set ${name} to e.g. http://proxy.example:3128 (with user:password@ before the host if the proxy needs them), or unset it.`,
    ]);
  }
}

export interface ProxiedFetch {
  readonly fetchImpl: typeof fetch;
  /** Closes the proxy's connections, so nothing keeps the process alive after the run. */
  readonly close: () => Promise<void>;
}

/**
 * A fetch that goes through the proxy; loaded only when a proxy is set. The agent's own timeouts
 * are the request deadline too: a proxy that accepts a tunnel and never answers would otherwise
 * hold its connection (and the process) open after the request gave up.
 */
export async function proxiedFetch(settings: ProxySettings, timeoutMs = 60_000): Promise<ProxiedFetch> {
  const undici = await import('undici');
  const sockets = new Set<Socket>();
  type Connector = (options: object, callback: (error: Error | null, socket: Socket | null) => void) => void;
  const tracked = (given: unknown): Connector => {
    const connect = typeof given === 'function' ? (given as Connector) : (undici.buildConnector({ timeout: timeoutMs }) as unknown as Connector);
    return (options, callback) =>
      connect(options, (error, socket) => {
        if (socket) {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
        }
        callback(error, socket);
      });
  };
  const dispatcher = new undici.EnvHttpProxyAgent({
    connectTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    // The connection to the proxy itself (the CONNECT of a tunnel) gets the same limits, and its
    // sockets are tracked: one the proxy never answers on is destroyed when the run closes.
    clientFactory: (origin: URL, options: { connect?: unknown }) => new undici.Pool(origin, { ...options, connect: tracked(options.connect) as never, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }),
    ...(settings.httpProxy ? { httpProxy: settings.httpProxy } : {}),
    ...(settings.httpsProxy ? { httpsProxy: settings.httpsProxy } : {}),
    ...(settings.noProxy ? { noProxy: settings.noProxy } : {}),
  });
  const fetchImpl = ((input: string | URL, init?: RequestInit) => undici.fetch(input, { ...(init as object), dispatcher } as Parameters<typeof undici.fetch>[1])) as unknown as typeof fetch;
  return {
    fetchImpl,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await dispatcher.destroy().catch(() => undefined);
    },
  };
}
