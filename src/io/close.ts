import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePeriod } from '../core/period.js';
import { usageError } from '../errors.js';
import { errnoCode, fsCause, isFsError, writeNextStep } from './fs-cause.js';
import { isClosed, revisions } from './issues.js';
import { closedJson, closedMarker, closedRecord, issueFolder, readManifest } from './layout.js';

/**
 * Locks a month: a marker beside its folders records the revision and manifest hash that were
 * closed. A closed month is never rewritten; corrections flow forward as adjustments.
 */
export async function closeMonth(outDir: string, label: string, now: Date): Promise<{ marker: string; revision: number; alreadyClosed: boolean }> {
  if (!parsePeriod(label)) throw usageError(`--period ${JSON.stringify(label)} is not a month.`, ['Expected YYYY-MM, for example --period 2026-09.']);
  const marker = join(outDir, closedMarker(label));
  const all = await revisions(outDir, label);
  if (all.length === 0) throw usageError(`${join(outDir, label)} is not published; there is nothing to close.`, [`Run chargeback run --period ${label} first.`]);
  const revision = all[all.length - 1]!;
  if (await isClosed(outDir, label)) return { marker, revision, alreadyClosed: true };
  // The marker records the manifest's hash; a manifest that is missing or not one is refused, not sealed.
  const { bytes: manifest } = await readManifest(join(outDir, issueFolder(label, revision)));
  try {
    await writeFile(marker, closedJson(closedRecord(label, revision, manifest, now)), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return { marker, revision, alreadyClosed: true }; // closed meanwhile by another close
    if (!isFsError(error)) throw error;
    // A partly written marker would lock the month on a broken record: remove it.
    await rm(marker, { force: true }).catch(() => {});
    throw usageError(`Cannot close ${label}: writing ${marker}: ${fsCause(error)}.`, [`${label} is not closed.`, writeNextStep(errnoCode(error))]);
  }
  return { marker, revision, alreadyClosed: false };
}
