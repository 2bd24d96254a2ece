import { z } from 'zod';
import { rowIdentity, type CostRow } from '../core/cost-row.js';
import { ChargebackError, dataError, upstreamError, usageError } from '../errors.js';
import type { EngagementRow } from '../core/engagement.js';
import { costPageSchema, describeIssues, toCostRow, type CostPage } from './cost-schema.js';
import { toEngagementRow, usersPageSchema, type UsersPage } from './users-schema.js';
import { RateLimiter } from './rate-limiter.js';

export const COST_PATH = '/v1/organizations/analytics/cost';
export const USERS_PATH = '/v1/organizations/analytics/users';
export const COST_BETA = 'analytics-usage-cost-2026-08-24';
export const ANTHROPIC_VERSION = '2023-06-01';
/** The grouping of the chargeback pull: four counted dimensions plus workspace, and the cost_type fan-out. */
export const CHARGEBACK_GROUP_BY = ['actor', 'product', 'model', 'context_window', 'workspace_id', 'cost_type'] as const;
/** The premium dimensions, in a listing of their own (at most five counted dimensions per query). */
export const PREMIUM_GROUP_BY = ['actor', 'speed', 'inference_geo'] as const;

export interface RawPage {
  /** File name under raw/, e.g. "cost-grouped-p001.json". */
  readonly file: string;
  /** Path and query as sent (no host, no credentials). */
  readonly request: string;
  readonly status: number;
  /** The body exactly as received. */
  readonly body: string;
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
}

export interface UsersQuery {
  /** Prefix of the raw page files: "users". */
  readonly name: string;
  /** YYYY-MM-DD, inclusive. */
  readonly startingDate: string;
  /** YYYY-MM-DD, exclusive. */
  readonly endingDate: string;
}

function usersPath(query: UsersQuery, cursor: string | null): string {
  const params = new URLSearchParams();
  params.append('starting_date', query.startingDate);
  params.append('ending_date', query.endingDate);
  params.append('limit', '1000');
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
}

export interface AnalyticsClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly fetchImpl?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
  readonly maxRestarts?: number;
  readonly maxPages?: number;
  readonly requestsPerMinute?: number;
  readonly userAgent?: string;
  readonly log?: (message: string) => void;
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
  private readonly maxRestarts: number;
  private readonly maxPages: number;
  private readonly log: (message: string) => void;
  private readonly baseUrl: string;

  constructor(private readonly options: AnalyticsClientOptions) {
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.sleep = options.sleep ?? realSleep;
    this.limiter = new RateLimiter(options.requestsPerMinute ?? 60, 60_000, options.now ?? Date.now, this.sleep);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxRetries = options.maxRetries ?? 6;
    this.maxRestarts = options.maxRestarts ?? 3;
    this.maxPages = options.maxPages ?? 1000;
    const log = options.log ?? (() => {});
    this.log = (message) => log(this.scrub(message));
    if (!HEADER_SAFE.test(options.apiKey)) {
      throw usageError('The API key contains a space, line break or other character that cannot be sent in an HTTP header.', [
        'Set ANTHROPIC_ANALYTICS_API_KEY to the key alone, without quotes or surrounding whitespace.',
      ]);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.baseUrl)) {
      throw usageError(`ANTHROPIC_BASE_URL "${this.baseUrl}" is not an http(s) URL.`, [
        'Set ANTHROPIC_BASE_URL to e.g. https://api.anthropic.com, or unset it.',
      ]);
    }
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
          this.discardKept(counters);
          if (restart >= this.maxRestarts) {
            throw upstreamError(`The listing of ${listing.name} had to start over ${restart + 1} times (${error.message}); gave up after ${this.maxRestarts} restarts.`, [
              'The provider refreshes data while we page. Run again in a few minutes; nothing was published.',
            ]);
          }
          this.log(`${error.message} on ${listing.name}; restarting from page 1 (restart ${restart + 1} of ${this.maxRestarts})`);
        }
      }
    } catch (error) {
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
    for (let n = 1; ; n++) {
      if (n > this.maxPages) {
        throw upstreamError(`The listing ${listing.name} did not end after ${this.maxPages} pages.`, [
          'The API keeps pointing to a next page. Nothing was published; run again later or report it to the provider.',
        ]);
      }
      const request = listing.requestPath(cursor);
      const file = `${listing.name}-p${String(n).padStart(3, '0')}.json`;
      const { status, body, attempt } = await this.get(request, file, listing.name, counters, listing.beta);
      pages.push({ file, request, status, body });

      const page = listing.parse(body, file, n, request);
      if (page.refreshed !== undefined) {
        if (dataRefreshedAt !== undefined && page.refreshed !== dataRefreshedAt) {
          // Pages from two exports would mix old and new values: start the listing again.
          throw new Restart(`the provider refreshed its data while paging (data_refreshed_at ${dataRefreshedAt} then ${page.refreshed})`);
        }
        dataRefreshedAt = page.refreshed;
      }
      rows.push(...page.rows);
      counters.attempts[attempt] = { ...counters.attempts[attempt]!, keptAs: file };
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
  private discardKept(counters: Counters): void {
    counters.attempts.forEach((a, i) => {
      if (a.keptAs !== null) counters.attempts[i] = { ...a, keptAs: null, outcome: 'discarded: the listing restarted' };
    });
  }

  private costPath(query: CostQuery, cursor: string | null): string {
    const params = new URLSearchParams();
    params.append('starting_at', query.startingAt);
    params.append('ending_at', query.endingAt);
    for (const g of query.groupBy) params.append('group_by[]', g);
    for (const id of query.actorIds ?? []) params.append('actor_ids[]', id);
    if (query.timeBucketWidth) params.append('time_bucket_width', query.timeBucketWidth);
    params.append('limit', '1000');
    if (cursor !== null) params.append('page', cursor);
    return `${COST_PATH}?${params.toString()}`;
  }

  private async get(request: string, file: string, queryName: string, counters: Counters, beta: boolean) {
    const record = (status: number, outcome: string, body: string | null) => {
      counters.attempts.push({ query: queryName, request, status, outcome, body, keptAs: null });
      return counters.attempts.length - 1;
    };
    for (let attempt = 0; ; attempt++) {
      await this.limiter.acquire();
      counters.requests += 1;
      let status: number;
      let body: string;
      let retryAfter: string | null = null;
      try {
        const response = await this.fetchImpl(`${this.baseUrl}${request}`, {
          method: 'GET',
          headers: {
            'x-api-key': this.options.apiKey,
            'anthropic-version': ANTHROPIC_VERSION,
            // Only the cost endpoints are beta; the engagement endpoints are GA.
            ...(beta ? { 'anthropic-beta': COST_BETA } : {}),
            'user-agent': this.options.userAgent ?? 'claude-chargeback',
            accept: 'application/json',
          },
          signal: AbortSignal.timeout(this.timeoutMs),
          redirect: 'error',
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        body = await response.text();
      } catch (error) {
        const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : networkReason(error);
        record(0, `no answer: ${this.scrub(why)}`, null);
        if (attempt < this.maxRetries) {
          counters.retries += 1;
          const wait = backoffMs(attempt);
          this.log(`${file}: ${why}; retrying in ${wait / 1000} s`);
          await this.sleep(wait);
          continue;
        }
        throw upstreamError(`The Analytics API did not answer ${file} (${why}) after ${attempt + 1} attempts.`, [
          `Base URL: ${this.baseUrl}`,
          'Check the network or ANTHROPIC_BASE_URL and run again; nothing was published.',
        ]);
      }
      if (status === 200) return { status, body, attempt: record(status, 'page', body) };
      // Error bodies are kept for the audit trail, but never with a key a server echoed back.
      record(status, status === 410 ? 'cursor expired: the listing restarts' : 'error', this.scrub(body));
      if (status === 410) throw new Restart('the cursor expired (HTTP 410)');
      const message = errorMessage(body);
      const retryable = status === 429 || status >= 500;
      if (retryable && attempt < this.maxRetries) {
        counters.retries += 1;
        const wait = status === 429 ? retryAfterMs(retryAfter, (this.options.now ?? Date.now)()) ?? backoffMs(attempt) : backoffMs(attempt);
        this.log(`${file}: HTTP ${status}${message ? ` (${message})` : ''}; retrying in ${wait / 1000} s`);
        await this.sleep(wait);
        continue;
      }
      throw upstreamError(`The Analytics API answered HTTP ${status} for ${file}${message ? `: ${message}` : ''}.`, [
        ...hintFor(status, attempt),
        `Request: GET ${request}`,
      ]);
    }
  }

  /** The key never appears in anything we print, even if a server echoes it back. */
  private scrub(text: string): string {
    return this.options.apiKey ? text.split(this.options.apiKey).join('[redacted]') : text;
  }
}

/**
 * One page as received to validated rows: JSON, the schema, and USD only. Shared by the live
 * pull and by re-derivation from raw/ (verify), so both read pages the same way.
 */
export function parseCostPage(body: string, file: string, n: number, queryName: string, request: string): { page: CostPage; rows: CostRow[] } {
  const page = parsePage(body, n, queryName, request, costPageSchema, 'the cost report schema');
  const rows = page.data.map((raw, i) => {
    if (raw.cost.currency !== 'USD') {
      throw upstreamError(`Page ${n} of ${queryName}, row ${i}: currency is "${raw.cost.currency}", expected "USD".`, [
        'Chargeback statements are in USD and never convert silently. Nothing was published; report it to the provider.',
      ]);
    }
    return toCostRow(raw, `${file}#${i}`);
  });
  return { page, rows };
}

/** One page of the engagement listing to rows; aggregated rows (no user) are skipped. */
export function parseUsersPage(body: string, file: string, n: number, queryName: string, request: string): { page: UsersPage; rows: EngagementRow[] } {
  const page = parsePage(body, n, queryName, request, usersPageSchema, 'the user activity schema');
  return { page, rows: page.data.flatMap((raw, i) => toEngagementRow(raw, `${file}#${i}`) ?? []) };
}

function parsePage<S extends z.ZodType>(body: string, n: number, queryName: string, request: string, schema: S, what: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw upstreamError(`Page ${n} of ${queryName} is not JSON (${describeBody(body)}).`, [
      `Request: GET ${request}`,
      'A proxy or the provider answered with something else than the API. Check ANTHROPIC_BASE_URL and run again; nothing was published.',
    ]);
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

/** retry-after in seconds or as an HTTP date; capped so a bad header cannot stall the run. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | null {
  if (header === null) return null;
  const seconds = Number(header.trim());
  if (header.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 300_000);
  const date = Date.parse(header);
  if (Number.isFinite(date)) return Math.min(Math.max(0, date - nowMs), 300_000);
  return null;
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
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
