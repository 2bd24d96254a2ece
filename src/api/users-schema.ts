import { z } from 'zod';
import type { EngagementRow } from '../core/engagement.js';
import { flatText, sharedInterner, type Interner } from '../core/intern.js';

/**
 * The boundary of GET /v1/organizations/analytics/users (rollup mode). Only the counters the
 * statements use are checked; every other block passes through, because per-product blocks are
 * added as products appear.
 */
const count = z.number().int().nonnegative();
const optionalCount = count.nullable().optional();

export const userActivitySchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), email_address: z.string().nullable().optional() }).nullable(),
  chat_metrics: z.looseObject({ distinct_conversation_count: optionalCount }).optional(),
  claude_code_metrics: z
    .looseObject({
      core_metrics: z.looseObject({
        commit_count: count,
        pull_request_count: count,
        distinct_session_count: optionalCount,
        lines_of_code: z.looseObject({ added_count: count, removed_count: count }),
      }),
    })
    .optional(),
});

export const usersPageSchema = z.looseObject({
  data: z.array(userActivitySchema),
  next_page: z.string().nullable().optional(),
});

export type UsersPage = z.infer<typeof usersPageSchema>;

/**
 * A row to the counters the statements show; null for an aggregated row (no user). The user id
 * and email are the texts of the person's actor when a cost row already named them (cost
 * listings are pulled first), so the month holds them once; the row id is one piece.
 */
export function toEngagementRow(raw: z.infer<typeof userActivitySchema>, rowId: string, interner: Interner = sharedInterner): EngagementRow | null {
  if (raw.user === null) return null;
  const code = raw.claude_code_metrics?.core_metrics;
  const known = interner.knownUser(raw.user.id);
  const email = raw.user.email_address ?? null;
  return {
    rowId: flatText(rowId),
    userId: known?.userId ?? raw.user.id,
    email: known !== undefined && known.email === email ? known.email : email,
    sessions: code?.distinct_session_count ?? null,
    commits: code?.commit_count ?? 0,
    pullRequests: code?.pull_request_count ?? 0,
    linesAdded: code?.lines_of_code.added_count ?? 0,
    linesRemoved: code?.lines_of_code.removed_count ?? 0,
    conversations: raw.chat_metrics?.distinct_conversation_count ?? null,
  };
}
