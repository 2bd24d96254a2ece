import { formatUsd } from './core/money.js';
import { basename, join } from 'node:path';
import { AnalyticsClient, CHARGEBACK_GROUP_BY, ListingError, PREMIUM_GROUP_BY, USAGE_GROUP_BY, type Attempt } from './api/client.js';
import { listingBounds, PAGE_LIMIT, type RowBound } from './api/listing-bounds.js';
import { PullProgress } from './api/progress.js';
import { readHistory } from './io/history.js';
import { readRecordedInputs } from './io/recorded.js';
import { issueFolder, RAW_DIR, rawPageName, rawPath, readDeliveries, readManifest, readRecordedManifest } from './io/layout.js';
import type { Pseudonyms } from './io/pseudonyms.js';
import { loadMonthTemplate, standardTemplatePath } from './io/month-template.js';
import { actorsWithChangingOwner, indexDirectory } from './core/directory.js';
import { addDays, API_LOOKBACK_DAYS, dayOf, finalFromMs, instantMs, isFinalAt, isoSeconds, isWithinLookback, latestFinalPeriod, lookbackStartMs, nextPeriod, parsePeriod, periodAt, periodDays, periodOf, startOfDayMs, type Period } from './core/period.js';
import type { Reconciliation } from './core/reconcile.js';
import type { DocumentStatus, Statement } from './core/statements.js';
import { ChargebackError, dataError, tempfailError, upstreamError, usageError } from './errors.js';
import { loadDirectory } from './io/directory-file.js';
import { ENGAGEMENT_LISTING, PREMIUM_LISTING, rawStartingAt, readRawListings, USAGE_LISTING } from './io/raw.js';
import type { UsageRow } from './core/usage.js';
import type { OrgDirectory } from './core/directory.js';
import { accruedBefore, carriedInto, isClosed, journalToReverse, latestIssue, latestIssuesBefore, monthCarrying, type Issue } from './io/issues.js';
import { checkOutDir, exists, openStaging, pointLatest } from './io/publish.js';
import type { MonthSink } from './io/month-sink.js';
import { deriveMonth, oldestRefresh, type MonthInput, type MonthTemplate, type PreviousIssue, type PulledListing } from './month.js';
import { TOOL_NAME, TOOL_VERSION } from './version.js';

export interface ApiTarget {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** What the manifest records as the source: the base URL, or "sandbox". */
  readonly label: string;
}

export interface RunOptions {
  readonly period?: string;
  /** Re-run from the raw/ folder of a published month instead of the API. */
  readonly fromRaw?: string;
  readonly provisional: boolean;
  readonly now: Date;
  readonly outDir: string;
  readonly force: boolean;
  readonly directoryPath: string;
  /** Opaque ids for people in summary, ledger and FOCUS (--pseudonymize). */
  readonly pseudonyms?: Pseudonyms | null;
  /** The statement template (templates/*.yaml); undefined: the built-in default layout. */
  readonly templatePath?: string;
  readonly api: ApiTarget;
  readonly fetchImpl?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly clientNow?: () => number;
  readonly timeoutMs?: number;
  /** Statements rendered on this many worker threads (default: the cores, at most 8; 0: this thread). */
  readonly renderWorkers?: number;
  /** The organization's Analytics rate limit (default 60 requests/minute; the account team can raise it). */
  readonly requestsPerMinute?: number;
  readonly log: (message: string) => void;
}

export interface RunResult {
  readonly target: string;
  readonly revision: number;
  /** True when the month was already published with the same figures and status: nothing written. */
  readonly unchanged: boolean;
  /** Final minus billed against the revised issue (0 for a first issue). */
  readonly adjustmentCents: bigint;
  readonly carriedCents: bigint;
  readonly period: Period;
  readonly status: DocumentStatus;
  readonly sourceTotalCents: bigint;
  readonly unallocatedCents: bigint;
  readonly statements: readonly Statement[];
  readonly reconciliation: Reconciliation;
  readonly files: readonly string[];
  readonly unmappedSpenders: number;
  /** What the month was published without, and why (e.g. engagement the provider could not serve). */
  readonly warnings: readonly string[];
}

const EARLIEST = periodOf(2026, 1).startMs;
/** actor_ids[] per daily listing, keeping each query URL a reasonable size. */
const DAILY_ACTORS_PER_LISTING = 50;
/** Days an engagement day may take to become queryable. */
const ENGAGEMENT_LAG_DAYS = 4;
const dayText = dayOf;

/**
 * The month to run. `fromApi` false (a re-run from raw pages already pulled) skips the API's
 * look-back: nothing is requested, so a month older than 365 days re-runs as it did.
 */
export function resolvePeriod(text: string | undefined, nowMs: number, fromApi = true): Period {
  const period = text === undefined ? latestFinalPeriod(nowMs) : parsePeriod(text);
  if (!period) throw usageError(`--period ${JSON.stringify(text)} is not a month.`, ['Expected YYYY-MM, for example --period 2026-09.']);
  if (text === undefined && period.startMs < EARLIEST) {
    throw usageError(`No month is final yet at ${isoSeconds(nowMs)}: the Analytics API starts with 2026-01, final from 2026-03-02.`, ['Pass --period with --provisional, or check --now.']);
  }
  if (period.startMs < EARLIEST) throw usageError(`--period ${period.label} is before 2026-01, the earliest month the Analytics API serves.`, ['Choose 2026-01 or later.']);
  if (period.startMs > nowMs) throw usageError(`--period ${period.label} has not started yet (now is ${isoSeconds(nowMs)}).`, ['Choose a past month, or check --now.']);
  if (fromApi && !isWithinLookback(period, nowMs)) {
    const oldest = lookbackStartMs(nowMs);
    const first = periodAt(oldest).startMs >= oldest ? periodAt(oldest) : nextPeriod(periodAt(oldest));
    throw usageError(`--period ${period.label} is older than the Analytics API's ${API_LOOKBACK_DAYS}-day look-back: at ${isoSeconds(nowMs)} it serves cost from ${isoSeconds(oldest)} on, so ${period.label} cannot be pulled. Nothing was requested.`, [
      `Re-run a month published earlier from its recorded pages (--from-raw out/${period.label}/raw), or choose ${first.label} or later.`,
    ]);
  }
  return period;
}

/** Refuses a month the provider may still revise, unless a provisional run was asked for. */
export function assertFinalByDate(period: Period, nowMs: number, provisional: boolean): boolean {
  const final = isFinalAt(period, nowMs);
  if (!final && !provisional) {
    throw tempfailError(`${period.label} is not final yet: the provider revises cost for 30 days after a month ends.`, [
      `${period.label} becomes final on ${dayText(finalFromMs(period))} (00:00 UTC); now is ${isoSeconds(nowMs)}.`,
      `Run it again on or after ${dayText(finalFromMs(period))}, or pass --provisional to issue statements marked PROVISIONAL now.`,
    ]);
  }
  return final;
}

/**
 * A month's issues only move forward in time. A run dated before the month's latest issue (a
 * back-dated --now, a replayed clock) would publish older knowledge as if it replaced newer: it is
 * refused, naming the issue and when it was made. A FINAL month never receives a PROVISIONAL
 * revision, whatever the clock says.
 */
export async function assertForward(issued: Issue, period: Period, nowMs: number, finalByDate: boolean): Promise<{ clock: string; dataRefreshedAt: string | null }> {
  const { manifest } = await readManifest(issued.folder);
  const issuedMs = instantMs(manifest.clock) ?? NaN;
  if (nowMs < issuedMs) {
    throw usageError(`${period.label}'s latest issue, ${issued.folder} (${manifest.status}), was made at ${manifest.clock}, after this run's clock (${isoSeconds(nowMs)}). A month's issues only move forward in time; nothing was written.`, [
      `A run dated before issue ${basename(issued.folder)} would replace its figures with what was known earlier.`,
      `Run without --now (the current time), or with --now at or after ${manifest.clock}.`,
    ]);
  }
  if (manifest.status === 'FINAL' && !finalByDate) {
    throw usageError(`${period.label} is FINAL (${issued.folder}, issued ${manifest.clock}); a PROVISIONAL revision of it cannot be issued. Nothing was written.`, [
      `${period.label} is final from ${dayText(finalFromMs(period))}; run it with a clock on or after that day to revise the final figures.`,
    ]);
  }
  return { clock: manifest.clock, dataRefreshedAt: manifest.dataRefreshedAt };
}

/**
 * The data only moves forward too: pages exported before the data of the month's latest issue (an
 * older issue's raw/ given to --from-raw) would replace newer figures with older ones.
 */
function assertNewerData(latest: { folder: string; dataRefreshedAt: string | null } | null, dataRefreshedAt: string, period: Period, fromRaw: boolean): void {
  if (!latest?.dataRefreshedAt) return;
  if ((instantMs(dataRefreshedAt) ?? NaN) >= (instantMs(latest.dataRefreshedAt) ?? NaN)) return;
  const what = `before the data of its latest issue, ${latest.folder} (${latest.dataRefreshedAt}). Publishing them would replace newer figures with older ones; nothing was written.`;
  if (fromRaw) {
    throw usageError(`These pages of ${period.label} were exported at ${dataRefreshedAt} (data_refreshed_at), ${what}`, [
      `Re-run from the latest issue's pages (--from-raw ${join(latest.folder, RAW_DIR)}) or pull the month from the API.`,
    ]);
  }
  // From the API, an export older than one already used is the provider's lag: try later (exit 75).
  throw tempfailError(`The provider served ${period.label} from an export of ${dataRefreshedAt} (data_refreshed_at), ${what}`, ['Run again later, once the provider serves an export at least as recent.']);
}

/**
 * A month reads what earlier months issued (their trend, the corrections it carries): a run dated
 * before one of those issues would use, and book, figures that did not exist yet at its date.
 */
async function assertEarlierIssuedBefore(outDir: string, period: Period, nowMs: number): Promise<void> {
  let latest: { folder: string; clock: string; ms: number } | null = null;
  for (const folder of await latestIssuesBefore(outDir, period)) {
    const { manifest } = await readManifest(join(outDir, folder));
    const ms = instantMs(manifest.clock) ?? NaN;
    if (nowMs < ms && (!latest || ms > latest.ms)) latest = { folder, clock: manifest.clock, ms };
  }
  if (latest) {
    throw usageError(`This run's clock (${isoSeconds(nowMs)}) is earlier than ${join(outDir, latest.folder)} (issued ${latest.clock}), whose figures ${period.label} reads (its trend and the corrections it carries). Issues only move forward in time; nothing was written.`, [
      `Run without --now (the current time), or with --now at or after ${latest.clock}.`,
    ]);
  }
}

function refreshCovers(period: Period, dataRefreshedAt: string | null): boolean {
  return dataRefreshedAt !== null && (instantMs(dataRefreshedAt) ?? NaN) >= period.endExclusiveMs;
}

/** The month-end job: pull, map, allocate, reconcile, render, publish. */
export async function runMonth(options: RunOptions): Promise<RunResult> {
  const nowMs = options.now.getTime();
  // A bad --out (empty, a file, not writable) is known now, not after minutes of pulling.
  await checkOutDir(options.outDir);
  // From raw pages the month is the one the pages were pulled for, unless --period says otherwise.
  const rawStart = options.fromRaw ? await rawStartingAt(options.fromRaw) : null;
  const periodText = options.period ?? rawStart?.slice(0, 7);
  const period = resolvePeriod(periodText, nowMs, !options.fromRaw);
  if (options.fromRaw && rawStart !== period.startIso) {
    throw usageError(`${options.fromRaw} holds the pages of the month starting ${rawStart ?? 'unknown'}, not ${period.label}.`, ['Pass --period for that month, or the raw/ folder of this one.']);
  }
  const finalByDate = assertFinalByDate(period, nowMs, options.provisional);
  const { directory, bytes: directoryBytes } = await loadDirectory(options.directoryPath);
  // From raw pages, the month's own recorded template and history re-render it as published.
  const recordedManifest = options.fromRaw ? await readRecordedManifest(join(options.fromRaw, '..')) : null;
  const recorded = options.fromRaw && recordedManifest ? await readRecordedInputs(join(options.fromRaw, '..'), recordedManifest) : null;
  const template = options.templatePath !== undefined ? await loadMonthTemplate(options.templatePath) : (recorded?.template ?? (await loadMonthTemplate(await standardTemplatePath())));
  // A published month is never rewritten: a new run writes a revision beside it (final figures,
  // a corrected directory) with the exact adjustments, unless --force replaces a lone first issue.
  const issued = await latestIssue(options.outDir, period.label);
  const recordedIssue = issued ? await assertForward(issued, period, nowMs, finalByDate) : null;
  const issuedAt = recordedIssue?.clock ?? null;
  const latest = issued && recordedIssue ? { folder: issued.folder, dataRefreshedAt: recordedIssue.dataRefreshedAt } : null;
  const closed = await isClosed(options.outDir, period.label);
  if (issued && options.force && (closed || issued.revision > 1)) {
    throw usageError(`${join(options.outDir, period.label)} ${closed ? 'is closed' : `has ${issued.revision - 1} revision(s)`}; --force would rewrite what was issued.`, [
      'Run without --force: the final figures are written as a new revision and the difference is carried to the next month.',
    ]);
  }
  if (issued && options.force) {
    // Owners hold what was e-mailed; replacing it would orphan their statements and send them again.
    const sent = (await readDeliveries(issued.folder, period.label, basename(issued.folder))).deliveries.filter((d) => d.status === 'sent');
    const owners = new Set(sent.map((d) => d.recipient.trim().toLowerCase()));
    if (owners.size > 0) {
      throw usageError(`${issued.folder} was e-mailed to ${owners.size} owner(s) (deliveries.json); --force would replace statements they already hold.`, [
        'Run without --force: the new figures are written as a revision beside it, with exact adjustments, and can be sent in turn.',
      ]);
    }
  }
  const previous: (Issue & PreviousIssue) | null = issued && !options.force ? { ...issued, issuedAt, ...(await monthCarrying(options.outDir, period)), journal: await journalToReverse(issued) } : null;
  const carried = recorded?.carried ?? (await carriedInto(options.outDir, period));
  if (!recorded) await assertEarlierIssuedBefore(options.outDir, period, nowMs);
  const history = recorded?.history ?? (await readHistory(options.outDir, period));

  const warnings: string[] = [];
  // Every file of the month goes to a staging folder as it is made (pages as they arrive), and
  // the folder is renamed into place only when the month is complete.
  const revision = previous ? previous.revision + 1 : 1;
  // A first issue accrues again the earlier months still provisional (core/journal.ts).
  const accrued = revision > 1 ? [] : (recorded?.accrued ?? (await accruedBefore(options.outDir, period)));
  const staging = await openStaging(options.outDir, issueFolder(period.label, revision), options.force);
  try {
    const month = await pullAndDerive(options, { period, finalByDate, directory, directoryBytes, template, previous, carried, accrued, history, revision, rawStart, latest }, staging.sink, warnings);
    const { allocation, rec, statements, files, status, engagement } = month;
    const unchanged = previous !== null && month.adjustments.length === 0 && previous.figures.status === status;
    if (unchanged && engagement && !(await exists(join(previous.folder, RAW_DIR, rawPageName(ENGAGEMENT_LISTING, 1))))) {
      warnings.push(`${previous.folder} was published without engagement, which the provider serves now; its figures are unchanged, so nothing was written. Re-issue it with --force to add engagement (not possible once it is closed or e-mailed).`);
    }
    if (unchanged && month.quantities && !(await exists(join(previous.folder, RAW_DIR, rawPageName(USAGE_LISTING, 1))))) {
      warnings.push(`${previous.folder} was published without usage quantities, which the provider serves now; its figures are unchanged, so nothing was written. Re-issue it with --force to add them (not possible once it is closed or e-mailed).`);
    }
    // Quantities that could not be matched to cost are said, not dropped silently.
    const q = month.quantities;
    if (q && q.unmeasured.lines > 0) warnings.push(`${q.unmeasured.lines} cost line(s) of ${period.label} have no quantity in the usage listing; statements leave their cost out of the price per million tokens and mark it.`);
    if (q && q.unmatched.rows > 0) warnings.push(`${q.unmatched.rows} usage group(s) of ${period.label} (${q.unmatched.tokens.toString()} tokens) have no cost line of their own; they are counted in the manifest, not on any statement.`);
    // Every statement over its budget, by how much (the statements, summary and e-mail say it too); none when nothing is written.
    for (const s of unchanged ? [] : [...statements, ...month.rollups]) {
      const b = s.insights?.budget;
      if (b && b.varianceCents < 0n) warnings.push(`${s.number} (${s.name}) is over its ${period.label} budget of ${formatUsd(b.budgetCents)} by ${formatUsd(-b.varianceCents)} (charges ${formatUsd(b.actualCents)}).`);
    }
    if (!unchanged) options.log(`publishing ${files.size} files`);
    const written = unchanged ? previous.folder : await staging.commit();
    if (unchanged) await staging.abort();
    const latestProblem = await pointLatest(options.outDir, period.label, basename(written));
    if (latestProblem) warnings.push(latestProblem);
    return {
      target: written,
      revision: unchanged ? previous.revision : allocation.revision,
      unchanged,
      adjustmentCents: month.adjustments.filter((l) => l.line === 'TOTAL').reduce((a, l) => a + l.adjustmentCents, 0n),
      carriedCents: allocation.carriedCents,
      period,
      status,
      sourceTotalCents: allocation.sourceTotalCents,
      unallocatedCents: BigInt(rec.unallocatedCents),
      statements,
      reconciliation: rec,
      files: [...files.keys()].sort(),
      unmappedSpenders: allocation.unmapped.length,
      warnings,
    };
  } catch (error) {
    throw await staging.failure(error);
  }
}

interface MonthPlan {
  readonly period: Period;
  readonly finalByDate: boolean;
  readonly directory: OrgDirectory;
  readonly directoryBytes: Uint8Array;
  readonly template: MonthTemplate;
  readonly previous: (Issue & PreviousIssue) | null;
  /** The month's latest issue and when its data was exported (also under --force, which replaces it). */
  readonly latest: { readonly folder: string; readonly dataRefreshedAt: string | null } | null;
  readonly carried: MonthInput['carried'];
  readonly accrued: MonthInput['accrued'];
  readonly history: MonthInput['history'];
  readonly revision: number;
  readonly rawStart: string | null;
}

/** Pulls the month (or reads its recorded pages) into the sink, then derives and writes every file. */
async function pullAndDerive(options: RunOptions, plan: MonthPlan, sink: MonthSink, warnings: string[]) {
  const { period, finalByDate, directory, directoryBytes, template, previous, carried, history } = plan;
  const pulled = options.fromRaw ? await fromRaw(options.fromRaw, period, sink) : await pullMonth(options, period, directory, warnings, sink);
  const { grouped, total, daily, premium, engagement, apiLabel } = pulled;
  // Every cost listing must come from an export that covers the month; the oldest one decides.
  const dataRefreshedAt = oldestRefresh([grouped, total, ...daily, ...(premium ? [premium] : [])]);
  const { usage, unusedAttempts } = await usableUsage(pulled, dataRefreshedAt, period, sink, warnings);
  if (dataRefreshedAt === null) {
    // Recorded pages never catch up: from raw/ this is the month's data, not "try later".
    throw (options.fromRaw ? dataError : tempfailError)(`The provider reports no data export covering ${period.label} yet (data_refreshed_at is null).`, [
      'Nothing can be charged back from it, not even provisionally. Run again later; nothing was published.',
    ]);
  }
  assertNewerData(plan.latest, dataRefreshedAt, period, options.fromRaw !== undefined);
  const finalByRefresh = refreshCovers(period, dataRefreshedAt);
  if (!finalByRefresh && !options.provisional) {
    throw (options.fromRaw ? dataError : tempfailError)(`The provider's data for ${period.label} is not complete yet (data_refreshed_at ${dataRefreshedAt ?? 'null'} is before ${period.endExclusiveIso}).`, [
      finalByDate
        ? `${period.label} is past its revision window (final since ${dayText(finalFromMs(period))}), but the provider's export has not caught up; it usually does within hours.`
        : `${period.label} becomes final on ${dayText(finalFromMs(period))} (00:00 UTC) once the provider's export covers it.`,
      'Run again later, or pass --provisional to issue statements marked PROVISIONAL now.',
    ]);
  }
  const status: DocumentStatus = finalByDate && finalByRefresh ? 'FINAL' : 'PROVISIONAL';

  options.log(`allocating ${grouped.rows.length} rows and rendering statements`);
  const month = await deriveMonth({
    period,
    status,
    // The manifest records the clock to the second, and verify re-derives from that record: the
    // documents are dated by the same whole second (a live clock carries milliseconds).
    clock: new Date(Math.floor(options.now.getTime() / 1000) * 1000),
    directory,
    directoryBytes,
    grouped,
    total,
    daily,
    premium,
    engagement,
    usage,
    unusedAttempts,
    history,
    template,
    pseudonyms: options.pseudonyms ?? null,
    dataRefreshedAt,
    apiLabel,
    revision: plan.revision,
    previous,
    carried,
    accrued: plan.accrued,
    sink,
    ...(options.renderWorkers !== undefined ? { renderWorkers: options.renderWorkers } : {}),
  });
  return { ...month, status, engagement };
}

/**
 * The usage listing, when its export is as fresh as the cost's: quantities from an older export
 * than the money's (or from none) would price the month's cost with another month's tokens. A stale
 * listing's pages are kept as exchanges not used, the month is published without quantities, and
 * the run says why; --from-raw decides the same from the same pages.
 */
async function usableUsage(pulled: { usage: PulledListing<UsageRow> | null; unusedAttempts: readonly Attempt[] }, costRefreshedAt: string | null, period: Period, sink: MonthSink, warnings: string[]) {
  const { usage, unusedAttempts } = pulled;
  if (usage === null || costRefreshedAt === null) return { usage, unusedAttempts };
  const at = usage.dataRefreshedAt === null ? null : instantMs(usage.dataRefreshedAt);
  const needed = Math.min(instantMs(costRefreshedAt) ?? 0, period.endExclusiveMs);
  if (at !== null && at >= needed) return { usage, unusedAttempts };
  const why = `its export (data_refreshed_at ${usage.dataRefreshedAt ?? 'null'}) is older than the cost's (${costRefreshedAt})${at !== null && at < period.endExclusiveMs ? ' and does not cover the month' : ''}`;
  warnings.push(`usage quantities for ${period.label} were not used: ${why}; the month is published without tokens and unit prices.`);
  const discarded: Attempt[] = [];
  for (const a of usage.attempts) {
    if (a.keptAs === null) {
      discarded.push(a);
      continue;
    }
    // The page leaves raw/'s used pages and is kept as a discarded exchange, with why.
    const body = (await sink.take(rawPath(a.keptAs))).toString('utf8');
    discarded.push({ query: a.query, request: a.request, status: a.status, outcome: `not used: ${why}`, body, keptAs: null });
  }
  return { usage: null, unusedAttempts: [...unusedAttempts, ...discarded] };
}

/** The month's listings from the API: grouped, the org total, and daily rows of the movers. */
async function pullMonth(options: RunOptions, period: Period, directory: OrgDirectory, warnings: string[], sink: MonthSink) {
  const requestsPerMinute = options.requestsPerMinute ?? 60;
  const progress = new PullProgress({ spenders: directory.people.length + directory.rules.length, people: directory.people.length, requestsPerMinute, pageRows: PAGE_LIMIT }, options.log, options.clientNow);
  const client = new AnalyticsClient({
    onPage: (page) => progress.onPage(page),
    // Each page goes to raw/ as it arrives; the pull keeps only its rows.
    pageStore: { keep: (file, body) => sink.write(rawPath(file), body), take: async (file) => (await sink.take(rawPath(file))).toString('utf8') },
    baseUrl: options.api.baseUrl,
    apiKey: options.api.apiKey,
    fetchImpl: options.fetchImpl,
    sleep: options.sleep,
    now: options.clientNow,
    timeoutMs: options.timeoutMs,
    requestsPerMinute: options.requestsPerMinute,
    userAgent: `${TOOL_NAME}/${TOOL_VERSION}`,
    log: options.log,
  });
  // A listing that does not end is stopped by what this organization can have, not a page count.
  const bounds = listingBounds({ people: directory.people.length, rules: directory.rules.length, source: directory.source });
  options.log(`pulling ${period.label} cost by actor, product, model, context window, workspace and cost type`);
  const grouped = await client.pullCost({ name: 'cost-grouped', startingAt: period.startIso, endingAt: period.endExclusiveIso, groupBy: CHARGEBACK_GROUP_BY, bound: bounds.perActor });
  options.log(`  ${grouped.pages.length} page(s), ${grouped.rows.length} rows, ${grouped.retries} retries, ${grouped.restarts} restarts`);
  const total = await client.pullCost({ name: 'cost-total', startingAt: period.startIso, endingAt: period.endExclusiveIso, groupBy: [], bound: bounds.total });
  // Only the actors whose owner changes inside the month are fetched by day (rate limit).
  const movers = actorsWithChangingOwner(indexDirectory(directory), grouped.rows, periodDays(period));
  progress.expectDaily(Math.ceil(movers.length / DAILY_ACTORS_PER_LISTING));
  const daily = [];
  for (let i = 0; i < movers.length; i += DAILY_ACTORS_PER_LISTING) {
    const actorIds = movers.slice(i, i + DAILY_ACTORS_PER_LISTING);
    options.log(`pulling daily rows of ${actorIds.length} actor(s) whose cost center changes in ${period.label}`);
    const name = `cost-daily-${String(i / DAILY_ACTORS_PER_LISTING + 1).padStart(2, '0')}`;
    daily.push(await client.pullCost({ name, startingAt: period.startIso, endingAt: period.endExclusiveIso, groupBy: CHARGEBACK_GROUP_BY, actorIds, timeBucketWidth: '1d', bound: bounds.daily(actorIds.length, periodDays(period).length) }));
  }
  options.log(`pulling ${period.label} cost by actor, speed and inference region`);
  const premium = await client.pullCost({ name: PREMIUM_LISTING, startingAt: period.startIso, endingAt: period.endExclusiveIso, groupBy: PREMIUM_GROUP_BY, bound: bounds.perActor });
  const engagement = await pullEngagement(client, period, options, warnings, bounds.users);
  const usage = await pullUsage(client, period, options, warnings, bounds.perActor);
  return { grouped, total, daily, premium, engagement: engagement.listing, usage: usage.listing, unusedAttempts: [...engagement.failed, ...usage.failed], apiLabel: options.api.label };
}

/**
 * Tokens, searches and requests over the month, grouped like the cost listing (less cost type):
 * the quantities behind the money. Like engagement they explain the money and are not money: when
 * the provider refuses or cannot serve them, the month is published without quantities and says so.
 */
async function pullUsage(client: AnalyticsClient, period: Period, options: RunOptions, warnings: string[], bound: RowBound) {
  options.log(`pulling ${period.label} usage (tokens, searches, requests) by actor, product, model, context window and workspace`);
  try {
    return { listing: await client.pullUsage({ name: USAGE_LISTING, startingAt: period.startIso, endingAt: period.endExclusiveIso, groupBy: USAGE_GROUP_BY, bound }), failed: [] };
  } catch (error) {
    // "Come back later" stops the run; so does data that breaks the report's rules (a row outside
    // the month, a count that is not a whole number): that is an error to report, not an absence.
    if (!(error instanceof ChargebackError) || error.kind === 'tempfail' || error.kind === 'data') throw error;
    warnings.push(`usage quantities for ${period.label} are not available (${error.message}); the month is published without tokens and unit prices.`);
    return { listing: null, failed: error instanceof ListingError ? error.attempts : [] };
  }
}

/**
 * Per-user engagement over the month (rollup mode). It explains the money but is not money: when
 * the provider cannot serve it (a day not aggregated yet, a month beyond its look-back window, an
 * outage), the month is published without it and the run says why. Days become queryable a day
 * or more after they end (up to three after aggregation, per the provider), so a provisional run
 * of a recent month reads up to four days back.
 */
async function pullEngagement(client: AnalyticsClient, period: Period, options: RunOptions, warnings: string[], bound: RowBound) {
  const available = addDays(startOfDayMs(options.now.getTime()), -ENGAGEMENT_LAG_DAYS);
  const endMs = Math.min(period.endExclusiveMs, available);
  if (endMs <= period.startMs) {
    warnings.push(`no engagement for ${period.label} yet: the provider's activity report trails by a few days; statements show none.`);
    return { listing: null, failed: [] };
  }
  if (endMs < period.endExclusiveMs) warnings.push(`engagement for ${period.label} covers activity up to ${dayText(addDays(endMs, -1))} only: the provider's report trails by a few days; the statements say so.`);
  options.log(`pulling ${period.label} engagement per user (sessions, commits, pull requests, lines, conversations)`);
  try {
    return { listing: await client.pullUsers({ name: ENGAGEMENT_LISTING, startingDate: dayText(period.startMs), endingDate: dayText(endMs), bound }), failed: [] };
  } catch (error) {
    // "Come back later" stops the whole run, engagement or not: the scheduler retries the month.
    if (!(error instanceof ChargebackError) || error.kind === 'tempfail') throw error;
    warnings.push(`engagement for ${period.label} is not available (${error.message}); the month has none.`);
    // The refused exchanges stay in raw/requests.json with the rest.
    return { listing: null, failed: error instanceof ListingError ? error.attempts : [] };
  }
}

/** The same listings read back from a published month's raw/ folder: no network at all. */
async function fromRaw(rawDir: string, period: Period, sink: MonthSink) {
  const raw = await readRawListings(rawDir, sink);
  // Keep the source the pages came from, so the re-render is byte-identical to the original.
  const recorded = await readRecordedManifest(join(rawDir, '..'));
  const apiLabel = recorded?.api ?? 'raw';
  return { ...raw, apiLabel };
}
