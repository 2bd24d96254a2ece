import { z } from 'zod';
import { fastThenSchema } from './cost-schema.js';
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

/** The page around its rows: checked once per page; the rows one by one (acceptedUserActivity, else userActivitySchema). */
export const usersEnvelopeSchema = usersPageSchema.extend({ data: z.array(z.unknown()) });

export type UsersPage = z.infer<typeof usersPageSchema>;
export type RawUserActivity = z.infer<typeof userActivitySchema>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** `z.number().int().nonnegative()`: zod's int is a safe integer. */
const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isOptCount = (value: unknown): boolean => value === undefined || value === null || isCount(value);

/**
 * The row as userActivitySchema would return it, when the schema accepts it as is; undefined
 * otherwise (ask zod, for its message). Reads each checked field once and copies nothing;
 * toEngagementRow reads only checked fields, which hold the same values as in zod's copy.
 */
export function acceptedUserActivity(value: unknown): RawUserActivity | undefined {
  if (!isRecord(value)) return undefined;
  const user = value.user;
  if (user !== null) {
    if (!isRecord(user) || typeof user.id !== 'string' || user.id.length === 0) return undefined;
    const email = user.email_address;
    if (email !== undefined && email !== null && typeof email !== 'string') return undefined;
  }
  const chat = value.chat_metrics;
  if (chat !== undefined && !(isRecord(chat) && isOptCount(chat.distinct_conversation_count))) return undefined;
  const code = value.claude_code_metrics;
  if (code !== undefined) {
    if (!isRecord(code)) return undefined;
    const core = code.core_metrics;
    if (!isRecord(core) || !isCount(core.commit_count) || !isCount(core.pull_request_count) || !isOptCount(core.distinct_session_count)) return undefined;
    const lines = core.lines_of_code;
    if (!isRecord(lines) || !isCount(lines.added_count) || !isCount(lines.removed_count)) return undefined;
  }
  return value as RawUserActivity;
}

/** A row as userActivitySchema returns it, or undefined when the schema refuses it: the fast check first, zod for the rest. */
export const checkedUserActivity = fastThenSchema(acceptedUserActivity, userActivitySchema);

/**
 * A row to the counters the statements show; null for an aggregated row (no user). The user id
 * and email are the texts of the person's actor when a cost row already named them (cost
 * listings are pulled first), so the month holds them once; the row id is one piece.
 */
export function toEngagementRow(raw: RawUserActivity, rowId: string, interner: Interner = sharedInterner): EngagementRow | null {
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
