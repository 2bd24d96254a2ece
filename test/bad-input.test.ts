import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const NOW = ['--now', '2026-11-25T09:00:00Z'];
const KEY = { ANTHROPIC_ANALYTICS_API_KEY: 'sk-ant-api01-test' };

interface BadInput {
  readonly name: string;
  readonly args: (out: string) => string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly code: number;
  /** What the message must say: the input and where it is wrong, then the fix. */
  readonly says: readonly string[];
}

/** Flags, periods, environment and folders that are wrong: each is named with its fix, exits with the right code, writes nothing. */
export const BAD_INPUTS: readonly BadInput[] = [
  { name: 'period without leading zero', args: (o) => ['run', '--sandbox', '--period', '2026-9', '--out', o], code: 2, says: ['--period "2026-9" is not a month.', 'Expected YYYY-MM'] },
  { name: 'period month 13', args: (o) => ['run', '--sandbox', '--period', '2026-13', '--out', o], code: 2, says: ['--period "2026-13" is not a month.', 'Expected YYYY-MM'] },
  { name: 'period as words', args: (o) => ['run', '--sandbox', '--period', 'september', '--out', o], code: 2, says: ['--period "september" is not a month.', 'for example --period 2026-09'] },
  { name: 'period before the API starts', args: (o) => ['run', '--sandbox', '--period', '2025-12', ...NOW, '--out', o], code: 2, says: ['--period 2025-12 is before 2026-01', 'Choose 2026-01 or later.'] },
  { name: 'period in the future', args: (o) => ['run', '--sandbox', '--period', '2027-01', ...NOW, '--out', o], code: 2, says: ['--period 2027-01 has not started yet', 'Choose a past month'] },
  { name: 'period not final yet', args: (o) => ['run', '--sandbox', '--period', '2026-10', ...NOW, '--out', o], code: 75, says: ['2026-10 is not final yet', 'pass --provisional'] },
  { name: '--now as a word', args: (o) => ['run', '--sandbox', '--now', 'yesterday', '--out', o], code: 2, says: ['--now "yesterday" is not a valid ISO-8601 instant: expected an instant such as 2026-11-25T09:00:00Z', 'Example: --now 2026-11-25T09:00:00Z'] },
  { name: '--now without a time', args: (o) => ['run', '--sandbox', '--now', '2026-11-25', '--out', o], code: 2, says: ['--now "2026-11-25" is not a valid ISO-8601 instant', 'Example:'] },
  { name: '--now with month 13', args: (o) => ['run', '--sandbox', '--now', '2026-13-01T00:00:00Z', '--out', o], code: 2, says: ['--now "2026-13-01T00:00:00Z" is not a valid ISO-8601 instant: month 13 does not exist.', 'Example:'] },
  { name: '--now on 30 February', args: (o) => ['run', '--sandbox', '--now', '2026-02-30T00:00:00Z', '--out', o], code: 2, says: ['--now "2026-02-30T00:00:00Z" is not a valid ISO-8601 instant: 2026-02 has 28 days, not day 30.', 'Example:'] },
  { name: '--now at hour 25', args: (o) => ['run', '--sandbox', '--now', '2026-11-25T25:00:00Z', '--out', o], code: 2, says: ['is not a valid ISO-8601 instant: hour 25 does not exist (00 to 23).'] },
  { name: '--request-timeout as a word', args: (o) => ['run', '--sandbox', ...NOW, '--request-timeout', 'soon', '--out', o], code: 2, says: ['--request-timeout "soon" is not a number of seconds from 1 to 3600.', 'Example: --request-timeout 60'] },
  { name: '--request-timeout of zero', args: (o) => ['run', '--sandbox', ...NOW, '--request-timeout', '0', '--out', o], code: 2, says: ['--request-timeout "0" is not a number of seconds from 1 to 3600.'] },
  { name: 'credentials in the base URL', args: (o) => ['run', '--period', '2026-09', ...NOW, '--out', o], env: { ...KEY, ANTHROPIC_BASE_URL: 'http://finance:s3cret-proxy-pass@127.0.0.1:9' }, code: 2, says: ['ANTHROPIC_BASE_URL carries a user name or password (http://…@127.0.0.1:9)', 'set HTTPS_PROXY instead'] },
  { name: 'period beyond the API look-back', args: (o) => ['run', '--sandbox', '--period', '2026-01', '--now', '2027-02-15T00:00:00Z', '--out', o], code: 2, says: ["--period 2026-01 is older than the Analytics API's 365-day look-back", 'Nothing was requested.', 'choose 2026-03 or later'] },
  { name: 'sandbox --endless as a word', args: () => ['sandbox', '--port', '0', '--endless', 'forever'], code: 2, says: ['--endless "forever" is not rows or empty.'] },
  { name: '--now in the future against the API', args: (o) => ['run', '--period', '2026-09', '--now', '2099-01-01T00:00:00Z', '--out', o], env: KEY, code: 2, says: ['--now 2099-01-01T00:00:00Z is in the future', 'Use --now only to reproduce a past run'] },
  { name: 'unknown option', args: (o) => ['run', '--bogus', '--out', o], code: 2, says: ["unknown option '--bogus'", 'chargeback --help'] },
  { name: 'unknown command', args: () => ['frobnicate'], code: 2, says: ["unknown command 'frobnicate'", 'chargeback --help'] },
  { name: 'missing option value', args: (o) => ['run', '--sandbox', '--out', o, '--period'], code: 2, says: ["option '--period <YYYY-MM>' argument missing", 'chargeback --help'] },
  { name: 'no API key', args: (o) => ['run', '--period', '2026-09', ...NOW, '--out', o], code: 2, says: ['ANTHROPIC_ANALYTICS_API_KEY is not set.', 'or pass --sandbox'] },
  { name: 'API key with a line break', args: (o) => ['run', '--period', '2026-09', ...NOW, '--out', o], env: { ANTHROPIC_ANALYTICS_API_KEY: 'sk-ant-x\n', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' }, code: 2, says: ['cannot be sent in an HTTP header', 'without quotes or surrounding whitespace'] },
  { name: 'base URL that is not http', args: (o) => ['run', '--period', '2026-09', ...NOW, '--out', o], env: { ...KEY, ANTHROPIC_BASE_URL: 'ftp://proxy.example' }, code: 2, says: ['ANTHROPIC_BASE_URL is not an http(s) URL (its scheme is "ftp").', 'or unset it'] },
  { name: 'directory file missing', args: (o) => ['run', '--sandbox', ...NOW, '--out', o, '--directory', 'mappings/nope.yaml'], code: 2, says: ['Cannot read the org directory mappings/nope.yaml (ENOENT).', 'Pass --directory PATH'] },
  { name: 'directory is a folder', args: (o) => ['run', '--sandbox', ...NOW, '--out', o, '--directory', 'mappings'], code: 2, says: ['Cannot read the org directory mappings (EISDIR).', 'Pass --directory PATH'] },
  { name: '--from-raw of a folder without pages', args: (o) => ['run', '--from-raw', o, ...NOW, '--out', o], code: 2, says: ['has no requests.json: it is not the raw/ folder of a published month.', '--from-raw out/2026-09/raw'] },
  { name: '--from-raw with --sandbox', args: (o) => ['run', '--sandbox', '--from-raw', o, ...NOW, '--out', o], code: 2, says: ['--from-raw and --sandbox cannot be combined.', 'drop --sandbox'] },
  { name: 'verify a folder that is not a month', args: (o) => ['verify', o], code: 2, says: ['has no manifest.json: it is not a published month.', 'chargeback verify out/2026-09'] },
  { name: 'verify a folder with a broken manifest', args: (o) => { mkdirSync(join(o, 'm')); writeFileSync(join(o, 'm', 'manifest.json'), '{not json'); return ['verify', join(o, 'm')]; }, code: 2, says: ['manifest.json is not a claude-chargeback manifest.', 'Pass the folder of one month'] },
  { name: 'close a period that is not a month', args: (o) => ['close', '--period', '2026-9', '--out', o], code: 2, says: ['--period "2026-9" is not a month.', 'Expected YYYY-MM'] },
  { name: 'close an unpublished month', args: (o) => ['close', '--period', '2026-09', '--out', o], code: 2, says: ['is not published; there is nothing to close.', 'chargeback run --period 2026-09 first'] },
  { name: 'diff a period that is not a month', args: (o) => ['diff', '--period', 'last', '--out', o], code: 2, says: ['"last" is not a month or a revision.', 'Use YYYY-MM'] },
  { name: 'diff an unpublished month', args: (o) => ['diff', '--period', '2026-09', '--out', o], code: 2, says: ['2026-09 is not published.', 'Published issues of 2026-09: none.'] },
  { name: 'sandbox port as a word', args: () => ['sandbox', '--port', 'eighty'], code: 2, says: ['--port "eighty" is not a port number.', 'Use 0 (any free port) to 65535.'] },
  { name: 'sandbox fault that is not one', args: () => ['sandbox', '--port', '0', '--fault', 'explode'], code: 2, says: ['--fault "explode" is not a fault.', 'Expected KIND@REQUEST[:ARG]'] },
];

describe('bad input on the command line', () => {
  it('has enough cases, with the directory fixtures, for a corpus of at least 40', () => {
    const directories = readdirSync('test/fixtures/bad-directories').filter((f) => f.endsWith('.yaml')).length;
    expect(BAD_INPUTS.length + directories).toBeGreaterThanOrEqual(40);
  });

  it.each(BAD_INPUTS)('$name', async ({ args, env, code, says }) => {
    const out = tempDir();
    const argv = args(out);
    const before = readdirSync(out);
    const r = await runCli(argv, env);
    expect(r.code).toBe(code);
    for (const s of says) expect(r.stderr).toContain(s);
    expect(r.stderr).not.toContain('internal error');
    // No stack trace, and no secret from the environment, in anything printed.
    expect(r.stderr).not.toMatch(/^\s+at /m);
    for (const secret of ['s3cret-proxy-pass', 'finance:', KEY.ANTHROPIC_ANALYTICS_API_KEY]) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    expect(readdirSync(out).filter((f) => !before.includes(f))).toEqual([]);
  });
});

describe('README figures', () => {
  it('state the number of bad inputs the suite runs', async () => {
    const readme = (await import('node:fs')).readFileSync('README.md', 'utf8');
    const directories = readdirSync('test/fixtures/bad-directories').filter((f) => f.endsWith('.yaml')).length;
    const templates = readdirSync('test/fixtures/bad-templates').filter((f) => f.endsWith('.yaml')).length;
    expect(readme).toContain(`**${BAD_INPUTS.length + directories + templates} bad inputs**: ${BAD_INPUTS.length} flags`);
    expect(readme).toContain(`${directories} broken org directories (`);
    expect(readme).toContain(`and ${templates} broken statement templates (`);
  });
});
