/** A person's activity counts over a period; null where the provider does not report a count. */
export interface EngagementCounts {
  /** Claude Code sessions (a distinct count, null when not reported). */
  readonly sessions: number | null;
  readonly commits: number;
  readonly pullRequests: number;
  readonly linesAdded: number;
  readonly linesRemoved: number;
  /** Chat conversations (a distinct count, null when not reported). */
  readonly conversations: number | null;
}

/** One user's engagement over the month, from GET /analytics/users in rollup mode. */
export interface EngagementRow extends EngagementCounts {
  /** Provenance: raw page file and row index, e.g. "users-p001.json#17". */
  readonly rowId: string;
  readonly userId: string;
  readonly email: string | null;
}
