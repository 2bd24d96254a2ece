import { join } from 'node:path';
import { z } from 'zod';
import type { CarriedAdjustment } from '../core/allocate.js';
import type { HistoryMonth } from '../core/insights.js';
import { isIsoInstant } from '../core/period.js';
import { usageError } from '../errors.js';
import { CARRIED_COPY, TEMPLATE_COPY, type MonthTemplate } from '../month.js';
import { fsCause, isFsError } from './fs-cause.js';
import { HISTORY_COPY, parseHistory } from './history.js';
import { parseCarriedCopy } from './issues.js';
import { templateFromCopy } from './month-template.js';
import { SAFE_PATH } from './publish.js';
import { parseRecordedJson, readRecordedBytes, readRecordedBytesIfPresent, type RecordedHints } from './read-recorded.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_WHAT = 'a claude-chargeback manifest';
const MANIFEST_HINTS = { next: 'Pass the folder of one month, e.g. out/2026-09; if this is one, restore its manifest.json from a backup or copy of the month.' };

/** A path the manifest lists: relative, inside the month folder (never "..", never absolute). */
const recordedPath = z.string().regex(SAFE_PATH, 'expected a relative path inside the month folder, e.g. statements/ENG.pdf');
const fileEntry = z.looseObject({ path: recordedPath, sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 of 64 hex digits'), bytes: z.number().int().nonnegative() });
const instant = z.string().refine(isIsoInstant, { error: 'expected an instant such as 2026-11-25T09:00:00Z' });
/** The manifest as verify reads it: every field the re-derivation depends on. */
export const manifestSchema = z.looseObject({
  tool: z.looseObject({ version: z.string() }).optional(),
  period: z.looseObject({ label: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month YYYY-MM') }),
  status: z.enum(['FINAL', 'PROVISIONAL']),
  clock: instant,
  revision: z.number().int().positive().optional(),
  dataRefreshedAt: instant.nullable(),
  source: z.looseObject({ api: z.string() }),
  pseudonymized: z.looseObject({ keyFingerprint: z.string() }).nullable().optional(),
  template: z.looseObject({ name: z.string() }).optional(),
  inputs: z.array(fileEntry),
  outputs: z.array(fileEntry),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** A month's manifest and its bytes as published (verify hashes them); missing or invalid is exit 2. */
export async function readManifest(monthDir: string, hints: RecordedHints = MANIFEST_HINTS): Promise<{ manifest: Manifest; bytes: Buffer }> {
  const path = join(monthDir, MANIFEST_FILE);
  const bytes = await readRecordedBytes(path, MANIFEST_WHAT, hints);
  return { manifest: parseRecordedJson(bytes, path, manifestSchema, MANIFEST_WHAT, hints), bytes };
}

/** The part of a manifest that re-runs and delivery read: which copies it keeps, its template, its source. */
const recordedManifestSchema = z.looseObject({
  inputs: z.array(z.looseObject({ path: recordedPath })).optional(),
  template: z.looseObject({ name: z.string() }).optional(),
  source: z.looseObject({ api: z.string() }).optional(),
});

/** What a published month's manifest says about its inputs: which copies it keeps, and its template's name. */
export interface RecordedManifest {
  readonly listed: ReadonlySet<string>;
  readonly templateName: string | undefined;
  /** Where its pages came from ("sandbox", a base URL); undefined when it does not say. */
  readonly api?: string;
}

/**
 * The manifest beside a month's raw/ or of an issue being sent. Absent: null (a raw/ folder
 * copied on its own re-runs with the standard template); unreadable, not JSON or not a
 * manifest: exit 2 naming the file and the field.
 */
export async function readRecordedManifest(monthDir: string): Promise<RecordedManifest | null> {
  const path = join(monthDir, MANIFEST_FILE);
  const bytes = await readRecordedBytesIfPresent(path, MANIFEST_WHAT, MANIFEST_HINTS);
  if (bytes === null) return null;
  const manifest = parseRecordedJson(bytes, path, recordedManifestSchema, MANIFEST_WHAT, MANIFEST_HINTS);
  return { listed: new Set((manifest.inputs ?? []).map((i) => i.path)), templateName: manifest.template?.name, api: manifest.source?.api };
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
  const copy = async (path: string, what: string) => (recorded.listed.has(path) ? readRecordedBytes(join(monthDir, path), `${what} (listed in its ${MANIFEST_FILE})`) : null);
  const historyBytes = await copy(HISTORY_COPY, 'the earlier months its trend was made from (history)');
  const carriedBytes = await copy(CARRIED_COPY, 'the corrections of earlier months the month carried');
  return {
    template: recorded.listed.has(TEMPLATE_COPY) ? await recordedTemplate(monthDir, recorded) : null,
    history: historyBytes ? parseHistory(historyBytes, join(monthDir, HISTORY_COPY)) : null,
    carried: carriedBytes ? parseCarriedCopy(carriedBytes, join(monthDir, CARRIED_COPY)) : { adjustments: [], source: null },
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
