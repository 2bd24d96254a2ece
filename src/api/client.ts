import { createHash } from 'node:crypto';
import { z } from 'zod';
import { rowIdentity, type CostRow } from '../core/cost-row.js';
import { ChargebackError, dataError, tempfailError, upstreamError, usageError } from '../errors.js';
import type { EngagementRow } from '../core/engagement.js';
import { amountDigitsProblem, checkedCostRow, costEnvelopeSchema, costPageSchema, describeIssues, describeRawRow, toCostRow, type CostPage } from './cost-schema.js';
import { DEFAULT_ROW_BOUND, MAX_EMPTY_PAGES, PAGE_LIMIT, type RowBound } from './listing-bounds.js';
import { checkedUsageRow, toUsageRow, usageEnvelopeSchema, usagePageSchema, type UsagePage } from './usage-schema.js';
import { usageRowKey, type UsageRow } from '../core/usage.js';
import { checkedUserActivity, toEngagementRow, usersEnvelopeSchema, usersPageSchema, type UsersPage } from './users-schema.js';
import { RateLimiter } from './rate-limiter.js';
import { addDays, instantMs, startOfDayMs, startOfHourMs } from '../core/period.js';
import { rawPageName } from '../io/layout.js';

export const COST_PATH = '/v1/organizations/analytics/cost';
export const USERS_PATH = '/v1/organizations/analytics/users';
export const USAGE_PATH = '/v1/organizations/analytics/usage';
export const COST_BETA = 'analytics-usage-cost-2026-08-24';
export const ANTHROPIC_VERSION = '2023-06-01';
/** The grouping of the chargeback pull: four counted dimensions plus workspace, and the cost_type fan-out. */
export const CHARGEBACK_GROUP_BY = ['actor', 'product', 'model', 'context_window', 'workspace_id', 'cost_type'] as const;
/** The premium dimensions, in a listing of their own (at most five counted dimensions per query). */
export const PREMIUM_GROUP_BY = ['actor', 'speed', 'inference_geo'] as const;
/** The usage listing is grouped like the cost listing, less cost_type (usage has none). */
export const USAGE_GROUP_BY = ['actor', 'product', 'model', 'context_window', 'workspace_id'] as const;

export interface RawPage {
  /** File name under raw/, e.g. "cost-grouped-p001.json". */
  readonly file: string;
  /** Path and query as sent (no host, no credentials). */
  readonly request: string;
  readonly status: number;
  /** sha256 and size of the body exactly as received. */
  readonly sha256: string;
  readonly bytes: number;
  /** The body, when the page is held in memory; null once it was written to the month's raw/ folder (a page store). */
  readonly body: string | null;
}

/** Where a listing's pages go as they arrive: the month's raw/ folder, so a pull never holds its pages. */
export interface PageStore {
  keep(file: string, body: string): Promise<{ readonly sha256: string; readonly bytes: number }>;
  /** Reads back and removes a kept page (its listing restarted, so it becomes a discarded exchange). */
  take(file: string): Promise<string>;
}

/** One HTTP exchange, kept for auditors whether or not its page was used. */
export interface Attempt {
  readonly query: string;
  readonly request: string;
  /** HTTP status, or 0 when no answer came (network error, timeout). */
  readonly status: number;
  readonly outcome: string;
  readonly body: string | null;
  /** The raw/ file of a page that was used; null for retried, failed or discarded answers. */
  readonly keptAs: string | null;
  /** sha256 and size of a used page whose body went to the page store (body null). */
  readonly digest?: { readonly sha256: string; readonly bytes: number };
}

interface Pull<R> {
  readonly rows: R[];
  readonly pages: RawPage[];
  readonly attempts: Attempt[];
  readonly dataRefreshedAt: string | null;
  readonly requests: number;
  readonly retries: number;
  readonly restarts: number;
}

export type CostPull = Pull<CostRow>;
export type UsersPull = Pull<EngagementRow>;
export type UsagePull = Pull<UsageRow>;

/** How one endpoint is paged and read; the loop, retries and restarts are shared. */
interface Listing<R> {
  readonly name: string;
  /** Whether the endpoint needs the beta header (the cost endpoints do). */
  readonly beta: boolean;
  requestPath(cursor: string | null): string;
  /** refreshed: the page's data_refreshed_at, or undefined when the envelope has none. */
  parse(body: string, file: string, n: number, request: string): { rows: R[]; hasMore: boolean; next: string | null; refreshed: string | null | undefined };
  identity(row: R): string;
  rowId(row: R): string;
  /** The most rows the organization can have in this listing; more means it is not ending. */
  readonly bound: RowBound;
}

export interface UsersQuery {
  /** Prefix of the raw page files: "users". */
  readonly name: string;
  /** YYYY-MM-DD, inclusive. */
  readonly startingDate: string;
  /** YYYY-MM-DD, exclusive. */
  readonly endingDate: string;
  /** The most rows the organization can have here (one per user); DEFAULT_ROW_BOUND when absent. */
  readonly bound?: RowBound;
}

function usersPath(query: UsersQuery, cursor: string | null): string {
  const params = new URLSearchParams();
  params.append('starting_date', query.startingDate);
  params.append('ending_date', query.endingDate);
  params.append('limit', String(PAGE_LIMIT));
  if (cursor !== null) params.append('page', cursor);
  return `${USERS_PATH}?${params.toString()}`;
}

export interface CostQuery {
  /** Prefix of the raw page files: "cost-grouped", "cost-total". */
  readonly name: string;
  readonly startingAt: string;
  readonly endingAt: string;
  readonly groupBy: readonly string[];
  /** Only these actors (user_…, svac_…, apikey_…). */
  readonly actorIds?: readonly string[];
  /** One row per UTC day and group. */
  readonly timeBucketWidth?: '1d';
  /** The most rows the organization can have in this listing; DEFAULT_ROW_BOUND when absent. */
  readonly bound?: RowBound;
}

export interface AnalyticsClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly fetchImpl?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Deadline of one request, from connect to the last byte of the body (default 60 s). */
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
  /** The most a whole run spends on failed attempts and waits between retries (default RETRY_BUDGET_MS). */
  readonly retryBudgetMs?: number;
  /** The whole pull must end by then (the client's clock, ms); past it, exit 3. Default: PULL_DEADLINE_MS from the client's creation. */
  readonly deadlineAtMs?: number;
  readonly maxRestarts?: number;
  /** Pages in a row with no rows and has_more: true before a listing is called endless. */
  readonly maxEmptyPages?: number;
  readonly requestsPerMinute?: number;
  readonly userAgent?: string;
  readonly log?: (message: string) => void;
  /** Where pages are written as they arrive; without one, pages are held in memory. */
  readonly pageStore?: PageStore;
  /** Told of every page kept, with its rows, for progress. */
  readonly onPage?: (page: { readonly listing: string; readonly n: number; readonly rows: readonly unknown[]; readonly hasMore: boolean }) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A listing that could not be completed, with every exchange it made (for the audit trail). */
export class ListingError extends ChargebackError {
  constructor(kind: ChargebackError['kind'], message: string, details: readonly string[], readonly attempts: readonly Attempt[]) {
    super(kind, message, details);
  }
}

/** The listing must start again from page one (cursor expired, or the data was refreshed). */
class Restart extends Error {}

interface Counters {
  requests: number;
  retries: number;
  readonly attempts: Attempt[];
}

/** Printable ASCII only: anything else cannot travel in an HTTP header (and would be echoed by fetch). */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

const envelopeSchema = z.looseObject({ error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }) });

/** A thin client over fetch for the beta cost endpoint: pagination, retries, rate limit, validation. */
export class AnalyticsClient {
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limiter: RateLimiter;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBudgetMs: number;
  /** Time this client has spent on attempts that timed out and on waits before retries. */
  private spentOnRetriesMs = 0;
  private readonly deadlineAtMs: number;
  private readonly maxRestarts: number;
  private readonly maxEmptyPages: number;
  private readonly log: (message: string) => void;
  private readonly baseUrl: string;

  constructor(private readonly options: AnalyticsClientOptions) {
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.sleep = options.sleep ?? realSleep;
    this.limiter = new RateLimiter(options.requestsPerMinute ?? 60, 60_000, options.now ?? Date.now, this.sleep);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxRetries = options.maxRetries ?? 6;
    this.retryBudgetMs = options.retryBudgetMs ?? RETRY_BUDGET_MS;
    this.deadlineAtMs = options.deadlineAtMs ?? (options.now ?? Date.now)() + PULL_DEADLINE_MS;
    this.maxRestarts = options.maxRestarts ?? 3;
    this.maxEmptyPages = options.maxEmptyPages ?? MAX_EMPTY_PAGES;
    const log = options.log ?? (() => {});
    this.log = (message) => log(this.scrub(message));
    if (!HEADER_SAFE.test(options.apiKey)) {
      throw usageError('The API key contains a space, line break or other character that cannot be sent in an HTTP header.', [
        'Set ANTHROPIC_ANALYTICS_API_KEY to the key alone, without quotes or surrounding whitespace.',
      ]);
    }
    this.baseUrl = checkedBaseUrl(options.baseUrl);
  }

  /** Every page of one cost query, restarting from page one when the cursor dies or the data moves. */
  async pullCost(query: CostQuery): Promise<CostPull> {
    return this.pull<CostRow>({
      name: query.name,
      beta: true,
      requestPath: (cursor) => this.costPath(query, cursor),
      parse: (body, file, n, request) => {
        const { page, rows } = parseCostPage(body, file, n, query.name, request);
        return { rows, hasMore: page.has_more, next: page.next_page ?? null, refreshed: page.data_refreshed_at ?? null };
      },
      identity: (row) => rowIdentity(row),
      rowId: (row) => row.rowId,
      bound: query.bound ?? DEFAULT_ROW_BOUND,
    });
  }

  /** Every page of the usage listing (tokens, searches, requests), with the cost listing's pagination, retries and restarts. */
  async pullUsage(query: CostQuery): Promise<UsagePull> {
    return this.pull<UsageRow>({
      name: query.name,
      beta: true,
      requestPath: (cursor) => this.costPath(query, cursor, USAGE_PATH),
      parse: (body, file, n, request) => {
        const { page, rows } = parseUsagePage(body, file, n, query.name, request);
        return { rows, hasMore: page.has_more, next: page.next_page ?? null, refreshed: page.data_refreshed_at ?? null };
      },
      identity: (row) => usageRowKey(row),
      rowId: (row) => row.rowId,
      bound: query.bound ?? DEFAULT_ROW_BOUND,
    });
  }

  /**
   * Per-user engagement over [startingDate, endingDate) in rollup mode (GET /analytics/users): one
   * row per user; the page-cursor envelope has no has_more and no data_refreshed_at.
   */
  async pullUsers(query: UsersQuery): Promise<UsersPull> {
    return this.pull<EngagementRow>({
      name: query.name,
      beta: false,
      requestPath: (cursor) => usersPath(query, cursor),
      parse: (body, file, n, request) => {
        const { page, rows } = parseUsersPage(body, file, n, query.name, request);
        return { rows, hasMore: page.next_page !== null && page.next_page !== undefined, next: page.next_page ?? null, refreshed: undefined };
      },
      identity: (row) => row.userId,
      rowId: (row) => row.rowId,
      bound: query.bound ?? DEFAULT_ROW_BOUND,
    });
  }

  private async pull<R>(listing: Listing<R>): Promise<Pull<R>> {
    const counters: Counters = { requests: 0, retries: 0, attempts: [] };
    try {
      for (let restart = 0; ; restart++) {
        try {
          const pull = await this.pullSequence(listing, counters);
          return { ...pull, attempts: counters.attempts, requests: counters.requests, retries: counters.retries, restarts: restart };
        } catch (error) {
          if (!(error instanceof Restart)) throw error;
          await this.discardKept(counters, 'discarded: the listing restarted');
          if (restart >= this.maxRestarts) {
            throw upstreamError(`The listing of ${listing.name} had to start over ${restart + 1} times (${error.message}); gave up after ${this.maxRestarts} restarts.`, [
              'The provider refreshes data while we page. Run again in a few minutes; nothing was published.',
            ]);
          }
          this.log(`${error.message} on ${listing.name}; restarting from page 1 (restart ${restart + 1} of ${this.maxRestarts})`);
        }
      }
    } catch (error) {
      // Pages kept before the listing failed were not used: a listing the month goes without
      // (engagement) must not leave them looking used.
      if (error instanceof ChargebackError) await this.discardKept(counters, 'discarded: the listing did not complete');
      // The key never appears in anything we print, even if a server or a library echoes it.
      if (error instanceof ChargebackError) throw new ListingError(error.kind, this.scrub(error.message), error.details.map((d) => this.scrub(d)), counters.attempts);
      throw error;
    }
  }

  private async pullSequence<R>(listing: Listing<R>, counters: Counters) {
    const rows: R[] = [];
    const pages: RawPage[] = [];
    const cursors = new Set<string>();
    let cursor: string | null = null;
    let dataRefreshedAt: string | null | undefined;
    // No page count: a server may send short pages. A listing ends by the rows the organization
    // can have, by a run of empty pages, and (for a trickle of tiny pages) by the pull's deadline.
    let emptyInARow = 0;
    const endless = (what: string) =>
      upstreamError(`The ${listing.name} listing did not end: ${what}.`, [
        `Bound: ${listing.bound.derivation}, and at most ${this.maxEmptyPages} empty pages in a row.`,
        'The API keeps pointing to a next page. Nothing was published; run again later or report it to the provider.',
      ]);
    for (let n = 1; ; n++) {
      const request = listing.requestPath(cursor);
      const file = rawPageName(listing.name, n);
      const { status, body, attempt } = await this.get(request, file, listing.name, counters, listing.beta);
      const page = listing.parse(body, file, n, request);
      if (page.refreshed !== undefined) {
        if (dataRefreshedAt !== undefined && page.refreshed !== dataRefreshedAt) {
          // Pages from two exports would mix old and new values: start the listing again.
          throw new Restart(`the provider refreshed its data while paging (data_refreshed_at ${dataRefreshedAt} then ${page.refreshed})`);
        }
        dataRefreshedAt = page.refreshed;
      }
      for (const row of page.rows) rows.push(row);
      // The page goes to raw/ now; only its digest stays in memory.
      const store = this.options.pageStore;
      const digest = store ? await store.keep(file, body) : { sha256: createHash('sha256').update(body).digest('hex'), bytes: Buffer.byteLength(body) };
      pages.push({ file, request, status, ...digest, body: store ? null : body });
      counters.attempts[attempt] = { ...counters.attempts[attempt]!, keptAs: file, ...(store ? { body: null, digest } : {}) };
      this.options.onPage?.({ listing: listing.name, n, rows: page.rows, hasMore: page.hasMore });
      if (rows.length > listing.bound.rows) {
        throw endless(`page ${n} brings it to ${rows.length.toLocaleString('en-US')} rows, more than the ${listing.bound.rows.toLocaleString('en-US')} the organization can have`);
      }
      emptyInARow = page.rows.length === 0 && page.hasMore ? emptyInARow + 1 : 0;
      if (emptyInARow > this.maxEmptyPages) {
        throw endless(`pages ${n - emptyInARow + 1} to ${n} had no rows but said has_more: true (${emptyInARow} empty pages in a row, at most ${this.maxEmptyPages} allowed)`);
      }
      if (!page.hasMore) {
        // The API returns each combination of group values once; a repeat would bill it twice.
        const seen = new Map<string, string>();
        for (const row of rows) {
          const earlier = seen.get(listing.identity(row));
          if (earlier !== undefined) {
            throw upstreamError(`The ${listing.name} listing returned the same row twice (${listing.rowId(row)} repeats ${earlier}).`, [
              'Summing both would count it twice. Nothing was published; run again later or report it to the provider.',
            ]);
          }
          seen.set(listing.identity(row), listing.rowId(row));
        }
        return { rows, pages, dataRefreshedAt: dataRefreshedAt ?? null };
      }
      const next = page.next;
      if (next === null || next === '') {
        throw upstreamError(`Page ${n} of ${listing.name} says has_more: true but gives no next_page cursor.`, [
          'The listing cannot be completed, so the month would be short. Nothing was published; run again later.',
        ]);
      }
      if (cursors.has(next)) {
        throw upstreamError(`Page ${n} of ${listing.name} repeats an earlier next_page cursor.`, [
          'Following it would loop forever. Nothing was published; run again later or report it to the provider.',
        ]);
      }
      cursors.add(next);
      cursor = next;
    }
  }

  /** Pages of an abandoned sequence stay in the audit trail, marked as not used. */
  private async discardKept(counters: Counters, outcome: string): Promise<void> {
    for (const [i, a] of counters.attempts.entries()) {
      if (a.keptAs === null) continue;
      // A stored page comes back into memory: it is written again as a discarded exchange.
      const body = a.body ?? (await this.options.pageStore!.take(a.keptAs));
      counters.attempts[i] = { query: a.query, request: a.request, status: a.status, outcome, body, keptAs: null };
    }
  }

  private costPath(query: CostQuery, cursor: string | null, path = COST_PATH): string {
    const params = new URLSearchParams();
    params.append('starting_at', query.startingAt);
    params.append('ending_at', query.endingAt);
    for (const g of query.groupBy) params.append('group_by[]', g);
    for (const id of query.actorIds ?? []) params.append('actor_ids[]', id);
    if (query.timeBucketWidth) params.append('time_bucket_width', query.timeBucketWidth);
    params.append('limit', String(PAGE_LIMIT));
    if (cursor !== null) params.append('page', cursor);
    return `${path}?${params.toString()}`;
  }

  private async get(request: string, file: string, queryName: string, counters: Counters, beta: boolean) {
    const record = (status: number, outcome: string, body: string | null) => {
      counters.attempts.push({ query: queryName, request, status, outcome, body, keptAs: null });
      return counters.attempts.length - 1;
    };
    for (let attempt = 0; ; attempt++) {
      await this.limiter.acquire();
      this.checkDeadline(file, 0);
      counters.requests += 1;
      let status: number;
      let body: string;
      let retryAfter: string | null = null;
      // One deadline from connect to the last byte of the body, on the real clock: the timer
      // aborts a request that stalls, and the body is read chunk by chunk against the same
      // deadline, so neither a trickle nor an endless fast stream outlives it.
      const deadline = performance.now() + this.timeoutMs;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(deadlineError()), this.timeoutMs);
      // Whatever the fetch does with the signal (a proxy tunnel that never opens ignores it),
      // the deadline ends the wait.
      const expired = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
      expired.catch(() => undefined);
      const beforeDeadline = <T>(work: Promise<T>): Promise<T> => Promise.race([work, expired]);
      try {
        const response = await beforeDeadline(this.fetchImpl(`${this.baseUrl}${request}`, {
          method: 'GET',
          headers: {
            'x-api-key': this.options.apiKey,
            'anthropic-version': ANTHROPIC_VERSION,
            // Only the cost endpoints are beta; the engagement endpoints are GA.
            ...(beta ? { 'anthropic-beta': COST_BETA } : {}),
            'user-agent': this.options.userAgent ?? 'claude-chargeback',
            accept: 'application/json',
          },
          signal: controller.signal,
          redirect: 'error',
        }));
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        body = await readBody(response, deadline, controller, beforeDeadline);
      } catch (error) {
        if (error instanceof PageTooLarge) {
          record(0, `refused: ${error.message}`, null);
          throw upstreamError(`The Analytics API sent more than ${MAX_PAGE_BYTES / 1_048_576} MiB for ${file}, far more than a page of ${PAGE_LIMIT} rows.`, [
            `Base URL: ${describeBaseUrl(this.baseUrl)}`,
            'A proxy or the server is sending something else than the API. Nothing was published; check ANTHROPIC_BASE_URL and the proxy, then run again.',
          ]);
        }
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        const why = timedOut ? `no answer within ${this.timeoutMs / 1000} s` : networkReason(error);
        record(0, `no answer: ${this.scrub(why)}`, null);
        if (timedOut) this.spentOnRetriesMs += this.timeoutMs;
        if (attempt < this.maxRetries && this.withinBudget(backoffMs(attempt))) {
          counters.retries += 1;
          const wait = backoffMs(attempt);
          this.spentOnRetriesMs += wait;
          this.checkDeadline(file, wait);
          this.log(`${file}: ${why}; retrying in ${wait / 1000} s`);
          await this.sleep(wait);
          continue;
        }
        throw upstreamError(`The Analytics API did not answer ${file} (${why}) after ${attempt + 1} attempts${this.budgetNote()}.`, [
          `Base URL: ${describeBaseUrl(this.baseUrl)}`,
          'Check the network, ANTHROPIC_BASE_URL and any HTTPS_PROXY, then run again; nothing was published.',
        ]);
      } finally {
        clearTimeout(timer);
      }
      if (status === 200) return { status, body, attempt: record(status, 'page', body) };
      // Error bodies are kept for the audit trail, but never with a key a server echoed back.
      record(status, status === 410 ? 'cursor expired: the listing restarts' : 'error', this.scrub(body));
      if (status === 410) throw new Restart('the cursor expired (HTTP 410)');
      const message = errorMessage(body);
      const retryable = status === 429 || status >= 500;
      const nowMs = (this.options.now ?? Date.now)();
      // A retry-after on a 429 or a 5xx (503 says when to come back) is what we wait, or refuse to.
      const asked = retryable ? retryAfterMs(retryAfter, nowMs) : null;
      if (asked !== null && asked > MAX_RETRY_AFTER_MS) {
        // Waiting that long would hold a scheduler's slot for nothing: stop now, say when to come back.
        throw tempfailError(
          `The Analytics API asked us to wait ${formatSeconds(asked)} before ${file} (HTTP ${status}, retry-after: ${JSON.stringify(retryAfter)}), more than the ${MAX_RETRY_AFTER_MS / 60_000} minutes we wait; try again after ${isoUtc(nowMs + asked)}.`,
          [`Request: GET ${request}`, 'Nothing was published. Run the month again after that time (exit code 75: try later).'],
        );
      }
      const wait = asked ?? backoffMs(attempt);
      if (retryable && attempt < this.maxRetries && this.withinBudget(wait)) {
        counters.retries += 1;
        this.spentOnRetriesMs += wait;
        this.checkDeadline(file, wait);
        this.log(`${file}: HTTP ${status}${message ? ` (${message})` : ''}; retrying in ${wait / 1000} s`);
        await this.sleep(wait);
        continue;
      }
      throw upstreamError(`The Analytics API answered HTTP ${status} for ${file}${message ? `: ${message}` : ''}${retryable ? this.budgetNote() : ''}.`, [
        ...hintFor(status, attempt),
        `Request: GET ${request}`,
      ]);
    }
  }

  /** The pull as a whole ends by its deadline, however slowly each page arrives. */
  private checkDeadline(file: string, waitMs: number): void {
    const nowMs = (this.options.now ?? Date.now)();
    if (nowMs + waitMs <= this.deadlineAtMs) return;
    throw upstreamError(`The pull did not finish by its deadline (${isoUtc(this.deadlineAtMs)}); stopped before ${file}.`, [
      `A run's pull may take at most ${formatSeconds(PULL_DEADLINE_MS)}, all listings and retries together; the API answers too slowly to finish the month. Nothing was published; run again later.`,
    ]);
  }

  /** Whether one more wait fits in the run's retry budget. */
  private withinBudget(waitMs: number): boolean {
    return this.spentOnRetriesMs + waitMs <= this.retryBudgetMs;
  }

  private budgetNote(): string {
    return this.spentOnRetriesMs + 1000 > this.retryBudgetMs ? `, having spent ${formatSeconds(this.spentOnRetriesMs)} of the run's ${formatSeconds(this.retryBudgetMs)} retry budget` : '';
  }

  /** The key never appears in anything we print, even if a server echoes it back. */
  private scrub(text: string): string {
    text = String(text);
    return this.options.apiKey ? text.split(this.options.apiKey).join('[redacted]') : text;
  }
}

/**
 * One page as received to validated rows: JSON, the schema, USD only, amounts the tool can carry
 * exactly, and every row inside the range the request asked for (a day for daily buckets).
 * Shared by the live pull and by re-derivation from raw/ (verify, --from-raw), so both read
 * pages the same way; the requested range is read from the request as sent, which both have.
 */
export function parseCostPage(body: string, file: string, n: number, queryName: string, request: string): { page: CostPage; rows: CostRow[] } {
  const page = parsePage(body, n, queryName, request, costPageSchema, costEnvelopeSchema, checkedCostRow, 'the cost report schema');
  const asked = requestedRange(request, n, queryName);
  // A page's rows share a few bucket bounds: each pair is checked once.
  const outsideOf = new Map<string, Map<string, string | null>>();
  const data = page.data;
  const rows = new Array<CostRow>(data.length);
  for (let i = 0; i < data.length; i++) {
    const raw = data[i]!;
    const where = () => `Page ${n} of ${queryName}, row ${i} (${describeRawRow(raw)})`;
    if (raw.cost.currency !== 'USD') {
      throw dataError(`Page ${n} of ${queryName}, row ${i}: currency is "${raw.cost.currency}", expected "USD".`, [
        'Chargeback statements are in USD and never convert silently. Nothing was published; report it to the provider.',
      ]);
    }
    amountWithinDigits('amount', raw.cost.amount, where, request);
    if (typeof raw.cost.list_amount === 'string') amountWithinDigits('list_amount', raw.cost.list_amount, where, request);
    let byEnd = outsideOf.get(raw.starting_at);
    if (byEnd === undefined) outsideOf.set(raw.starting_at, (byEnd = new Map()));
    let outside = byEnd.get(raw.ending_at);
    if (outside === undefined) byEnd.set(raw.ending_at, (outside = rowOutside(raw.starting_at, raw.ending_at, asked)));
    if (outside !== null) {
      throw dataError(`${where()} covers ${raw.starting_at} to ${raw.ending_at}: ${outside}.`, [
        `Requested: ${asked.startIso} to ${asked.endIso}${asked.daily ? ' in UTC day buckets (time_bucket_width=1d)' : ''}, end exclusive.`,
        `Request: GET ${request}`,
        'Billing it would charge spend of another period (or count a day twice). Nothing was published; keep the raw page and report it to the provider.',
      ]);
    }
    rows[i] = toCostRow(raw, `${file}#${i}`);
  }
  return { page, rows };
}

/** An amount with more digits than the tool carries exactly is refused, naming the row. */
function amountWithinDigits(field: 'amount' | 'list_amount', value: string, where: () => string, request: string): void {
  const problem = amountDigitsProblem(value);
  if (problem !== null) {
    throw dataError(`${where()}: cost.${field} ${problem}.`, [
      `Request: GET ${request}`,
      'Rounding it would change the bill without saying so. Nothing was published; keep the raw page and report it to the provider.',
    ]);
  }
}

interface RequestedRange {
  readonly startIso: string;
  readonly endIso: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly daily: boolean;
}

/**
 * The range a cost request asked for, as the API applies it: without time_bucket_width both
 * bounds are rounded down to the hour; with 1d buckets the start snaps to the UTC day.
 */
function requestedRange(request: string, n: number, queryName: string): RequestedRange {
  const query = new URLSearchParams(request.includes('?') ? request.slice(request.indexOf('?') + 1) : '');
  const startIso = query.get('starting_at') ?? '';
  const endIso = query.get('ending_at') ?? '';
  const start = instantMs(startIso);
  const end = instantMs(endIso);
  if (start === null || end === null) {
    throw dataError(`Page ${n} of ${queryName} cannot be checked: its request names no valid starting_at and ending_at.`, [
      `Request: GET ${request}`,
      'Every cost request of this tool names both; the request log does not belong to this tool or was edited. Nothing was published.',
    ]);
  }
  const daily = query.get('time_bucket_width') === '1d';
  return { startIso, endIso, startMs: daily ? startOfDayMs(start) : startOfHourMs(start), endMs: daily ? end : startOfHourMs(end), daily };
}

/** Why a row's [starting_at, ending_at) is not inside the requested range (or not one UTC day), or null. */
function rowOutside(startText: string, endText: string, asked: RequestedRange): string | null {
  const start = instantMs(startText);
  const end = instantMs(endText);
  if (start === null || end === null) return 'expected RFC 3339 timestamps such as 2026-09-01T00:00:00Z';
  if (end <= start) return 'it ends before it starts';
  if (start < asked.startMs) return `it starts before the requested ${asked.startIso}`;
  if (end > asked.endMs) return `it ends after the requested ${asked.endIso} (exclusive)`;
  if (asked.daily && (start !== startOfDayMs(start) || end !== addDays(start, 1))) return 'expected exactly one UTC day (midnight to midnight) for time_bucket_width=1d';
  return null;
}

/** One page of the usage listing to rows; a row outside the requested range is refused as on the cost listing. */
export function parseUsagePage(body: string, file: string, n: number, queryName: string, request: string): { page: UsagePage; rows: UsageRow[] } {
  const page = parsePage(body, n, queryName, request, usagePageSchema, usageEnvelopeSchema, checkedUsageRow, 'the usage report schema');
  const asked = requestedRange(request, n, queryName);
  const rows = new Array<UsageRow>(page.data.length);
  for (let i = 0; i < page.data.length; i++) {
    const raw = page.data[i]!;
    const outside = rowOutside(raw.starting_at, raw.ending_at, asked);
    if (outside !== null) {
      throw dataError(`Page ${n} of ${queryName}, row ${i} covers ${raw.starting_at} to ${raw.ending_at}: ${outside}.`, [
        `Requested: ${asked.startIso} to ${asked.endIso}${asked.daily ? ' in UTC day buckets (time_bucket_width=1d)' : ''}, end exclusive.`,
        `Request: GET ${request}`,
        'Its tokens would be shown against another period. Nothing was published; keep the raw page and report it to the provider.',
      ]);
    }
    rows[i] = toUsageRow(raw, `${file}#${i}`);
  }
  return { page, rows };
}

/** One page of the engagement listing to rows; aggregated rows (no user) are skipped. */
export function parseUsersPage(body: string, file: string, n: number, queryName: string, request: string): { page: UsersPage; rows: EngagementRow[] } {
  const page = parsePage(body, n, queryName, request, usersPageSchema, usersEnvelopeSchema, checkedUserActivity, 'the user activity schema');
  const rows: EngagementRow[] = [];
  for (let i = 0; i < page.data.length; i++) {
    const row = toEngagementRow(page.data[i]!, `${file}#${i}`);
    if (row !== null) rows.push(row);
  }
  return { page, rows };
}

/**
 * A page as `schema` returns it. The envelope (has_more, next_page, data_refreshed_at) is checked
 * by `envelope` (the page schema with its rows left unchecked), each row by `row` (a fast check,
 * then the row schema); only when either refuses is the page given to `schema`, whose issues are
 * then the message, exactly as when it checked every page.
 */
function parsePage<P extends { data: unknown[] }, E extends z.ZodType<{ data: unknown[] }>>(
  body: string,
  n: number,
  queryName: string,
  request: string,
  schema: z.ZodType<P>,
  envelope: E,
  row: (value: unknown) => P['data'][number] | undefined,
  what: string,
): P {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw upstreamError(`Page ${n} of ${queryName} is not JSON (${describeBody(body)}).`, [
      `Request: GET ${request}`,
      'A proxy or the provider answered with something else than the API. Check ANTHROPIC_BASE_URL and run again; nothing was published.',
    ]);
  }
  const outer = envelope.safeParse(json);
  if (outer.success) {
    const items = outer.data.data;
    const data = new Array<P['data'][number]>(items.length);
    let i = 0;
    for (; i < items.length; i++) {
      const checked = row(items[i]);
      if (checked === undefined) break;
      data[i] = checked;
    }
    if (i === items.length) return { ...outer.data, data } as P;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw dataError(`Page ${n} of ${queryName} does not match ${what}.`, [
      ...describeIssues(parsed.error),
      `Request: GET ${request}`,
      'The provider changed or broke the response. Nothing was published; keep the raw page for the report and run again later.',
    ]);
  }
  return parsed.data;
}

function hintFor(status: number, attempt: number): string[] {
  if (status === 401) return ['The API key was refused. Check ANTHROPIC_ANALYTICS_API_KEY: it must be an Analytics API key (read:analytics) of this organization.'];
  if (status === 403) return ['The key may not read analytics. The Primary Owner must enable API access and mint a key with the read:analytics scope.'];
  if (status === 429 || status >= 500) return [`Gave up after ${attempt + 1} attempts. The provider is overloaded or limiting us; run again later. Nothing was published.`];
  return ['The request was refused. Nothing was published; if the message names a parameter, this is a bug in claude-chargeback: please report it.'];
}

export function backoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** attempt);
}

/** The longest retry-after we wait; a longer one ends the run at once (exit 75, try later). */
export const MAX_RETRY_AFTER_MS = 300_000;

/**
 * The most one run spends on requests that timed out and on waits before retries, all listings
 * together: with the page bounds this caps the whole pull (README: "Every wait is bounded").
 */
export const RETRY_BUDGET_MS = 20 * 60_000;

/**
 * The most one run's pull may take, all listings and waits together. A 500,000-person month is
 * about 2,500 pages, 42 minutes at the API's 60 requests a minute; four hours leaves room for a
 * slow day, and caps what a server that answers every page just inside the request deadline
 * could otherwise stretch to hours per listing.
 */
export const PULL_DEADLINE_MS = 4 * 60 * 60_000;

/**
 * retry-after in seconds or as an HTTP date, uncapped (null when absent or unreadable). The
 * caller refuses to wait more than MAX_RETRY_AFTER_MS.
 */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | null {
  if (header === null) return null;
  const text = header.trim();
  const seconds = Number(text);
  if (text !== '' && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(text);
  if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  return null;
}

function formatSeconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  const minutes = `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`;
  return s < 120 ? `${s} s` : s < 7200 ? `${s} s (${minutes})` : `${s} s (${(s / 3600).toFixed(1)} h)`;
}

function isoUtc(ms: number): string {
  const d = new Date(Math.min(ms, 8.64e15));
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The base URL as it may be shown and recorded: scheme, host and port only, never a user or
 * password (the client refuses those anyway) nor a path or query that might carry a token.
 */
export function describeBaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `(a ${parsed.protocol} URL)`;
    return parsed.origin;
  } catch {
    return '(not a URL)';
  }
}

/** ANTHROPIC_BASE_URL checked without ever echoing what could be a secret. */
function checkedBaseUrl(text: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw usageError('ANTHROPIC_BASE_URL is not a URL.', ['Set ANTHROPIC_BASE_URL to e.g. https://api.anthropic.com, or unset it.']);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usageError(`ANTHROPIC_BASE_URL is not an http(s) URL (its scheme is "${parsed.protocol.replace(/:$/, '').slice(0, 20)}").`, [
      'Set ANTHROPIC_BASE_URL to e.g. https://api.anthropic.com, or unset it.',
    ]);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw usageError(`ANTHROPIC_BASE_URL contains credentials (user:password@ before ${parsed.host}); they are not accepted there.`, [
      'A URL with credentials ends up in logs and error messages. Remove them from ANTHROPIC_BASE_URL, e.g. ' + describeBaseUrl(text) + '.',
      'For a proxy that needs a login, set HTTPS_PROXY (or HTTP_PROXY) instead; to authenticate to a gateway, send a header from the gateway, not the URL.',
    ]);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw usageError('ANTHROPIC_BASE_URL has a query or fragment (?… or #…); the API paths are appended to it.', [
      `Set ANTHROPIC_BASE_URL to the server alone, e.g. ${describeBaseUrl(text)}.`,
    ]);
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}

function errorMessage(body: string): string {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(body));
    if (parsed.success) return [parsed.data.error.type, parsed.data.error.message].filter(Boolean).join(': ');
  } catch {
    // not JSON: fall through to a short description
  }
  return body.trim() === '' ? '' : describeBody(body);
}

function describeBody(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return 'empty body';
  return `starts with ${JSON.stringify(text.slice(0, 60))}${text.length > 60 ? '…' : ''}`;
}

function networkReason(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    // Libraries put numbers and objects here too (a proxy's 407 status): always text.
    const reason = [cause?.code, cause?.message, error.message].find((r) => typeof r === 'string' && r !== '') ?? cause?.code;
    return String(reason ?? error.name);
  }
  return String(error);
}

/** The most one page may be: a page of 1000 rows is well under a megabyte. */
export const MAX_PAGE_BYTES = 64 * 1_048_576;

class PageTooLarge extends Error {}

function deadlineError(): Error {
  const error = new Error('the request deadline passed');
  error.name = 'TimeoutError';
  return error;
}

/** The body as UTF-8 text, read against the request's deadline and the page size limit. */
async function readBody(response: Response, deadline: number, controller: AbortController, beforeDeadline: <T>(work: Promise<T>) => Promise<T>): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await beforeDeadline(reader.read());
      if (done) break;
      size += value.byteLength;
      if (size > MAX_PAGE_BYTES) throw new PageTooLarge(`more than ${MAX_PAGE_BYTES} bytes`);
      if (performance.now() > deadline) throw deadlineError();
      chunks.push(value);
    }
  } catch (error) {
    controller.abort(error);
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}
