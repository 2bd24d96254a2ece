import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli, servingSandbox, tempDir } from './helpers/cli.js';

/**
 * --requests-per-minute (the organization's Analytics rate limit) and --render-workers: refused
 * when out of range like every other flag, and otherwise handed on as they were given. The
 * modules the command line loads are wrapped (each call recorded, then made as usual) to see
 * what reaches them.
 */
const calls = vi.hoisted(() => ({ run: [] as Record<string, unknown>[], verify: [] as unknown[][], sandbox: [] as Record<string, unknown>[] }));

vi.mock('../src/run.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/run.js')>();
  return {
    ...real,
    runMonth: (options: Parameters<typeof real.runMonth>[0]) => {
      calls.run.push({ ...options });
      return real.runMonth(options);
    },
  };
});
vi.mock('../src/verify.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/verify.js')>();
  return {
    ...real,
    verifyMonth: (...args: Parameters<typeof real.verifyMonth>) => {
      calls.verify.push(args);
      return real.verifyMonth(...args);
    },
  };
});
vi.mock('../src/sandbox/server.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/sandbox/server.js')>();
  return {
    ...real,
    startSandbox: (options: Parameters<typeof real.startSandbox>[0] = {}) => {
      calls.sandbox.push({ ...options });
      return real.startSandbox(options);
    },
  };
});

const NOW = ['--now', '2026-11-25T09:00:00Z'];
const RATE_NEXT = "It is your organization's Analytics API rate limit: 60 (the default) unless your account team raised it. Example: --requests-per-minute 60.";
const WORKERS_NEXT = '0 renders on the main thread; without the flag, CHARGEBACK_RENDER_WORKERS or else the number of cores up to 8. Example: --render-workers 4.';
const ENV_NEXT = 'Set CHARGEBACK_RENDER_WORKERS to e.g. 2 (one per core), to 0 to render on the main thread, or unset it to use one per core (at most 8); --render-workers overrides it.';
const DEFAULT_WORKERS = Math.min(8, availableParallelism());

/** A --from-raw folder that does not exist: the run gets its options, then stops with exit 2 before any work. */
const missingRaw = () => ['run', '--from-raw', join(tempDir(), 'nothing', 'raw'), ...NOW, '--out', tempDir()];

describe('--requests-per-minute', () => {
  it.each([
    ['0', 'run'],
    ['100001', 'run'],
    ['1.5', 'run'],
    ['sixty', 'run'],
    ['-60', 'run'],
    ['', 'run'],
    ['0', 'sandbox'],
    ['1e3', 'sandbox'],
    ['100001', 'sandbox'],
  ])('%j is refused by %s with exit 2: what was found, what is expected, what to do', async (value, command) => {
    const r = await runCli(command === 'run' ? ['run', '--sandbox', ...NOW, '--out', tempDir(), '--requests-per-minute', value] : ['sandbox', '--port', '0', '--requests-per-minute', value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: --requests-per-minute ${JSON.stringify(value)} is not a whole number of requests from 1 to 100000.\n  ${RATE_NEXT}\n`);
    expect(r.stdout).toBe('');
  });

  it('is refused before any request or work: no sandbox started, no run begun', async () => {
    const before = [calls.run.length, calls.sandbox.length];
    expect((await runCli(['run', '--sandbox', ...NOW, '--out', tempDir(), '--requests-per-minute', '0'])).code).toBe(2);
    expect((await runCli(['sandbox', '--port', '0', '--requests-per-minute', '0'])).code).toBe(2);
    expect([calls.run.length, calls.sandbox.length]).toEqual(before);
  });

  it('with --json, a refusal is one document on stdout (exit 2, usage)', async () => {
    const r = await runCli(['run', '--sandbox', ...NOW, '--out', tempDir(), '--json', '--requests-per-minute', '0']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, exitCode: 2, kind: 'usage', tryLater: false, message: '--requests-per-minute "0" is not a whole number of requests from 1 to 100000.', details: [RATE_NEXT] });
  });

  it('run --sandbox: the run and the built-in sandbox keep to the same rate, and the month is published', async () => {
    const out = tempDir();
    const runs = calls.run.length;
    const sandboxes = calls.sandbox.length;
    const r = await runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', out, '--requests-per-minute', '100000', '--render-workers', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`written to ${join(out, '2026-09')}`);
    expect(calls.run.slice(runs).map((o) => [o.requestsPerMinute, o.renderWorkers])).toEqual([[100000, 0]]);
    expect(calls.sandbox.slice(sandboxes).map((o) => o.requestsPerMinute)).toEqual([100000]);
  });

  it('defaults to 60 a minute, the API limit unless the account team raised it', async () => {
    const runs = calls.run.length;
    const sandboxes = calls.sandbox.length;
    // October is not final at this clock: the run stops (exit 75) once it has its options.
    expect((await runCli(['run', '--sandbox', '--period', '2026-10', ...NOW, '--out', tempDir()])).code).toBe(75);
    expect(calls.run.slice(runs).map((o) => o.requestsPerMinute)).toEqual([60]);
    expect(calls.sandbox.slice(sandboxes).map((o) => o.requestsPerMinute)).toEqual([60]);
  });

  it('--help of run and sandbox says it is the organization rate limit, 60 unless the account team raised it', async () => {
    for (const command of ['run', 'sandbox']) {
      const help = (await runCli([command, '--help'])).stdout.replace(/\s+/g, ' ');
      expect(help, command).toContain('--requests-per-minute <n>');
      expect(help, command).toContain("organization's Analytics API rate limit: 60 unless the account team raised it");
      expect(help, command).toContain('(default: "60")');
    }
  });

  it('the sandbox command (the built one) enforces the rate it is given: the third request in a minute at 2 a minute is a 429', async () => {
    const headers = { 'x-api-key': 'sk-ant-sandbox-not-a-secret', 'anthropic-version': '2023-06-01' };
    await servingSandbox(['--requests-per-minute', '2'], async (url) => {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${url}/v1/organizations/analytics/users?starting_date=2026-09-01&ending_date=2026-10-01&limit=10`, { headers });
        const body = await res.text();
        statuses.push(res.status);
        if (res.status === 429) {
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
          // The refusal states the limit in force, not the API's default.
          expect((JSON.parse(body) as { error: { message: string } }).error.message).toBe('Rate limit exceeded: 2 requests per minute');
        }
      }
      expect(statuses).toEqual([200, 200, 429]);
    });
  });
});

describe('--render-workers', () => {
  it.each(['65', '-1', '2.5', 'many', '', '1e1'])('%j is refused by run and by verify with exit 2', async (value) => {
    const message = `error: --render-workers ${JSON.stringify(value)} is not a whole number of workers from 0 to 64.\n  ${WORKERS_NEXT}\n`;
    const run = await runCli(['run', '--sandbox', ...NOW, '--out', tempDir(), '--render-workers', value]);
    expect([run.code, run.stderr, run.stdout]).toEqual([2, message, '']);
    const verify = await runCli(['verify', tempDir(), '--render-workers', value]);
    expect([verify.code, verify.stderr, verify.stdout]).toEqual([2, message, '']);
  });

  it('a CHARGEBACK_RENDER_WORKERS out of range is refused by name (exit 2); the flag overrides it', async () => {
    const env = { CHARGEBACK_RENDER_WORKERS: 'lots' };
    const message = `error: CHARGEBACK_RENDER_WORKERS is "lots", expected a whole number of render worker threads from 0 to 64.\n  ${ENV_NEXT}\n`;
    const run = await runCli(missingRaw(), env);
    expect([run.code, run.stderr]).toEqual([2, message]);
    const verify = await runCli(['verify', tempDir()], env);
    expect([verify.code, verify.stderr]).toEqual([2, message]);
    const runs = calls.run.length;
    await runCli([...missingRaw(), '--render-workers', '2'], env);
    expect(calls.run.slice(runs).map((o) => o.renderWorkers)).toEqual([2]);
  });

  it('reaches the run as renderWorkers: the flag, else CHARGEBACK_RENDER_WORKERS, else left to the month (0 and 64 are allowed)', async () => {
    const runs = calls.run.length;
    await runCli(missingRaw());
    await runCli(missingRaw(), { CHARGEBACK_RENDER_WORKERS: '5' });
    await runCli(missingRaw(), { CHARGEBACK_RENDER_WORKERS: '' });
    await runCli([...missingRaw(), '--render-workers', '0']);
    await runCli([...missingRaw(), '--render-workers', '64']);
    expect(calls.run.slice(runs).map((o) => o.renderWorkers)).toEqual([undefined, 5, undefined, 0, 64]);
  });

  it('reaches verify as its options ({ renderWorkers }), left to the month without flag or variable', async () => {
    const n = calls.verify.length;
    const dir = tempDir();
    for (const [args, env] of [[[], {}], [['--render-workers', '3'], {}], [[], { CHARGEBACK_RENDER_WORKERS: '7' }]] as const) {
      const r = await runCli(['verify', dir, ...args], env);
      expect(r.code).toBe(2); // no manifest.json: not a published month
    }
    expect(calls.verify.slice(n).map((a) => a[2])).toEqual([{ renderWorkers: undefined }, { renderWorkers: 3 }, { renderWorkers: 7 }]);
  });

  it('--help of run and verify names it, its range and its default', async () => {
    for (const command of ['run', 'verify']) {
      const help = (await runCli([command, '--help'])).stdout.replace(/\s+/g, ' ');
      expect(help, command).toContain('--render-workers <n>');
      expect(help, command).toContain('0 to 64 (0: on the main thread; default CHARGEBACK_RENDER_WORKERS, else the number of cores up to 8, none for a month under 20,000 lines)');
    }
    expect((await runCli(['--help'])).stdout).toContain('CHARGEBACK_RENDER_WORKERS');
  });
});
