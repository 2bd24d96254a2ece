/** A calendar month in UTC: `[start, endExclusive)`. Pure: no clock is read here. */
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
const DAY_MS = 86_400_000;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function periodOf(year: number, month: number): Period {
  const startMs = Date.UTC(year, month - 1, 1);
  const endExclusiveMs = Date.UTC(year, month, 1);
  return {
    label: `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`,
    year,
    month,
    startIso: isoSeconds(startMs),
    endExclusiveIso: isoSeconds(endExclusiveMs),
    startMs,
    endExclusiveMs,
    days: Math.round((endExclusiveMs - startMs) / DAY_MS),
  };
}

/** Parses "YYYY-MM"; returns null when the text is not a month. */
export function parsePeriod(text: string): Period | null {
  const m = PERIOD.exec(text.trim());
  if (!m) return null;
  return periodOf(Number(m[1]), Number(m[2]));
}

/** The instant from which a month's cost is invoicing-grade: its end plus the revision window. */
export function finalFromMs(period: Period): number {
  return period.endExclusiveMs + REVISION_WINDOW_DAYS * DAY_MS;
}

export function isFinalAt(period: Period, nowMs: number): boolean {
  return nowMs >= finalFromMs(period);
}

export function previousPeriod(period: Period): Period {
  return period.month === 1 ? periodOf(period.year - 1, 12) : periodOf(period.year, period.month - 1);
}

/** The latest month that is already invoicing-grade at `nowMs`. */
export function latestFinalPeriod(nowMs: number): Period {
  const now = new Date(nowMs);
  let p = periodOf(now.getUTCFullYear(), now.getUTCMonth() + 1);
  while (!isFinalAt(p, nowMs)) p = previousPeriod(p);
  return p;
}

/** Every UTC day of the period as "YYYY-MM-DD". */
export function periodDays(period: Period): string[] {
  const days: string[] = [];
  for (let ms = period.startMs; ms < period.endExclusiveMs; ms += DAY_MS) days.push(new Date(ms).toISOString().slice(0, 10));
  return days;
}
