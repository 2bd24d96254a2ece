/**
 * The sandbox's usage listing (GET /v1/organizations/analytics/usage), derived from its cost so
 * the two agree: each group's token cost at a blended price per model gives its tokens, split by
 * kind in fixed proportions; a web search costs one cent; an execution five cents. The statements'
 * price per million tokens therefore lands near the model's blended price, never exactly on it
 * (tokens are whole numbers).
 */

/** Micro-cents per token, blended over input, output and cache (sandbox prices, not the provider's). */
function microCentsPerToken(model: string | null): bigint {
  if (model === null) return 350n;
  if (model.startsWith('claude-opus')) return 600n;
  if (model.startsWith('claude-haiku')) return 120n;
  return 350n;
}

const WEB_SEARCH_MICRO = 1_000_000n;
const EXECUTION_MICRO = 5_000_000n;
const TOKENS_PER_REQUEST = 30_000n;

/** "123.456789" cents → 123456789 micro-cents (the sandbox writes six decimals). */
function microOf(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole + fraction.padEnd(6, '0').slice(0, 6));
}

interface CostLike {
  readonly starting_at: string;
  readonly ending_at: string;
  readonly group: Record<string, unknown>;
  readonly cost: { readonly amount: string };
}

/** One usage row from one group's cost rows (grouped with cost_type, so each cost type is a row). */
export function usageRowOf(rows: readonly CostLike[]): Record<string, unknown> {
  const first = rows[0]!;
  const micro = (type: string) => rows.filter((r) => r.group.cost_type === type).reduce((a, r) => a + microOf(r.cost.amount), 0n);
  const tokens = micro('tokens') / microCentsPerToken((first.group.model as string | null) ?? null);
  const output = (tokens * 6n) / 100n;
  const cacheWrite = (tokens * 4n) / 100n;
  const cacheWrite1h = cacheWrite / 4n;
  const cacheRead = (tokens * 55n) / 100n;
  const uncached = tokens - output - cacheWrite - cacheRead;
  const searches = micro('web_search') / WEB_SEARCH_MICRO;
  const executionMicro = micro('code_execution');
  const executions = executionMicro > 0n ? 1n + executionMicro / EXECUTION_MICRO : 0n;
  const requests = tokens > 0n ? 1n + tokens / TOKENS_PER_REQUEST : executions;
  const { cost_type: _c, token_type: _t, ...group } = first.group;
  return {
    starting_at: first.starting_at,
    ending_at: first.ending_at,
    group,
    usage: {
      uncached_input_tokens: Number(uncached),
      cache_read_input_tokens: Number(cacheRead),
      output_tokens: Number(output),
      total_tokens: Number(tokens),
      cache_creation: { ephemeral_5m_input_tokens: Number(cacheWrite - cacheWrite1h), ephemeral_1h_input_tokens: Number(cacheWrite1h) },
      server_tool_use: { web_search_requests: Number(searches) },
      requests: Number(requests),
    },
  };
}
