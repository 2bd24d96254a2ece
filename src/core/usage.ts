import type { Allocation } from './allocate.js';
import { actorKey, type Actor } from './cost-row.js';
import { decimalText, Money, splitLargestRemainder, type WeightedPart } from './money.js';

/**
 * Quantities from the Analytics usage listing (GET /v1/organizations/analytics/usage), grouped
 * like the cost listing but without cost_type: tokens by kind, web searches and requests per
 * spender, product, model, context window and workspace. They explain the money (quantity × unit
 * price) and never change it: a month whose usage listing is refused is published without them.
 */
export interface UsageRow {
  readonly rowId: string;
  readonly startingAt: string;
  readonly endingAt: string;
  readonly actor: Actor | null;
  readonly product: string | null;
  readonly model: string | null;
  readonly contextWindow: string | null;
  readonly workspaceId: string | null;
  readonly uncachedInput: number;
  readonly cacheRead: number;
  /** Cache writes, 5-minute and 1-hour (each a safe integer; added up as bigint). */
  readonly cacheWrite5m: number;
  readonly cacheWrite1h: number;
  readonly output: number;
  readonly webSearches: number;
  /** Requests (for sandbox rows, execution spans); null when the provider gives none. */
  readonly requests: number | null;
}

/** A usage row's group: who, product, model, context window, workspace (no cost type, no bucket). */
export function usageGroupKey(actor: string, product: string | null, model: string | null, contextWindow: string | null, workspaceId: string | null): string {
  return [actor, product, model, contextWindow, workspaceId].map((v) => v ?? '\u2205').join('|');
}

export function usageRowKey(row: UsageRow): string {
  return `${usageGroupKey(actorKey(row.actor), row.product, row.model, row.contextWindow, row.workspaceId)}|${row.startingAt}|${row.endingAt}`;
}

/** What a cost line measures, in FOCUS's units: tokens for token cost, searches, execution requests. */
export type Measure = 'tokens' | 'web_search' | 'code_execution';

/** The quantities behind one cost line (a token line has all of them; a search line searches only). */
export interface LineQuantity {
  readonly measure: Measure;
  readonly uncachedInput: bigint;
  readonly cacheWrite: bigint;
  readonly cacheRead: bigint;
  readonly output: bigint;
  /** Requests of a token line; execution requests of a code-execution line. */
  readonly requests: bigint;
  readonly webSearches: bigint;
}

export function tokensOf(q: Pick<LineQuantity, 'uncachedInput' | 'cacheWrite' | 'cacheRead' | 'output'>): bigint {
  return q.uncachedInput + q.cacheWrite + q.cacheRead + q.output;
}

/** The quantity FOCUS carries for a line: consumed in units, priced per block of units. */
export function focusQuantity(q: LineQuantity): { consumed: bigint; consumedUnit: string; pricingBlock: bigint; pricingUnit: string } {
  switch (q.measure) {
    case 'tokens':
      return { consumed: tokensOf(q), consumedUnit: 'Tokens', pricingBlock: 1_000_000n, pricingUnit: '1000000 Tokens' };
    case 'web_search':
      return { consumed: q.webSearches, consumedUnit: 'Requests', pricingBlock: 1000n, pricingUnit: '1000 Requests' };
    case 'code_execution':
      return { consumed: q.requests, consumedUnit: 'Requests', pricingBlock: 1n, pricingUnit: 'Requests' };
  }
}

/** An integer over a block as exact decimal text: 1234567 over 1000000 → "1.234567". */
export function blockText(units: bigint, block: bigint): string {
  if (block === 1n) return units.toString();
  const digits = block.toString().length - 1;
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / block;
  const fraction = (abs % block).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

const MEASURED: ReadonlySet<string> = new Set<Measure>(['tokens', 'web_search', 'code_execution']);

/** The month's quantities joined to its cost lines. */
export interface Quantities {
  /** By source row id (an allocation line's or a pool source row's). */
  readonly byRow: ReadonlyMap<string, LineQuantity>;
  /** Usage groups with no cost line of their own (no cost, or a cost the listing grouped differently). */
  readonly unmatched: { readonly rows: number; readonly tokens: bigint };
  /** Cost lines of a measured type whose group has no usage row. */
  readonly unmeasured: { readonly lines: number };
  /** Usage rows read. */
  readonly rows: number;
}

interface Consumer {
  readonly rowId: string;
  readonly costType: string;
  readonly weight: Money;
}

/**
 * Joins each usage group to the cost lines of the same spender, product, model, context window
 * and workspace: token lines take its tokens and requests, web-search lines its searches,
 * code-execution lines (in a group with no token line) its requests. A group billed as several
 * lines of one type (a person who moved cost center mid-month, charged by day) has each quantity
 * split over them by largest remainder in proportion to their cost, so the lines add up to the
 * group exactly. Pure.
 */
export function joinQuantities(allocation: Allocation, usage: readonly UsageRow[]): Quantities {
  const consumers = new Map<string, Consumer[]>();
  const add = (key: string, c: Consumer) => {
    const list = consumers.get(key);
    if (list) list.push(c);
    else consumers.set(key, [c]);
  };
  for (const cc of allocation.costCenters) {
    for (const a of cc.actors) {
      for (const l of a.lines) {
        if (l.costType !== null && MEASURED.has(l.costType)) add(usageGroupKey(a.actorKey, l.product, l.model, l.contextWindow, l.workspaceId), { rowId: l.rowId, costType: l.costType, weight: l.unroundedCents });
      }
    }
  }
  for (const pool of allocation.pools) {
    for (const s of pool.sourceRows) {
      const r = s.row;
      if (r.costType !== null && MEASURED.has(r.costType)) add(usageGroupKey(s.actorKey, r.product, r.model, r.contextWindow, r.workspaceId), { rowId: s.rowId, costType: r.costType, weight: r.amountCents });
    }
  }
  const byRow = new Map<string, LineQuantity>();
  let unmatchedRows = 0;
  let unmatchedTokens = 0n;
  const usedGroups = new Set<string>();
  // Several usage rows of one group (daily buckets) add up first.
  const totals = new Map<string, { uncachedInput: bigint; cacheWrite: bigint; cacheRead: bigint; output: bigint; requests: bigint; webSearches: bigint }>();
  for (const u of usage) {
    const key = usageGroupKey(actorKey(u.actor), u.product, u.model, u.contextWindow, u.workspaceId);
    const t = totals.get(key) ?? { uncachedInput: 0n, cacheWrite: 0n, cacheRead: 0n, output: 0n, requests: 0n, webSearches: 0n };
    t.uncachedInput += BigInt(u.uncachedInput);
    t.cacheWrite += BigInt(u.cacheWrite5m) + BigInt(u.cacheWrite1h);
    t.cacheRead += BigInt(u.cacheRead);
    t.output += BigInt(u.output);
    t.requests += BigInt(u.requests ?? 0);
    t.webSearches += BigInt(u.webSearches);
    totals.set(key, t);
  }
  for (const [key, t] of totals) {
    const list = consumers.get(key);
    if (!list) {
      unmatchedRows += 1;
      unmatchedTokens += tokensOf(t);
      continue;
    }
    usedGroups.add(key);
    const ofType = (type: string) => list.filter((c) => c.costType === type);
    const split = (total: bigint, over: readonly Consumer[]) =>
      splitLargestRemainder(total, over.map((c): WeightedPart => ({ key: c.rowId, weight: c.weight.isNegative() ? new Money(0) : c.weight })));
    const tokenLines = ofType('tokens');
    if (tokenLines.length > 0) {
      const parts = (['uncachedInput', 'cacheWrite', 'cacheRead', 'output', 'requests'] as const).map((k) => [k, split(t[k], tokenLines)] as const);
      for (const c of tokenLines) {
        const get = (k: (typeof parts)[number][0]) => parts.find(([name]) => name === k)![1].get(c.rowId)!;
        byRow.set(c.rowId, { measure: 'tokens', uncachedInput: get('uncachedInput'), cacheWrite: get('cacheWrite'), cacheRead: get('cacheRead'), output: get('output'), requests: get('requests'), webSearches: 0n });
      }
    }
    const searchLines = ofType('web_search');
    if (searchLines.length > 0) {
      const searches = split(t.webSearches, searchLines);
      for (const c of searchLines) byRow.set(c.rowId, { measure: 'web_search', uncachedInput: 0n, cacheWrite: 0n, cacheRead: 0n, output: 0n, requests: 0n, webSearches: searches.get(c.rowId)! });
    }
    // Requests belong to the token lines when the group has any; otherwise they are the executions.
    const executionLines = tokenLines.length === 0 ? ofType('code_execution') : [];
    if (executionLines.length > 0) {
      const requests = split(t.requests, executionLines);
      for (const c of executionLines) byRow.set(c.rowId, { measure: 'code_execution', uncachedInput: 0n, cacheWrite: 0n, cacheRead: 0n, output: 0n, requests: requests.get(c.rowId)!, webSearches: 0n });
    }
  }
  let unmeasured = 0;
  for (const [key, list] of consumers) {
    for (const c of list) if (!byRow.has(c.rowId) && !(usedGroups.has(key) && c.costType === 'code_execution')) unmeasured += 1;
  }
  return { byRow, unmatched: { rows: unmatchedRows, tokens: unmatchedTokens }, unmeasured: { lines: unmeasured }, rows: usage.length };
}

/** Quantities of one model on a statement: tokens by kind, requests, and the token lines' cents. */
export interface ModelQuantity {
  readonly model: string;
  readonly uncachedInput: bigint;
  readonly cacheWrite: bigint;
  readonly cacheRead: bigint;
  readonly output: bigint;
  readonly requests: bigint;
  /** The statement's token cost of the model: its "Tokens" amount split over the models by their exact token cost. */
  readonly tokenCents: bigint;
  /** The exact (unrounded) cost in cents of the token lines that have quantities, as decimal text (a statement crosses to the render threads): what the price per million tokens is computed from. */
  readonly measuredCents: string;
  /** Token lines of the model with no quantity in the usage listing (their cost is left out of the price). */
  readonly unmeasuredLines: number;
}

/** The effective price per million tokens in USD, exact (cents over tokens), as a Money; null without tokens. */
export function pricePerMillion(q: ModelQuantity): Money | null {
  const tokens = tokensOf(q);
  if (tokens === 0n) return null;
  // Exact cents of the measured lines / tokens × 1,000,000 tokens / 100 cents per dollar: rounded only for display.
  return new Money(q.measuredCents).times(10_000).dividedBy(tokens.toString());
}

/** Adds model quantities up by model (a roll-up, or lines of one statement); sorted by billed cents, then model. */
export function sumModelQuantities(parts: Iterable<ModelQuantity>): ModelQuantity[] {
  const by = new Map<string, { -readonly [K in keyof ModelQuantity]: ModelQuantity[K] }>();
  for (const p of parts) {
    const m = by.get(p.model);
    if (!m) {
      by.set(p.model, { ...p });
      continue;
    }
    m.uncachedInput += p.uncachedInput;
    m.cacheWrite += p.cacheWrite;
    m.cacheRead += p.cacheRead;
    m.output += p.output;
    m.requests += p.requests;
    m.tokenCents += p.tokenCents;
    m.measuredCents = decimalText(new Money(m.measuredCents).plus(p.measuredCents));
    m.unmeasuredLines += p.unmeasuredLines;
  }
  return [...by.values()].sort((a, b) => (a.tokenCents === b.tokenCents ? (a.model < b.model ? -1 : a.model > b.model ? 1 : 0) : a.tokenCents > b.tokenCents ? -1 : 1));
}
