import type { Allocation } from './allocate.js';
import { activeOn, type OrgDirectory } from './directory.js';
import type { EngagementRow } from './engagement.js';
import { Money } from './money.js';
import { periodDays, type Period } from './period.js';

/**
 * Adoption next to cost: seats are paid whether used or not. Per cost center, the people the
 * directory gives a seat there during the month, how many of them were active (by surface), and
 * the part of the seat charge that paid for people with no activity at all. Pure.
 *
 * A person is active on a surface when the month bills usage of that surface to them (any cost
 * center) or, where the month has engagement, the provider's activity report counts their chat
 * conversations (Claude) or Claude Code sessions or commits (Claude Code).
 */
export type Surface = 'claude' | 'code' | 'cowork';

const SURFACES_OF: Readonly<Record<string, readonly Surface[]>> = {
  chat: ['claude'],
  chat_cowork_unified: ['claude', 'cowork'],
  claude_code: ['code'],
  cowork: ['cowork'],
};

export interface AdoptionCounts {
  /** People with a seat in the cost center (or below it, for a roll-up) on at least one day of the month. */
  readonly seated: number;
  /** Of them, active on any surface (or with any usage). */
  readonly active: number;
  readonly claude: number;
  readonly code: number;
  readonly cowork: number;
  /** Seat-days of seated people with no activity, and all seat-days: the idle part of the seat charge. */
  readonly idleSeatDays: number;
  readonly seatDays: number;
}

export interface AdoptionView extends AdoptionCounts {
  /** The part of the statement's seat charge for people with no activity (half up to the cent); null without seats. */
  readonly idleSeatCents: bigint | null;
}

/** Activity per person key ("user:<id>" and "email:<address>"), from the month's usage and engagement. */
function activity(allocation: Allocation, engagement: readonly EngagementRow[] | null): Map<string, Set<Surface | 'any'>> {
  const out = new Map<string, Set<Surface | 'any'>>();
  const mark = (keys: ReadonlyArray<string | null>, what: ReadonlyArray<Surface | 'any'>) => {
    for (const key of keys) {
      if (key === null) continue;
      let set = out.get(key);
      if (!set) out.set(key, (set = new Set()));
      for (const w of what) set.add(w);
    }
  };
  for (const cc of allocation.costCenters) {
    for (const a of cc.actors) {
      if (a.actorType !== 'user_actor') continue;
      const keys = [a.actorKey, a.email ? `email:${a.email.toLowerCase()}` : null];
      for (const l of a.lines) if (!l.unroundedCents.isZero()) mark(keys, ['any', ...(SURFACES_OF[l.product ?? ''] ?? [])]);
    }
  }
  for (const r of engagement ?? []) {
    const keys = [`user:${r.userId}`, r.email ? `email:${r.email.toLowerCase()}` : null];
    const what: Array<Surface | 'any'> = [];
    if ((r.conversations ?? 0) > 0) what.push('claude', 'any');
    if ((r.sessions ?? 0) > 0 || r.commits > 0) what.push('code', 'any');
    if (what.length > 0) mark(keys, what);
  }
  return out;
}

/** Adoption counts of every cost center of the directory, by code. */
export function adoptionByCostCenter(allocation: Allocation, directory: OrgDirectory, period: Period, engagement: readonly EngagementRow[] | null): Map<string, AdoptionCounts> {
  const active = activity(allocation, engagement);
  const days = periodDays(period);
  // The keys a person's activity may be found under, by cost center and person.
  const keysOf = new Map<string, ReadonlyArray<string | null>>();
  // A person is one seat per cost center they belong to in the month, however many entries say so.
  const seen = new Map<string, Map<string, number>>();
  for (const p of directory.people) {
    const inMonth = days.filter((d) => activeOn(p, d)).length;
    if (inMonth === 0) continue;
    const id = p.userId ? `user:${p.userId}` : `email:${p.email!.toLowerCase()}`;
    const byCc = seen.get(p.costCenter) ?? new Map<string, number>();
    seen.set(p.costCenter, byCc);
    byCc.set(id, (byCc.get(id) ?? 0) + inMonth);
    const keys = [p.userId ? `user:${p.userId}` : null, p.email ? `email:${p.email.toLowerCase()}` : null];
    keysOf.set(`${p.costCenter}\u0000${id}`, keys);
  }
  const counts = new Map<string, AdoptionCounts>();
  for (const cc of directory.costCenters) {
    const c = { seated: 0, active: 0, claude: 0, code: 0, cowork: 0, idleSeatDays: 0, seatDays: 0 };
    for (const [id, personDays] of seen.get(cc.code) ?? []) {
      const keys = keysOf.get(`${cc.code}\u0000${id}`)!;
      const what = new Set<Surface | 'any'>();
      for (const k of keys) if (k !== null) for (const w of active.get(k) ?? []) what.add(w);
      c.seated += 1;
      c.seatDays += personDays;
      if (what.has('any')) c.active += 1;
      else c.idleSeatDays += personDays;
      if (what.has('claude')) c.claude += 1;
      if (what.has('code')) c.code += 1;
      if (what.has('cowork')) c.cowork += 1;
    }
    counts.set(cc.code, c);
  }
  return counts;
}

/** Counts added up (a roll-up over its subtree, or the company over every cost center). */
export function sumAdoption(parts: Iterable<AdoptionCounts>): AdoptionCounts {
  const s = { seated: 0, active: 0, claude: 0, code: 0, cowork: 0, idleSeatDays: 0, seatDays: 0 };
  for (const p of parts) for (const k of Object.keys(s) as Array<keyof typeof s>) s[k] += p[k];
  return s;
}

/** The idle part of a seat charge: seat cents × idle seat-days / seat-days, rounded half up once. */
export function idleSeatCents(counts: AdoptionCounts, seatCents: bigint | null): bigint | null {
  if (seatCents === null) return null;
  if (counts.seatDays === 0) return 0n;
  return BigInt(new Money(seatCents.toString()).times(counts.idleSeatDays).dividedBy(counts.seatDays).toDecimalPlaces(0, Money.ROUND_HALF_UP).toFixed(0));
}
