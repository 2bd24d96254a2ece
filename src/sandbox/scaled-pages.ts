import { addDays, dayOf, dayStartAtOrAfter, daysBetween, isoSeconds, REVISION_WINDOW_DAYS } from '../core/period.js';
import { userActivityRow } from './engagement-data.js';
import { prng } from './prng.js';
import { amountDay, hash2, microText, reportedMicro, settledMicro, type AmountDay, type ScaledOrganization, type Spender } from './scaled-org.js';

/**
 * The sandbox's listings over a scaled organization, one page at a time. A listing grouped by
 * actor is served in a fixed order (per bucket: the non-user spenders, then the people by index)
 * and each page is computed from its cursor, which holds a position in that order: nothing of
 * the month is held between requests. Listings not grouped by actor have few groups (products,
 * models…) and are summed in one pass, then cached like the default organization's.
 */

export interface ScaledCostQuery {
  readonly startMs: number;
  readonly endMs: number;
  readonly bucketDay: boolean;
  readonly actorIds: readonly string[];
  readonly groupBy: readonly string[];
  readonly fingerprint: string;
  readonly page: string | null;
}

export interface ScaledRow {
  readonly starting_at: string;
  readonly ending_at: string;
  readonly group: Record<string, unknown>;
  readonly cost: { amount: string; list_amount: string; currency: string; requests: number | null };
}

export interface ScaledContext {
  /** Every group dimension, in the API's order, set to null. */
  readonly groupKeys: readonly string[];
  readonly drift: boolean;
  readonly orgTotalSkewMicroCents: bigint;
  /** Results of listings summed in one pass, by fingerprint and refresh. */
  readonly cache: Map<string, ScaledRow[][]>;
  /** A 400 invalid_request_error with this message. */
  readonly bad: (message: string) => Error;
}

interface Bucket {
  readonly starting_at: string;
  readonly ending_at: string;
  readonly days: readonly AmountDay[];
}

/** Which spenders a query covers: the non-user spenders (merged into one slot), then people. */
interface Selection {
  readonly head: readonly Spender[];
  readonly userCount: number;
  userAt(k: number): number;
}

function bucketsOf(query: ScaledCostQuery, refreshedMs: number): Bucket[] {
  const within = (startMs: number, endMs: number): AmountDay[] =>
    daysBetween(dayStartAtOrAfter(startMs), endMs)
      .filter((ms) => addDays(ms, 1) <= refreshedMs)
      .map((ms) => amountDay(ms, refreshedMs, REVISION_WINDOW_DAYS));
  if (!query.bucketDay) return [{ starting_at: isoSeconds(query.startMs), ending_at: isoSeconds(query.endMs), days: within(query.startMs, query.endMs) }];
  return daysBetween(query.startMs, query.endMs).map((day) => ({ starting_at: isoSeconds(day), ending_at: isoSeconds(addDays(day, 1)), days: within(day, addDays(day, 1)) }));
}

function selectionOf(org: ScaledOrganization, actorIds: readonly string[]): Selection {
  if (actorIds.length === 0) return { head: org.nonUsers.map((n) => n.spender), userCount: org.people, userAt: (k) => k };
  const wanted = new Set(actorIds);
  const users = [...new Set(actorIds.map((id) => org.userIndexOf(id)).filter((i): i is number => i !== null))].sort((a, b) => a - b);
  return { head: org.nonUsers.map((n) => n.spender).filter((s) => s.actorId !== null && wanted.has(s.actorId)), userCount: users.length, userAt: (k) => users[k]! };
}

/** The group of a combination for the dimensions asked for (drift: the default sandbox's schema drift). */
function groupFor(spender: Spender, c: Spender['combos'][number], want: ReadonlySet<string>, ctx: ScaledContext): Record<string, unknown> {
  const group: Record<string, unknown> = {};
  for (const k of ctx.groupKeys) group[k] = null;
  if (want.has('actor')) {
    let actor = spender.actor;
    if (ctx.drift && actor && actor.type === 'user_actor') {
      const { email_address, ...rest } = actor;
      actor = { ...rest, email: email_address, pronouns: null };
    }
    group.actor = actor;
  }
  if (want.has('product')) group.product = ctx.drift && c.product === 'cowork' ? 'cowork_sessions' : c.product;
  if (want.has('model')) group.model = c.model;
  if (want.has('context_window')) group.context_window = c.contextWindow;
  if (want.has('workspace_id')) group.workspace_id = spender.workspaceId;
  if (want.has('speed')) group.speed = c.speed;
  if (want.has('inference_geo')) group.inference_geo = c.inferenceGeo;
  if (ctx.drift) group.x_future_dimension = 'anything';
  return group;
}

type Merged = Map<string, { group: Record<string, unknown>; amounts: Map<string, bigint> }>;

function mergeInto(merged: Merged, spender: Spender, days: readonly AmountDay[], want: ReadonlySet<string>, ctx: ScaledContext): void {
  for (const c of spender.combos) {
    let total = 0;
    for (const day of days) total += reportedMicro(spender, c, day);
    if (total === 0) continue;
    const group = groupFor(spender, c, want, ctx);
    const key = JSON.stringify(group);
    let entry = merged.get(key);
    if (entry === undefined) merged.set(key, (entry = { group, amounts: new Map() }));
    const k = want.has('cost_type') ? c.costType : '*';
    entry.amounts.set(k, (entry.amounts.get(k) ?? 0n) + BigInt(total));
  }
}

const bigText = (micro: bigint) => {
  const abs = micro < 0n ? -micro : micro;
  return `${micro < 0n ? '-' : ''}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}`;
};

/** Rows of merged groups, ordered as the default sandbox orders them: by amount, then by group. */
function rowsOf(merged: Merged, bucket: Bucket, want: ReadonlySet<string>): ScaledRow[][] {
  const grouped = [...merged.entries()].map(([key, { group, amounts }]) => {
    let total = 0n;
    for (const v of amounts.values()) total += v;
    const rows = [...amounts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([costType, micro]): ScaledRow => {
        const small = micro <= BigInt(Number.MAX_SAFE_INTEGER) / 5n;
        return {
          starting_at: bucket.starting_at,
          ending_at: bucket.ending_at,
          group: { ...group, cost_type: costType === '*' ? null : costType },
          cost: {
            amount: small ? microText(Number(micro)) : bigText(micro),
            list_amount: small ? microText(Math.floor((Number(micro) * 5) / 4)) : bigText((micro * 5n) / 4n),
            currency: 'USD',
            requests: want.has('cost_type') ? null : 1 + Number(micro % 97n),
          },
        };
      });
    return { key, total, rows };
  });
  grouped.sort((a, b) => (a.total === b.total ? (a.key < b.key ? -1 : 1) : a.total > b.total ? -1 : 1));
  return grouped.map((g) => g.rows);
}

function encodeCursor(position: number, group: number, fingerprint: string): string {
  return `page_${Buffer.from(JSON.stringify({ s: position, g: group, q: fingerprint })).toString('base64url')}`;
}

function decodeCursor(cursor: string, fingerprint: string, ctx: Pick<ScaledContext, 'bad'>): { s: number; g: number } {
  let parsed: { s?: unknown; g?: unknown; q?: unknown; o?: unknown };
  try {
    if (!cursor.startsWith('page_')) throw new Error('prefix');
    parsed = JSON.parse(Buffer.from(cursor.slice(5), 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw ctx.bad('page: invalid cursor');
  }
  // The first page's cursor in the default organization's form (the repeat-cursor fault).
  if (parsed.s === undefined && parsed.o === 0) parsed = { s: 0, g: 0, q: parsed.q };
  if (!Number.isSafeInteger(parsed.s) || !Number.isSafeInteger(parsed.g) || typeof parsed.q !== 'string' || (parsed.s as number) < 0 || (parsed.g as number) < 0) throw ctx.bad('page: invalid cursor');
  if (parsed.q !== fingerprint) throw ctx.bad('page: the cursor belongs to a different query; repeat the identical query to page on');
  return { s: parsed.s as number, g: parsed.g as number };
}

export interface ScaledPage {
  readonly data: ScaledRow[];
  /** The same rows by group (a group's cost_type fan-out together), for the usage listing. */
  readonly groups: ScaledRow[][];
  readonly hasMore: boolean;
  readonly next: string | null;
}

/** One page of GET /v1/organizations/analytics/cost over the scaled organization. */
export function scaledCostPage(org: ScaledOrganization, query: ScaledCostQuery, refreshedMs: number, size: number, ctx: ScaledContext): ScaledPage {
  const start = query.page === null ? { s: 0, g: 0 } : decodeCursor(query.page, query.fingerprint, ctx);
  const want = new Set(query.groupBy);
  const selection = selectionOf(org, query.actorIds);
  const buckets = bucketsOf(query, refreshedMs);
  if (!want.has('actor')) return summedPage(org, query, refreshedMs, size, start, selection, buckets, want, ctx);

  // Grouped by actor: slot 0 of a bucket is the non-user spenders (rows with no actor merge
  // there), slots 1… are people; a page is computed from its position alone.
  const perBucket = 1 + selection.userCount;
  const slots = buckets.length * perBucket;
  if (start.s > slots) throw ctx.bad('page: cursor out of range');
  const groupsAt = (slot: number): ScaledRow[][] => {
    const bucket = buckets[Math.floor(slot / perBucket)]!;
    const k = slot % perBucket;
    const merged: Merged = new Map();
    if (k === 0) for (const s of selection.head) mergeInto(merged, s, bucket.days, want, ctx);
    else mergeInto(merged, org.userSpender(selection.userAt(k - 1)), bucket.days, want, ctx);
    return rowsOf(merged, bucket, want);
  };
  const out: ScaledRow[][] = [];
  let slot = start.s;
  let g = start.g;
  while (slot < slots && out.length < size) {
    const groups = groupsAt(slot);
    while (g < groups.length && out.length < size) out.push(groups[g++]!);
    if (g >= groups.length) {
      slot += 1;
      g = 0;
    }
  }
  // Skip spenders with nothing in the range, so the last page says has_more: false.
  while (slot < slots && g === 0 && groupsAt(slot).length === 0) slot += 1;
  const hasMore = slot < slots;
  return { data: out.flat(), groups: out, hasMore, next: hasMore ? encodeCursor(slot, g, query.fingerprint) : null };
}

function summedPage(org: ScaledOrganization, query: ScaledCostQuery, refreshedMs: number, size: number, start: { s: number; g: number }, selection: Selection, buckets: readonly Bucket[], want: ReadonlySet<string>, ctx: ScaledContext): ScaledPage {
  const key = `${query.fingerprint}@${refreshedMs}`;
  let units = ctx.cache.get(key);
  if (units === undefined) {
    units = [];
    for (const bucket of buckets) {
      const merged: Merged = new Map();
      for (const s of selection.head) mergeInto(merged, s, bucket.days, want, ctx);
      for (let k = 0; k < selection.userCount; k++) mergeInto(merged, org.userSpender(selection.userAt(k)), bucket.days, want, ctx);
      if (query.groupBy.length === 0) {
        let total = 0n;
        for (const { amounts } of merged.values()) for (const v of amounts.values()) total += v;
        total += ctx.orgTotalSkewMicroCents;
        const group: Record<string, unknown> = {};
        for (const k of ctx.groupKeys) group[k] = null;
        units.push([{ starting_at: bucket.starting_at, ending_at: bucket.ending_at, group, cost: { amount: bigText(total), list_amount: bigText((total * 5n) / 4n), currency: 'USD', requests: 1000 } }]);
      } else {
        units.push(...rowsOf(merged, bucket, want));
      }
    }
    ctx.cache.set(key, units);
  }
  if (start.s > units.length) throw ctx.bad('page: cursor out of range');
  const more = start.s + size < units.length;
  const slice = units.slice(start.s, start.s + size);
  return { data: slice.flat(), groups: slice, hasMore: more, next: more ? encodeCursor(start.s + size, 0, query.fingerprint) : null };
}

// ---------------------------------------------------------------------------------------------
// Engagement (GET /v1/organizations/analytics/users, rollup mode)

/** The rollup row of person `i` over the days, or null when they had no activity (or no e-mail). */
function engagementRow(org: ScaledOrganization, i: number, days: readonly number[]): Record<string, unknown> | null {
  const person = org.person(i);
  // Deleted users have no e-mail address; the endpoint does not report them.
  if (person.email === null) return null;
  const spender = org.userSpender(i, person);
  const code = spender.combos.filter((c) => c.product === 'claude_code');
  const chat = spender.combos.filter((c) => c.product === 'chat');
  const t = { sessions: 0, commits: 0, pullRequests: 0, linesAdded: 0, linesRemoved: 0, conversations: 0, messages: 0 };
  let last: number | null = null;
  for (const dayMs of days) {
    const day = amountDay(dayMs, Number.POSITIVE_INFINITY, REVISION_WINDOW_DAYS);
    let active = false;
    if (code.some((c) => settledMicro(spender, c, day) > 0)) {
      const r = prng(hash2(hash2(spender.combos[0]!.seed, 0xc0de), day.number));
      const sessions = 1 + Math.floor(r() * 4);
      const commits = Math.floor(r() * sessions * 2.5);
      const added = commits * (20 + Math.floor(r() * 180)) + Math.floor(r() * 60);
      t.sessions += sessions;
      t.commits += commits;
      t.pullRequests += (r() < 0.3 ? 1 : 0) + (r() < 0.05 ? 1 : 0);
      t.linesAdded += added;
      t.linesRemoved += Math.floor(added * (0.2 + r() * 0.5));
      active = true;
    }
    if (chat.some((c) => settledMicro(spender, c, day) > 0)) {
      const r = prng(hash2(hash2(spender.combos[0]!.seed, 0xc4a7), day.number));
      const conversations = 1 + Math.floor(r() * 5);
      t.conversations += conversations;
      t.messages += conversations * (2 + Math.floor(r() * 8));
      active = true;
    }
    if (active) last = dayMs;
  }
  if (last === null) return null;
  return userActivityRow(person.userId, person.email, t, last);
}

/**
 * One page of the engagement listing over [startMs, endMs): active people in index order, the
 * cursor holding the next index. `{ data, next_page }` as the default sandbox answers.
 */
export function scaledUsersPage(org: ScaledOrganization, startMs: number, endMs: number, fingerprint: string, page: string | null, size: number, bad: (message: string) => Error): Record<string, unknown> {
  const start = page === null ? 0 : decodeCursor(page, fingerprint, { bad }).s;
  if (start > org.people) throw bad('page: cursor out of range');
  const days = daysBetween(startMs, endMs);
  const data: Array<Record<string, unknown>> = [];
  let i = start;
  for (; i < org.people && data.length < size; i++) {
    const row = engagementRow(org, i, days);
    if (row !== null) data.push(row);
  }
  while (i < org.people && engagementRow(org, i, days) === null) i += 1;
  return { data, next_page: i < org.people ? encodeCursor(i, 0, fingerprint) : null };
}
