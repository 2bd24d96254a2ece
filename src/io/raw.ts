import { join } from 'node:path';
import { parseCostPage, parseUsagePage, parseUsersPage, type Attempt, type RawPage } from '../api/client.js';
import type { CostRow } from '../core/cost-row.js';
import type { EngagementRow } from '../core/engagement.js';
import type { UsageRow } from '../core/usage.js';
import { ChargebackError, usageError } from '../errors.js';
import { oldestRefresh, type MonthInput, type PulledListing } from '../month.js';
import { readRecordedBytes } from './read-recorded.js';
import { rawPath, readRequests, REQUESTS_FILE } from './layout.js';
import type { MonthSink } from './month-sink.js';

export const PREMIUM_LISTING = 'cost-premium';
export const ENGAGEMENT_LISTING = 'users';
export const USAGE_LISTING = 'usage';

/** The listings of a month as read back from raw/, in the shape deriveMonth takes them. */
export type RawListings = Pick<MonthInput, 'grouped' | 'total' | 'daily' | 'premium' | 'engagement' | 'usage' | 'unusedAttempts'> & {
  /** The oldest data_refreshed_at of the cost listings. */
  readonly dataRefreshedAt: string | null;
  /** starting_at of the grouped listing, to check the month. */
  readonly startingAt: string | null;
};

/**
 * The listings of a month read back from its raw/ folder (requests.json and the pages as
 * received), exactly as the pull produced them: for verify and for re-runs without a network.
 */
/**
 * A kept page read back. It was valid JSON when it was pulled (the pull checks that), so a page
 * that no longer parses was damaged on disk: the month's recorded file (exit 2), not the API.
 * What the page says (a row outside the month, a foreign currency) stays a data problem.
 */
function recordedPage<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ChargebackError && error.kind === 'upstream') {
      throw usageError(`${file} is damaged: ${error.message}`, ['It was kept as the API sent it and no longer reads; restore raw/ from a copy of the published month, or pull the month from the API again.']);
    }
    throw error;
  }
}

/** starting_at of the recorded grouped listing (the month the pages were pulled for), from requests.json alone. */
export async function rawStartingAt(rawDir: string): Promise<string | null> {
  const first = (await readRequests(rawDir)).find((r) => r.query === 'cost-grouped')?.request;
  return first === undefined ? null : new URLSearchParams(first.slice(first.indexOf('?') + 1)).get('starting_at');
}

/**
 * Reads the listings back one page at a time; each kept page goes to `sink` as `raw/<file>` as it
 * is read (the new month's copy, or verify's hash), so no page is held after it is parsed.
 */
export async function readRawListings(rawDir: string, sink: MonthSink): Promise<RawListings> {
  const requests = await readRequests(rawDir);
  const usedFiles = new Set<string>();
  for (const r of requests) {
    if (!r.used || r.file === null) continue;
    if (usedFiles.has(r.file)) {
      throw usageError(`${join(rawDir, REQUESTS_FILE)} lists ${r.file} as used twice; a page is kept once.`, ['The request log is damaged: restore raw/ from a copy of the published month, or pull the month from the API again.']);
    }
    usedFiles.add(r.file);
  }
  const listings = new Map<string, { rows: Array<CostRow | EngagementRow | UsageRow>; pages: RawPage[]; attempts: Attempt[]; refreshed: string | null }>();
  for (const r of requests) {
    const listing = listings.get(r.query) ?? { rows: [], pages: [], attempts: [], refreshed: null };
    listings.set(r.query, listing);
    const bytes = r.file === null ? null : await readRecordedBytes(join(rawDir, r.file), 'a page as received from the API', {
      missing: `${join(rawDir, r.file)} is listed in requests.json but missing.`,
      next: 'The raw/ folder is incomplete; restore it from a copy of the month, or pull the month from the API again.',
    });
    const body = bytes === null ? null : bytes.toString('utf8');
    if (r.used && r.file !== null && body !== null) {
      const digest = await sink.write(rawPath(r.file), bytes!);
      const kept = { sha256: digest.sha256, bytes: digest.bytes };
      listing.attempts.push({ query: r.query, request: r.request, status: r.status, outcome: r.outcome, body: null, keptAs: r.file, digest: kept });
      listing.pages.push({ file: r.file, request: r.request, status: r.status, ...kept, body: null });
      const file = join(rawDir, r.file);
      const n = listing.pages.length;
      if (r.query === ENGAGEMENT_LISTING) {
        for (const row of recordedPage(file, () => parseUsersPage(body, r.file!, n, r.query, r.request)).rows) listing.rows.push(row);
      } else if (r.query === USAGE_LISTING) {
        const { page, rows } = recordedPage(file, () => parseUsagePage(body, r.file!, n, r.query, r.request));
        for (const row of rows) listing.rows.push(row);
        listing.refreshed = page.data_refreshed_at ?? null;
      } else {
        const { page, rows } = recordedPage(file, () => parseCostPage(body, r.file!, n, r.query, r.request));
        for (const row of rows) listing.rows.push(row);
        listing.refreshed = page.data_refreshed_at ?? null;
      }
    } else {
      listing.attempts.push({ query: r.query, request: r.request, status: r.status, outcome: r.outcome, body, keptAs: null });
    }
  }
  const listingOf = <R = CostRow>(name: string): PulledListing<R> => {
    const l = listings.get(name);
    if (!l || l.pages.length === 0) throw usageError(`${join(rawDir, REQUESTS_FILE)} has no complete ${name} listing.`, ['The pull was not finished; run the month against the API again.']);
    return { rows: l.rows as R[], pages: l.pages, attempts: l.attempts, dataRefreshedAt: l.refreshed };
  };
  const grouped = listingOf('cost-grouped');
  const total = listingOf('cost-total');
  const daily = [...listings.keys()].filter((k) => k.startsWith('cost-daily-')).sort().map((k) => listingOf(k));
  const premium = listings.has(PREMIUM_LISTING) ? listingOf(PREMIUM_LISTING) : null;
  const users = listings.get(ENGAGEMENT_LISTING);
  const engagement = users && users.pages.length > 0 ? listingOf<EngagementRow>(ENGAGEMENT_LISTING) : null;
  const quantities = listings.get(USAGE_LISTING);
  const usage = quantities && quantities.pages.length > 0 ? listingOf<UsageRow>(USAGE_LISTING) : null;
  const first = grouped.pages[0]!.request;
  return {
    grouped,
    total,
    daily,
    premium,
    engagement,
    usage,
    // The exchanges of a listing the month went without (refused engagement or usage), in pull order.
    unusedAttempts: [...(users && users.pages.length === 0 ? users.attempts : []), ...(quantities && quantities.pages.length === 0 ? quantities.attempts : [])],
    // Engagement has no watermark; the cost listings decide how fresh the month is.
    dataRefreshedAt: oldestRefresh([grouped, total, ...daily, ...(premium ? [premium] : [])]),
    startingAt: new URLSearchParams(first.slice(first.indexOf('?') + 1)).get('starting_at'),
  };
}
