import { dataError } from '../errors.js';
import type { CostRow } from './cost-row.js';
import { decimalText, sumMoney } from './money.js';

/** The id the API's actor_ids[] filter takes, for actors that have one. */
export function filterableActorId(row: CostRow): string | null {
  const a = row.actor;
  if (a?.type === 'user_actor') return a.userId;
  if (a?.type === 'service_account_actor') return a.serviceAccountId;
  if (a?.type === 'api_actor') return a.apiKeyId;
  return null;
}

/**
 * Replaces the monthly rows of actors whose owner changes inside the month with their daily
 * rows, so each day is charged to the cost center that owned it. The daily rows of an actor
 * must add up to its monthly rows (under one cent), or the pull is inconsistent. Pure.
 */
export function withDailyRows(monthly: readonly CostRow[], daily: readonly CostRow[], movers: readonly string[]): CostRow[] {
  const moving = new Set(movers);
  const kept = monthly.filter((r) => !moving.has(filterableActorId(r) ?? ''));
  const replaced = monthly.filter((r) => moving.has(filterableActorId(r) ?? ''));
  const added = daily.filter((r) => moving.has(filterableActorId(r) ?? ''));
  for (const id of moving) {
    const month = sumMoney(replaced.filter((r) => filterableActorId(r) === id).map((r) => r.amountCents));
    const days = sumMoney(added.filter((r) => filterableActorId(r) === id).map((r) => r.amountCents));
    if (month.minus(days).abs().greaterThanOrEqualTo(1)) {
      throw dataError(`The daily cost of ${id} does not add up to its monthly cost (${decimalText(days)} vs ${decimalText(month)} cents).`, [
        'The provider revised the data between the two pulls. Run again; nothing was published.',
      ]);
    }
  }
  return [...kept, ...added];
}
