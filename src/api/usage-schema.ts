import { z } from 'zod';
import { flatText, sharedInterner, type Interner } from '../core/intern.js';
import { isIsoInstant } from '../core/period.js';
import type { UsageRow } from '../core/usage.js';
import { actorSchema, fastThenSchema, isKnownActor, isOptText, isRecord, normaliseActor } from './cost-schema.js';

/**
 * The boundary of GET /v1/organizations/analytics/usage (beta). The counters the statements and
 * FOCUS use are checked (non-negative whole numbers); everything else passes through, as on the
 * cost listing.
 */
const count = z.number().int().nonnegative();
const optText = z.string().nullable().optional();

export const usageRowSchema = z.looseObject({
  starting_at: z.string(),
  ending_at: z.string(),
  group: z
    .looseObject({ actor: actorSchema.optional(), product: optText, model: optText, context_window: optText, workspace_id: optText })
    .nullable()
    .optional(),
  usage: z.looseObject({
    uncached_input_tokens: count,
    cache_read_input_tokens: count,
    output_tokens: count,
    cache_creation: z.looseObject({ ephemeral_5m_input_tokens: count.optional(), ephemeral_1h_input_tokens: count.optional() }).nullable().optional(),
    server_tool_use: z.looseObject({ web_search_requests: count.optional() }).nullable().optional(),
    requests: count.nullable().optional(),
  }),
});

export const usagePageSchema = z.looseObject({
  data: z.array(usageRowSchema),
  has_more: z.boolean(),
  next_page: z.string().nullable().optional(),
  data_refreshed_at: z.string().refine(isIsoInstant, { error: 'expected an RFC 3339 timestamp such as "2026-10-31T12:00:00Z"' }).nullable().optional(),
});

export const usageEnvelopeSchema = usagePageSchema.extend({ data: z.array(z.unknown()) });

export type UsagePage = z.infer<typeof usagePageSchema>;
export type RawUsageRow = z.infer<typeof usageRowSchema>;

const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isOptCount = (value: unknown): boolean => value === undefined || isCount(value);

/** The row as usageRowSchema returns it, when the common shape is accepted as is; undefined otherwise (ask zod). */
export function acceptedUsageRow(value: unknown): RawUsageRow | undefined {
  if (!isRecord(value) || typeof value.starting_at !== 'string' || typeof value.ending_at !== 'string') return undefined;
  const g = value.group;
  if (g !== undefined && g !== null) {
    if (!isRecord(g)) return undefined;
    const a = g.actor;
    if (a !== undefined && a !== null && !isKnownActor(a)) return undefined;
    if (!(isOptText(g.product) && isOptText(g.model) && isOptText(g.context_window) && isOptText(g.workspace_id))) return undefined;
  }
  const u = value.usage;
  if (!isRecord(u) || !isCount(u.uncached_input_tokens) || !isCount(u.cache_read_input_tokens) || !isCount(u.output_tokens)) return undefined;
  const c = u.cache_creation;
  if (c !== undefined && c !== null && !(isRecord(c) && isOptCount(c.ephemeral_5m_input_tokens) && isOptCount(c.ephemeral_1h_input_tokens))) return undefined;
  const s = u.server_tool_use;
  if (s !== undefined && s !== null && !(isRecord(s) && isOptCount(s.web_search_requests))) return undefined;
  if (u.requests !== undefined && u.requests !== null && !isCount(u.requests)) return undefined;
  return value as RawUsageRow;
}

export const checkedUsageRow = fastThenSchema(acceptedUsageRow, usageRowSchema);

export function toUsageRow(raw: RawUsageRow, rowId: string, interner: Interner = sharedInterner): UsageRow {
  const g = raw.group ?? {};
  const actor = normaliseActor(g.actor);
  const u = raw.usage;
  return {
    rowId: flatText(rowId),
    startingAt: interner.text(raw.starting_at),
    endingAt: interner.text(raw.ending_at),
    actor: actor === null ? null : interner.actor(actor),
    product: interner.text(g.product),
    model: interner.text(g.model),
    contextWindow: interner.text(g.context_window),
    workspaceId: interner.text(g.workspace_id),
    uncachedInput: u.uncached_input_tokens,
    cacheRead: u.cache_read_input_tokens,
    cacheWrite5m: u.cache_creation?.ephemeral_5m_input_tokens ?? 0,
    cacheWrite1h: u.cache_creation?.ephemeral_1h_input_tokens ?? 0,
    output: u.output_tokens,
    webSearches: u.server_tool_use?.web_search_requests ?? 0,
    requests: u.requests ?? null,
  };
}
