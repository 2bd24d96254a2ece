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

export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings | null {
  const pick = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  const settings = { httpsProxy: pick('HTTPS_PROXY'), httpProxy: pick('HTTP_PROXY'), noProxy: pick('NO_PROXY') };
  return settings.httpsProxy || settings.httpProxy ? settings : null;
}

/** A fetch that goes through the proxy; loaded only when a proxy is set. */
export async function proxiedFetch(settings: ProxySettings): Promise<typeof fetch> {
  const undici = await import('undici');
  const dispatcher = new undici.EnvHttpProxyAgent({
    ...(settings.httpProxy ? { httpProxy: settings.httpProxy } : {}),
    ...(settings.httpsProxy ? { httpsProxy: settings.httpsProxy } : {}),
    ...(settings.noProxy ? { noProxy: settings.noProxy } : {}),
  });
  return ((input: string | URL, init?: RequestInit) => undici.fetch(input, { ...(init as object), dispatcher } as Parameters<typeof undici.fetch>[1])) as unknown as typeof fetch;
}
