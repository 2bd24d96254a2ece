import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliProcess, tempDir } from './helpers/cli.js';

const NOW = ['--now', '2026-11-25T09:00:00Z'];
const COMMANDS = ['run', 'validate', 'close', 'diff', 'verify', 'send', 'sandbox'] as const;

describe('a command line that fits a scheduler', () => {
  it('--version, --help and a usage error answer from a real process with exit 0, 0 and 2', async () => {
    const [version, help, usage] = await Promise.all([runCliProcess(['--version']), runCliProcess(['--help']), runCliProcess(['run', '--period'])]);
    expect([version.code, help.code, usage.code]).toEqual([0, 0, 2]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(usage.stderr).toContain("option '--period <YYYY-MM>' argument missing");
  });

  it('--help lists the environment variables, every exit code and how to get an example per command', async () => {
    const help = (await runCli(['--help'])).stdout;
    for (const name of ['ANTHROPIC_ANALYTICS_API_KEY', 'ANTHROPIC_BASE_URL', 'HTTPS_PROXY', 'CHARGEBACK_PSEUDONYM_KEY', 'SMTP_URL', 'SMTP_FROM', 'CHARGEBACK_PROGRESS']) expect(help).toContain(name);
    const codes = [...help.slice(help.indexOf('Exit codes:')).matchAll(/^ {2}(\d+) /gm)].map((m) => Number(m[1]));
    expect(codes).toEqual([0, 1, 2, 3, 70, 75]);
    expect(help).toMatch(/75 +not yet, try later/);
    for (const command of COMMANDS) {
      const r = await runCli([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toMatch(new RegExp(`\\nExample:\\n {2}chargeback ${command} `));
    }
  });

  it('run --json prints one document on stdout with period, status, revision, totals, files and warnings', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown> & { totals: Record<string, string>; files: string[]; warnings: string[] };
    const published = JSON.parse(readFileSync(join(out, '2026-09', 'chargeback.json'), 'utf8')) as { sourceTotalCents: string; reconciliation: { unallocatedCents?: string } };
    expect(report).toMatchObject({ ok: true, exitCode: 0, period: '2026-09', status: 'FINAL', revision: 1, unchanged: false, folder: join(out, '2026-09'), statements: 12, unmappedSpenders: 6 });
    expect(report.totals).toEqual({ sourceCents: published.sourceTotalCents, unallocatedCents: '102457', adjustmentCents: '0', carriedCents: '0', orgTotalDifferenceCents: '0' });
    expect(report.totals.sourceCents).toBe('2619495');
    const onDisk = readdirSync(join(out, '2026-09'), { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.')).sort();
    expect(report.files).toEqual(onDisk);
    expect(report.warnings).toEqual([]);
    // The same month again: nothing written, and the document says so.
    const again = JSON.parse((await runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', out, '--json'])).stdout) as { unchanged: boolean; files: string[]; revision: number };
    expect([again.unchanged, again.files, again.revision]).toEqual([true, [], 1]);
  });

  it('a month that is not final yet exits 75 from a real process, with a --json document saying try later', async () => {
    const out = tempDir();
    const r = await runCliProcess(['run', '--sandbox', '--period', '2026-10', ...NOW, '--out', out, '--json']);
    expect(r.code).toBe(75);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      exitCode: 75,
      kind: 'tempfail',
      tryLater: true,
      message: '2026-10 is not final yet: the provider revises cost for 30 days after a month ends.',
      details: ['2026-10 becomes final on 2026-12-01 (00:00 UTC); now is 2026-11-25T09:00:00Z.', 'Run it again on or after 2026-12-01, or pass --provisional to issue statements marked PROVISIONAL now.'],
    });
    expect(r.stderr).toContain('error: 2026-10 is not final yet');
    expect(readdirSync(out)).toEqual([]);
  });

  it('run --json with flags commander refuses still prints one document (exit 2)', async () => {
    const r = await runCli(['run', '--json', '--bogus']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, exitCode: 2, kind: 'usage', tryLater: false, message: "unknown option '--bogus'" });
  });
});
