import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CarriedAdjustment } from '../core/allocate.js';
import type { HistoryMonth } from '../core/insights.js';
import { CARRIED_COPY, TEMPLATE_COPY, type MonthTemplate } from '../month.js';
import { HISTORY_COPY, parseHistory } from './history.js';
import { parseCarriedCopy } from './issues.js';
import { templateFromCopy } from './month-template.js';

/** What a published month's manifest says about its inputs: which copies it keeps, and its template's name. */
export interface RecordedManifest {
  readonly listed: ReadonlySet<string>;
  readonly templateName: string | undefined;
}

export async function readRecordedManifest(monthDir: string): Promise<RecordedManifest | null> {
  const manifest = await readFile(join(monthDir, 'manifest.json'), 'utf8')
    .then((t) => JSON.parse(t) as { inputs?: Array<{ path?: unknown }>; template?: { name?: unknown } })
    .catch(() => null);
  if (!manifest) return null;
  return { listed: new Set((manifest.inputs ?? []).map((i) => String(i.path))), templateName: typeof manifest.template?.name === 'string' ? manifest.template.name : undefined };
}

export interface RecordedInputs {
  /** The template copy; null when the month recorded none (issued before templates). */
  readonly template: MonthTemplate | null;
  /** The earlier months its trend used; null when it recorded none. */
  readonly history: HistoryMonth[] | null;
  /** The corrections it carried; none recorded means none carried. */
  readonly carried: { readonly adjustments: CarriedAdjustment[]; readonly source: string | null };
}

/**
 * The copies under inputs/ that a month was derived from besides its raw pages and directory,
 * read back the one way verify, --from-raw and send all need them.
 */
export async function readRecordedInputs(monthDir: string, recorded: RecordedManifest): Promise<RecordedInputs> {
  const copy = async (path: string) => (recorded.listed.has(path) ? readFile(join(monthDir, path)) : null);
  const historyBytes = await copy(HISTORY_COPY);
  const carriedBytes = await copy(CARRIED_COPY);
  return {
    template: recorded.listed.has(TEMPLATE_COPY) ? await templateFromCopy(monthDir, recorded.listed, recorded.templateName) : null,
    history: historyBytes ? parseHistory(historyBytes, join(monthDir, HISTORY_COPY)) : null,
    carried: carriedBytes ? parseCarriedCopy(carriedBytes, join(monthDir, CARRIED_COPY)) : { adjustments: [], source: null },
  };
}
