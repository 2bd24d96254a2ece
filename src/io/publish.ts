import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ChargebackError, usageError } from '../errors.js';
import { errnoCode, fsCause, isFsError } from './fs-cause.js';
import { FolderSink, SAFE_PATH } from './month-sink.js';
import { LATEST_DIR, publishedPath, stagingFolder, stagingPattern } from './layout.js';

export { SAFE_PATH } from './month-sink.js';

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

/** What to do about a machine problem with the output folder, by errno code. */
function outNextStep(code: string | undefined, neededBytes: number | null): string {
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
    case 'EISDIR':
      return 'Pass --out a folder (it is created if missing), e.g. --out out, or move the file out of the way.';
    case 'EACCES':
    case 'EPERM':
      return 'Pass --out a folder this user can write, or give this user write permission on it.';
    case 'EROFS':
      return 'Pass --out a folder on a writable file system (the one given is mounted read-only).';
    case 'ENOSPC':
    case 'EDQUOT':
      return `Free space on that disk${neededBytes === null || neededBytes === 0 ? '' : ` (the month needs more than the ${Math.ceil(neededBytes / 1_048_576)} MB written before the disk filled)`}, or pass --out a folder on another disk.`;
    default:
      return 'Check the folder given with --out and the disk it is on, then run again.';
  }
}

/** A machine problem with the output folder as the user's error (exit 2): the path, the cause in words, the fix. */
function outError(error: NodeJS.ErrnoException, what: string, fallbackPath: string, neededBytes: number | null, extra: readonly string[] = []): ChargebackError {
  return usageError(`${what}: ${error.path ?? fallbackPath}: ${fsCause(error)}.`, [...extra, outNextStep(errnoCode(error), neededBytes)]);
}

/**
 * Checks --out before any work: not empty, not a file (nor under one), and writable where the
 * month folder will be created. A month pulled for minutes must not fail at the last step for a
 * reason known at the first; publishAtomically still reports what only writing reveals (a full disk).
 */
export async function checkOutDir(outDir: string): Promise<void> {
  if (outDir.trim() === '') {
    throw usageError('--out is empty: it must name the folder months are published under (an empty name would write into the working folder).', ['Pass --out DIR, e.g. --out out (the default); it is created if missing.']);
  }
  const root = resolve(outDir);
  // The nearest part of the path that exists must be a folder this user can write into.
  let existing = root;
  for (;;) {
    try {
      const s = await stat(existing);
      if (!s.isDirectory()) {
        const why = existing === root ? `${root} is a file, not a folder` : `${existing} is a file, not a folder, so ${root} cannot be created below it`;
        throw usageError(`--out ${outDir}: ${why}.`, [outNextStep('ENOTDIR', null)]);
      }
      break;
    } catch (error) {
      if (error instanceof ChargebackError) throw error;
      const code = errnoCode(error);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(existing) !== existing) {
        existing = dirname(existing);
        continue;
      }
      if (isFsError(error)) throw outError(error, `--out ${outDir} cannot be used`, existing, null);
      throw error;
    }
  }
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    if (isFsError(error)) throw outError(error, `--out ${outDir} is not writable`, existing, null);
    throw error;
  }
}

/**
 * Cleans up after an interrupted run of this month whose process is gone: a partial folder is
 * removed; a replaced (previously published) month is put back if nothing took its place.
 */
async function removeAbandoned(root: string, name: string): Promise<void> {
  const prefix = stagingPattern(name);
  for (const entry of await readdir(root)) {
    const m = prefix.exec(entry);
    if (!m || processAlive(Number(m[2]))) continue;
    if (m[1] === 'replaced' && !(await exists(join(root, name)))) await rename(join(root, entry), join(root, name));
    else await rm(join(root, entry), { recursive: true, force: true });
  }
}

/** A month being written: files go into a hidden staging folder beside the target as they are made. */
export interface Staging {
  readonly sink: FolderSink;
  /** Renames the complete folder into place (replacing the month under --force); its path. */
  commit(): Promise<string>;
  /** Removes the staging folder (nothing was published). */
  abort(): Promise<void>;
  /** Removes the staging folder and turns a machine problem (full disk, read-only) into the user's error. */
  failure(error: unknown): Promise<unknown>;
}

/**
 * Opens the staging folder of `out/<name>`: files are written into it while the month is pulled
 * and derived, then `commit` renames it into place, so `out/<name>` is either absent, the old
 * complete month, or the new complete month. An interrupted run leaves only the hidden folder,
 * which the next run removes.
 */
export async function openStaging(outRoot: string, name: string, force: boolean): Promise<Staging> {
  if (outRoot.trim() === '') await checkOutDir(outRoot);
  const root = resolve(outRoot);
  const target = join(root, name);
  if (!SAFE_PATH.test(name) || name.includes('/')) throw new Error(`unsafe output folder name ${JSON.stringify(name)}`);
  const nonce = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(root, stagingFolder(name, 'partial', nonce));
  const sink = new FolderSink(temp);
  const writtenBytes = () => [...sink.records.values()].reduce((a, r) => a + r.bytes, 0);
  const remove = () => rm(temp, { recursive: true, force: true }).catch(() => {});
  const failure = async (error: unknown) => {
    // On a full or read-only disk the removal may fail too; the original problem is what to report.
    await remove();
    if (!isFsError(error)) return error;
    // A file of the staging folder is named as it would have been published.
    if (error.path) error.path = publishedPath(error.path);
    return outError(error, `Cannot publish ${name} to ${root}`, root, writtenBytes(), [
      `Nothing was published: the staging folder was removed (should that fail too, the next run removes it)${force ? '; the month published before is untouched' : ''}.`,
    ]);
  };
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
    await removeAbandoned(root, name);
    if ((await exists(target)) && !force) refuseExisting(target);
    await mkdir(temp, { mode: 0o700 });
  } catch (error) {
    throw await failure(error);
  }
  return {
    sink,
    failure,
    abort: remove,
    async commit() {
      try {
        if (await exists(target)) {
          if (!force) refuseExisting(target);
          const old = join(root, stagingFolder(name, 'replaced', nonce));
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
        throw await failure(error);
      }
    },
  };
}

/** Writes every file of a month held in memory, through a staging folder (see openStaging). */
export async function publishAtomically(outRoot: string, name: string, files: ReadonlyMap<string, Uint8Array>, force: boolean): Promise<string> {
  const staging = await openStaging(outRoot, name, force);
  try {
    for (const [rel, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) await staging.sink.write(rel, bytes);
  } catch (error) {
    throw await staging.failure(error);
  }
  return staging.commit();
}

/**
 * Points out/latest/<YYYY-MM> at the month's latest issue (a relative symbolic link, replaced in
 * one rename), so a query over out/latest/* reads every month once, its latest figures. Returns
 * null, or why the link could not be made (the month itself is published either way).
 */
export async function pointLatest(outRoot: string, label: string, folder: string): Promise<string | null> {
  const dir = join(resolve(outRoot), LATEST_DIR);
  const link = join(dir, label);
  const temp = join(dir, `.${label}.${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    await symlink(join('..', folder), temp);
    await rename(temp, link);
    return null;
  } catch (error) {
    if (!isFsError(error)) throw error;
    await rm(temp, { force: true }).catch(() => {});
    return `${link} could not be pointed at ${folder} (${fsCause(error)}); the month is published, but out/${LATEST_DIR}/ does not show it yet: run again, or make the link by hand.`;
  }
}
