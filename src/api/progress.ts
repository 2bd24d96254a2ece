import { actorKey, type CostRow } from '../core/cost-row.js';

/** What the pull can estimate before it starts: spenders in the directory and the rate limit. */
export interface ProgressPlan {
  /** People and rules in the directory: about the spenders the listings carry. */
  readonly spenders: number;
  /** People in the directory: about the rows of the engagement listing. */
  readonly people: number;
  readonly requestsPerMinute: number;
  /** Rows a page holds (the limit asked for). */
  readonly pageRows: number;
}

/**
 * Pages done of pages expected, and the time left at the API's rate. The number of pages is not
 * known until a listing ends, so it is estimated: a listing's first page shows how many rows a
 * spender has in it, and the directory says how many spenders there are.
 */
export class PullProgress {
  private done = 0;
  private readonly expected = new Map<string, number>();
  private lastLogMs = -Infinity;

  constructor(
    private readonly plan: ProgressPlan,
    private readonly log: (message: string) => void,
    private readonly now: () => number = Date.now,
    private readonly everyMs = 15_000,
  ) {
    const perPage = Math.max(1, plan.pageRows);
    // Before a listing's first page: one row per spender (premium), one per person (engagement).
    this.expected.set('cost-grouped', Math.ceil((plan.spenders * 4) / perPage));
    this.expected.set('cost-total', 1);
    this.expected.set('cost-premium', Math.ceil(plan.spenders / perPage));
    this.expected.set('users', Math.ceil(plan.people / perPage));
  }

  /** The movers' daily listings, once the grouped listing says who moves. */
  expectDaily(listings: number): void {
    this.expected.set('cost-daily', listings);
  }

  onPage(page: { readonly listing: string; readonly n: number; readonly rows: readonly unknown[]; readonly hasMore: boolean }): void {
    this.done += 1;
    const key = page.listing.startsWith('cost-daily-') ? 'cost-daily' : page.listing;
    if (key === 'cost-daily') {
      // Counted as listings; a listing's further pages add to the estimate.
      if (page.n > 1) this.expected.set(key, (this.expected.get(key) ?? 0) + 1);
    } else if (!page.hasMore) {
      this.expected.set(key, page.n);
    } else if (page.n === 1 && page.rows.length > 0 && key !== 'users') {
      const actors = new Set((page.rows as readonly CostRow[]).map((r) => actorKey(r.actor))).size;
      this.expected.set(key, Math.max(2, Math.ceil((this.plan.spenders * (page.rows.length / actors)) / page.rows.length)));
    } else if (page.n >= (this.expected.get(key) ?? 0)) {
      this.expected.set(key, page.n + 1);
    }
    const t = this.now();
    if (t - this.lastLogMs < this.everyMs && page.hasMore) return;
    this.lastLogMs = t;
    const total = [...this.expected.values()].reduce((a, b) => a + b, 0);
    const left = Math.max(0, total - this.done);
    const minutes = left / this.plan.requestsPerMinute;
    const eta = left === 0 ? 'done' : minutes < 1 ? 'under a minute left' : `about ${Math.ceil(minutes)} min left`;
    this.log(`  ${page.listing} page ${page.n}${page.hasMore ? '' : ' (last)'}; ${this.done} of about ${Math.max(total, this.done)} requests, ${eta} at ${this.plan.requestsPerMinute} requests/minute`);
  }
}
