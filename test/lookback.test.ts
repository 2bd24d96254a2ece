import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChargebackError } from '../src/errors.js';
import { resolvePeriod, runMonth } from '../src/run.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

/** The API serves cost from the last 365 days only: an older month is refused before any request. */
describe('a period older than the API look-back', () => {
  it('is refused with exit 2 through the CLI, saying from when the API serves and what to do', async () => {
    const r = await runCli(['run', '--sandbox', '--period', '2026-01', '--now', '2027-02-25T09:00:00Z', '--out', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--period 2026-01 is older than the Analytics API's 365-day look-back: at 2027-02-25T09:00:00Z it serves cost from 2026-02-25T09:00:00Z on");
    expect(r.stderr).toContain('choose 2026-03 or later');
    expect(r.stderr).not.toMatch(/internal error|^ {4}at /m);
  });

  it('makes no request at all', async () => {
    let requests = 0;
    const error = await runMonth({
      period: '2026-01',
      provisional: false,
      now: new Date('2027-02-25T09:00:00Z'),
      outDir: tempDir(),
      force: false,
      directoryPath: join(ROOT, 'mappings', 'org.yaml'),
      api: { baseUrl: 'http://127.0.0.1:9', apiKey: 'key', label: 'test' },
      fetchImpl: (async () => {
        requests += 1;
        throw new Error('no request expected');
      }) as typeof fetch,
      log: () => {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChargebackError);
    expect((error as ChargebackError).kind).toBe('usage');
    expect(requests).toBe(0);
  });

  it("is measured from the month's start: exactly 365 days back is still served; a re-run from raw pages is never refused", () => {
    // 2026-02-01 + 365 days = 2027-02-01T00:00:00Z.
    expect(resolvePeriod('2026-02', Date.parse('2027-02-01T00:00:00Z')).label).toBe('2026-02');
    expect(() => resolvePeriod('2026-02', Date.parse('2027-02-01T00:00:00.001Z'))).toThrow(/older than the Analytics API's 365-day look-back/);
    expect(resolvePeriod('2026-02', Date.parse('2030-02-01T00:00:00Z'), false).label).toBe('2026-02');
  });
});
