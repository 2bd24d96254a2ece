import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const PRELOAD = join(ROOT, 'test', 'helpers', 'fs-faults.mjs');

export interface ChildResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The built CLI as a child process with fs-faults.mjs preloaded: the file system fails (a full or
 * read-only disk, a folder not writable) or every opened path is traced, as the environment says
 * (see fs-faults.mjs). The process boundary is what injects the fault, so this needs a real child.
 */
export function runCliWithFs(args: readonly string[], fsEnv: NodeJS.ProcessEnv, cwd = ROOT): Promise<ChildResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', PRELOAD, CLI, ...args],
      { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...fsEnv }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Makes the file system fail under `under`: e.g. ENOSPC:write (after `after` files), EROFS:mkdir, EACCES:access. */
export const fault = (kind: string, under: string, after = 0): NodeJS.ProcessEnv => ({ FS_FAULT: kind, FS_FAULT_UNDER: under, FS_FAULT_AFTER: String(after) });
