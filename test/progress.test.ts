import { describe, expect, it } from 'vitest';
import { PullProgress } from '../src/api/progress.js';
import type { CostRow } from '../src/core/cost-row.js';

const row = (user: number): CostRow => ({
  rowId: `r${user}`, startingAt: '', endingAt: '', actor: { type: 'user_actor', userId: `user_${user}`, email: null, name: null, deleted: false },
  product: null, model: null, contextWindow: null, costType: null, workspaceId: null, amountCents: null as never, listAmountCents: null, currency: 'USD',
});

describe('pull progress', () => {
  it('estimates the pages from the first page and the directory, and the time left at the rate limit', () => {
    const lines: string[] = [];
    let t = 0;
    const p = new PullProgress({ spenders: 10_000, people: 9_000, requestsPerMinute: 10, pageRows: 1000 }, (m) => lines.push(m), () => t);
    // 1,000 rows of 250 spenders: 4 rows each, so 40 pages of grouped cost; 1 total, 10 premium, 9 engagement.
    p.onPage({ listing: 'cost-grouped', n: 1, rows: Array.from({ length: 1000 }, (_, i) => row(Math.floor(i / 4))), hasMore: true });
    expect(lines.at(-1)).toBe('  cost-grouped page 1; 1 of about 60 requests, about 6 min left at 10 requests/minute');
    // Throttled: the next page within 15 s says nothing; the last page of a listing always does.
    t += 1000;
    p.onPage({ listing: 'cost-grouped', n: 2, rows: [], hasMore: true });
    expect(lines).toHaveLength(1);
    t += 1000;
    p.onPage({ listing: 'cost-grouped', n: 3, rows: [row(1)], hasMore: false });
    // The grouped listing ended at 3 pages: 3 + 1 + 10 + 9 expected, 3 done.
    expect(lines.at(-1)).toBe('  cost-grouped page 3 (last); 3 of about 23 requests, about 2 min left at 10 requests/minute');
    p.expectDaily(2);
    t += 20_000;
    p.onPage({ listing: 'cost-total', n: 1, rows: [row(1)], hasMore: false });
    expect(lines.at(-1)).toBe('  cost-total page 1 (last); 4 of about 25 requests, about 3 min left at 10 requests/minute');
  });
});
