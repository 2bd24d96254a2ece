import { DateTime } from 'luxon';

/**
 * All calendar arithmetic of the tool (month bounds, days of a month, the final date, adding
 * days, instants as text) lives here, on luxon in UTC, so no other module counts milliseconds
 * per day. Pure: no clock is read here; every instant is passed in.
 */

/** A calendar month in UTC: `[start, endExclusive)`. */
export interface Period {
  readonly label: string; // "2026-09"
  readonly year: number;
  readonly month: number; // 1..12
  readonly startIso: string; // 2026-09-01T00:00:00Z
  readonly endExclusiveIso: string; // 2026-10-01T00:00:00Z
  readonly startMs: number;
  readonly endExclusiveMs: number;
  readonly days: number;
}

/** The provider revises cost values for 30 days after usage. */
export const REVISION_WINDOW_DAYS = 30;
/** The Analytics API serves cost whose starting_at lies within the last 365 days. */
export const API_LOOKBACK_DAYS = 365;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

const utc = (ms: number): DateTime => DateTime.fromMillis(ms, { zone: 'utc' });

/** An instant as RFC 3339 UTC text to the second ("2026-09-01T00:00:00Z"); milliseconds are dropped. */
export function isoSeconds(ms: number): string {
  return utc(ms).toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
}

/** The UTC day of an instant, "YYYY-MM-DD". */
export function dayOf(ms: number): string {
  return utc(ms).toFormat('yyyy-MM-dd');
}

/** The instant `days` calendar days after `ms` (negative: before). UTC days are always 24 hours. */
/**
 * Whole UTC days since 1970-01-01 (negative before it). Epoch time has no leap seconds, so a UTC
 * day is always 86,400,000 ms; this is the one place that says so. For hot loops (the sandbox).
 */
export function epochDay(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

/** Day of the week of an epoch day (0 = Sunday … 6 = Saturday); 1970-01-01 was a Thursday. */
export function weekdayOfEpochDay(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function addDays(ms: number, days: number): number {
  return utc(ms).plus({ days }).toMillis();
}

/** The instant `hours` hours after `ms` (negative: before). */
export function addHours(ms: number, hours: number): number {
  return utc(ms).plus({ hours }).toMillis();
}

/** The start of the UTC hour holding `ms` (the API's hour buckets). */
export function startOfHourMs(ms: number): number {
  return utc(ms).startOf('hour').toMillis();
}

/** The start (00:00 UTC) of the day holding `ms`. */
export function startOfDayMs(ms: number): number {
  return utc(ms).startOf('day').toMillis();
}

/** The first day start at or after `ms` (`ms` itself when it is midnight UTC). */
export function dayStartAtOrAfter(ms: number): number {
  const start = startOfDayMs(ms);
  return start === ms ? ms : addDays(start, 1);
}

/** The weekday of an instant in UTC, 0 = Sunday … 6 = Saturday (as Date#getUTCDay). */
export function weekdayOf(ms: number): number {
  return utc(ms).weekday % 7;
}

/** The start of the UTC day "YYYY-MM-DD"; null when the text is not a calendar day. */
export function dayStartMs(day: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const d = DateTime.fromISO(day, { zone: 'utc' });
  return d.isValid ? d.toMillis() : null;
}

/** The calendar fields of an instant in UTC, for documents that carry a wall-clock date. */
export function utcFields(ms: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const d = utc(ms);
  return { year: d.year, month: d.month, day: d.day, hour: d.hour, minute: d.minute, second: d.second };
}

export function periodOf(year: number, month: number): Period {
  const start = DateTime.fromObject({ year, month, day: 1 }, { zone: 'utc' });
  if (!start.isValid) throw new RangeError(`not a month: ${year}-${month}`);
  const end = start.plus({ months: 1 });
  return {
    label: start.toFormat('yyyy-MM'),
    year,
    month,
    startIso: isoSeconds(start.toMillis()),
    endExclusiveIso: isoSeconds(end.toMillis()),
    startMs: start.toMillis(),
    endExclusiveMs: end.toMillis(),
    days: start.daysInMonth!,
  };
}

/** Parses "YYYY-MM"; returns null when the text is not a month. */
export function parsePeriod(text: string): Period | null {
  const m = PERIOD.exec(text.trim());
  if (!m) return null;
  return periodOf(Number(m[1]), Number(m[2]));
}

/** The period holding the instant `ms`. */
export function periodAt(ms: number): Period {
  const d = utc(ms);
  return periodOf(d.year, d.month);
}

/** The last day of the period, "YYYY-MM-DD". */
export function lastDay(period: Period): string {
  return dayOf(addDays(period.endExclusiveMs, -1));
}

/** The last day of the month of a day: "2026-02-10" → "2026-02-28". */
export function lastDayOfMonth(day: string): string {
  return lastDay(periodOf(Number(day.slice(0, 4)), Number(day.slice(5, 7))));
}

/** The instant from which a month's cost is invoicing-grade: its end plus the revision window. */
export function finalFromMs(period: Period): number {
  return addDays(period.endExclusiveMs, REVISION_WINDOW_DAYS);
}

export function isFinalAt(period: Period, nowMs: number): boolean {
  return nowMs >= finalFromMs(period);
}

/** The earliest starting_at the API still serves at `nowMs` (its 365-day look-back). */
export function lookbackStartMs(nowMs: number): number {
  return addDays(nowMs, -API_LOOKBACK_DAYS);
}

/** Whether the API still serves the whole month at `nowMs`: its start lies within the look-back. */
export function isWithinLookback(period: Period, nowMs: number): boolean {
  return period.startMs >= lookbackStartMs(nowMs);
}

export function previousPeriod(period: Period): Period {
  return period.month === 1 ? periodOf(period.year - 1, 12) : periodOf(period.year, period.month - 1);
}

export function nextPeriod(period: Period): Period {
  return period.month === 12 ? periodOf(period.year + 1, 1) : periodOf(period.year, period.month + 1);
}

/** The latest month that is already invoicing-grade at `nowMs`. */
export function latestFinalPeriod(nowMs: number): Period {
  let p = periodAt(nowMs);
  while (!isFinalAt(p, nowMs)) p = previousPeriod(p);
  return p;
}

/** Every UTC day of the period as "YYYY-MM-DD". */
export function periodDays(period: Period): string[] {
  const start = utc(period.startMs);
  return Array.from({ length: period.days }, (_, i) => start.plus({ days: i }).toFormat('yyyy-MM-dd'));
}

/** Each day's start (ms) from `startMs` (inclusive) to `endMs` (exclusive), one calendar day apart. */
export function daysBetween(startMs: number, endMs: number): number[] {
  const out: number[] = [];
  for (let ms = startMs; ms < endMs; ms = addDays(ms, 1)) out.push(ms);
  return out;
}

/** RFC 3339 date-time with an explicit offset, as the API writes and --now takes. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):?(\d{2}))$/;

export type InstantParse = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

/**
 * An instant written as RFC 3339 (`2026-11-25T09:00:00Z`, `2026-11-25T10:00+01:00`): a real
 * calendar date and time with an explicit offset. Impossible values (30 February, month 13,
 * hour 24 or 25, second 60) are refused with the reason rather than rolled over.
 */
export function parseInstant(text: string): InstantParse {
  const m = INSTANT.exec(text);
  if (!m) return { ok: false, reason: 'expected an instant such as 2026-11-25T09:00:00Z (date, time and Z or an offset like +01:00)' };
  const [, , month, day, hour, minute, second, , offsetHours, offsetMinutes] = m;
  if (Number(month) < 1 || Number(month) > 12) return { ok: false, reason: `month ${month} does not exist` };
  if (Number(hour) > 23) return { ok: false, reason: `hour ${hour} does not exist (00 to 23)` };
  if (Number(minute) > 59) return { ok: false, reason: `minute ${minute} does not exist (00 to 59)` };
  if (second !== undefined && Number(second) > 59) return { ok: false, reason: `second ${second} does not exist (00 to 59)` };
  if (offsetHours !== undefined && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) return { ok: false, reason: `offset ${m[7]} does not exist` };
  const d = DateTime.fromISO(text, { setZone: true });
  if (!d.isValid) {
    const date = DateTime.fromObject({ year: Number(m[1]), month: Number(month) }, { zone: 'utc' });
    return { ok: false, reason: `${m[1]}-${month} has ${date.daysInMonth ?? '?'} days, not day ${day}` };
  }
  return { ok: true, ms: d.toMillis() };
}

/** Whether `text` is an RFC 3339 instant that exists (see parseInstant): for timestamps read from the API. */
export function isIsoInstant(text: string): boolean {
  return parseInstant(text).ok;
}

/** The instant of an RFC 3339 text, or null when it is not one. */
export function instantMs(text: string): number | null {
  const r = parseInstant(text);
  return r.ok ? r.ms : null;
}
