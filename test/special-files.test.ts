import { execFileSync } from 'node:child_process';
import { readFileSync, cpSync, existsSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { found } from '../src/io/directory-file.js';
import { FileRefusal, readRegularFile } from '../src/io/read-file.js';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';

/**
 * Files that are not what they seem: a named pipe, a device, a 300 MB file, a damaged copy of a
 * published month's logo. Every one is refused at once with exit 2 (or, for verify, "does not
 * verify") naming the file and what is wrong: never a wait without end, never a stack trace, and
 * nothing written.
 */
const NOW = ['--now', '2026-11-25T09:00:00Z'];
const LOGO = 'acme-de-logo.png';
let base: string;

beforeAll(async () => {
  base = tempDir('special-base-');
  const r = await runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', base, '--template', 'templates/acme-de.yaml']);
  if (r.code !== 0) throw new Error(`publishing the month failed (${r.code}): ${r.stderr}`);
  if (!existsSync(join(base, '2026-09', 'inputs', LOGO))) throw new Error(`the month recorded no inputs/${LOGO}`);
}, 60_000);

/** A fresh copy of the published month, and an output folder that does not exist yet. */
function copyMonth(): { month: string; out: string } {
  const dir = tempDir('special-');
  cpSync(join(base, '2026-09'), join(dir, '2026-09'), { recursive: true });
  return { month: join(dir, '2026-09'), out: join(dir, 'rerun') };
}

const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort() : []);

function mkfifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/** A sparse file of `bytes` NUL bytes: no disk is used. */
function sparse(path: string, bytes: number): string {
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
}

function expectRefused(r: CliResult, code: number, ...says: string[]): void {
  expect(r.code, r.stderr).toBe(code);
  for (const s of says) expect(r.stderr).toContain(s);
  expect(r.stderr).not.toMatch(/internal error/i);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('the shared reader of input files', () => {
  it('refuses a named pipe and a device by their type, without waiting on them', () => {
    const fifo = mkfifo(join(tempDir(), 'pipe'));
    expect(() => readRegularFile(fifo, { maxBytes: 100, what: 'a YAML file' })).toThrow(`${fifo} is not a regular file (a named pipe); expected a YAML file.`);
    expect(() => readRegularFile('/dev/zero', { maxBytes: 100, what: 'a YAML file' })).toThrow(FileRefusal);
    expect(() => readRegularFile('/dev/zero', { maxBytes: 100, what: 'a YAML file' })).toThrow('/dev/zero is not a regular file (a device)');
  });

  it('refuses a file over its limit by its size, before reading it', () => {
    const big = sparse(join(tempDir(), 'big.bin'), 2048);
    expect(() => readRegularFile(big, { maxBytes: 1024, what: 'a small file' })).toThrow(`${big} is 2 KiB (2048 bytes), more than the limit of 1 KiB (1024 bytes); expected a small file.`);
    expect(readRegularFile(big, { maxBytes: 2048, what: 'a small file' }).length).toBe(2048);
  });

  it('answers a folder as the operating system does (EISDIR), and a link as ELOOP when links are not followed', () => {
    const dir = tempDir();
    expect(() => readRegularFile(dir, { maxBytes: 100, what: 'a file' })).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    execFileSync('ln', ['-s', '/etc/hostname', join(dir, 'link')]);
    expect(() => readRegularFile(join(dir, 'link'), { maxBytes: 100, what: 'a file', followLinks: false })).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });

  it('shows a huge value in a message cut before it is quoted', () => {
    const huge = '\u0000'.repeat(100_000_000);
    expect(found(huge)).toBe(`${JSON.stringify('\u0000'.repeat(20)).slice(0, 50)}…`);
    expect(found('x'.repeat(60))).toBe(`"${'x'.repeat(49)}…`);
    expect(found('short')).toBe('"short"');
  });
});

describe('special files given as the org directory or the template', () => {
  it('a 300 MB org directory is refused by its size, unread', async () => {
    const dir = tempDir();
    const big = sparse(join(dir, 'big.yaml'), 300 * 1024 * 1024);
    const out = join(dir, 'out');
    const r = await runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', out, '--directory', big]);
    expectRefused(r, 2, `${big} is 300 MiB (314572800 bytes), more than the limit of 256 MiB (268435456 bytes); expected a YAML file (the org directory).`, 'Pass --directory PATH');
    expect(listing(out)).toEqual([]);
  });

  it('a 300 MB template is refused by its size, unread', async () => {
    const big = sparse(join(tempDir(), 'big.yaml'), 300 * 1024 * 1024);
    const r = await runCli(['validate', '--template', big]);
    expectRefused(r, 2, `${big} is 300 MiB (314572800 bytes), more than the limit of 1 MiB (1048576 bytes); expected a YAML file (the template).`, 'Pass --template PATH');
  });

  it('a named pipe as the org directory is refused at once', async () => {
    const dir = tempDir();
    const fifo = mkfifo(join(dir, 'org.yaml'));
    const out = join(dir, 'out');
    const r = await runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', out, '--directory', fifo]);
    expectRefused(r, 2, `${fifo} is not a regular file (a named pipe); expected a YAML file (the org directory).`);
    expect(listing(out)).toEqual([]);
  });

  it('a named pipe and /dev/zero as the template are refused at once', async () => {
    const fifo = mkfifo(join(tempDir(), 'f.yaml'));
    expectRefused(await runCli(['validate', '--template', fifo]), 2, `${fifo} is not a regular file (a named pipe); expected a YAML file (the template).`);
    expectRefused(await runCli(['validate', '--template', '/dev/zero']), 2, '/dev/zero is not a regular file (a device); expected a YAML file (the template).');
    const out = join(tempDir(), 'out');
    expectRefused(await runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', out, '--template', fifo]), 2, 'is not a regular file (a named pipe)');
    expect(listing(out)).toEqual([]);
  });

  it('an org directory that is missing, a folder or a device says why, in words, and what was expected', async () => {
    const out = join(tempDir(), 'out');
    const run = (directory: string) => runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', out, '--directory', directory]);
    expectRefused(await run('mappings/nope.yaml'), 2, 'Cannot read the org directory mappings/nope.yaml (ENOENT).', 'It does not exist; expected a YAML file.', 'Pass --directory PATH');
    expectRefused(await run('mappings'), 2, 'Cannot read the org directory mappings (EISDIR).', 'It is a folder, not a file; expected a YAML file.');
    expectRefused(await run('/dev/zero'), 2, '/dev/zero is not a regular file (a device); expected a YAML file (the org directory).');
    expect(listing(out)).toEqual([]);
  });
});

describe('a published month with a damaged or special file', () => {
  it('a damaged recorded logo: verify names it and says to restore it; --from-raw refuses it (exit 2)', async () => {
    const { month, out } = copyMonth();
    truncateSync(join(month, 'inputs', LOGO), 100);
    const before = listing(month);
    const verify = await runCli(['verify', month]);
    expectRefused(verify, 1, `modified: inputs/${LOGO}`, `but its copy inputs/${LOGO} is a PNG that cannot be decoded`, `restore inputs/${LOGO} from a backup or copy of the published month`);
    expect(listing(month)).toEqual(before);
    const rerun = await runCli(['run', '--from-raw', join(month, 'raw'), ...NOW, '--out', out]);
    expectRefused(rerun, 2, `The recorded statement template no longer validates (month folder ${month}).`, `inputs/${LOGO} is a PNG that cannot be decoded`, `restore inputs/${LOGO} from a backup or copy of the published month`);
    expect(listing(out)).toEqual([]);
    expect(listing(month)).toEqual(before);
  });

  it('a named pipe as manifest.json: verify and --from-raw refuse it at once (exit 2)', async () => {
    const { month, out } = copyMonth();
    rmSync(join(month, 'manifest.json'));
    mkfifo(join(month, 'manifest.json'));
    const says = `${join(month, 'manifest.json')} is not a regular file (a named pipe); expected a claude-chargeback manifest.`;
    expectRefused(await runCli(['verify', month]), 2, says);
    expectRefused(await runCli(['run', '--from-raw', join(month, 'raw'), ...NOW, '--out', out]), 2, says);
    expect(listing(out)).toEqual([]);
  });

  it('a named pipe as raw/requests.json: verify reports it, --from-raw refuses it (exit 2)', async () => {
    const { month, out } = copyMonth();
    const requests = join(month, 'raw', 'requests.json');
    rmSync(requests);
    mkfifo(requests);
    const before = listing(month);
    const verify = await runCli(['verify', month]);
    expectRefused(verify, 1, 'does not verify', `${requests} is not a regular file (a named pipe); expected a claude-chargeback request log.`);
    expect(listing(month)).toEqual(before);
    expectRefused(await runCli(['run', '--from-raw', join(month, 'raw'), ...NOW, '--out', out]), 2, `${requests} is not a regular file (a named pipe)`);
    expect(listing(out)).toEqual([]);
  });

  it('a named pipe as the recorded template copy is refused by name', async () => {
    const { month, out } = copyMonth();
    rmSync(join(month, 'inputs', 'template.yaml'));
    mkfifo(join(month, 'inputs', 'template.yaml'));
    expectRefused(await runCli(['run', '--from-raw', join(month, 'raw'), ...NOW, '--out', out]), 2, `${join(month, 'inputs', 'template.yaml')} is not a regular file (a named pipe)`);
    expect(listing(out)).toEqual([]);
  });

  it('a truncated raw page: --from-raw names the damaged file (exit 2), not the API', async () => {
    const { month, out } = copyMonth();
    const page = join(month, 'raw', 'cost-grouped-p001.json');
    writeFileSync(page, readFileSync(page).subarray(0, 200));
    expectRefused(await runCli(['run', '--from-raw', join(month, 'raw'), ...NOW, '--out', out]), 2, `${page} is damaged: Page 1 of cost-grouped is not JSON`, 'restore raw/ from a copy of the published month');
    expect(listing(out)).toEqual([]);
  });
});
