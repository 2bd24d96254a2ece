import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SANDBOX_API_KEY, startSandbox, type SandboxFaults } from '../src/sandbox/server.js';
import { ChargebackError, exitCodeFor } from '../src/errors.js';
import { runMonth } from '../src/run.js';
import { runCli, tempDir } from './helpers/cli.js';
import { pdfText } from './helpers/readers.js';
import { NOW, runMonthAgainst } from './helpers/sandbox.js';



describe('invoicing-grade guard', () => {
  it('refuses a month inside the revision window and says when it becomes final (exit 75, try later)', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--sandbox', '--period', '2026-10', '--now', '2026-11-25T09:00:00Z', '--out', out]);
    expect(r.code).toBe(75);
    expect(r.stderr).toContain('error: 2026-10 is not final yet: the provider revises cost for 30 days after a month ends.');
    expect(r.stderr).toContain('2026-10 becomes final on 2026-12-01 (00:00 UTC); now is 2026-11-25T09:00:00Z.');
    expect(r.stderr).toContain('pass --provisional');
    expect(readdirSync(out)).toEqual([]);
  });

  it('issues PROVISIONAL documents with --provisional', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--sandbox', '--period', '2026-10', '--provisional', '--now', '2026-11-25T09:00:00Z', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2026-10 PROVISIONAL: /);
    const manifest = JSON.parse(readFileSync(join(out, '2026-10', 'manifest.json'), 'utf8')) as { status: string };
    expect(manifest.status).toBe('PROVISIONAL');
    const text = pdfText(join(out, '2026-10', 'statements', 'ENG-APP.pdf'));
    expect(text).toContain('CB-2026-10-ENG-APP');
    expect(text).toMatch(/Status\s+PROVISIONAL/);
    expect(text).toContain('PROVISIONAL: the provider may still revise these values');
  });

  it("refuses a run dated before the month's latest issue (exit 2), naming the issue and its date; nothing is written", async () => {
    const out = tempDir();
    const run = (...args: string[]) => runCli(['run', '--sandbox', '--period', '2026-10', '--out', out, ...args]);
    expect((await run('--now', '2026-12-02T09:00:00Z')).code).toBe(0);
    const listing = () => readdirSync(out).sort();
    const manifest = () => readFileSync(join(out, '2026-10', 'manifest.json'));
    const [before, published] = [listing(), manifest()];
    expect(before).toEqual(['2026-10', 'latest']);
    // A provisional replay of November against the FINAL issue of 2 December.
    const back = await run('--provisional', '--now', '2026-11-05T09:00:00Z');
    expect(back.code).toBe(2);
    expect(back.stderr).toContain(
      `error: 2026-10's latest issue, ${join(out, '2026-10')} (FINAL), was made at 2026-12-02T09:00:00Z, after this run's clock (2026-11-05T09:00:00Z). A month's issues only move forward in time; nothing was written.`,
    );
    expect(back.stderr).toContain('Run without --now (the current time), or with --now at or after 2026-12-02T09:00:00Z.');
    // Final by date, but still before the issue: refused all the same.
    const earlierFinal = await run('--now', '2026-12-01T10:00:00Z');
    expect(earlierFinal.code).toBe(2);
    expect(earlierFinal.stderr).toContain('only move forward in time');
    expect(listing()).toEqual(before);
    expect(manifest().equals(published)).toBe(true);
    // The same clock again is not back-dated: the figures are unchanged and nothing is written.
    const again = await run('--now', '2026-12-02T09:00:00Z');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('is already published');
    expect(listing()).toEqual(before);
  });

  it('never issues a PROVISIONAL revision of a FINAL month, even when its recorded clock would allow the run', async () => {
    const out = tempDir();
    expect((await runCli(['run', '--sandbox', '--period', '2026-10', '--now', '2026-12-02T09:00:00Z', '--out', out])).code).toBe(0);
    // A FINAL issue recorded as made before the month was final (edited by hand, or by another tool).
    const path = join(out, '2026-10', 'manifest.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"clock": "2026-12-02T09:00:00Z"', '"clock": "2026-11-20T09:00:00Z"'));
    const r = await runCli(['run', '--sandbox', '--period', '2026-10', '--provisional', '--now', '2026-11-25T09:00:00Z', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: 2026-10 is FINAL (${join(out, '2026-10')}, issued 2026-11-20T09:00:00Z); a PROVISIONAL revision of it cannot be issued. Nothing was written.`);
    expect(readdirSync(out).sort()).toEqual(['2026-10', 'latest']);
  });

  it('refuses a provisional month replayed before its provisional issue, and accepts a later one as a revision', async () => {
    const out = tempDir();
    const run = (now: string) => runCli(['run', '--sandbox', '--period', '2026-10', '--provisional', '--now', now, '--out', out]);
    expect((await run('2026-11-05T09:00:00Z')).code).toBe(0);
    const back = await run('2026-11-04T09:00:00Z');
    expect(back.code).toBe(2);
    expect(back.stderr).toContain(`${join(out, '2026-10')} (PROVISIONAL), was made at 2026-11-05T09:00:00Z`);
    expect(readdirSync(out).sort()).toEqual(['2026-10', 'latest']);
    const later = await run('2026-11-25T09:00:00Z');
    expect(later.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['2026-10', '2026-10.r2', 'latest']);
  });

  it('says "try later" (exit 75) when the API serves an export older than the one the latest issue used; nothing is written', async () => {
    const out = tempDir();
    const at = Date.parse('2026-11-25T09:00:00Z');
    const once = async (now: number, refreshLagHours: number) => {
      const sandbox = await startSandbox({ now: () => now, faults: { refreshLagHours }, requestsPerMinute: 10_000 });
      try {
        return await runMonth({ period: '2026-09', provisional: false, now: new Date(now), outDir: out, force: false, directoryPath: 'mappings/org.yaml', api: { baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, label: 'sandbox' }, sleep: async () => {}, clientNow: () => now, log: () => {} });
      } finally {
        await sandbox.close();
      }
    };
    expect((await once(at, 3)).revision).toBe(1);
    const before = readdirSync(out).sort();
    // An hour later, a replica whose export lags a day behind the one already used.
    const error = await once(at + 3_600_000, 24).then(() => null, (e: unknown) => e as ChargebackError);
    expect(error?.kind).toBe('tempfail');
    expect(exitCodeFor(error)).toBe(75);
    expect(error?.message).toBe(`The provider served 2026-09 from an export of 2026-11-24T10:00:00Z (data_refreshed_at), before the data of its latest issue, ${join(out, '2026-09')} (2026-11-25T06:00:00Z). Publishing them would replace newer figures with older ones; nothing was written.`);
    expect(readdirSync(out).sort()).toEqual(before);
  });

  it('refuses a month whose data_refreshed_at is before the requested end, unless provisional', async () => {
    // 2026-09 is final by date on 2026-10-31; an export lagging 32 days has not covered it yet.
    const at = Date.parse('2026-10-31T06:00:00Z');
    const refused = await runMonthAgainst({ refreshLagHours: 24 * 32 }, { period: '2026-09', now: at });
    expect(refused.error?.kind).toBe('tempfail');
    expect(refused.error?.message).toBe("The provider's data for 2026-09 is not complete yet (data_refreshed_at 2026-09-29T06:00:00Z is before 2026-10-01T00:00:00Z).");
    expect(readdirSync(refused.out)).toEqual([]);
    const provisional = await runMonthAgainst({ refreshLagHours: 24 * 32 }, { period: '2026-09', now: at, provisional: true });
    expect(provisional.result?.status).toBe('PROVISIONAL');
    const final = await runMonthAgainst({}, { period: '2026-09', now: at });
    expect(final.result?.status).toBe('FINAL');
  });

  it('rejects a bad --period, --now or missing key with a usage error (exit 2)', async () => {
    const cases: Array<[string[], string, NodeJS.ProcessEnv?]> = [
      [['run', '--sandbox', '--period', '2026-9'], '--period "2026-9" is not a month.'],
      [['run', '--sandbox', '--period', '2025-12', '--now', '2026-11-25T09:00:00Z'], 'is before 2026-01'],
      [['run', '--sandbox', '--period', '2027-01', '--now', '2026-11-25T09:00:00Z'], 'has not started yet'],
      [['run', '--sandbox', '--now', 'yesterday'], '--now "yesterday" is not a valid ISO-8601 instant'],
      [['run', '--period', '2026-09', '--now', '2026-11-25T09:00:00Z'], 'ANTHROPIC_ANALYTICS_API_KEY is not set.'],
      [['run', '--bogus'], "unknown option '--bogus'"],
    ];
    for (const [args, message, env] of cases) {
      const out = tempDir();
      const r = await runCli([...args, '--out', out], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(readdirSync(out)).toEqual([]);
    }
  });
});

describe('reconciliation against the ungrouped org total', () => {
  it('fails (exit 1) when the org total differs from the grouped rows by a cent or more', async () => {
    const r = await runMonthAgainst({ orgTotalSkewMicroCents: 1_000_000n }, { period: '2026-09' });
    expect(r.error?.kind).toBe('data');
    expect(r.error?.message).toBe('2026-09 does not reconcile; nothing was published.');
    expect(r.error?.details[0]).toBe('org total (no group_by) minus the grouped rows is under one cent: expected < 1, found 1');
    expect(readdirSync(r.out)).toEqual([]);
  });

  it('publishes and reports a difference under one cent', async () => {
    const r = await runMonthAgainst({ orgTotalSkewMicroCents: 999_999n }, { period: '2026-09' });
    expect(r.error).toBeNull();
    expect(r.result!.reconciliation.orgTotalDifferenceCents).toBe('0.999999');
  });
});

/** The CLI as a child process against a sandbox in this process, as against a real API host. */
async function cliAgainstSandbox(options: { faults?: SandboxFaults; apiKey?: string }) {
  const apiKey = options.apiKey ?? SANDBOX_API_KEY;
  const sandbox = await startSandbox({ now: () => NOW, faults: options.faults ?? {}, apiKey });
  const out = tempDir();
  try {
    const r = await runCli(['run', '--period', '2026-09', '--now', '2026-11-25T09:00:00Z', '--out', out], {
      ANTHROPIC_BASE_URL: sandbox.url,
      ANTHROPIC_ANALYTICS_API_KEY: apiKey,
      CHARGEBACK_PROGRESS: '1',
    });
    return { ...r, out, url: sandbox.url };
  } finally {
    await sandbox.close();
  }
}

describe('a real API target over loopback', () => {
  it('rejects a malformed amount with exit 1, a clear message and nothing published', async () => {
    const r = await cliAgainstSandbox({ faults: { byRequest: { 1: { kind: 'malformed-amount' } } } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Page 1 of cost-grouped does not match the cost report schema.');
    expect(r.stderr).toMatch(/data\[0\]\.cost\.amount: expected a decimal string in cents such as "41280\.000000", found [\d.]+ \(number\)/);
    expect(existsSync(join(r.out, '2026-09'))).toBe(false);
    expect(readdirSync(r.out)).toEqual([]);
  });

  it('exits 3 on an upstream fault it cannot recover from, publishing nothing', async () => {
    const r = await cliAgainstSandbox({ faults: { byRequest: { 1: { kind: 'truncated' } } } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: Page 1 of cost-grouped is not JSON');
    expect(readdirSync(r.out)).toEqual([]);
  });

  it('never writes the API key to outputs, stdout or stderr', async () => {
    const secret = 'sk-ant-api01-RECOGNIZABLE-SECRET-7f3a9c';
    const r = await cliAgainstSandbox({ apiKey: secret });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('pulling 2026-09 cost');
    expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    const files = readdirSync(r.out, { recursive: true, encoding: 'utf8' }).map((f) => join(r.out, f)).filter((f) => f.match(/\.[a-z]+$/));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect(readFileSync(f).includes(Buffer.from(secret)), f).toBe(false);
    const manifest = JSON.parse(readFileSync(join(r.out, '2026-09', 'manifest.json'), 'utf8')) as { source: { api: string } };
    expect(manifest.source.api).toBe(r.url);
  });
});

describe('credentials on the command line', () => {
  it('refuses a key with a line break (exit 2) without echoing it', async () => {
    const out = tempDir();
    const secret = 'sk-ant-api01-PASTED-WITH-NEWLINE';
    const r = await runCli(['run', '--period', '2026-09', '--now', '2026-11-25T09:00:00Z', '--out', out], {
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      ANTHROPIC_ANALYTICS_API_KEY: `${secret}\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The API key contains a space, line break or other character that cannot be sent in an HTTP header.');
    expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses a --now in the future against the real API (exit 2)', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--period', '2026-09', '--now', '2099-01-01T00:00:00Z', '--out', out], { ANTHROPIC_ANALYTICS_API_KEY: 'sk-ant-api01-x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--now 2099-01-01T00:00:00Z is in the future');
  });
});
