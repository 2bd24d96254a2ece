import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { nextPeriod, parsePeriod } from './core/period.js';
import { ChargebackError, usageError } from './errors.js';
import { formatProblem, parseDirectory } from './io/directory-file.js';
import { parseIssued } from './io/issues.js';
import { deriveMonth } from './month.js';
import { readRawListings } from './io/raw.js';
import { TOOL_VERSION } from './version.js';
import { DEFAULT_MONTH_TEMPLATE } from './io/month-template.js';
import { readRecordedInputs } from './io/recorded.js';
import { CHARGEBACK_FILE, closedMarker, DIRECTORY_COPY, FIGURE_FILES, isDeliveryPath, issueFolder, MANIFEST_FILE, PREVIOUS_COPY, PREVIOUS_JOURNAL_COPY, JOURNAL_FILE, RAW_DIR, readClosed, readManifest, type Manifest, LEDGER_FILE, FOCUS_FILE, FOCUS_PARQUET_FILE } from './io/layout.js';
import { hashRecordedFile, readRecordedBytes } from './io/read-recorded.js';
import { HashingSink, type MonthSink } from './io/month-sink.js';
import { fsCause, isFsError } from './io/fs-cause.js';
import { PSEUDONYM_KEY_ENV, pseudonymsFromEnv } from './io/pseudonyms.js';

export interface VerifyResult {
  readonly ok: boolean;
  readonly filesChecked: number;
  readonly problems: readonly string[];
  /** What was checked differently, e.g. documents of an older version not re-rendered. */
  readonly notes: readonly string[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(relative(root, path).split('\\').join('/'));
  }
  return out.sort();
}

/**
 * Checks a published month offline: every hash in the manifest, then the whole month
 * re-derived from raw/ and the recorded directory, compared byte for byte with what was published.
 */
export async function verifyMonth(dir: string, env: NodeJS.ProcessEnv = process.env, options: { readonly renderWorkers?: number } = {}): Promise<VerifyResult> {
  const { manifest, bytes: manifestBytes } = await readManifest(dir, {
    missing: `${dir} has no manifest.json: it is not a published month.`,
    next: 'Pass the folder of one month, e.g. chargeback verify out/2026-09; if this is one, restore its manifest.json from a backup or copy of the month.',
  });
  const problems: string[] = [];

  const listed = [...manifest.inputs, ...manifest.outputs];
  const present = new Set(
    await listFiles(dir).catch((error: unknown) => {
      if (!isFsError(error)) throw error;
      throw usageError(`${dir} cannot be listed: ${error.path ?? dir}: ${fsCause(error)}.`, ['Make the whole month folder readable for this user, then verify again.']);
    }),
  );
  // Each file is hashed a piece at a time; only its digest is kept.
  const published = new Map<string, string>([[MANIFEST_FILE, sha256(manifestBytes)]]);
  for (const entry of listed) {
    if (!present.has(entry.path)) {
      problems.push(`missing: ${entry.path} (listed in the manifest)`);
      continue;
    }
    let actual: string;
    try {
      actual = hashRecordedFile(join(dir, entry.path), 'a file listed in the manifest').sha256;
    } catch (error) {
      if (!(error instanceof ChargebackError)) throw error;
      problems.push(`unreadable: ${entry.path} (${error.message})`);
      continue;
    }
    published.set(entry.path, actual);
    if (actual !== entry.sha256) problems.push(`modified: ${entry.path} (sha256 in manifest ${entry.sha256.slice(0, 12)}…, on disk ${actual.slice(0, 12)}…)`);
  }
  const listedPaths = new Set(listed.map((e) => e.path));
  // Delivery (chargeback send) adds the outbox and its record after publication; they are not part of the month.
  for (const path of present) if (path !== MANIFEST_FILE && !listedPaths.has(path) && !isDeliveryPath(path)) problems.push(`unexpected: ${path} (not in the manifest)`);

  // The copies a revision keeps must match what sits beside it: the issue it revises and, once
  // the month is closed, the manifest the close recorded.
  const parent = dirname(resolve(dir));
  const label = manifest.period.label;
  const revision = manifest.revision ?? 1;
  const copies: ReadonlyArray<[string, string, string]> = [
    [PREVIOUS_COPY, CHARGEBACK_FILE, 'the chargeback.json of the issue this revision revises'],
    [PREVIOUS_JOURNAL_COPY, JOURNAL_FILE, 'the journal of the issue this revision reverses'],
  ];
  for (const [copy, file, what] of copies) {
    if (revision === 1 || !published.has(copy)) continue;
    const sibling = join(parent, issueFolder(label, revision - 1), file);
    const digest = (() => {
      try {
        return hashRecordedFile(sibling, what).sha256;
      } catch {
        return null;
      }
    })();
    if (digest !== null && digest !== published.get(copy)) problems.push(`${copy} differs from ${sibling}, ${what}`);
  }
  const closed = await readClosed(parent, label);
  if (closed) {
    if (closed.folder === basename(resolve(dir)) && closed.manifestSha256 !== sha256(manifestBytes)) problems.push(`manifest.json differs from the one recorded when ${label} was closed (${closedMarker(label)})`);
  }

  const notes: string[] = [];
  // A month published by another version re-derives its figures exactly; its documents (PDF,
  // workbooks, manifest) were laid out by that version, so only their hashes are checked.
  const older = manifest.tool?.version !== undefined && manifest.tool.version !== TOOL_VERSION ? manifest.tool.version : null;
  // journal.csv took its accrual layout (entities, posting and document dates, reversals) in 0.6.0.
  // ledger.csv, focus.csv and focus.parquet took their quantity columns in 0.7.0.
  const laidOutBefore = new Set([
    ...(older !== null && versionBelow(older, JOURNAL_LAYOUT_SINCE) ? [JOURNAL_FILE] : []),
    ...(older !== null && versionBelow(older, QUANTITY_LAYOUT_SINCE) ? [LEDGER_FILE, FOCUS_FILE, FOCUS_PARQUET_FILE] : []),
  ]);
  const figureFiles = new Set([...FIGURE_FILES].filter((f) => !laidOutBefore.has(f)));
  try {
    const sink = new HashingSink(new Set([MANIFEST_FILE]));
    await rederive(dir, manifest, env, sink, options.renderWorkers);
    const files = sink.records;
    let skipped = 0;
    for (const [path, record] of files) {
      const onDisk = published.get(path);
      if (onDisk === undefined) continue; // already reported as missing
      if (older && !figureFiles.has(path)) {
        skipped += 1;
        continue;
      }
      if (onDisk !== record.sha256) problems.push(`re-derived ${path} differs from the published file`);
    }
    if (older) {
      // The manifest's figures too: period, status, revision, data as of, totals.
      const mine = JSON.parse(sink.kept(MANIFEST_FILE)!.toString('utf8')) as Record<string, unknown>;
      const theirs = JSON.parse(manifestBytes.toString('utf8')) as Record<string, unknown>;
      for (const key of ['period', 'status', 'revision', 'dataRefreshedAt', 'totals']) {
        if (JSON.stringify(mine[key] ?? null) !== JSON.stringify(theirs[key] ?? null)) problems.push(`re-derived manifest.json ${key} differs from the published one`);
      }
    }
    if (older) notes.push(`published by version ${older} (this is ${TOOL_VERSION}): the figures (${[...figureFiles].filter((f) => files.has(f)).join(', ')}) were re-derived and compared; ${skipped} documents laid out by ${older} were checked by hash only.`);
    else for (const path of listedPaths) if (!files.has(path)) problems.push(`re-derivation does not produce ${path}`);
  } catch (error) {
    if (!(error instanceof ChargebackError)) throw error;
    problems.push(`re-derivation failed: ${error.message}`, ...error.details.map((d) => `  ${d}`));
  }
  return { ok: problems.length === 0, filesChecked: listed.length + 1, problems, notes };
}


/** The version whose journal.csv layout this one writes. */
const JOURNAL_LAYOUT_SINCE = '0.6.0';
/** The version whose ledger.csv and FOCUS layout (quantity columns) this one writes. */
const QUANTITY_LAYOUT_SINCE = '0.7.0';

/** Whether version text a.b.c is below b (numeric parts; anything unreadable counts as below). */
export function versionBelow(version: string, than: string): boolean {
  const parts = (v: string) => v.split(/[.+-]/).slice(0, 3).map((x) => Number(x));
  const a = parts(version);
  const b = parts(than);
  for (let i = 0; i < 3; i++) {
    if (!Number.isInteger(a[i])) return true;
    if (a[i]! !== b[i]!) return a[i]! < b[i]!;
  }
  return false;
}

/** Re-derives the month from its raw pages and recorded inputs into `sink` (which only hashes). */
async function rederive(dir: string, manifest: Manifest, env: NodeJS.ProcessEnv, sink: MonthSink, renderWorkers: number | undefined): Promise<void> {
  // A pseudonymized month re-derives only with the same key.
  const pseudo = manifest.pseudonymized ? pseudonymsFromEnv(env, 'Re-deriving a pseudonymized month') : null;
  if (pseudo && pseudo.fingerprint !== manifest.pseudonymized!.keyFingerprint) {
    throw usageError(`${PSEUDONYM_KEY_ENV} is not the key this month was pseudonymized with (fingerprint ${pseudo.fingerprint}, manifest ${manifest.pseudonymized!.keyFingerprint}).`, ['Set the key used for the run.']);
  }
  const listedInputs = new Set(manifest.inputs.map((i) => i.path));
  const period = parsePeriod(manifest.period.label);
  if (!period) throw usageError(`manifest period ${manifest.period.label} is not a month.`);
  const directoryEntry = manifest.inputs.find((i) => i.path === DIRECTORY_COPY);
  const directoryBytes = await readRecordedBytes(join(dir, DIRECTORY_COPY), 'the org directory the month was derived from');
  const { directory, problems } = parseDirectory(directoryBytes.toString('utf8'), String(directoryEntry?.source ?? DIRECTORY_COPY));
  if (!directory) throw usageError('The recorded org directory no longer validates.', problems.map(formatProblem));

  const listings = await readRawListings(join(dir, RAW_DIR), sink);
  const previousBytes = listedInputs.has(PREVIOUS_COPY) ? await readRecordedBytes(join(dir, PREVIOUS_COPY), 'the chargeback.json of the issue this revision revises') : null;
  const recorded = await readRecordedInputs(dir, { listed: listedInputs, templateName: manifest.template?.name });
  await deriveMonth({
    sink,
    ...(renderWorkers !== undefined ? { renderWorkers } : {}),
    period,
    status: manifest.status,
    clock: new Date(manifest.clock),
    directory,
    directoryBytes,
    ...listings,
    history: recorded.history ?? [],
    template: recorded.template ?? DEFAULT_MONTH_TEMPLATE,
    pseudonyms: pseudo,
    apiLabel: manifest.source.api,
    revision: manifest.revision ?? 1,
    previous: previousBytes
      ? {
          figures: parseIssued(previousBytes, PREVIOUS_COPY),
          bytes: previousBytes,
          issuedAt: manifest.revisesIssuedAt ?? null,
          // A revision made before 0.5.0 did not record it; the month after is what it meant.
          differenceChargedOn: manifest.differenceChargedOn ?? nextPeriod(period).label,
          laterMonthsIssued: manifest.laterMonthsIssued ?? false,
          journal: listedInputs.has(PREVIOUS_JOURNAL_COPY) ? await readRecordedBytes(join(dir, PREVIOUS_JOURNAL_COPY), 'the journal of the issue this revision reverses') : null,
        }
      : null,
    carried: recorded.carried,
    accrued: recorded.accrued,
  });
}
