import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { costUnits, microCentsText, type CostUnit } from './cost-data.js';
import { usageRowOf } from './usage-data.js';
import { engagementRows } from './engagement-data.js';
import type { ScaledOrganization } from './scaled-org.js';
import { scaledCostPage, scaledUsersPage, type ScaledContext, type ScaledCostQuery, type ScaledRow } from './scaled-pages.js';
import { addDays, addHours, dayOf, dayStartMs, daysBetween, isoSeconds, lookbackStartMs, parseInstant, periodOf, startOfDayMs, startOfHourMs } from '../core/period.js';

/**
 * A local stand-in for the Analytics API cost endpoint: same path, headers, query semantics,
 * pagination, error envelope, rate limit and data_refreshed_at, over the synthetic organization,
 * with switches to inject faults.
 */
export const SANDBOX_API_KEY = 'sk-ant-sandbox-not-a-secret';
const COST_PATH = '/v1/organizations/analytics/cost';
const USERS_PATH = '/v1/organizations/analytics/users';
const USAGE_PATH = '/v1/organizations/analytics/usage';
const BETA = 'analytics-usage-cost-2026-08-24';
const EARLIEST_MS = periodOf(2026, 1).startMs;
const ENGAGEMENT_LOOKBACK_DAYS = 90;

export const GROUP_KEYS = [
  'actor', 'actor_type', 'agent_id', 'api_key_id', 'claude_tag_category', 'claude_tag_user_id', 'context_window',
  'deployment_id', 'environment_id', 'inference_geo', 'model', 'organization_id', 'product', 'rbac_group_id',
  'service_tier', 'session_id', 'slack_channel_id', 'speed', 'user_profile_id', 'workspace_id', 'cost_type', 'token_type',
] as const;
const SUPPORTED_GROUPS = new Set(['actor', 'product', 'model', 'context_window', 'workspace_id', 'cost_type', 'speed', 'inference_geo']);

export type FaultAction =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string; readonly body?: string; readonly contentType?: string }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'malformed-amount' }
  /** The body is cut off halfway (a dropped connection behind a proxy). */
  | { readonly kind: 'truncated' }
  /** Headers at once, then the body one byte every `ms` (default 100): a stalled proxy or a slow link. */
  | { readonly kind: 'trickle'; readonly ms?: number }
  /** The first row's starting_at/ending_at replaced (default: the day before the requested start). */
  | { readonly kind: 'row-outside'; readonly startingAt?: string; readonly endingAt?: string }
  /** The first row's cost.amount replaced by this text (e.g. more digits than can be carried). */
  | { readonly kind: 'amount'; readonly amount: string }
  /** next_page points back at the page just served, forever. */
  | { readonly kind: 'repeat-cursor' }
  /** has_more: true with next_page: null. */
  | { readonly kind: 'null-cursor' }
  /** Amounts in another currency. */
  | { readonly kind: 'currency'; readonly currency: string }
  /** The page repeats the first row of the previous page. */
  | { readonly kind: 'duplicate-row' }
  /** The provider finishes a new export: from this request on, data_refreshed_at is an hour later. */
  | { readonly kind: 'refreshed' };

export interface SandboxFaults {
  /** Faults by 1-based ordinal of the request to the analytics endpoints (cost and users share one count, like the rate limit). */
  readonly byRequest?: Readonly<Record<number, FaultAction>>;
  /** Serve at most this many units per page, whatever the limit (forces many pages). */
  readonly pageUnits?: number;
  /** Schema drift: `email` instead of `email_address`, extra fields, a renamed product. */
  readonly drift?: boolean;
  /** Added to the ungrouped org total, so it no longer matches the grouped rows. */
  readonly orgTotalSkewMicroCents?: bigint;
  /** Hours the provider's export lags behind the clock (default 3): data_refreshed_at = now - lag. */
  readonly refreshLagHours?: number;
  /**
   * A cost listing that never ends: every page says has_more with a new cursor, serving the rows
   * over again ('rows') or none at all ('empty').
   */
  readonly endless?: 'rows' | 'empty';
  /** Answer the usage endpoint with this HTTP status (e.g. 403 for a key without access to it). */
  readonly usageStatus?: number;
  /** Serve the usage endpoint from an export this many hours older than the cost endpoint's. */
  readonly usageStaleHours?: number;
}

export interface SandboxOptions {
  readonly apiKey?: string;
  readonly now?: () => number;
  readonly faults?: SandboxFaults;
  readonly port?: number;
  readonly host?: string;
  readonly requestsPerMinute?: number;
  /**
   * Serve this synthetic organization (src/sandbox/scaled-org.ts) instead of the 128-person
   * default. Its listings are computed page by page; the faults that replay an earlier page
   * (endless, duplicate-row) apply to the default organization only.
   */
  readonly organization?: ScaledOrganization;
}

export interface SandboxRequest {
  readonly ordinal: number;
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Sandbox {
  readonly url: string;
  readonly requests: SandboxRequest[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_sandbox', ...headers });
  res.end(text);
}

/**
 * A 200 answer; the truncated fault cuts the body off halfway (a dropped connection behind a
 * proxy), the trickle fault sends it a byte at a time after the headers.
 */
function answer(res: ServerResponse, body: unknown, fault: FaultAction | undefined) {
  if (fault?.kind === 'trickle') return trickle(res, JSON.stringify(body), fault.ms ?? 100);
  if (fault?.kind !== 'truncated') return send(res, 200, body);
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json' });
  return res.end(text.slice(0, Math.floor(text.length / 2)));
}

function trickle(res: ServerResponse, text: string, ms: number) {
  const bytes = Buffer.from(text);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
  res.flushHeaders();
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed || sent >= bytes.length) {
      clearInterval(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(bytes.subarray(sent, sent + 1));
    sent += 1;
  }, ms);
  res.once('close', () => clearInterval(timer));
}

function errorBody(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

class BadRequest extends Error {}

/** A starting_at or ending_at parameter as an instant (ms); a day or time that does not exist is refused. */
function queryInstant(name: string, value: string | null): number {
  if (value === null) throw new BadRequest(`${name}: required`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) throw new BadRequest(`${name}: expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
  const parsed = parseInstant(value);
  if (!parsed.ok) throw new BadRequest(`${name}: invalid timestamp ${JSON.stringify(value)}: ${parsed.reason}`);
  return parsed.ms;
}

/** A cost query as parsed from the request: what a scaled page needs, and the page size. */
interface Query extends ScaledCostQuery {
  readonly limit: number;
}

function parseQuery(url: URL, nowMs: number): Query {
  const params = url.searchParams;
  const width = params.get('time_bucket_width');
  if (width !== null && width !== '1d') throw new BadRequest(`time_bucket_width: the sandbox serves 1d buckets only, got ${JSON.stringify(width)}`);
  const bucketDay = width === '1d';
  const startAt = queryInstant('starting_at', params.get('starting_at'));
  const startMs = bucketDay ? startOfDayMs(startAt) : startOfHourMs(startAt);
  const endRaw = params.get('ending_at');
  if (bucketDay && endRaw === null) throw new BadRequest('ending_at: required with time_bucket_width');
  const endMs = endRaw === null ? Math.min(nowMs, addDays(startMs, 31)) : startOfHourMs(queryInstant('ending_at', endRaw));
  if (startMs < EARLIEST_MS) throw new BadRequest('starting_at: must be on or after 2026-01-01T00:00:00Z');
  if (startMs < lookbackStartMs(nowMs)) throw new BadRequest('starting_at: must be within the last 365 days');
  if (endMs <= startMs) throw new BadRequest('ending_at: must be after starting_at');
  if (endMs > addDays(startMs, 31)) throw new BadRequest('ending_at: the range may span at most 31 days');
  const groupBy = params.getAll('group_by[]');
  for (const g of groupBy) {
    if (!(GROUP_KEYS as readonly string[]).includes(g)) throw new BadRequest(`group_by[]: unknown dimension ${JSON.stringify(g)}`);
    if (!SUPPORTED_GROUPS.has(g)) throw new BadRequest(`group_by[]: the sandbox does not model ${JSON.stringify(g)}`);
  }
  if (groupBy.filter((g) => g !== 'cost_type' && g !== 'token_type').length > 5) throw new BadRequest('group_by[]: at most 5 dimensions');
  const limitRaw = params.get('limit') ?? '20';
  const limit = Number(limitRaw);
  if (!/^\d+$/.test(limitRaw) || limit < 1 || limit > 1000) throw new BadRequest(`limit: expected an integer from 1 to 1000, got ${JSON.stringify(limitRaw)}`);
  const copy = new URLSearchParams(params);
  copy.delete('page');
  const actorIds = params.getAll('actor_ids[]');
  return { startMs, endMs, bucketDay, actorIds, groupBy, limit, page: params.get('page'), fingerprint: copy.toString() };
}

interface Row {
  readonly starting_at: string;
  readonly ending_at: string;
  readonly group: Record<string, unknown>;
  readonly cost: { amount: string; list_amount: string; currency: string; requests: number | null };
}

/** Rows of a query as units (the cost_type fan-out of one group stays together), sorted by amount. */
function actorIdOf(actor: Record<string, unknown> | null): string | null {
  if (actor === null) return null;
  return (actor.user_id ?? actor.service_account_id ?? actor.api_key_id ?? null) as string | null;
}

function rowsFor(query: Query, refreshedMs: number, faults: SandboxFaults): Row[][] {
  if (query.bucketDay) {
    // One bucket per UTC day, oldest first; inside a bucket, the usual amount order.
    const out: Row[][] = [];
    for (const day of daysBetween(query.startMs, query.endMs)) {
      out.push(...rowsFor({ ...query, startMs: day, endMs: addDays(day, 1), bucketDay: false }, refreshedMs, faults));
    }
    return out;
  }
  const wanted = new Set(query.actorIds);
  const units = costUnits(query.startMs, query.endMs, refreshedMs).filter((u) => wanted.size === 0 || wanted.has(actorIdOf(u.actor) ?? ''));
  const bounds = { starting_at: isoSeconds(query.startMs), ending_at: isoSeconds(query.endMs) };
  if (query.groupBy.length === 0) {
    let total = units.reduce((acc, u) => acc + [...u.amounts.values()].reduce((a, b) => a + b, 0n), 0n);
    total += faults.orgTotalSkewMicroCents ?? 0n;
    const group = Object.fromEntries(GROUP_KEYS.map((k) => [k, null]));
    return [[{ ...bounds, group, cost: { amount: microCentsText(total), list_amount: microCentsText((total * 5n) / 4n), currency: 'USD', requests: 1000 } }]];
  }
  const want = new Set(query.groupBy);
  const merged = new Map<string, { group: Record<string, unknown>; amounts: Map<string, bigint> }>();
  for (const unit of units) {
    const group = groupOf(unit, want, faults.drift ?? false);
    const key = JSON.stringify(group);
    const entry = merged.get(key) ?? { group, amounts: new Map<string, bigint>() };
    for (const [costType, micro] of unit.amounts) {
      const k = want.has('cost_type') ? costType : '*';
      entry.amounts.set(k, (entry.amounts.get(k) ?? 0n) + micro);
    }
    merged.set(key, entry);
  }
  const grouped = [...merged.entries()].map(([key, { group, amounts }]) => {
    const total = [...amounts.values()].reduce((a, b) => a + b, 0n);
    const rows = [...amounts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([costType, micro]): Row => ({
        ...bounds,
        group: { ...group, cost_type: costType === '*' ? null : costType },
        cost: { amount: microCentsText(micro), list_amount: microCentsText((micro * 5n) / 4n), currency: 'USD', requests: want.has('cost_type') ? null : 1 + Number(micro % 97n) },
      }));
    return { key, total, rows };
  });
  grouped.sort((a, b) => (a.total === b.total ? (a.key < b.key ? -1 : 1) : a.total > b.total ? -1 : 1));
  return grouped.map((g) => g.rows);
}

function groupOf(unit: CostUnit, want: ReadonlySet<string>, drift: boolean): Record<string, unknown> {
  const group: Record<string, unknown> = Object.fromEntries(GROUP_KEYS.map((k) => [k, null]));
  if (want.has('actor')) {
    let actor = unit.actor;
    if (drift && actor && actor.type === 'user_actor') {
      const { email_address, ...rest } = actor;
      actor = { ...rest, email: email_address, pronouns: null };
    }
    group.actor = actor;
  }
  if (want.has('product')) group.product = drift && unit.product === 'cowork' ? 'cowork_sessions' : unit.product;
  if (want.has('model')) group.model = unit.model;
  if (want.has('context_window')) group.context_window = unit.contextWindow;
  if (want.has('workspace_id')) group.workspace_id = unit.workspaceId;
  if (want.has('speed')) group.speed = unit.speed;
  if (want.has('inference_geo')) group.inference_geo = unit.inferenceGeo;
  if (drift) group.x_future_dimension = 'anything';
  return group;
}

function encodeCursor(offset: number, fingerprint: string): string {
  return `page_${Buffer.from(JSON.stringify({ o: offset, q: fingerprint })).toString('base64url')}`;
}

function decodeCursor(cursor: string): { o: number; q: string } {
  try {
    if (!cursor.startsWith('page_')) throw new Error('prefix');
    const parsed = JSON.parse(Buffer.from(cursor.slice(5), 'base64url').toString('utf8')) as { o: unknown; q: unknown };
    if (typeof parsed.o !== 'number' || typeof parsed.q !== 'string') throw new Error('shape');
    return { o: parsed.o, q: parsed.q };
  } catch {
    throw new BadRequest('page: invalid cursor');
  }
}

function parseDay(name: string, value: string): number {
  const ms = dayStartMs(value);
  if (ms === null) throw new BadRequest(`${name}: expected YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return ms;
}

/**
 * GET /v1/organizations/analytics/users in rollup mode (starting_date, exclusive ending_date):
 * one row per active user over the range, sorted by email, page-cursor envelope { data, next_page }.
 */
function usersPage(url: URL, nowMs: number, cache: Map<string, unknown[]>, pageUnits: number | undefined, organization?: ScaledOrganization): Record<string, unknown> {
  const params = url.searchParams;
  if (params.get('date') !== null) {
    if (params.get('starting_date') !== null) throw new BadRequest('date: do not combine with starting_date');
    throw new BadRequest('date: the sandbox serves rollup mode (starting_date, ending_date) only');
  }
  const startText = params.get('starting_date');
  if (startText === null) throw new BadRequest('starting_date: required (the sandbox serves rollup mode only)');
  const startMs = parseDay('starting_date', startText);
  // A day is aggregated at 10:00 UTC the next day.
  const latestMs = startOfDayMs(addHours(nowMs, -34));
  const endText = params.get('ending_date');
  const endMs = endText === null ? addDays(latestMs, 1) : parseDay('ending_date', endText);
  if (startMs < EARLIEST_MS) throw new BadRequest('starting_date: must be on or after 2026-01-01');
  // The launch guide gives the engagement endpoints a 90-day look-back; the sandbox holds to it.
  if (startMs < addDays(startOfDayMs(nowMs), -ENGAGEMENT_LOOKBACK_DAYS)) throw new BadRequest(`starting_date: must be within the last ${ENGAGEMENT_LOOKBACK_DAYS} days`);
  if (endMs <= startMs) throw new BadRequest('ending_date: must be after starting_date');
  if (endMs > addDays(startMs, 366)) throw new BadRequest('ending_date: at most 366 days after starting_date');
  if (endMs > addDays(latestMs, 1)) throw new BadRequest(`engagement date not yet available; the latest available day is ${dayOf(latestMs)}`);
  const limitRaw = params.get('limit') ?? '100';
  const limit = Number(limitRaw);
  if (!/^\d+$/.test(limitRaw) || limit < 1 || limit > 1000) throw new BadRequest(`limit: expected an integer from 1 to 1000, got ${JSON.stringify(limitRaw)}`);
  const copy = new URLSearchParams(params);
  copy.delete('page');
  const fingerprint = `users?${copy.toString()}`;
  if (organization) return scaledUsersPage(organization, startMs, endMs, fingerprint, params.get('page'), Math.min(limit, pageUnits ?? limit), (message) => new BadRequest(message));
  const rows = cache.get(fingerprint) ?? engagementRows(startMs, endMs);
  cache.set(fingerprint, rows);
  let offset = 0;
  const page = params.get('page');
  if (page !== null) {
    const cursor = decodeCursor(page);
    if (cursor.q !== fingerprint) throw new BadRequest('page: the cursor belongs to a different query; repeat the identical query to page on');
    if (cursor.o < 0 || cursor.o > rows.length) throw new BadRequest('page: cursor out of range');
    offset = cursor.o;
  }
  const size = Math.min(limit, pageUnits ?? limit);
  const more = offset + size < rows.length;
  return { data: rows.slice(offset, offset + size), next_page: more ? encodeCursor(offset + size, fingerprint) : null };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const apiKey = options.apiKey ?? SANDBOX_API_KEY;
  const now = options.now ?? Date.now;
  const faults = options.faults ?? {};
  const perMinute = options.requestsPerMinute ?? 60;
  const organization = options.organization;
  if (organization && (faults.endless !== undefined || Object.values(faults.byRequest ?? {}).some((f) => f.kind === 'duplicate-row'))) {
    throw new Error('The endless and duplicate-row faults apply to the default organization only.');
  }
  const scaled: ScaledContext = {
    groupKeys: GROUP_KEYS,
    drift: faults.drift ?? false,
    orgTotalSkewMicroCents: faults.orgTotalSkewMicroCents ?? 0n,
    cache: new Map<string, ScaledRow[][]>(),
    bad: (message) => new BadRequest(message),
  };
  const requests: SandboxRequest[] = [];
  const recent: number[] = [];
  const cache = new Map<string, Row[][]>();
  const usersCache = new Map<string, unknown[]>();
  let ordinal = 0;
  let refreshBumpHours = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== 'x-api-key' && typeof v === 'string') headers[k] = v;
    const record = (status: number) => requests.push({ ordinal, path: `${url.pathname}${url.search}`, status, headers });

    if (url.pathname !== COST_PATH && url.pathname !== USERS_PATH && url.pathname !== USAGE_PATH) {
      record(404);
      return send(res, 404, errorBody('not_found_error', `The sandbox serves ${COST_PATH}, ${USAGE_PATH} and ${USERS_PATH} only.`));
    }
    const users = url.pathname === USERS_PATH;
    const usage = url.pathname === USAGE_PATH;
    ordinal += 1;
    if (req.method !== 'GET') {
      record(405);
      return send(res, 405, errorBody('invalid_request_error', 'Method not allowed'));
    }
    if (req.headers['x-api-key'] !== apiKey) {
      record(401);
      return send(res, 401, errorBody('authentication_error', 'invalid x-api-key'));
    }
    if (!req.headers['anthropic-version']) {
      record(400);
      return send(res, 400, errorBody('invalid_request_error', 'anthropic-version: header is required'));
    }
    const betas = String(req.headers['anthropic-beta'] ?? '').split(',').map((s) => s.trim());
    // The engagement endpoints are GA and need no beta header; the cost endpoint does.
    if (!users && !betas.includes(BETA)) {
      record(400);
      return send(res, 400, errorBody('invalid_request_error', `this endpoint requires the anthropic-beta header ${BETA}`));
    }
    const t = Date.now();
    while (recent.length > 0 && recent[0]! <= t - 60_000) recent.shift();
    if (recent.length >= perMinute) {
      record(429);
      return send(res, 429, errorBody('rate_limit_error', `Rate limit exceeded: ${perMinute} requests per minute`), {
        'retry-after': String(Math.max(1, Math.ceil((recent[0]! + 60_000 - t) / 1000))),
      });
    }
    recent.push(t);

    const fault = faults.byRequest?.[ordinal];
    if (fault?.kind === 'refreshed') refreshBumpHours += 1;
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') {
      record(fault.status);
      const body = fault.body ?? errorBody(fault.status === 429 ? 'rate_limit_error' : fault.status === 410 ? 'invalid_request_error' : fault.status === 529 ? 'overloaded_error' : 'api_error', `injected fault ${fault.status}`);
      res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
      return res.end(typeof body === 'string' ? body : JSON.stringify(body));
    }

    if (usage && faults.usageStatus !== undefined) {
      record(faults.usageStatus);
      return send(res, faults.usageStatus, errorBody(faults.usageStatus === 403 ? 'permission_error' : 'api_error', 'injected fault: the usage report is not available to this key'));
    }

    try {
      const nowMs = now();
      if (users) {
        record(200);
        return answer(res, usersPage(url, nowMs, usersCache, faults.pageUnits, organization), fault);
      }
      const asked = parseQuery(url, nowMs);
      if (usage && asked.groupBy.some((g) => g === 'cost_type' || g === 'token_type')) throw new BadRequest('group_by[]: cost_type and token_type are dimensions of the cost report only');
      // Usage is derived from the cost of the same groups, with each cost type as its own row.
      const query = usage ? { ...asked, groupBy: [...asked.groupBy, 'cost_type'] } : asked;
      const refreshedMs = addHours(startOfHourMs(addHours(nowMs, -(faults.refreshLagHours ?? 3))), refreshBumpHours - (usage ? (faults.usageStaleHours ?? 0) : 0));
      const size = Math.min(query.limit, faults.pageUnits ?? query.limit);
      let data: unknown[];
      let hasMore: boolean;
      let nextPage: string | null;
      if (organization) {
        const page = scaledCostPage(organization, query, refreshedMs, size, scaled);
        data = usage ? page.groups.map(usageRowOf) : page.data;
        hasMore = page.hasMore;
        nextPage = page.next;
      } else {
        const cacheKey = `${url.pathname}?${query.fingerprint}@${refreshedMs}`;
        const units = cache.get(cacheKey) ?? (usage ? rowsFor(query, refreshedMs, faults).map((unit) => [usageRowOf(unit) as unknown as Row]) : rowsFor(query, refreshedMs, faults));
        cache.set(cacheKey, units);
        let offset = 0;
        if (query.page !== null) {
          const cursor = decodeCursor(query.page);
          if (cursor.q !== query.fingerprint) throw new BadRequest('page: the cursor belongs to a different query; repeat the identical query to page on');
          if (cursor.o < 0 || (cursor.o > units.length && !faults.endless)) throw new BadRequest('page: cursor out of range');
          offset = cursor.o;
        }
        const from = faults.endless ? offset % Math.max(1, units.length) : offset;
        const slice = faults.endless === 'empty' ? [] : units.slice(from, from + size);
        hasMore = faults.endless !== undefined || offset + size < units.length;
        data = slice.flat();
        if (fault?.kind === 'duplicate-row' && offset > 0) data.push(units[Math.max(0, offset - size)]![0]!);
        nextPage = hasMore ? encodeCursor(offset + size, query.fingerprint) : null;
      }
      if (fault?.kind === 'currency') for (let i = 0; i < data.length; i++) data[i] = { ...(data[i] as Row), cost: { ...(data[i] as Row).cost, currency: fault.currency } };
      if (fault?.kind === 'row-outside' && data.length > 0) {
        const first = data[0] as Row;
        data[0] = { ...first, starting_at: fault.startingAt ?? isoSeconds(addDays(query.startMs, -1)), ending_at: fault.endingAt ?? (fault.startingAt === undefined ? isoSeconds(query.startMs) : first.ending_at) };
      }
      if (fault?.kind === 'amount' && data.length > 0) {
        const first = data[0] as Row;
        data[0] = { ...first, cost: { ...first.cost, amount: fault.amount } };
      }
      if (fault?.kind === 'malformed-amount' && data.length > 0) {
        const first = data[0] as Row;
        data[0] = { ...first, cost: { ...first.cost, amount: Number(first.cost.amount) } };
      }
      const body: Record<string, unknown> = {
        data,
        has_more: hasMore || fault?.kind === 'null-cursor' || fault?.kind === 'repeat-cursor',
        next_page: fault?.kind === 'null-cursor' ? null : fault?.kind === 'repeat-cursor' ? (query.page ?? encodeCursor(0, query.fingerprint)) : nextPage,
        data_refreshed_at: refreshedMs >= query.startMs ? isoSeconds(refreshedMs) : null,
      };
      if (faults.drift) body.x_sandbox_revision = 2;
      record(200);
      return answer(res, body, fault);
    } catch (error) {
      if (error instanceof BadRequest) {
        record(400);
        return send(res, 400, errorBody('invalid_request_error', error.message));
      }
      record(500);
      return send(res, 500, errorBody('api_error', 'sandbox internal error'));
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, errorBody('api_error', 'sandbox internal error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
