import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { fault, runCliWithFs } from './helpers/fs-faults.js';

/**
 * --out problems are the user's or the machine's, not bugs: exit 2 naming the path and the cause
 * in words, no stack trace, and nothing half-written. A full or read-only disk is simulated by a
 * preloaded module that makes the file system fail under one folder (test/helpers/fs-faults.mjs).
 */
const MONTH = ['--period', '2026-09', '--now', '2026-11-25T09:00:00Z', '--directory', join(ROOT, 'mappings', 'org.yaml')];
const run = (out: string, env: NodeJS.ProcessEnv = {}, cwd = ROOT) => runCli(['run', '--sandbox', ...MONTH, '--out', out], env, cwd);
/** With the file system failing under a folder: a child process with the fault preloaded. */
const runFaulty = (out: string, env: NodeJS.ProcessEnv) => runCliWithFs(['run', '--sandbox', ...MONTH, '--out', out], env);

function expectNoStack(r: { stderr: string }): void {
  expect(r.stderr).not.toMatch(/internal error/i);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
}

describe('--out', () => {
  it('pointing at a file: exit 2, the file is named and left as it was', async () => {
    const dir = tempDir();
    const file = join(dir, 'out');
    writeFileSync(file, 'not a folder');
    const r = await run(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${file}: ${file} is a file, not a folder.`);
    expect(r.stderr).toContain('Pass --out a folder (it is created if missing)');
    expectNoStack(r);
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
  });

  it('below a file: exit 2 naming the file in the way', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'reports'), '');
    const r = await run(join(dir, 'reports', 'out'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'reports')} is a file, not a folder, so ${join(dir, 'reports', 'out')} cannot be created below it.`);
    expectNoStack(r);
  });

  it('empty (--out ""): exit 2, nothing written into the working folder', async () => {
    const cwd = tempDir();
    const r = await run('', {}, cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out is empty');
    expectNoStack(r);
    expect(readdirSync(cwd)).toEqual([]);
  });

  // root may write anywhere whatever the mode says, so the real case runs only as another user;
  // the refusal the kernel gives is injected below for every user.
  it.skipIf(process.getuid?.() === 0)('a folder this user cannot write (chmod 555): exit 2 saying so', async () => {
    const dir = tempDir();
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const r = await run(join(locked, 'out'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`is not writable: ${locked}: permission denied`);
    expectNoStack(r);
  });

  it('a folder this user cannot write (EACCES, injected): exit 2 naming it and the fix, before any work', async () => {
    const dir = tempDir();
    const r = await runFaulty(join(dir, 'out'), fault('EACCES:access', dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${join(dir, 'out')} is not writable: ${dir}: permission denied`);
    expect(r.stderr).toContain('Pass --out a folder this user can write');
    expectNoStack(r);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('on a read-only file system (EROFS, injected): exit 2, nothing written', async () => {
    const out = tempDir();
    const r = await runFaulty(out, fault('EROFS:mkdir', out));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Cannot publish 2026-09 to ${out}`);
    expect(r.stderr).toContain('the file system is read-only [EROFS]');
    expect(r.stderr).toContain('Pass --out a folder on a writable file system');
    expectNoStack(r);
    expect(readdirSync(out)).toEqual([]);
  });

  it('on a full disk (ENOSPC after some files, injected): exit 2 naming the file, the staging folder removed', async () => {
    const out = tempDir();
    const r = await runFaulty(out, fault('ENOSPC:write', out, 5));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`Cannot publish 2026-09 to ${out}: ${join(out, '2026-09')}/\\S+: the disk is full \\(no space left on the device\\) \\[ENOSPC\\]`));
    expect(r.stderr).toContain('Nothing was published: the staging folder was removed');
    expect(r.stderr).toMatch(/Free space on that disk \(the month needs more than the \d+ MB written before the disk filled\)/);
    expectNoStack(r);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a file given to close, diff and send: exit 2 saying it is a file', async () => {
    const file = join(tempDir(), 'out');
    writeFileSync(file, '');
    for (const args of [['close', '--period', '2026-09', '--now', '2026-11-25T09:00:00Z'], ['diff', '--period', '2026-09'], ['send', '--period', '2026-09', '--now', '2026-11-25T09:00:00Z']]) {
      const r = await runCli([...args, '--out', file]);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr).toContain(`--out ${file} cannot be read as the folder of published months: it is a file, not a folder.`);
      expectNoStack(r);
    }
  });
});
