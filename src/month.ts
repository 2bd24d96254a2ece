import { ANTHROPIC_VERSION, CHARGEBACK_GROUP_BY, COST_BETA, COST_PATH, PREMIUM_GROUP_BY, USAGE_GROUP_BY, USAGE_PATH, USERS_PATH, type Attempt, type RawPage } from './api/client.js';
import type { EngagementRow } from './core/engagement.js';
import { joinQuantities, type Quantities, type UsageRow } from './core/usage.js';
import { adoptionByCostCenter, idleSeatCents, sumAdoption } from './core/adoption.js';
import { buildInsights, type EngagementRange, type HistoryMonth } from './core/insights.js';
import type { Template } from './core/template.js';
import {
  ACCRUED_COPY, accruedJson, ADJUSTMENTS_FILE, CARRIED_COPY, carriedJson, CHARGEBACK_FILE, chargebackRecord, DIRECTORY_COPY, discardedName, FOCUS_FILE, FOCUS_PARQUET_FILE, HISTORY_COPY, historyJson, JOURNAL_FILE, LEDGER_FILE,
  MANIFEST_FILE, manifestJson, PREVIOUS_COPY, PREVIOUS_JOURNAL_COPY, PSEUDONYMIZED_OUTPUTS, rawPath, requestsJson, statementFile, SUMMARY_FILE, TEMPLATE_COPY, templateAssetCopy, type ManifestRecord, type RequestRecord, REQUESTS_FILE,
} from './io/layout.js';
import type { Pseudonyms } from './io/pseudonyms.js';
import { ENGAGEMENT_LISTING, USAGE_LISTING } from './io/raw.js';
import { allocate, groupBy, hasStatement, type Allocation, type CarriedAdjustment } from './core/allocate.js';
import { adjustmentsBetween, figuresOf, type AdjustmentLine, type IssuedFigures } from './core/adjustments.js';
import { diffSide, reasonsBetween, type DiffSide } from './core/diff.js';
import { actorId, actorTypeLabel, type CostRow } from './core/cost-row.js';
import { actorsWithChangingOwner, indexDirectory, type OrgDirectory } from './core/directory.js';
import { filterableActorId, withDailyRows } from './core/daily.js';
import { focusRowsOneByOne, FOCUS_COLUMNS, planFocus, type FocusPlan } from './core/focus.js';
import { entityBalances, journalId, journalLines, JOURNAL_COLUMNS, type AccruedMonth, type JournalLine } from './core/journal.js';
import { decimalText, formatUsd, sumMoney } from './core/money.js';
import { addDays, dayOf, dayStartMs, instantMs, isoSeconds, parsePeriod, periodDays, type Period } from './core/period.js';
import { reconcile, type Reconciliation } from './core/reconcile.js';
import { buildRollups, buildStatements, type StatementLanguage, chargeLines, numberFor, periodTitle, statementLines, statementNumber, type DocumentStatus, type Statement, type StatementRevision } from './core/statements.js';
import { dataError, usageError } from './errors.js';
import { csvLine, parseCsv, toCsv } from './render/csv.js';
import { jsonPieces, lazyArray } from './render/json-stream.js';
import { createRenderPool, type RenderPool } from './render/pool.js';
import { automaticRenderWorkers, SMALL_MONTH_LINES } from './render/workers.js';
import { collectGarbage } from './io/collect.js';
import { recordOf, type FileRecord, type MonthSink } from './io/month-sink.js';
import { renderSummaryXlsx } from './render/summary-xlsx.js';
import { writeFocusParquet } from './render/focus-parquet.js';
import { TOOL_NAME, TOOL_VERSION } from './version.js';
import { Formatter } from './render/locale.js';
import { messagesFor } from './i18n/messages.js';

/** One listing as pulled (or as read back from raw/): rows, the pages used, every exchange. */
export interface PulledListing<R = CostRow> {
  readonly rows: readonly R[];
  readonly pages: readonly RawPage[];
  readonly attempts: readonly Attempt[];
  readonly dataRefreshedAt: string | null;
}

export interface MonthInput {
  readonly period: Period;
  readonly status: DocumentStatus;
  /** The run's clock (--now): dates every document. */
  readonly clock: Date;
  readonly directory: OrgDirectory;
  readonly directoryBytes: Uint8Array;
  readonly grouped: PulledListing;
  readonly total: PulledListing;
  /** Daily rows of the actors whose owner changes inside the month (empty when nobody moves). */
  readonly daily: readonly PulledListing[];
  /** The month by actor, speed and inference region (premium dimensions); null for months pulled without it. */
  readonly premium: PulledListing | null;
  /** Per-user engagement (GET /analytics/users, rollup); null for months pulled without it. */
  readonly engagement: PulledListing<EngagementRow> | null;
  /** Tokens, searches and requests (GET /analytics/usage); null for months published without quantities. */
  readonly usage: PulledListing<UsageRow> | null;
  /** Exchanges of a listing the month was published without (engagement the provider refused), kept for the audit trail. */
  readonly unusedAttempts: readonly Attempt[];
  /** Earlier published months, for month-over-month change and the six-month trend. */
  readonly history: readonly HistoryMonth[];
  /** The statement layout, and the files it was read from (null: the built-in default). */
  readonly template: MonthTemplate;
  /** Replace people with stable opaque ids in the organization-wide outputs (summary, ledger, FOCUS). */
  readonly pseudonyms: Pseudonyms | null;
  /** The older data_refreshed_at of the two listings. */
  readonly dataRefreshedAt: string | null;
  /** What the manifest records as the source: the base URL, or "sandbox". */
  readonly apiLabel: string;
  /** 1 for a first issue; for a revision, its number and the issue it revises. */
  readonly revision: number;
  readonly previous: PreviousIssue | null;
  /** Adjustments of the previous month carried into this one, and the revision they come from. */
  readonly carried: { readonly adjustments: readonly CarriedAdjustment[]; readonly source: string | null };
  /** Earlier months still provisional, which a first issue's journal accrues again (empty for a revision). */
  readonly accrued: readonly AccruedMonth[];
  /** Where every file goes as it is made; the listings' pages are already in it (raw/). */
  readonly sink: MonthSink;
  /** Statements rendered on this many worker threads (0: on this thread); the documents are the same either way. */
  readonly renderWorkers?: number;
}

/** The issue a revision revises, as the revision needs it. */
export interface PreviousIssue {
  readonly figures: IssuedFigures;
  /** Its chargeback.json as published (kept under inputs/). */
  readonly bytes: Uint8Array;
  /** When it was made (its manifest's clock); null when not recorded (months revised before 0.5.0). */
  readonly issuedAt: string | null;
  /** The month whose statements carry this revision's differences (YYYY-MM): the first not yet issued after it. */
  readonly differenceChargedOn: string;
  /** Whether a month after this one was issued before this revision (its own revision could carry the differences first). */
  readonly laterMonthsIssued: boolean;
  /** Its journal.csv when it was FINAL (this revision reverses its journal); null when it was provisional (its accrual reversed itself). */
  readonly journal: Uint8Array | null;
}

/** How many of diff's reasons a revised statement gives on page 1. */
const REVISION_REASONS = 5;

export interface MonthTemplate {
  readonly template: Template;
  /** The template file as read; null for the built-in default. */
  readonly bytes: Uint8Array | null;
  /** The logo file as read, under its path relative to the template. */
  readonly logo: { readonly path: string; readonly bytes: Uint8Array } | null;
}

export interface Month {
  readonly allocation: Allocation;
  readonly rec: Reconciliation;
  /** Direct statements: one per cost center with spend; they add up to the source total. */
  readonly statements: readonly Statement[];
  /** Roll-up statements for parents: sums of direct statements, billing nothing of their own. */
  readonly rollups: readonly Statement[];
  /** Final minus billed against the issue this one revises (empty for a first issue). */
  readonly adjustments: readonly AdjustmentLine[];
  /** Every file written, by path under out/<period>/, manifest included. */
  readonly files: ReadonlyMap<string, FileRecord>;
  /** How the usage listing joined the cost (gaps included); null for a month without quantities. */
  readonly quantities: Pick<Quantities, 'unmatched' | 'unmeasured' | 'rows'> | null;
}

/**
 * Everything a month publishes, derived from the pulled listings and the directory alone (plan,
 * then act: nothing touches the disk). The live run and `verify` both call this, so a published
 * month can be re-derived byte for byte from its raw pages.
 */
export async function deriveMonth(input: MonthInput): Promise<Month> {
  const { period, directory } = input;
  // What reading the pages left behind (bodies, parsed JSON) goes before the month is planned.
  if (input.grouped.rows.length >= SMALL_MONTH_LINES) collectGarbage();
  const index = indexDirectory(directory);
  const { allocation, focus, movers } = allocateRows(input, index);
  // The quantities behind each cost line; the usage rows are let go of once joined.
  const quantities = input.usage ? joinQuantities(allocation, input.usage.rows) : null;
  letGo(input.usage);
  // Each step of planning leaves its own garbage (the rows' mapping, the statements' sorting), and
  // V8 would let it pile up to several times the month before it collects: collect between steps.
  const large = allocation.rowCount >= SMALL_MONTH_LINES;
  if (large) collectGarbage();
  const adjustments = input.previous ? adjustmentsBetween(input.previous.figures, figuresOf(allocation, input.status)) : [];
  const revisions: Record<string, StatementRevision> = {};
  // This issue as `chargeback diff` reads one, for the reasons a revision gives (revisions only).
  const currentSide = input.previous ? diffSide(period.label, directory.sha256, allocation.costCenters) : null;
  if (input.previous) {
    const { figures: prev, issuedAt: previousIssuedAt, differenceChargedOn } = input.previous;
    const carrying = parsePeriod(differenceChargedOn)!;
    // Why each statement changed, as `chargeback diff` says it.
    const reasons = prev.side ? reasonsBetween(prev.side, currentSide!, REVISION_REASONS) : new Map<string, string[]>();
    // Every statement of a revision says what it replaces, its total changed or not (a cost center
    // whose total is unchanged has no TOTAL adjustment line, and its difference is nothing).
    const totals = new Map(adjustments.filter((x) => x.line === 'TOTAL').map((l) => [l.costCenter, l]));
    const before = new Map(prev.costCenters.map((c) => [c.code, c]));
    const codes = new Set([...allocation.costCenters.filter(hasStatement).map((cc) => cc.code), ...totals.keys()]);
    for (const code of codes) {
      const l = totals.get(code);
      const was = before.get(code);
      const replaces = l ? l.originalStatement || null : (was?.statementNumber ?? null);
      revisions[code] = {
        revision: input.revision,
        of: statementNumber(period.label, code),
        replaces,
        previousCents: l ? l.previousCents : (was?.billedCents ?? 0n),
        previousStatus: prev.status === 'FINAL' ? 'FINAL' : 'PROVISIONAL',
        previousIssuedAt,
        differenceCents: l?.adjustmentCents ?? 0n,
        chargedOn: { periodLabel: carrying.label, periodTitle: periodTitle(carrying.year, carrying.month), number: statementNumber(carrying.label, code) },
        laterMonthsIssued: input.previous.laterMonthsIssued,
        reasons: reasons.get(code) ?? [],
      };
    }
  }
  const orgTotal = sumMoney(input.total.rows.map((r) => r.amountCents));
  letGo(input.total);
  const rec = reconcile(allocation, orgTotal);
  if (!rec.ok) {
    throw dataError(`${period.label} does not reconcile; nothing was published.`, [
      ...rec.checks.filter((c) => !c.ok).map((c) => `${c.name}: expected ${c.expected}, found ${c.actual}`),
      rec.orgTotalDifferenceCents !== null && !rec.checks.find((c) => c.name.startsWith('org total'))?.ok
        ? `The org total without group_by is ${rec.orgTotalUnroundedCents} cents but the grouped rows add up to ${rec.sourceTotalUnroundedCents} cents. The provider's report is inconsistent; run again later and report it if it persists.`
        : 'This is a bug in claude-chargeback: please report it with the raw pages.',
    ]);
  }
  const issuedAt = isoSeconds(input.clock.getTime());
  const language = statementLanguage(input.template.template.locale);
  const statements = buildStatements(allocation, {
    company: directory.company,
    status: input.status,
    dataAsOf: input.dataRefreshedAt,
    issuedAt,
    sourceEndpoint: `GET ${COST_PATH}`,
    directorySha256: directory.sha256,
    toolVersion: TOOL_VERSION,
    seatPriceCents: directory.seatPriceCents,
    revisions,
    quantities,
    budgeted: directory.costCenters.some((c) => (c.budgets ?? []).length > 0),
    language,
  }, { lines: false });
  // Asserted where the sums are made (reconcile) and again here, on what is about to be published.
  const published = statements.reduce((acc, s) => acc + s.totalCents, 0n);
  if (published !== allocation.sourceTotalCents + allocation.extraCents + allocation.carriedCents) {
    throw new Error(`statement totals ${published} do not add up to the source total ${allocation.sourceTotalCents} plus fixed charges ${allocation.extraCents}`);
  }

  const bare = [...statements, ...buildRollups(allocation, statements, language)];
  if (large) collectGarbage();
  // Seats and activity of every cost center (spend or not: a cost center of idle seats has no statement), once for the statements and the summary.
  const perCostCenter = adoptionByCostCenter(allocation, directory, period, input.engagement?.rows ?? null);
  const insights = buildInsights(bare, {
    period,
    index,
    allocation,
    engagement: input.engagement?.rows ?? null,
    engagementRange: input.engagement ? engagementRange(input.engagement, period) : null,
    premium: input.premium?.rows ?? null,
    history: input.history,
    adoption: perCostCenter,
  }, subtreeOf(allocation));
  // Engagement and the premium view are in the statements' insights now.
  letGo(input.premium);
  letGo(input.engagement);
  // Planning leaves garbage that V8 would otherwise collect only once the heap is twice the month;
  // collecting it once here, before the threads start and the ledgers are written, keeps the peak
  // near what the month holds. A small month skips it (it costs more than it saves there).
  if (large) collectGarbage();
  const withInsights = bare.map((s) => ({ ...s, insights: insights.get(s.number)! }));
  const direct = withInsights.filter((s) => s.kind === 'direct');
  const rollups = withInsights.filter((s) => s.kind === 'rollup');
  const clock = input.clock;
  const { sink } = input;
  // The documents are rendered on the worker threads while this thread writes the ledgers.
  const documents = renderStatements(withInsights, allocation, clock, input.template.template, sink, input.renderWorkers, quantities);
  // Handled here so a failure while the ledgers are written is not an unhandled rejection; awaited below.
  documents.done.catch(() => undefined);
  try {
    const person = personMask(input.pseudonyms);
    await writeLedger(sink, allocation, directory, person, input.pseudonyms, quantities);
    // Every issue books its own figures; a final one it replaces is reversed here (core/journal.ts).
    const journal = journalLines(allocation, directory, {
      status: input.status,
      documentDate: dayOf(input.clock.getTime()),
      differenceChargedOn: input.previous?.differenceChargedOn ?? null,
      replaced: input.previous?.journal ? replacedJournal(input.previous.journal, journalId(period, input.previous.figures.revision)) : null,
      accrued: input.accrued,
    });
    await sink.write(JOURNAL_FILE, toCsv(JOURNAL_COLUMNS, journal.map((l) => JOURNAL_COLUMNS.map((c) => l[c]))));
    await writeFocus(sink, allocation, focus, directory, person, input.pseudonyms, quantities);
    // The summary's seats and activity: the company first, then every cost center.
    const seatCentsOf = new Map(allocation.costCenters.map((cc) => [cc.code, cc.seatCents]));
    const priced = directory.seatPriceCents !== null;
    const company = sumAdoption(perCostCenter.values());
    const adoption = [
      { code: '', name: directory.company, view: { ...company, idleSeatCents: idleSeatCents(company, priced ? allocation.seatsCents : null) } },
      ...directory.costCenters.map((cc) => {
        const counts = perCostCenter.get(cc.code)!;
        return { code: cc.code, name: cc.name, view: { ...counts, idleSeatCents: idleSeatCents(counts, priced ? (seatCentsOf.get(cc.code) ?? 0n) : null) } };
      }),
    ];
    const budgets = withInsights.filter((s) => s.insights?.budget).map((s) => ({ number: s.number, code: s.code, name: s.name, kind: s.kind, view: s.insights!.budget! }));
    await writePieces(sink, CHARGEBACK_FILE, jsonPieces(chargebackRecord(allocation, rec, { status: input.status, dataRefreshedAt: input.dataRefreshedAt, directorySha256: directory.sha256, budgets })), '\n');
    await sink.write(SUMMARY_FILE, await renderSummaryXlsx(allocation, rec, { company: directory.company, status: input.status, dataAsOf: input.dataRefreshedAt, issuedAt, statements: direct, person, budgets, adoption, locale: input.template.template.locale }, clock));
  } catch (error) {
    // The statements not rendered yet are dropped, and the rest awaited, so nothing is written after the month fails.
    await documents.stop();
    throw error;
  }
  await documents.done;
  await sink.write(DIRECTORY_COPY, input.directoryBytes);
  await sink.write(HISTORY_COPY, historyJson(input.history));
  if (input.template.bytes) {
    await sink.write(TEMPLATE_COPY, input.template.bytes);
    if (input.template.logo) await sink.write(templateAssetCopy(input.template.logo.path), input.template.logo.bytes);
  }
  if (input.previous) {
    await sink.write(PREVIOUS_COPY, input.previous.bytes);
    if (input.previous.journal) await sink.write(PREVIOUS_JOURNAL_COPY, input.previous.journal);
    await sink.write(ADJUSTMENTS_FILE, toCsv(ADJUSTMENT_COLUMNS, adjustmentRows(adjustments, input, allocation, revisions, currentSide!)));
  }
  if (input.carried.adjustments.length > 0) {
    await sink.write(CARRIED_COPY, carriedJson(input.carried));
  }
  if (input.accrued.length > 0) await sink.write(ACCRUED_COPY, accruedJson(input.accrued));

  const listings = [input.grouped, input.total, ...input.daily, ...(input.premium ? [input.premium] : []), ...(input.engagement ? [input.engagement] : []), ...(input.usage ? [input.usage] : [])];
  const pages: RawPage[] = listings.flatMap((l) => l.pages);
  // The pages went to raw/ as they were pulled (or read back); each must be there, as received.
  for (const page of pages) {
    const kept = sink.records.get(rawPath(page.file)) ?? (page.body !== null ? await sink.write(rawPath(page.file), page.body) : null);
    if (kept === null || kept.sha256 !== page.sha256) throw new Error(`${rawPath(page.file)} was not kept as received`);
  }
  // Every exchange, used or not (retried errors, pages of a restarted listing), in order.
  const exchanges: RequestRecord[] = [];
  // In the order they were made: the cost listings, then engagement and usage, each used or refused.
  const unused = (query: string) => input.unusedAttempts.filter((a) => a.query === query);
  const costListings = [input.grouped, input.total, ...input.daily, ...(input.premium ? [input.premium] : [])];
  const ordered = [
    ...costListings.flatMap((l) => l.attempts),
    ...(input.engagement ? input.engagement.attempts : unused(ENGAGEMENT_LISTING)),
    ...(input.usage ? input.usage.attempts : unused(USAGE_LISTING)),
    ...input.unusedAttempts.filter((a) => a.query !== ENGAGEMENT_LISTING && a.query !== USAGE_LISTING),
  ];
  for (const [i, a] of ordered.entries()) {
    const kept = a.keptAs ?? (a.body !== null ? discardedName(i, a.query, a.status) : null);
    if (a.keptAs === null && kept !== null) await sink.write(rawPath(kept), a.body!);
    const digest = a.body !== null ? recordOf('', a.body) : (a.digest ?? null);
    exchanges.push({ n: i + 1, query: a.query, method: 'GET', request: a.request, status: a.status, outcome: a.outcome, file: kept, used: a.keptAs !== null, sha256: digest?.sha256 ?? null, bytes: digest?.bytes ?? 0 });
  }
  await sink.write(rawPath(REQUESTS_FILE), requestsJson(exchanges));

  const copies = [HISTORY_COPY, TEMPLATE_COPY, ...(input.template.bytes && input.template.logo ? [templateAssetCopy(input.template.logo.path)] : []), PREVIOUS_COPY, PREVIOUS_JOURNAL_COPY, CARRIED_COPY, ACCRUED_COPY].filter((p) => sink.records.has(p));
  const inputPaths = new Set([DIRECTORY_COPY, ...copies, ...pages.map((p) => rawPath(p.file))]);
  const recordFor = (path: string) => sink.records.get(path)!;
  const manifest: ManifestRecord = {
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    period: { label: period.label, startingAt: period.startIso, endingAt: period.endExclusiveIso },
    status: input.status,
    revision: input.revision,
    revises: input.previous ? `${period.label} revision ${input.previous.figures.revision} (${input.previous.figures.status})` : null,
    revisesIssuedAt: input.previous?.issuedAt ?? null,
    differenceChargedOn: input.previous?.differenceChargedOn ?? null,
    laterMonthsIssued: input.previous?.laterMonthsIssued ?? null,
    carriedFrom: input.carried.adjustments.length > 0 ? input.carried.source : null,
    clock: issuedAt,
    dataRefreshedAt: input.dataRefreshedAt,
    source: {
      api: input.apiLabel,
      endpoint: `GET ${COST_PATH}`,
      anthropicVersion: ANTHROPIC_VERSION,
      anthropicBeta: COST_BETA,
      groupBy: CHARGEBACK_GROUP_BY,
      pages: { grouped: input.grouped.pages.length, total: input.total.pages.length, daily: input.daily.reduce((a, d) => a + d.pages.length, 0), premium: input.premium?.pages.length ?? 0, engagement: input.engagement?.pages.length ?? 0, usage: input.usage?.pages.length ?? 0 },
      dailyActors: movers,
      premiumGroupBy: input.premium ? PREMIUM_GROUP_BY : null,
      engagementEndpoint: input.engagement ? `GET ${USERS_PATH}` : null,
      usageEndpoint: input.usage ? `GET ${USAGE_PATH}` : null,
      usageGroupBy: input.usage ? USAGE_GROUP_BY : null,
      quantities: quantities ? { usageRows: quantities.rows, linesMeasured: quantities.byRow.size, linesUnmeasured: quantities.unmeasured.lines, usageGroupsWithoutCost: quantities.unmatched.rows, tokensWithoutCost: quantities.unmatched.tokens.toString() } : null,
    },
    pseudonymized: input.pseudonyms ? { outputs: PSEUDONYMIZED_OUTPUTS, keyFingerprint: input.pseudonyms.fingerprint } : null,
    template: input.template.bytes ? { name: input.template.template.name, path: TEMPLATE_COPY } : { name: input.template.template.name, path: null },
    history: input.history.map((h) => `${h.period} revision ${h.revision} (${h.status})`),
    totals: {
      sourceTotalUnroundedCents: rec.sourceTotalUnroundedCents,
      sourceTotalCents: rec.sourceTotalCents,
      statementsTotalCents: rec.statementsTotalCents,
      unallocatedCents: rec.unallocatedCents,
      orgTotalUnroundedCents: rec.orgTotalUnroundedCents,
      orgTotalDifferenceCents: rec.orgTotalDifferenceCents,
    },
    inputs: [
      { path: DIRECTORY_COPY, source: directory.source, sha256: directory.sha256, bytes: input.directoryBytes.length },
      ...copies.map((p) => ({ path: p, sha256: recordFor(p).sha256, bytes: recordFor(p).bytes })),
      ...pages.map((p) => ({ path: rawPath(p.file), sha256: p.sha256, bytes: p.bytes })),
    ],
    outputs: [...sink.records.keys()].filter((path) => !inputPaths.has(path)).sort((a, b) => (a < b ? -1 : 1)).map((path) => ({ path, sha256: recordFor(path).sha256, bytes: recordFor(path).bytes })),
  };
  await sink.write(MANIFEST_FILE, manifestJson(manifest));
  return { allocation, rec, statements: direct, rollups, adjustments, files: sink.records, quantities: quantities ? { unmatched: quantities.unmatched, unmeasured: quantities.unmeasured, rows: quantities.rows } : null };
}

/**
 * Allocates the month's rows (the grouped rows, with the daily rows of people who moved in place
 * of their monthly ones) and takes from them what FOCUS needs; the rows themselves are let go of
 * here, so the month is not held twice while its documents are written.
 */
function allocateRows(input: MonthInput, index: ReturnType<typeof indexDirectory>): { allocation: Allocation; focus: FocusPlan; movers: string[] } {
  const { period, directory } = input;
  const movers = actorsWithChangingOwner(index, input.grouped.rows, periodDays(period));
  const dailyRows = input.daily.flatMap((d) => d.rows);
  const fetched = new Set(dailyRows.map((r) => filterableActorId(r)));
  // One pass over the rows, not one per mover.
  const unfetched = new Set(movers.filter((id) => !fetched.has(id)));
  const billedUnfetched = new Set<string>();
  if (unfetched.size > 0) {
    for (const r of input.grouped.rows) {
      const id = filterableActorId(r);
      if (id !== null && unfetched.has(id) && !r.amountCents.isZero()) billedUnfetched.add(id);
    }
  }
  const missing = movers.filter((id) => billedUnfetched.has(id));
  if (missing.length > 0) {
    throw usageError(`The org directory changes the cost center of ${missing.join(', ')} inside ${period.label}, but these pages hold no daily rows for them.`, [
      'Pull the month from the API again (the run fetches daily rows for them), or use the directory the pages were pulled with.',
    ]);
  }
  const rows = withDailyRows(input.grouped.rows, dailyRows, movers);
  const allocation = allocate(rows, directory, period, { revision: input.revision, carried: input.carried.adjustments });
  const focus = planFocus(allocation, rows);
  letGo(input.grouped);
  for (const d of input.daily) letGo(d);
  return { allocation, focus, movers };
}

/** The locale's decimal separator ("," in de-DE and fr-FR, "." in en-GB). */
function decimalSeparator(locale: string): string {
  return new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
}

/** The statements' language: the message catalog the template's locale picks, and its formats. */
function statementLanguage(locale: string): StatementLanguage {
  const f = new Formatter(locale);
  const separator = decimalSeparator(locale);
  return { m: messagesFor(locale), money: (c) => f.money(c), month: (label) => f.month(label), day: (iso) => f.date(iso.slice(0, 10)), integer: (n) => f.integer(n), percent: (part, whole, digits) => f.percent(part, whole, digits), decimal: (text) => text.replace('.', separator) };
}

/**
 * deriveMonth owns the rows of the listings it is given: once it has no more use for a listing's
 * rows it empties it, so that neither it nor its caller keeps them (the pages stay recorded).
 */
function letGo(listing: PulledListing<unknown> | null): void {
  if (listing) (listing as { rows: readonly unknown[] }).rows = [];
}

type PersonMask = (actorKey: string, actorType: string, fields: { id: string; email: string; name: string }) => { id: string; email: string; name: string };

/** A person's id, e-mail and name as the organization-wide outputs show them: as they are, or one opaque id. */
function personMask(pseudonyms: Pseudonyms | null): PersonMask {
  return (actorKey, actorType, fields) => {
    if (!pseudonyms || actorType !== 'user_actor') return fields;
    const id = pseudonyms.of(actorKey);
    return { id, email: '', name: id };
  };
}

/** A person rule names the person's id or e-mail; pseudonymized outputs keep only which kind matched. */
function maskRule(pseudonyms: Pseudonyms | null, rule: string): string {
  return pseudonyms ? rule.replace(/^person (user_id|email)=.*$/, 'person $1 (pseudonymized)') : rule;
}

/** The days an engagement listing covers, from its request (starting_date, exclusive ending_date). */
function engagementRange(listing: PulledListing<EngagementRow>, period: Period): EngagementRange | null {
  const first = listing.pages[0]?.request;
  if (!first) return null;
  const q = new URLSearchParams(first.slice(first.indexOf('?') + 1));
  const from = q.get('starting_date');
  const end = q.get('ending_date');
  if (!from || !end) return null;
  const endMs = dayStartMs(end);
  if (endMs === null) return null;
  return { from, to: dayOf(addDays(endMs, -1)), partial: endMs < period.endExclusiveMs };
}

/** The codes below and including a cost center, for roll-up insights. */
function subtreeOf(allocation: Allocation): (code: string) => string[] {
  // Children in directory order, appended (not copied per child: a department may have hundreds).
  const children = groupBy(allocation.costCenters.filter((cc) => cc.parent !== null), (cc) => cc.parent!);
  const subtree = (code: string): string[] => [code, ...(children.get(code) ?? []).flatMap((cc) => subtree(cc.code))];
  return subtree;
}

/** The oldest data_refreshed_at of the listings; null when any listing has none. */
export function oldestRefresh(listings: ReadonlyArray<Pick<PulledListing, 'dataRefreshedAt'>>): string | null {
  let oldest: string | null = null;
  for (const { dataRefreshedAt } of listings) {
    if (dataRefreshedAt === null) return null;
    if (oldest === null || (instantMs(dataRefreshedAt) ?? NaN) < (instantMs(oldest) ?? NaN)) oldest = dataRefreshedAt;
  }
  return oldest;
}

export const ADJUSTMENT_COLUMNS = [
  'period', 'revision', 'cost_center', 'cost_center_name', 'original_statement', 'revised_statement', 'line_type', 'person_or_spender', 'spender_id',
  'product', 'model', 'context_window', 'cost_type', 'previous_cents', 'final_cents', 'adjustment_cents', 'previous_usd', 'final_usd', 'adjustment_usd', 'reason', 'line',
] as const;

const USAGE_PREFIX = 'usage ';

/**
 * adjustments.csv: final minus billed per line and per cost center (TOTAL), in words a reader
 * follows (cost center, person or spender, product, model) and in cents and dollars, with why; the
 * line's identity as the ledgers key it stays in the last column. People are masked as in the
 * ledger when the month is pseudonymized.
 */
function adjustmentRows(adjustments: readonly AdjustmentLine[], input: MonthInput, allocation: Allocation, revisions: Readonly<Record<string, StatementRevision>>, currentSide: DiffSide): string[][] {
  const usd = (cents: bigint) => formatUsd(cents).replace(/[$,]/g, '');
  const person = personMask(input.pseudonyms);
  const names = new Map<string, string>();
  const spenders = new Map<string, { label: string; id: string; type: string; email: string }>();
  for (const c of input.previous?.figures.side?.costCenters ?? []) {
    names.set(c.code, c.name);
    for (const a of c.actors) spenders.set(a.actorKey, { label: a.label, id: '', type: a.actorKey.startsWith('user:') ? 'user_actor' : '', email: '' });
  }
  for (const cc of allocation.costCenters) {
    names.set(cc.code, cc.name);
    for (const a of cc.actors) spenders.set(a.actorKey, { label: a.label, id: a.actorId, type: a.actorType, email: a.email ?? '' });
  }
  // The statements name people in their reasons; a pseudonymized month's file names their ids instead.
  const maskSide = (side: DiffSide): DiffSide => ({
    ...side,
    costCenters: side.costCenters.map((c) => ({ ...c, actors: c.actors.map((a) => (a.actorKey.startsWith('user:') ? { ...a, label: input.pseudonyms!.of(a.actorKey) } : a)) })),
  });
  const previousSide = input.previous?.figures.side;
  const why =
    input.pseudonyms && previousSide
      ? reasonsBetween(maskSide(previousSide), maskSide(currentSide), REVISION_REASONS)
      : new Map(Object.entries(revisions).map(([code, r]) => [code, [...r.reasons]]));
  return adjustments.map((l) => {
    const base = [input.period.label, String(input.revision), l.costCenter, names.get(l.costCenter) ?? '', l.originalStatement, l.revisedStatement];
    const money = [l.previousCents.toString(), l.finalCents.toString(), l.adjustmentCents.toString(), usd(l.previousCents), usd(l.finalCents), usd(l.adjustmentCents)];
    if (!l.line.startsWith(USAGE_PREFIX)) {
      const [type, reason] = otherAdjustment(l, why.get(l.costCenter) ?? []);
      return [...base, type, '', '', '', '', '', '', ...money, reason, l.line];
    }
    // "usage <actor key>#<product|model|window|cost type|workspace|start|end…>"; an actor key may hold a '#'.
    const key = l.line.slice(USAGE_PREFIX.length);
    let cut = key.indexOf('#');
    while (cut !== -1 && !spenders.has(key.slice(0, cut))) cut = key.indexOf('#', cut + 1);
    const actorKey = cut === -1 ? key : key.slice(0, cut);
    const identity = cut === -1 ? [] : key.slice(cut + 1).split('|').map((v) => (v === '\u2205' ? '' : v));
    const known = spenders.get(actorKey);
    const who = known ? person(actorKey, known.type, { id: known.id, email: known.email, name: known.label }) : { id: '', email: '', name: '' };
    const shownLine = input.pseudonyms && known?.type === 'user_actor' ? `${USAGE_PREFIX}${who.id}${key.slice(actorKey.length)}` : l.line;
    const reason = l.previousCents === 0n ? 'new line: not billed by the issue revised' : l.finalCents === 0n ? 'no longer billed to this cost center' : "amount changed: the provider's figures for the line, or its part of the month's rounding";
    return [...base, 'usage', who.name, who.id, identity[0] ?? '', identity[1] ?? '', identity[2] ?? '', identity[3] ?? '', ...money, reason, shownLine];
  });
}

/** The type and reason of a line that is not a spender's usage. */
function otherAdjustment(l: AdjustmentLine, reasons: readonly string[]): [string, string] {
  if (l.line === 'TOTAL') return ['total', reasons.length > 0 ? reasons.join('; ') : 'the cost center\u2019s lines below'];
  if (l.line.startsWith('pool ')) return ['pool_share', `share of ${l.line.slice(5)} recomputed from the revised figures`];
  if (l.line === 'seats') return ['seats', 'seats recomputed'];
  if (l.line === 'markup') return ['markup', 'markup recomputed on the revised charges'];
  if (l.line.startsWith('carried ')) return ['carried_adjustment', 'an adjustment of an earlier month carried differently'];
  return ['other', ''];
}

export const LEDGER_HEADER = [
  'period', 'statement_number', 'line_type', 'cost_center', 'pool', 'actor_type', 'actor_id', 'email', 'actor_name', 'product', 'model',
  'context_window', 'cost_type', 'workspace_id', 'unrounded_cents', 'billed_cents', 'billed_usd', 'rule', 'raw_row', 'directory_sha256',
  'input_tokens', 'cache_write_tokens', 'cache_read_tokens', 'output_tokens', 'requests', 'web_searches',
] as const;

/** A line's quantities as ledger cells: empty when the line has none (or the month has no quantities). */
function quantityCells(quantities: Quantities | null, rowId: string): string[] {
  const q = quantities?.byRow.get(rowId);
  if (!q) return ['', '', '', '', '', ''];
  if (q.measure === 'web_search') return ['', '', '', '', '', q.webSearches.toString()];
  if (q.measure === 'code_execution') return ['', '', '', '', q.requests.toString(), ''];
  return [q.uncachedInput.toString(), q.cacheWrite.toString(), q.cacheRead.toString(), q.output.toString(), q.requests.toString(), ''];
}
const NO_QUANTITY = ['', '', '', '', '', ''];

/**
 * The auditors' ledger. line_type usage: a source row billed to a cost center; pool_source: a
 * source row claimed by a shared-cost pool (billed through the pool's shares, so no billed cents
 * here); pool_share: a cost center's share of a pool; seats, markup; carried_adjustment: a true-up
 * of an earlier month. Billed cents add up to the statements.
 */
function* ledgerRows(allocation: Allocation, directory: OrgDirectory, person: PersonMask, pseudonyms: Pseudonyms | null, quantities: Quantities | null): Generator<string[]> {
  const label = allocation.period.label;
  const usd = (cents: bigint) => formatUsd(cents).replace(/[$,]/g, '');
  for (const cc of allocation.costCenters) {
    for (const a of cc.actors) {
      const who = person(a.actorKey, a.actorType, { id: a.actorId, email: a.email ?? '', name: a.label });
      for (const l of a.lines) {
        yield [
          label, numberFor(allocation, cc.code), 'usage', cc.code, '', a.actorType, who.id, who.email, who.name,
          l.product ?? '', l.model ?? '', l.contextWindow ?? '', l.costType ?? '', l.workspaceId ?? '', decimalText(l.unroundedCents),
          l.billedCents.toString(), usd(l.billedCents), maskRule(pseudonyms, l.rule), l.rowId, directory.sha256, ...quantityCells(quantities, l.rowId),
        ];
      }
    }
  }
  for (const pool of allocation.pools) {
    for (const src of pool.sourceRows) {
      const r = src.row;
      const who = person(src.actorKey, actorTypeLabel(r.actor), { id: actorId(r.actor), email: r.actor?.type === 'user_actor' ? (r.actor.email ?? '') : '', name: '' });
      yield [
        label, '', 'pool_source', '', pool.name, actorTypeLabel(r.actor), who.id, who.email, who.name,
        r.product ?? '', r.model ?? '', r.contextWindow ?? '', r.costType ?? '', r.workspaceId ?? '', decimalText(r.amountCents),
        '', '', src.rule, src.rowId, directory.sha256, ...quantityCells(quantities, src.rowId),
      ];
    }
    for (const [code, cents] of [...pool.shares].sort(([a], [b]) => (a < b ? -1 : 1))) {
      yield [
        label, numberFor(allocation, code), 'pool_share', code, pool.name, '', '', '', '', '', '', '', '', '',
        '', cents.toString(), usd(cents), `pool ${pool.name}: ${pool.basis}`, '', directory.sha256, ...NO_QUANTITY,
      ];
    }
  }
  for (const cc of allocation.costCenters) {
    const extra = (type: string, cents: bigint, rule: string) =>
      [label, numberFor(allocation, cc.code), type, cc.code, '', '', '', '', '', '', '', '', '', '', '', cents.toString(), usd(cents), rule, '', directory.sha256, ...NO_QUANTITY];
    // Pool shares are listed with their pools above.
    for (const c of chargeLines(cc)) if (c.lineType !== 'pool_share') yield extra(c.lineType, c.cents, c.rule);
  }
}

function writeLedger(sink: MonthSink, allocation: Allocation, directory: OrgDirectory, person: PersonMask, pseudonyms: Pseudonyms | null, quantities: Quantities | null): Promise<FileRecord> {
  return writeCsv(sink, LEDGER_FILE, LEDGER_HEADER, ledgerRows(allocation, directory, person, pseudonyms, quantities));
}

/** focus.csv, one row at a time; people's ids masked in pseudonymized months. */
async function writeFocus(sink: MonthSink, allocation: Allocation, plan: FocusPlan, directory: OrgDirectory, person: PersonMask, pseudonyms: Pseudonyms | null, quantities: Quantities | null): Promise<void> {
  function* focus() {
    for (const r of focusRowsOneByOne(allocation, plan, directory, quantities)) {
      const masked =
        r.x_ActorType !== 'user_actor'
          ? r
          : (() => {
              const who = person(`user:${r.x_ActorId}`, 'user_actor', { id: String(r.x_ActorId), email: String(r.x_User ?? ''), name: '' });
              return { ...r, x_ActorId: who.id, x_User: who.email || (pseudonyms ? who.name : ''), x_MappingRule: maskRule(pseudonyms, String(r.x_MappingRule ?? '')) };
            })();
      yield FOCUS_COLUMNS.map((c) => masked[c] ?? '');
    }
  }
  await writeCsv(sink, FOCUS_FILE, FOCUS_COLUMNS, focus());
  // The same rows again, typed, for a warehouse: made a second time rather than held.
  const parquet = await sink.open(FOCUS_PARQUET_FILE);
  // Encoding leaves each row group's text and pages behind; a large month collects them as it goes.
  const large = allocation.rowCount >= SMALL_MONTH_LINES;
  if (large) collectGarbage();
  await writeFocusParquet(parquet, focus(), large ? collectGarbage : undefined);
  await parquet.close();
}

/** A CSV file written in pieces of about a megabyte, never as one string. */
async function writeCsv(sink: MonthSink, path: string, header: readonly string[], rows: Iterable<readonly string[]>): Promise<FileRecord> {
  function* lines() {
    yield csvLine(header);
    for (const row of rows) yield csvLine(row);
  }
  return writePieces(sink, path, lines());
}

/**
 * Writes pieces of text to one file, encoded straight into buffers of about a megabyte. The text
 * of a piece is garbage as soon as it is encoded, so a file of a gigabyte leaves no text behind
 * to collect (gathering it as strings would move every megabyte to the old generation first).
 */
async function writePieces(sink: MonthSink, path: string, pieces: Iterable<string>, end = ''): Promise<FileRecord> {
  const writer = await sink.open(path);
  const size = 1 << 20;
  let buffer = Buffer.allocUnsafeSlow(size);
  let used = 0;
  // A piece that may not fit (a UTF-16 unit takes at most three bytes in UTF-8) goes to the next buffer.
  const spill = async (piece: string) => {
    if (used > 0) await writer.write(buffer.subarray(0, used));
    // The writer may keep the bytes it was given until it flushes: the next ones go to a new buffer.
    buffer = Buffer.allocUnsafeSlow(size);
    used = 0;
    if (piece.length * 3 > size) await writer.write(piece);
    else used = buffer.write(piece, 0, 'utf8');
  };
  const put = (piece: string) => {
    if (used + piece.length * 3 > size) return spill(piece);
    used += buffer.write(piece, used, 'utf8');
    return undefined;
  };
  for (const piece of pieces) {
    const spilled = put(piece);
    if (spilled) await spilled;
  }
  await put(end);
  if (used > 0) await writer.write(buffer.subarray(0, used));
  return writer.close();
}

/**
 * Renders every statement's PDF and workbook and writes each as soon as it is made. `stop` drops
 * what is not rendered yet (the month failed elsewhere) and waits for the rest to settle.
 */
function renderStatements(statements: readonly Statement[], allocation: Allocation, clock: Date, template: Template, sink: MonthSink, workers: number | undefined, quantities: Quantities | null): { done: Promise<void>; stop(): Promise<void> } {
  const count = workers ?? automaticRenderWorkers(statements.reduce((n, s) => n + s.lineCount, 0));
  const pool = createRenderPool(count);
  let stopped = false;
  const done = renderAll(statements, allocation, clock, template, sink, pool, count, () => stopped, quantities);
  return {
    done,
    async stop() {
      stopped = true;
      await pool.close();
      await done.catch(() => undefined);
    },
  };
}

async function renderAll(statements: readonly Statement[], allocation: Allocation, clock: Date, template: Template, sink: MonthSink, pool: RenderPool, workers: number, stopped: () => boolean, quantities: Quantities | null): Promise<void> {
  const costCenters = new Map(allocation.costCenters.map((cc) => [cc.code, cc]));
  // Largest first, so the long roll-ups do not start last and keep one thread busy alone at the end.
  const size = (s: Statement) => s.lineCount * (s.kind === 'direct' ? 1 : 0) + s.users.length;
  const bySize = [...statements].sort((a, b) => size(b) - size(a) || (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  let next = 0;
  let failure: { error: unknown } | null = null;
  // A few statements in flight per thread: a direct statement's lines are made when it is sent
  // and dropped once its documents are written, so the month's lines are never all held at once.
  const lane = async () => {
    while (next < bySize.length && failure === null && !stopped()) {
      const s = bySize[next++]!;
      try {
        const statement = s.kind === 'direct' && s.lines.length === 0 && s.lineCount > 0 ? { ...s, lines: statementLines(costCenters.get(s.code)!, quantities) } : s;
        const { pdf, xlsx } = await pool.render({ statement, clock, template });
        if (stopped()) return;
        await sink.write(statementFile(s.kind, s.code, 'pdf'), pdf);
        await sink.write(statementFile(s.kind, s.code, 'xlsx'), xlsx);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  try {
    // Every lane settles before this returns, so nothing writes after a failure is reported.
    await Promise.all(Array.from({ length: Math.max(1, workers) * 2 }, lane));
    if (failure !== null && !stopped()) throw (failure as { error: unknown }).error;
  } finally {
    await pool.close();
  }
}

/**
 * The lines of journal `id` in the published journal.csv a revision reverses (kept as
 * inputs/previous-journal.csv). Files written before 0.6.0 have a `date` column and no entity;
 * their lines are read with the entity left empty. Lines that would not reverse to a balanced
 * journal are the file's fault, not the tool's: a usage error naming the copy.
 */
function replacedJournal(bytes: Uint8Array, id: string): JournalLine[] {
  const lines = parseCsv(Buffer.from(bytes).toString('utf8'))
    .filter((r) => r.journal_id === id)
    .map((r) => Object.fromEntries(JOURNAL_COLUMNS.map((c) => [c, r[c] ?? (c === 'posting_date' ? (r.date ?? '') : c === 'status' ? 'FINAL' : '')])) as JournalLine);
  const fix = ['Restore it from the published copy of the issue it revises (or run: chargeback verify on that issue).'];
  const where = `${PREVIOUS_JOURNAL_COPY} (the journal of ${id}, which this revision reverses)`;
  if (lines.length === 0) throw usageError(`${where} has no lines of ${id}.`, fix);
  const bad = lines.find((l) => ![l.debit, l.credit].every((v) => v === '' || /^\d+\.\d{2}$/.test(v)));
  if (bad) throw usageError(`${where}, line ${bad.line}: found debit ${JSON.stringify(bad.debit)} and credit ${JSON.stringify(bad.credit)}, expected dollars with two decimals, such as 5284.12.`, fix);
  for (const [entity, balance] of entityBalances(lines)) {
    if (balance !== 0n) throw usageError(`${where} does not balance${entity ? ` in entity ${entity}` : ''}: debits minus credits are ${balance} cents, expected 0.`, fix);
  }
  return lines;
}
