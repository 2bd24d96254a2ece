/**
 * How long a listing may run before we call it endless. A listing that keeps pointing to a next
 * page is stopped by what the organization can have, not by a fixed page count: a fixed count
 * small enough to stop a broken listing soon would cut off a large organization's real month.
 */

/** Rows we ask for per page (the API's maximum `limit`). */
export const PAGE_LIMIT = 1000;

/**
 * Distinct groupings (product × model × context window × workspace × cost type, or speed ×
 * inference region) one actor has in one bucket, on average over the organization. A month of
 * 500,000 people is about 2.5 million grouped rows (5 per person); 25 is five times that.
 */
export const ROWS_PER_ACTOR = 25;

/** Actors we allow whatever the directory lists: small directories, service keys, people not listed yet. */
export const MIN_ACTORS = 10_000;

/** Pages in a row with no rows and has_more: true before the listing is called endless. */
export const MAX_EMPTY_PAGES = 3;

/** The most a listing may return, and how that figure was reached (said when it is hit). */
export interface RowBound {
  readonly rows: number;
  readonly derivation: string;
}

/** What the organization's directory says about its size. */
export interface OrgSize {
  readonly people: number;
  readonly rules: number;
  /** Where the figures come from, e.g. "mappings/org.yaml". */
  readonly source: string;
}

const n = (value: number) => value.toLocaleString('en-US');

/**
 * Actors the organization can have: twice what the directory names (people and rules, each rule
 * standing for at least one key, account or workspace; the other half for people and keys not
 * listed yet, whose spend goes to UNALLOCATED), and at least MIN_ACTORS.
 */
export function actorBound(org: OrgSize): { actors: number; derivation: string } {
  const listed = org.people + org.rules;
  const actors = Math.max(MIN_ACTORS, 2 * listed);
  return { actors, derivation: `${n(actors)} actors = max(${n(MIN_ACTORS)}, 2 × (${n(org.people)} people + ${n(org.rules)} rules in ${org.source}))` };
}

/** The month's listings: grouped and premium (per actor), the org total, daily rows of some actors, engagement. */
export function listingBounds(org: OrgSize) {
  const { actors, derivation } = actorBound(org);
  return {
    /** cost-grouped and cost-premium: every actor with up to ROWS_PER_ACTOR groupings. */
    perActor: { rows: actors * ROWS_PER_ACTOR, derivation: `${n(actors * ROWS_PER_ACTOR)} rows = ${derivation} × ${ROWS_PER_ACTOR} groupings each` } satisfies RowBound,
    /** cost-total: one ungrouped row (a cost-type fan-out at most ROWS_PER_ACTOR). */
    total: { rows: ROWS_PER_ACTOR, derivation: `${ROWS_PER_ACTOR} rows: the ungrouped total is one row, with at most ${ROWS_PER_ACTOR} fan-out rows` } satisfies RowBound,
    /** A daily listing of the given actors: each actor, each day, up to ROWS_PER_ACTOR groupings. */
    daily: (actorCount: number, days: number): RowBound => ({
      rows: actorCount * days * ROWS_PER_ACTOR,
      derivation: `${n(actorCount * days * ROWS_PER_ACTOR)} rows = ${actorCount} actors × ${days} days × ${ROWS_PER_ACTOR} groupings each`,
    }),
    /** Engagement: one row per user. */
    users: { rows: actors, derivation: `${n(actors)} rows, one per user: ${derivation}` } satisfies RowBound,
  };
}

/** The bound of a listing whose caller gives none: an organization the size of MIN_ACTORS. */
export const DEFAULT_ROW_BOUND: RowBound = {
  rows: MIN_ACTORS * ROWS_PER_ACTOR,
  derivation: `${n(MIN_ACTORS * ROWS_PER_ACTOR)} rows = ${n(MIN_ACTORS)} actors (the default when the caller names no organization size) × ${ROWS_PER_ACTOR} groupings each`,
};

/** Pages that `rows` fill at PAGE_LIMIT rows a page: a listing that needs more is not ending. */
export function pageBound(bound: RowBound): number {
  return Math.max(1, Math.ceil(bound.rows / PAGE_LIMIT));
}
