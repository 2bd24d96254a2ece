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

/** Activity as bits: any usage or activity, and each surface. */
const ANY = 1;
const CLAUDE = 2;
const CODE = 4;
const COWORK = 8;
const SURFACE_BITS: Readonly<Record<string, number>> = { chat: CLAUDE, chat_cowork_unified: CLAUDE | COWORK, claude_code: CODE, cowork: COWORK };

/** Activity bits per person key ("user:<id>" and "email:<address>"), from the month's usage and engagement. */
function activity(allocation: Allocation, engagement: readonly EngagementRow[] | null): Map<string, number> {
  const out = new Map<string, number>();
  const mark = (key: string | null, bits: number) => {
    if (key !== null && bits !== 0) out.set(key, (out.get(key) ?? 0) | bits);
  };
  for (const cc of allocation.costCenters) {
    for (const a of cc.actors) {
      if (a.actorType !== 'user_actor') continue;
      let bits = 0;
      for (const l of a.lines) if (!l.unroundedCents.isZero()) bits |= ANY | (SURFACE_BITS[l.product ?? ''] ?? 0);
      mark(a.actorKey, bits);
      mark(a.email ? `email:${a.email.toLowerCase()}` : null, bits);
    }
  }
  for (const r of engagement ?? []) {
    const bits = ((r.conversations ?? 0) > 0 ? ANY | CLAUDE : 0) | ((r.sessions ?? 0) > 0 || r.commits > 0 ? ANY | CODE : 0);
    mark(`user:${r.userId}`, bits);
    mark(r.email ? `email:${r.email.toLowerCase()}` : null, bits);
  }
  return out;
}

/** Adoption counts of every cost center of the directory, by code. */
export function adoptionByCostCenter(allocation: Allocation, directory: OrgDirectory, period: Period, engagement: readonly EngagementRow[] | null): Map<string, AdoptionCounts> {
  const active = activity(allocation, engagement);
  const days = periodDays(period);
  // A person is one seat per cost center they belong to in the month, however many entries say so:
  // their days there, and their activity under their user id or e-mail.
  const seats = new Map<string, Map<string, { days: number; bits: number }>>();
  for (const p of directory.people) {
    const inMonth = days.filter((d) => activeOn(p, d)).length;
    if (inMonth === 0) continue;
    const id = p.userId ? `user:${p.userId}` : `email:${p.email!.toLowerCase()}`;
    const bits = (p.userId ? (active.get(`user:${p.userId}`) ?? 0) : 0) | (p.email ? (active.get(`email:${p.email.toLowerCase()}`) ?? 0) : 0);
    let byId = seats.get(p.costCenter);
    if (!byId) seats.set(p.costCenter, (byId = new Map()));
    const seat = byId.get(id);
    if (seat) {
      seat.days += inMonth;
      seat.bits |= bits;
    } else byId.set(id, { days: inMonth, bits });
  }
  const counts = new Map<string, AdoptionCounts>();
  for (const cc of directory.costCenters) {
    const c = { seated: 0, active: 0, claude: 0, code: 0, cowork: 0, idleSeatDays: 0, seatDays: 0 };
    for (const { days: personDays, bits } of seats.get(cc.code)?.values() ?? []) {
      c.seated += 1;
      c.seatDays += personDays;
      if (bits & ANY) c.active += 1;
      else c.idleSeatDays += personDays;
      if (bits & CLAUDE) c.claude += 1;
      if (bits & CODE) c.code += 1;
      if (bits & COWORK) c.cowork += 1;
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
