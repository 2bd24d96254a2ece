import { execFile, spawn } from 'node:child_process';
import { expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI as a real child process, the way finance and schedulers run it. Only for
 * what the process boundary itself decides (exit status, start-up time, signals); everything
 * else uses runCli, which runs the same `main` in this process.
 */
export function runCliProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/**
 * The command line's `main` in this process, with the environment and working folder a child
 * process would have: the same parsing, messages and exit codes, without starting Node again.
 * Calls are queued, so a test that changes folder never overlaps another.
 */
let queue: Promise<unknown> = Promise.resolve();
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<CliResult> {
  const run = async (): Promise<CliResult> => {
    const { main } = await import('../../src/cli/main.js');
    const stdout: string[] = [];
    const stderr: string[] = [];
    const home = process.cwd();
    process.chdir(cwd);
    try {
      const code = await main(args, {
        out: (line) => stdout.push(`${line}\n`),
        err: (line) => stderr.push(`${line}\n`),
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env },
        progress: env.CHARGEBACK_PROGRESS === '1',
      });
      return { code, stdout: stdout.join(''), stderr: stderr.join('') };
    } finally {
      process.chdir(home);
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

const made: string[] = [];

/** A fresh folder under the system's temporary folder, removed after the test file (see cleanup.ts). */
export function tempDir(prefix = 'chargeback-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder tempDir made in this test file; CHARGEBACK_KEEP_TEST_DIRS=1 keeps them to look at. */
export function removeTempDirs(): void {
  if (process.env.CHARGEBACK_KEEP_TEST_DIRS === '1') return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The sandbox's month-end with a true-up: September issued provisionally on 5 October, its final
 * figures as revision 2 on 25 November, and October provisionally, carrying the difference.
 */
export async function publishTrueUp(out: string): Promise<void> {
  for (const args of [
    ['--period', '2026-09', '--provisional', '--now', '2026-10-05T09:00:00Z'],
    ['--period', '2026-09', '--now', '2026-11-25T09:00:00Z'],
    ['--period', '2026-10', '--provisional', '--now', '2026-11-25T09:00:00Z'],
  ]) {
    const r = await runCli(['run', '--sandbox', '--out', out, ...args]);
    if (r.code !== 0) throw new Error(`run ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  }
}

/**
 * The built `chargeback sandbox` started as a process (clock 2026-11-25T09:00:00Z): `check` runs
 * once it says where it listens, with its url and stdout so far; then it is stopped with SIGTERM
 * and must exit 0.
 */
export async function servingSandbox(args: readonly string[], check: (url: string, stdout: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--now', '2026-11-25T09:00:00Z', ...args], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stdout}`)));
  });
  try {
    await check(url, stdout);
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
}
