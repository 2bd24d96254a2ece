import { processAlive, writeDurable } from '../io/publish.js';
import { readRegularFile } from '../io/read-file.js';
import { errnoCode, fsCause, isFsError, writeNextStep } from '../io/fs-cause.js';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { DELIVERIES_FILE, deliveriesJson, OUTBOX_DIR, type DeliveriesFile } from '../io/layout.js';

/** What makes two deliveries the same message: recipient, statement numbers and attachment contents. */
export function deliveryKey(d: { recipient: string; statements: readonly string[]; attachments: ReadonlyArray<{ sha256: string }> }): string {
  return [d.recipient.trim().toLowerCase(), [...d.statements].sort().join(','), d.attachments.map((a) => a.sha256).sort().join(',')].join('|');
}

/** Writes `bytes` to `path` through a temporary file in outbox/ and a rename: mode 0600, never half written. */
export async function writeAtomically(folder: string, path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeThroughOutbox(folder, path, bytes);
  } catch (error) {
    if (!isFsError(error)) throw error;
    throw usageError(`Cannot write ${path}: ${fsCause(error)}.`, ['Nothing further was sent; what was sent before is recorded in deliveries.json.', writeNextStep(errnoCode(error))]);
  }
}

async function writeThroughOutbox(folder: string, path: string, bytes: Uint8Array): Promise<void> {
  const outbox = join(folder, OUTBOX_DIR);
  await mkdir(outbox, { recursive: true, mode: 0o700 });
  // The temporary file sits in outbox/, which verify ignores, on the same file system as the target.
  const temp = join(outbox, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await writeDurable(temp, bytes);
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

export async function writeDeliveries(folder: string, record: DeliveriesFile): Promise<void> {
  await writeAtomically(folder, join(folder, DELIVERIES_FILE), deliveriesJson(record));
}

/** One `send` per month at a time: two at once could both find a message unsent and send it twice. */
export async function lockOutbox(folder: string): Promise<() => Promise<void>> {
  const outbox = join(folder, OUTBOX_DIR);
  try {
    await mkdir(outbox, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (!isFsError(error)) throw error;
    throw usageError(`Cannot create ${outbox}: ${fsCause(error)}; nothing was sent.`, [writeNextStep(errnoCode(error))]);
  }
  const path = join(outbox, '.send.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') {
        if (!isFsError(error)) throw error;
        throw usageError(`Cannot create ${path}: ${fsCause(error)}; nothing was sent.`, [writeNextStep(errnoCode(error))]);
      }
      // Bounded and non-blocking: whatever sits at the lock's path cannot stall the send.
      const pid = Number(readLockPid(path));
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
        throw usageError(`Another chargeback send (process ${pid}) is working on ${folder}.`, [`Wait for it to finish; if it is gone, remove ${path}.`]);
      }
      await rm(path, { force: true }); // left behind by a process that is gone
    }
  }
  throw usageError(`Cannot lock ${path}.`, ['Another chargeback send may be starting; try again.']);
}

/** The process id a send lock names, or "" when it cannot be read as a small regular file. */
function readLockPid(path: string): string {
  try {
    return readRegularFile(path, { maxBytes: 64, what: 'a send lock' }).toString('utf8').trim();
  } catch {
    return '';
  }
}
