import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from './helpers/cli.js';

const NOW = '2026-11-25T09:00:00Z';

/** Starts the month-end job as a real child process and SIGKILLs it when it reports `marker`. */
function killAt(marker: string, out: string): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, 'run', '--sandbox', '--now', NOW, '--out', out], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', CHARGEBACK_PROGRESS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      if (!killed && chunk.toString('utf8').includes(marker)) {
        killed = child.kill('SIGKILL');
      }
    });
    child.on('exit', (code) => done({ killed, code }));
  });
}

describe('crash safety', () => {
  it.each(['pulling', 'allocating', 'publishing'])('a kill while %s leaves the month absent or complete, and the next run succeeds', async (marker) => {
    const out = tempDir();
    const { killed } = await killAt(marker, out);
    const month = join(out, '2026-09');
    const present = readdirSync(out).includes('2026-09');
    expect(killed).toBe(true);
    if (present) expect((await runCli(['verify', month])).code).toBe(0);
    // Whatever the kill left behind, the next run publishes a complete month and cleans up.
    const next = await runCli(['run', '--sandbox', '--now', NOW, '--out', out]);
    expect(next.code).toBe(0);
    expect((await runCli(['verify', month])).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['2026-09', 'latest']);
  });
});
