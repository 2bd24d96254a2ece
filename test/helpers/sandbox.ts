import { AnalyticsClient, CHARGEBACK_GROUP_BY } from '../../src/api/client.js';
import { SANDBOX_API_KEY, startSandbox, type Sandbox, type SandboxFaults } from '../../src/sandbox/server.js';
import type { ScaledOrganization } from '../../src/sandbox/scaled-org.js';
import { ChargebackError } from '../../src/errors.js';
import { runMonth } from '../../src/run.js';
import { tempDir } from './cli.js';

export const NOW = Date.parse('2026-11-25T09:00:00Z');
export const SEPTEMBER = { startingAt: '2026-09-01T00:00:00Z', endingAt: '2026-10-01T00:00:00Z' };

/** A clock that moves only when the client sleeps, so retries and rate limits cost no real time. */
export function fakeTime() {
  let t = NOW;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

export async function withSandbox<T>(faults: SandboxFaults, fn: (sandbox: Sandbox) => Promise<T>, apiKey = SANDBOX_API_KEY): Promise<T> {
  const sandbox = await startSandbox({ now: () => NOW, faults, apiKey });
  try {
    return await fn(sandbox);
  } finally {
    await sandbox.close();
  }
}

export function clientFor(sandbox: Sandbox, time = fakeTime(), extra: { apiKey?: string; timeoutMs?: number; maxRestarts?: number } = {}) {
  return new AnalyticsClient({ baseUrl: sandbox.url, apiKey: extra.apiKey ?? SANDBOX_API_KEY, now: time.now, sleep: time.sleep, timeoutMs: extra.timeoutMs, maxRestarts: extra.maxRestarts });
}

export const groupedQuery = { name: 'cost-grouped', ...SEPTEMBER, groupBy: CHARGEBACK_GROUP_BY };

/**
 * The month-end job in-process against a sandbox with faults, on a clock that moves only when the
 * client sleeps. Returns the result, or the ChargebackError it ended in, and the output folder.
 * `directoryPath` runs it with another org directory than mappings/org.yaml; `organization`
 * serves a scaled synthetic organization (pass its written directory as `directoryPath`).
 */
export async function runMonthAgainst(
  faults: SandboxFaults,
  extra: { period?: string; provisional?: boolean; now?: number; apiKey?: string; timeoutMs?: number; directoryPath?: string; organization?: ScaledOrganization } = {},
) {
  const now = extra.now ?? NOW;
  const sandbox = await startSandbox({ now: () => now, faults, requestsPerMinute: 10_000, ...(extra.organization ? { organization: extra.organization } : {}) });
  const out = tempDir();
  const time = fakeTime();
  try {
    const result = await runMonth({
      period: extra.period ?? '2026-09',
      provisional: extra.provisional ?? false,
      now: new Date(now),
      outDir: out,
      force: false,
      directoryPath: extra.directoryPath ?? 'mappings/org.yaml',
      api: { baseUrl: sandbox.url, apiKey: extra.apiKey ?? SANDBOX_API_KEY, label: 'sandbox' },
      sleep: time.sleep,
      clientNow: time.now,
      timeoutMs: extra.timeoutMs,
      log: () => {},
    });
    return { out, result, error: null as ChargebackError | null };
  } catch (error) {
    if (!(error instanceof ChargebackError)) throw error;
    return { out, result: null, error };
  } finally {
    await sandbox.close();
  }
}
