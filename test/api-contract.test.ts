import type { BetaAnalyticsCostItem, BetaAnalyticsCostGroup, BetaAnalyticsCostMetrics } from '@anthropic-ai/sdk/resources/beta/organization/analytics/cost';
import type { BetaAnalyticsUserActivity, BetaAnalyticsActor } from '@anthropic-ai/sdk/resources/beta/organization/analytics/analytics';
import type { ReportPageCursorResponse, PageCursorResponse } from '@anthropic-ai/sdk/core/pagination';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { costPageSchema, costRowSchema } from '../src/api/cost-schema.js';
import { userActivitySchema, usersPageSchema } from '../src/api/users-schema.js';

/**
 * The published API shape, as the official SDK types it, must be accepted by our boundary
 * schemas: a field the SDK renames, retypes or makes nullable that our schema requires fails
 * the type check (npm test runs `tsc -p test/tsconfig.json` before vitest), and the sample
 * objects below, typed by the SDK, must also parse at run time.
 */
type Accepts<Schema extends z.ZodType, Sdk> = [Sdk] extends [Known<z.input<Schema>>] ? true : false;
/**
 * A schema's input without the index signatures of its loose objects (an SDK interface has none,
 * so it would never be assignable to them): what remains is every field our schema names.
 */
type Known<T> = T extends readonly (infer E)[]
  ? Known<E>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Known<T[K]> }
    : T;

// Compile-time: each line fails `tsc` when the SDK's type no longer fits our schema's input.
const costItemFits: Accepts<typeof costRowSchema, BetaAnalyticsCostItem> = true;
const costPageFits: Accepts<typeof costPageSchema, ReportPageCursorResponse<BetaAnalyticsCostItem>> = true;
const userFits: Accepts<typeof userActivitySchema, BetaAnalyticsUserActivity> = true;
const usersPageFits: Accepts<typeof usersPageSchema, PageCursorResponse<BetaAnalyticsUserActivity>> = true;
// The check can fail: a schema wanting the amount as a number, or a field the SDK lacks, is refused.
const amountAsNumber: Accepts<z.ZodObject<{ amount: z.ZodNumber }>, BetaAnalyticsCostMetrics> = false;
const unknownField: Accepts<z.ZodObject<{ amount: z.ZodString; invoice_id: z.ZodString }>, BetaAnalyticsCostMetrics> = false;

const group = (actor: BetaAnalyticsActor | null, extra: Partial<BetaAnalyticsCostGroup> = {}): BetaAnalyticsCostGroup => ({
  actor,
  actor_type: actor?.type ?? null,
  agent_id: null,
  api_key_id: null,
  claude_tag_category: null,
  claude_tag_user_id: null,
  context_window: '0-200k',
  cost_type: 'tokens',
  deployment_id: null,
  environment_id: null,
  inference_geo: null,
  model: 'claude-opus-5-5',
  organization_id: null,
  product: 'claude_code',
  rbac_group_id: null,
  service_tier: null,
  session_id: null,
  slack_channel_id: null,
  speed: null,
  token_type: null,
  user_profile_id: null,
  workspace_id: null,
  ...extra,
} as BetaAnalyticsCostGroup);

const item = (actor: BetaAnalyticsActor | null, amount: string): BetaAnalyticsCostItem => ({
  starting_at: '2026-09-01T00:00:00Z',
  ending_at: '2026-10-01T00:00:00Z',
  group: group(actor),
  cost: { amount, list_amount: amount, currency: 'USD', requests: null },
});

describe('the official SDK types against our boundary schemas', () => {
  it('accept the SDK cost and users item and page types (checked by tsc)', () => {
    expect([costItemFits, costPageFits, userFits, usersPageFits, amountAsNumber, unknownField]).toEqual([true, true, true, true, false, false]);
    expectTypeOf<BetaAnalyticsCostItem>().toExtend<Known<z.input<typeof costRowSchema>>>();
    expectTypeOf<BetaAnalyticsUserActivity>().toExtend<Known<z.input<typeof userActivitySchema>>>();
  });

  it('parse a page of SDK-typed cost items of every actor kind, amounts kept as text', () => {
    const page: ReportPageCursorResponse<BetaAnalyticsCostItem> = {
      data: [
        item({ type: 'user_actor', user_id: 'user_01', email_address: 'ada@acme.example', name: 'Ada', deleted: false } as BetaAnalyticsActor, '41280.000000'),
        item({ type: 'service_account_actor', service_account_id: 'svac_01' } as BetaAnalyticsActor, '0.000001'),
        item({ type: 'api_actor', api_key_id: 'apikey_01' }, '12.5'),
        item({ type: 'federated_actor', subject: null, provider: { type: 'oidc', issuer: null } }, '3'),
        item(null, '7.25'),
      ],
      has_more: false,
      next_page: null,
      data_refreshed_at: '2026-11-01T00:00:00Z',
    };
    const parsed = costPageSchema.parse(JSON.parse(JSON.stringify(page)));
    expect(parsed.data.map((r) => r.cost.amount)).toEqual(['41280.000000', '0.000001', '12.5', '3', '7.25']);
    expect(parsed.data.map((r) => r.group?.actor?.type ?? null)).toEqual(['user_actor', 'service_account_actor', 'api_actor', 'federated_actor', null]);
  });
});
