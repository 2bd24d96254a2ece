import type { BudgetView } from '../core/budget.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { hasStatement, type Allocation, type CarriedAdjustment } from '../core/allocate.js';
import { numberFor } from '../core/statements.js';
import type { HistoryMonth } from '../core/insights.js';
import { decimalText } from '../core/money.js';
import { isIsoInstant, isoSeconds } from '../core/period.js';
import type { Reconciliation } from '../core/reconcile.js';
import { lazyArray } from '../render/json-stream.js';
import { SAFE_PATH } from './month-sink.js';
import type { AccruedMonth } from '../core/journal.js';
import { parseRecordedJson, readRecordedBytes, readRecordedBytesIfPresent, readRecordedJson, readRecordedJsonIfPresent, type RecordedHints } from './read-recorded.js';

/**
 * The published month's layout: the one module that names every folder and file under out/ and
 * owns the schema, the writer and the reader of every file the tool records and reads back.
 * `run`, `run --from-raw`, `verify`, `diff`, `close` and `send` all go through it, so the format
 * is written in one place and read one way.
 *
 *   out/
 *     2026-09/                         the month's first issue              issueFolder
 *     2026-09.r2/                      a revision, beside it, never over it issueFolder
 *     2026-09.closed.json              written by close                     closedMarker
 *     .2026-09.partial-<pid>-<hex>/    a run's staging folder               stagingFolder
 *   <issue>/
 *     manifest.json                    every file below with its sha256     MANIFEST_FILE
 *     chargeback.json                  the canonical allocation             CHARGEBACK_FILE
 *     ledger.csv  journal.csv  focus.csv  focus.parquet  adjustments.csv  summary.xlsx
 *     statements/<code>.pdf|.xlsx      direct statements                    statementFile
 *     statements/rollup/<code>.pdf|.xlsx  roll-ups
 *     inputs/org-directory.yaml        the directory it was derived from    DIRECTORY_COPY
 *     inputs/template.yaml, inputs/<logo>, history.json, previous-chargeback.json, previous-journal.csv, carried-adjustments.json, accrued-months.json
 *     raw/requests.json                every exchange with the API          REQUESTS_FILE
 *     raw/<listing>-p001.json          each page as received                rawPageName
 *     raw/discarded/003-<listing>-http503.txt  refused exchanges           discardedName
 *     deliveries.json, outbox/         added by send (not part of the month's manifest)
 */

// ---------------------------------------------------------------------------------------------
// Folders under out/

/** out/<YYYY-MM> is a month's first issue; revisions go to out/<YYYY-MM>.r2, .r3 … beside it. */
export function issueFolder(label: string, revision: number): string {
  return revision === 1 ? label : `${label}.r${revision}`;
}

const ISSUE_FOLDER = /^(\d{4}-\d{2})(?:\.r(\d+))?$/;

/** "2026-09" → revision 1, "2026-09.r2" → revision 2; anything else null. */
export function parseIssueFolder(name: string): { label: string; revision: number } | null {
  const m = ISSUE_FOLDER.exec(name);
  if (!m) return null;
  const revision = m[2] === undefined ? 1 : Number(m[2]);
  return revision >= 1 && issueFolder(m[1]!, revision) === name ? { label: m[1]!, revision } : null;
}

/** Whether an entry of out/ is a month's first issue. */
export const isFirstIssueFolder = (name: string): boolean => /^\d{4}-\d{2}$/.test(name);

export function closedMarker(label: string): string {
  return `${label}.closed.json`;
}

/** A run's folder while it is written (partial) or while it replaces an earlier one (replaced). */
export type StagingKind = 'partial' | 'replaced';

export function stagingFolder(name: string, kind: StagingKind, nonce: string): string {
  return `.${name}.${kind}-${nonce}`;
}

/** Matches the staging folders of `name`: [1] the kind, [2] the process id that made it. */
export function stagingPattern(name: string): RegExp {
  return new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(partial|replaced)-(\\d+)-[0-9a-f]+$`);
}

/** A path under a staging folder as the user should read it: the folder it becomes. */
export const publishedPath = (path: string): string => path.replace(/([/\\])\.([^/\\]+)\.partial-[^/\\]+/, '$1$2');

// ---------------------------------------------------------------------------------------------
// Files of an issue

export const MANIFEST_FILE = 'manifest.json';
export const CHARGEBACK_FILE = 'chargeback.json';
export const LEDGER_FILE = 'ledger.csv';
export const JOURNAL_FILE = 'journal.csv';
export const FOCUS_FILE = 'focus.csv';
/** out/latest/<YYYY-MM>: a link to each month's latest issue, so a query over every month reads each once. */
export const LATEST_DIR = 'latest';
/** The rows of focus.csv, typed (decimals, timestamps) for a warehouse. */
export const FOCUS_PARQUET_FILE = 'focus.parquet';
export const ADJUSTMENTS_FILE = 'adjustments.csv';
export const SUMMARY_FILE = 'summary.xlsx';

export const INPUTS_DIR = 'inputs';
/** The copy of the org directory kept with the month, so verify can re-derive it offline. */
export const DIRECTORY_COPY = `${INPUTS_DIR}/org-directory.yaml`;
export const TEMPLATE_COPY = `${INPUTS_DIR}/template.yaml`;
export const HISTORY_COPY = `${INPUTS_DIR}/history.json`;
export const PREVIOUS_COPY = `${INPUTS_DIR}/previous-chargeback.json`;
/** The journal of the FINAL issue a revision replaces (the revision reverses it). */
export const PREVIOUS_JOURNAL_COPY = `${INPUTS_DIR}/previous-journal.csv`;
export const CARRIED_COPY = `${INPUTS_DIR}/carried-adjustments.json`;
/** Earlier months still provisional when a first issue was made, accrued again in its journal. */
export const ACCRUED_COPY = `${INPUTS_DIR}/accrued-months.json`;
/** A template's asset (its logo) under the path it has relative to the template. */
export const templateAssetCopy = (path: string): string => `${INPUTS_DIR}/${path}`;
/** Whether a template asset's relative path would collide with the month's own copies (inputs/…, template.yaml). */
export const assetClashesWithInputs = (path: string): boolean => path === INPUTS_DIR || path.startsWith(`${INPUTS_DIR}/`) || templateAssetCopy(path) === TEMPLATE_COPY;

export const RAW_DIR = 'raw';
/** The request log, relative to raw/. */
export const REQUESTS_FILE = 'requests.json';
/** A file of raw/ as a path of the month (raw/<name>). */
export const rawPath = (name: string): string => `${RAW_DIR}/${name}`;

/** Written by `chargeback send` beside a published month; not part of its manifest. */
export const OUTBOX_DIR = 'outbox';
export const DELIVERIES_FILE = 'deliveries.json';
/** Whether a path of the folder was added by send after publication. */
export const isDeliveryPath = (path: string): boolean => path === DELIVERIES_FILE || path.startsWith(`${OUTBOX_DIR}/`);

/** The files whose bytes do not depend on the document layout of a version (verify compares them across versions). */
export const FIGURE_FILES: ReadonlySet<string> = new Set([CHARGEBACK_FILE, LEDGER_FILE, JOURNAL_FILE, FOCUS_FILE, FOCUS_PARQUET_FILE, ADJUSTMENTS_FILE]);
/** The organization-wide outputs that replace people with opaque ids when pseudonyms are on. */
export const PSEUDONYMIZED_OUTPUTS: readonly string[] = [SUMMARY_FILE, LEDGER_FILE, FOCUS_FILE, FOCUS_PARQUET_FILE, ADJUSTMENTS_FILE];

export type StatementKind = 'direct' | 'rollup';

/** statements/ENG.pdf, statements/rollup/ENG.xlsx … */
export function statementFile(kind: StatementKind, code: string, ext: 'pdf' | 'xlsx'): string {
  return `statements/${kind === 'rollup' ? 'rollup/' : ''}${code}.${ext}`;
}

/** A kept page: "cost-grouped-p001.json". */
export function rawPageName(listing: string, page: number): string {
  return `${listing}-p${String(page).padStart(3, '0')}.json`;
}

/** A refused exchange, numbered by its place in the request log: "discarded/003-users-http503.txt". */
export function discardedName(index: number, query: string, status: number): string {
  return `discarded/${String(index + 1).padStart(3, '0')}-${query}-http${status}.txt`;
}

/**
 * The names the pull gives the files under raw/. Anything else (a path with "..", an absolute
 * path) is refused before any file is opened, so a re-run reads nothing outside raw/.
 */
const PAGE_FILE = /^[a-z][a-z0-9-]*-p\d{3,}\.json$/;
const DISCARDED_FILE = /^discarded\/\d{3,}-[a-z][a-z0-9-]*-http\d+\.txt$/;
export const isRawFileName = (name: string): boolean => PAGE_FILE.test(name) || DISCARDED_FILE.test(name);

const cents = z.string().regex(/^-?\d+$/).transform((v) => BigInt(v));
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 of 64 hex digits');
const instant = z.string().refine(isIsoInstant, { error: 'expected an instant such as 2026-11-25T09:00:00Z' });
const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const RESTORE_COPY = 'Restore it from the published copy of the month.';

// ---------------------------------------------------------------------------------------------
// manifest.json

export interface ManifestEntry {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Where the directory was read from (its entry only). */
  readonly source?: string;
}

/** The manifest as a run writes it; the order of the fields is the order on disk. */
export interface ManifestRecord {
  readonly tool: { readonly name: string; readonly version: string };
  readonly period: { readonly label: string; readonly startingAt: string; readonly endingAt: string };
  readonly status: 'FINAL' | 'PROVISIONAL';
  readonly revision: number;
  readonly revises: string | null;
  /** When the issue this one revises was made, and the month whose statements carry the differences. */
  readonly revisesIssuedAt: string | null;
  readonly differenceChargedOn: string | null;
  readonly laterMonthsIssued: boolean | null;
  readonly carriedFrom: string | null;
  readonly clock: string;
  readonly dataRefreshedAt: string | null;
  readonly source: { readonly api: string } & Record<string, unknown>;
  readonly pseudonymized: { readonly outputs: readonly string[]; readonly keyFingerprint: string } | null;
  readonly template: { readonly name: string; readonly path: string | null };
  readonly history: readonly string[];
  readonly totals: Record<string, unknown>;
  readonly inputs: readonly ManifestEntry[];
  readonly outputs: readonly ManifestEntry[];
}

export const manifestJson = (manifest: ManifestRecord): string => json(manifest);

export const MANIFEST_WHAT = 'a claude-chargeback manifest';
const MANIFEST_HINTS = { next: 'Pass the folder of one month, e.g. out/2026-09; if this is one, restore its manifest.json from a backup or copy of the month.' };

/** A path the manifest lists: relative, inside the month folder (never "..", never absolute). */
const recordedPath = z.string().regex(SAFE_PATH, 'expected a relative path inside the month folder, e.g. statements/ENG.pdf');
const fileEntry = z.looseObject({ path: recordedPath, sha256: sha256Hex, bytes: z.number().int().nonnegative() });
/** The manifest as verify reads it: every field the re-derivation depends on. */
export const manifestSchema = z.looseObject({
  tool: z.looseObject({ version: z.string() }).optional(),
  period: z.looseObject({ label: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month YYYY-MM') }),
  status: z.enum(['FINAL', 'PROVISIONAL']),
  clock: instant,
  revision: z.number().int().positive().optional(),
  revisesIssuedAt: instant.nullable().optional(),
  differenceChargedOn: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month YYYY-MM').nullable().optional(),
  laterMonthsIssued: z.boolean().nullable().optional(),
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

// ---------------------------------------------------------------------------------------------
// chargeback.json (and its copy inputs/previous-chargeback.json in a revision)

export const CHARGEBACK_SCHEMA = 'claude-chargeback/allocation@1';

/**
 * The canonical allocation as written: every array built lazily, so the month is streamed to
 * disk in pieces (see jsonPieces) without a second copy of its lines.
 */
export function chargebackRecord(a: Allocation, rec: Reconciliation, month: { readonly status: string; readonly dataRefreshedAt: string | null; readonly directorySha256: string; readonly budgets?: ReadonlyArray<{ readonly number: string; readonly code: string; readonly kind: string; readonly view: BudgetView }> }) {
  return {
    schema: CHARGEBACK_SCHEMA,
    period: a.period.label,
    revision: a.revision,
    status: month.status,
    dataRefreshedAt: month.dataRefreshedAt,
    directorySha256: month.directorySha256,
    sourceTotalUnroundedCents: decimalText(a.sourceTotalUnroundedCents),
    sourceTotalCents: a.sourceTotalCents.toString(),
    // Budget against actual of every statement that has one (the e-mail reads them from here); absent without budgets.
    ...((month.budgets ?? []).length === 0 ? {} : { budgets: month.budgets!.map((b) => ({
      statement: b.number,
      code: b.code,
      kind: b.kind,
      budgetCents: b.view.budgetCents.toString(),
      actualCents: b.view.actualCents.toString(),
      varianceCents: b.view.varianceCents.toString(),
      ytdBudgetCents: b.view.ytdBudgetCents.toString(),
      ytdActualCents: b.view.ytdActualCents.toString(),
      ytdFrom: b.view.ytdFrom,
      ytdMonths: b.view.ytdMonths,
      fromChildren: b.view.fromChildren,
    })) }),
    costCenters: lazyArray(a.costCenters, (cc) => ({
      code: cc.code,
      name: cc.name,
      parent: cc.parent,
      owner: cc.owner,
      glAccount: cc.glAccount,
      statementNumber: hasStatement(cc) ? numberFor(a, cc.code) : null,
      unroundedCents: decimalText(cc.unroundedCents),
      directCents: cc.directCents.toString(),
      poolShares: cc.poolShares.map((ps) => ({ pool: ps.pool, basis: ps.basis, cents: ps.cents.toString() })),
      seatPersonDays: cc.seatPersonDays,
      seatMonths: cc.seatMonths,
      seatCents: cc.seatCents.toString(),
      markupPercent: cc.markupPercent,
      markupCents: cc.markupCents.toString(),
      adjustments: cc.adjustments.map((x) => ({ fromPeriod: x.fromPeriod, reference: x.reference, cents: x.cents.toString(), ...(x.reasons ? { reasons: x.reasons } : {}) })),
      billedCents: cc.billedCents.toString(),
      actors: lazyArray(cc.actors, (act) => ({
        actorKey: act.actorKey,
        actorType: act.actorType,
        actorId: act.actorId,
        label: act.label,
        email: act.email,
        unroundedCents: decimalText(act.unroundedCents),
        billedCents: act.billedCents.toString(),
        lines: lazyArray(act.lines, (l) => ({
          lineKey: l.lineKey,
          rowId: l.rowId,
          product: l.product,
          model: l.model,
          contextWindow: l.contextWindow,
          costType: l.costType,
          workspaceId: l.workspaceId,
          unroundedCents: decimalText(l.unroundedCents),
          billedCents: l.billedCents.toString(),
          rule: l.rule,
        })),
      })),
    })),
    pools: a.pools.map((p) => ({
      name: p.name,
      kind: p.kind,
      basis: p.basis,
      unroundedCents: decimalText(p.unroundedCents),
      billedCents: p.cents.toString(),
      sourceRows: p.sourceRows.map((r) => r.rowId),
      shares: Object.fromEntries([...p.shares].map(([code, c]) => [code, c.toString()])),
    })),
    seatsCents: a.seatsCents.toString(),
    markupCents: a.markupCents.toString(),
    extraCents: a.extraCents.toString(),
    unmapped: a.unmapped.map((u) => ({ actorKey: u.actorKey, label: u.label, rows: u.rowCount, unroundedCents: decimalText(u.unroundedCents) })),
    reconciliation: rec,
  };
}

/** The part of a published chargeback.json that revisions, carrying, the trend, diff and send read back. */
const chargebackSchema = z.looseObject({
  period: z.string(),
  revision: z.number().int().positive().optional(),
  status: z.string(),
  directorySha256: z.string(),
  costCenters: z.array(
    z.looseObject({
      code: z.string(),
      name: z.string(),
      owner: z.looseObject({ name: z.string(), email: z.string() }).nullable(),
      statementNumber: z.string().nullable(),
      billedCents: cents,
      actors: z.array(z.looseObject({ actorKey: z.string(), label: z.string(), billedCents: cents, lines: z.array(z.looseObject({ lineKey: z.string(), billedCents: cents })) })),
      poolShares: z.array(z.looseObject({ pool: z.string(), cents })).optional(),
      seatCents: cents.optional(),
      markupCents: cents.optional(),
      adjustments: z.array(z.looseObject({ fromPeriod: z.string().optional(), reference: z.string(), cents })).optional(),
    }),
  ),
});
export type PublishedChargeback = z.infer<typeof chargebackSchema>;

const CHARGEBACK_WHAT = 'a chargeback.json this version can read';
export const CHARGEBACK_READ_AS = 'the canonical allocation of a published month (chargeback.json)';
export const CHARGEBACK_NEXT = 'Restore the file from a backup or copy of the published month, or re-issue that month with --force.';

export function readChargeback(bytes: Uint8Array, where: string): PublishedChargeback {
  return parseRecordedJson(bytes, where, chargebackSchema, CHARGEBACK_WHAT, { next: CHARGEBACK_NEXT });
}

/** The bytes of an issue's chargeback.json: missing or unreadable is exit 2 naming it. */
export async function readChargebackBytes(folder: string): Promise<{ path: string; bytes: Buffer }> {
  const path = join(folder, CHARGEBACK_FILE);
  return { path, bytes: await readRecordedBytes(path, CHARGEBACK_READ_AS, { next: CHARGEBACK_NEXT }) };
}

/** An issue's chargeback.json read and checked: missing, unreadable or invalid is exit 2 naming it. */
export async function readChargebackFile(folder: string): Promise<{ data: PublishedChargeback; bytes: Buffer }> {
  const { path, bytes } = await readChargebackBytes(folder);
  return { data: readChargeback(bytes, path), bytes };
}

// ---------------------------------------------------------------------------------------------
// inputs/history.json

const HISTORY_SCHEMA = 'claude-chargeback/history@1';

export function historyJson(months: readonly HistoryMonth[]): Buffer {
  return Buffer.from(
    json({
      schema: HISTORY_SCHEMA,
      months: months.map((m) => ({
        period: m.period,
        revision: m.revision,
        status: m.status,
        costCenters: [...m.costCenters].map(([code, c]) => ({
          code,
          ownChargesCents: c.toString(),
          actors: [...(m.actors.get(code) ?? [])].map(([actorKey, a]) => ({ actorKey, label: a.label, cents: a.cents.toString() })),
        })),
      })),
    }),
  );
}

const historySchema = z.object({
  schema: z.literal(HISTORY_SCHEMA),
  months: z.array(
    z.object({
      period: z.string(),
      revision: z.number().int().positive(),
      status: z.string(),
      // Early builds wrote billedCents; read it as the month's charges.
      costCenters: z.array(z.object({ code: z.string(), ownChargesCents: cents.optional(), billedCents: cents.optional(), actors: z.array(z.object({ actorKey: z.string(), label: z.string(), cents })) }).refine((cc) => cc.ownChargesCents !== undefined || cc.billedCents !== undefined, { error: 'expected ownChargesCents (a whole number of cents as text)' })),
    }),
  ),
});

export function parseHistory(bytes: Uint8Array, where: string): HistoryMonth[] {
  const history = parseRecordedJson(bytes, where, historySchema, 'a history file this version can read', { next: RESTORE_COPY });
  return history.months.map((m) => ({
    period: m.period,
    revision: m.revision,
    status: m.status,
    costCenters: new Map(m.costCenters.map((cc) => [cc.code, (cc.ownChargesCents ?? cc.billedCents)!])),
    actors: new Map(m.costCenters.filter((cc) => cc.actors.length > 0).map((cc) => [cc.code, new Map(cc.actors.map((a) => [a.actorKey, { label: a.label, cents: a.cents }]))])),
  }));
}

// ---------------------------------------------------------------------------------------------
// inputs/accrued-months.json

export function accruedJson(months: readonly AccruedMonth[]): string {
  return json({ months: months.map((m) => ({ period: m.period, revision: m.revision, costCenters: m.costCenters.map((c) => ({ code: c.code, statementNumber: c.statementNumber, cents: c.cents.toString(), markupCents: c.markupCents.toString() })) })) });
}

const accruedCopySchema = z.object({
  months: z.array(z.object({ period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/), revision: z.number().int().min(1), costCenters: z.array(z.object({ code: z.string(), statementNumber: z.string().nullable(), cents: z.string().regex(/^-?\d+$/), markupCents: z.string().regex(/^-?\d+$/) })) })),
});

/** The earlier months a first issue accrued again (inputs/accrued-months.json). */
export function parseAccruedCopy(bytes: Uint8Array, where: string): AccruedMonth[] {
  const copy = parseRecordedJson(bytes, where, accruedCopySchema, 'an accrued-months file this version can read', { next: RESTORE_COPY });
  return copy.months.map((m) => ({ period: m.period, revision: m.revision, costCenters: m.costCenters.map((c) => ({ code: c.code, statementNumber: c.statementNumber, cents: BigInt(c.cents), markupCents: BigInt(c.markupCents) })) }));
}

// ---------------------------------------------------------------------------------------------
// inputs/carried-adjustments.json

export interface Carried {
  readonly adjustments: readonly CarriedAdjustment[];
  /** The revisions they come from ("2026-08.r2"), or null. */
  readonly source: string | null;
}

export function carriedJson(carried: Carried): string {
  return json({ source: carried.source, adjustments: carried.adjustments.map((c) => ({ costCenter: c.costCenter, fromPeriod: c.fromPeriod, reference: c.reference, cents: c.cents.toString(), ...(c.reasons ? { reasons: c.reasons } : {}) })) });
}

const carriedCopySchema = z.object({ source: z.string().nullable(), adjustments: z.array(z.object({ costCenter: z.string(), fromPeriod: z.string(), reference: z.string(), cents: z.string().regex(/^-?\d+$/), reasons: z.array(z.string()).optional() })) });

/** The adjustments a published month recorded as carried (inputs/carried-adjustments.json). */
export function parseCarriedCopy(bytes: Uint8Array, where: string): { adjustments: CarriedAdjustment[]; source: string | null } {
  const carried = parseRecordedJson(bytes, where, carriedCopySchema, 'a carried-adjustments file this version can read', { next: RESTORE_COPY });
  return { source: carried.source, adjustments: carried.adjustments.map((c) => ({ costCenter: c.costCenter, fromPeriod: c.fromPeriod, reference: c.reference, cents: BigInt(c.cents), ...(c.reasons ? { reasons: c.reasons } : {}) })) };
}

// ---------------------------------------------------------------------------------------------
// raw/requests.json

/** One exchange with the API as the request log records it. */
export interface RequestRecord {
  readonly n: number;
  readonly query: string;
  readonly method: 'GET';
  readonly request: string;
  readonly status: number;
  readonly outcome: string;
  /** Its file under raw/ (a kept page or a discarded body), or null. */
  readonly file: string | null;
  readonly used: boolean;
  readonly sha256: string | null;
  readonly bytes: number;
}

export const requestsJson = (exchanges: readonly RequestRecord[]): string => json(exchanges);

const rawFile = z.string().refine(isRawFileName, { error: 'expected a file name under raw/ such as cost-grouped-p001.json or discarded/003-users-http503.txt' });
// Every field in the order it is written, so a log read back writes back the same bytes.
const requestsSchema = z.array(
  z.looseObject({
    n: z.number().int().positive().optional(),
    query: z.string(),
    method: z.string().optional(),
    request: z.string(),
    status: z.number(),
    outcome: z.string(),
    file: rawFile.nullable(),
    used: z.boolean(),
    sha256: sha256Hex.nullable().optional(),
    bytes: z.number().int().nonnegative().optional(),
  }),
);
export type RecordedRequests = z.infer<typeof requestsSchema>;

/** A month's request log (raw/requests.json), checked: missing or invalid is exit 2 naming it. */
export function readRequests(rawDir: string): Promise<RecordedRequests> {
  return readRecordedJson(join(rawDir, REQUESTS_FILE), requestsSchema, 'a claude-chargeback request log', {
    missing: `${rawDir} has no ${REQUESTS_FILE}: it is not the raw/ folder of a published month.`,
    next: 'Pass the raw/ folder of a month published by this tool, e.g. --from-raw out/2026-09/raw; if it is one, restore raw/ from a copy of the month or pull the month from the API again.',
  });
}

// ---------------------------------------------------------------------------------------------
// <label>.closed.json

/** What `chargeback close` records: the revision closed and the hash of its manifest. */
export interface ClosedRecord {
  readonly period: string;
  readonly closedAt: string;
  readonly revision: number;
  readonly folder: string;
  readonly manifestSha256: string;
}

export function closedRecord(label: string, revision: number, manifest: Uint8Array, now: Date): ClosedRecord {
  return { period: label, closedAt: isoSeconds(now.getTime()), revision, folder: issueFolder(label, revision), manifestSha256: createHash('sha256').update(manifest).digest('hex') };
}

export const closedJson = (record: ClosedRecord): string => json(record);

const closedSchema = z.looseObject({ folder: z.string(), manifestSha256: z.string() });

/** The close marker of a month in out/, or null when it is not closed; unreadable or invalid is exit 2. */
export function readClosed(outDir: string, label: string): Promise<z.infer<typeof closedSchema> | null> {
  return readRecordedJsonIfPresent(join(outDir, closedMarker(label)), closedSchema, `the record of closing ${label} (written by chargeback close)`, {
    next: `Restore it from a backup; a closed month's marker records which issue was closed and must not be edited.`,
  });
}

// ---------------------------------------------------------------------------------------------
// deliveries.json (written by send beside the month)

export const DELIVERIES_SCHEMA = 'claude-chargeback/deliveries@1';

const attachmentSchema = z.object({ file: z.string(), source: z.string(), sha256: sha256Hex, bytes: z.number().int().nonnegative() });
const deliverySchema = z.object({
  status: z.enum(['sent', 'failed']),
  recipient: z.string(),
  ownerName: z.string(),
  costCenters: z.array(z.string()),
  statements: z.array(z.string()),
  attachments: z.array(attachmentSchema),
  from: z.string(),
  messageId: z.string(),
  subject: z.string(),
  outboxFile: z.string(),
  /** The SMTP server's reply to the message (or to the failed command). */
  response: z.string().nullable(),
  error: z.string().nullable(),
  resend: z.boolean(),
  /** The clock of the run (--now, else the real time). */
  at: z.string(),
});
const deliveriesSchema = z.object({ schema: z.literal(DELIVERIES_SCHEMA), period: z.string(), folder: z.string(), deliveries: z.array(deliverySchema) });

export type Delivery = z.infer<typeof deliverySchema>;
export type DeliveriesFile = z.infer<typeof deliveriesSchema>;

export const deliveriesJson = (record: DeliveriesFile): Buffer => Buffer.from(json(record));

/** What send recorded for an issue; none yet is an empty record. */
export async function readDeliveries(folder: string, period: string, name: string): Promise<DeliveriesFile> {
  const record = await readRecordedJsonIfPresent(join(folder, DELIVERIES_FILE), deliveriesSchema, 'a deliveries record this version can read; nothing was sent', {
    next: 'It is what keeps a message from being sent twice: restore it from a backup rather than deleting it.',
  });
  return record ?? { schema: DELIVERIES_SCHEMA, period, folder: name, deliveries: [] };
}
