import { join } from 'node:path';
import type { CarriedAdjustment } from '../core/allocate.js';
import type { HistoryMonth } from '../core/insights.js';
import type { AccruedMonth } from '../core/journal.js';
import { usageError } from '../errors.js';
import type { MonthTemplate } from '../month.js';
import { fsCause, isFsError } from './fs-cause.js';
import { ACCRUED_COPY, CARRIED_COPY, HISTORY_COPY, MANIFEST_FILE, parseAccruedCopy, parseCarriedCopy, parseHistory, TEMPLATE_COPY, type RecordedManifest } from './layout.js';
import { templateFromCopy } from './month-template.js';
import { readRecordedBytes } from './read-recorded.js';

export interface RecordedInputs {
  /** The template copy; null when the month recorded none (issued before templates). */
  readonly template: MonthTemplate | null;
  /** The earlier months its trend used; null when it recorded none. */
  readonly history: HistoryMonth[] | null;
  /** The corrections it carried; none recorded means none carried. */
  readonly carried: { readonly adjustments: CarriedAdjustment[]; readonly source: string | null };
  /** The earlier months its journal accrued again; none recorded means none. */
  readonly accrued: AccruedMonth[];
}

/**
 * The copies under inputs/ that a month was derived from besides its raw pages and directory,
 * read back the one way verify, --from-raw and send all need them.
 */
export async function readRecordedInputs(monthDir: string, recorded: RecordedManifest): Promise<RecordedInputs> {
  const copy = async (path: string, what: string) => (recorded.listed.has(path) ? readRecordedBytes(join(monthDir, path), `${what} (listed in its ${MANIFEST_FILE})`) : null);
  const historyBytes = await copy(HISTORY_COPY, 'the earlier months its trend was made from (history)');
  const carriedBytes = await copy(CARRIED_COPY, 'the corrections of earlier months the month carried');
  const accruedBytes = await copy(ACCRUED_COPY, 'the earlier months still provisional that its journal accrued');
  return {
    template: recorded.listed.has(TEMPLATE_COPY) ? await recordedTemplate(monthDir, recorded) : null,
    history: historyBytes ? parseHistory(historyBytes, join(monthDir, HISTORY_COPY)) : null,
    carried: carriedBytes ? parseCarriedCopy(carriedBytes, join(monthDir, CARRIED_COPY)) : { adjustments: [], source: null },
    accrued: accruedBytes ? parseAccruedCopy(accruedBytes, join(monthDir, ACCRUED_COPY)) : [],
  };
}

/** The recorded template and its assets; a copy that is missing or unreadable names its file (exit 2). */
export async function recordedTemplate(monthDir: string, recorded: RecordedManifest): Promise<MonthTemplate> {
  // templateFromCopy reads each copy through the recorded-file reader, which names a missing one.
  try {
    return await templateFromCopy(monthDir, recorded.listed, recorded.templateName);
  } catch (error) {
    if (!isFsError(error)) throw error;
    throw usageError(`${error.path ?? join(monthDir, TEMPLATE_COPY)} cannot be read (${fsCause(error)}): expected the statement template the month recorded.`, ['Restore the file from a backup or copy of the published month, or publish the month again; then try again.']);
  }
}
