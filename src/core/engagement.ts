/** One user's engagement over the month, from GET /analytics/users in rollup mode. */
export interface EngagementRow {
  /** Provenance: raw page file and row index, e.g. "users-p001.json#17". */
  readonly rowId: string;
  readonly userId: string;
  readonly email: string | null;
  /** Claude Code sessions; null when the provider does not report the distinct count. */
  readonly sessions: number | null;
  readonly commits: number;
  readonly pullRequests: number;
  readonly linesAdded: number;
  readonly linesRemoved: number;
  /** Chat conversations; null when not reported. */
  readonly conversations: number | null;
}
