import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { usageError } from '../errors.js';

const SAFE_PATH = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export function refuseExisting(target: string): never {
  throw usageError(`${target} already exists; published months are never overwritten silently.`, [
    'Pass --force to replace it (the old folder is removed only after the new one is complete), or --out DIR to write elsewhere.',
  ]);
}

/** Writes a new file (never over an existing one), owner-only, and flushes it to disk. */
export async function writeDurable(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Whether a process with this id still runs (EPERM: it runs under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Cleans up after an interrupted run of this month whose process is gone: a partial folder is
 * removed; a replaced (previously published) month is put back if nothing took its place.
 */
async function removeAbandoned(root: string, name: string): Promise<void> {
  const prefix = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(partial|replaced)-(\\d+)-[0-9a-f]+$`);
  for (const entry of await readdir(root)) {
    const m = prefix.exec(entry);
    if (!m || processAlive(Number(m[2]))) continue;
    if (m[1] === 'replaced' && !(await exists(join(root, name)))) await rename(join(root, entry), join(root, name));
    else await rm(join(root, entry), { recursive: true, force: true });
  }
}

/**
 * Writes every file into a temporary folder beside the target, then renames it into place, so
 * `out/<period>` is either absent, the old complete month, or the new complete month.
 */
export async function publishAtomically(outRoot: string, name: string, files: ReadonlyMap<string, Uint8Array>, force: boolean): Promise<string> {
  const root = resolve(outRoot);
  const target = join(root, name);
  if (!SAFE_PATH.test(name) || name.includes('/')) throw new Error(`unsafe output folder name ${JSON.stringify(name)}`);
  await mkdir(root, { recursive: true, mode: 0o700 });
  await removeAbandoned(root, name);
  if ((await exists(target)) && !force) refuseExisting(target);

  const nonce = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(root, `.${name}.partial-${nonce}`);
  await mkdir(temp, { mode: 0o700 });
  try {
    for (const [rel, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!SAFE_PATH.test(rel) || rel.split('/').some((part) => part === '..' || part === '.')) throw new Error(`unsafe output path ${JSON.stringify(rel)}`);
      const path = join(temp, rel);
      if (!path.startsWith(temp + sep)) throw new Error(`output path escapes the output folder: ${rel}`);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeDurable(path, bytes);
    }
    if (await exists(target)) {
      const old = join(root, `.${name}.replaced-${nonce}`);
      await rename(target, old);
      try {
        await rename(temp, target);
      } catch (error) {
        await rename(old, target); // put the published month back before reporting
        throw error;
      }
      // The new month is in place; a leftover old copy is hidden and removed by the next run.
      await rm(old, { recursive: true, force: true }).catch(() => {});
    } else {
      await rename(temp, target);
    }
    return target;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
