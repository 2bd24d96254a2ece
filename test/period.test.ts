import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addHours,
  dayStartAtOrAfter,
  dayStartMs,
  daysBetween,
  isoSeconds,
  startOfDayMs,
  startOfHourMs,
  weekdayOf,
  dayOf,
  finalFromMs,
  isFinalAt,
  isIsoInstant,
  isWithinLookback,
  lastDay,
  latestFinalPeriod,
  nextPeriod,
  parseInstant,
  parsePeriod,
  periodDays,
  periodOf,
} from '../src/core/period.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** An independent oracle of month lengths: the Gregorian rule, no date library. */
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthLength = (y: number, m: number) => [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
const month = fc.record({ year: fc.integer({ min: 2000, max: 2100 }), month: fc.integer({ min: 1, max: 12 }) });

describe('period', () => {
  it('is a UTC month with an exclusive end', () => {
    const p = parsePeriod('2026-02')!;
    expect(p.startIso).toBe('2026-02-01T00:00:00Z');
    expect(p.endExclusiveIso).toBe('2026-03-01T00:00:00Z');
    expect(p.days).toBe(28);
    expect(lastDay(p)).toBe('2026-02-28');
    expect(parsePeriod('2026-13')).toBeNull();
    expect(parsePeriod('2026-9')).toBeNull();
  });

  it('is final 30 days after the month ends (September 2026 on 2026-10-31)', () => {
    const sep = parsePeriod('2026-09')!;
    expect(new Date(finalFromMs(sep)).toISOString()).toBe('2026-10-31T00:00:00.000Z');
    expect(isFinalAt(sep, Date.parse('2026-10-30T23:59:59Z'))).toBe(false);
    expect(isFinalAt(sep, Date.parse('2026-10-31T00:00:00Z'))).toBe(true);
  });

  it('defaults to the latest final month', () => {
    expect(latestFinalPeriod(Date.parse('2026-11-25T09:00:00Z')).label).toBe('2026-09');
    expect(latestFinalPeriod(Date.parse('2026-12-01T00:00:00Z')).label).toBe('2026-10');
    expect(latestFinalPeriod(Date.parse('2026-10-30T12:00:00Z')).label).toBe('2026-08');
    expect(latestFinalPeriod(Date.parse('2027-01-31T00:00:00Z')).label).toBe('2026-12');
  });

  it('floors to the UTC hour and day, and steps by hours and days', () => {
    const t = Date.parse('2026-03-01T13:45:12.345Z');
    expect(isoSeconds(startOfHourMs(t))).toBe('2026-03-01T13:00:00Z');
    expect(dayOf(startOfDayMs(t))).toBe('2026-03-01');
    expect(isoSeconds(addHours(t, -14))).toBe('2026-02-28T23:45:12Z');
    expect(dayOf(addDays(t, -1))).toBe('2026-02-28');
    expect(isoSeconds(dayStartAtOrAfter(t))).toBe('2026-03-02T00:00:00Z');
    expect(dayStartAtOrAfter(startOfDayMs(t))).toBe(startOfDayMs(t));
    expect(dayStartMs('2026-02-29')).toBeNull();
    expect(weekdayOf(Date.parse('2026-09-06T12:00:00Z'))).toBe(0); // a Sunday
    expect(daysBetween(Date.parse('2026-02-27T00:00:00Z'), Date.parse('2026-03-02T00:00:00Z')).map(dayOf)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });

  it('lies within the API look-back only when its start is at most 365 days old', () => {
    const sep = parsePeriod('2026-09')!;
    expect(isWithinLookback(sep, Date.parse('2027-09-01T00:00:00Z'))).toBe(true);
    expect(isWithinLookback(sep, Date.parse('2027-09-01T00:00:01Z'))).toBe(false);
  });

  it('has as many days as luxon counts in that month, listed one by one, for every month 2000–2100', () => {
    fc.assert(
      fc.property(month, ({ year, month: m }) => {
        const p = periodOf(year, m);
        expect(p.days).toBe(DateTime.fromObject({ year, month: m }, { zone: 'utc' }).daysInMonth);
        expect(p.days).toBe(monthLength(year, m));
        const days = periodDays(p);
        expect(days).toHaveLength(p.days);
        expect(days[0]).toBe(`${year}-${pad(m)}-01`);
        expect(days.at(-1)).toBe(lastDay(p));
        expect(lastDay(p)).toBe(`${year}-${pad(m)}-${pad(monthLength(year, m))}`);
      }),
      { numRuns: 300 },
    );
  });

  it('has contiguous bounds: the end of one month is the start of the next', () => {
    fc.assert(
      fc.property(month, ({ year, month: m }) => {
        const p = periodOf(year, m);
        const next = nextPeriod(p);
        expect(next.startMs).toBe(p.endExclusiveMs);
        expect(next.startIso).toBe(p.endExclusiveIso);
        expect(p.endExclusiveMs - p.startMs).toBe(p.days * 86_400_000); // UTC days have no DST
        expect(parsePeriod(p.label)).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });

  it('is final exactly 30 days after its end', () => {
    fc.assert(
      fc.property(month, ({ year, month: m }) => {
        const p = periodOf(year, m);
        expect(finalFromMs(p)).toBe(addDays(p.endExclusiveMs, 30));
        expect(dayOf(finalFromMs(p))).toBe(DateTime.fromMillis(p.endExclusiveMs, { zone: 'utc' }).plus({ days: 30 }).toISODate());
        expect(isFinalAt(p, finalFromMs(p) - 1)).toBe(false);
        expect(isFinalAt(p, finalFromMs(p))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('instants (--now, data_refreshed_at)', () => {
  it('refuses impossible instants instead of rolling them over, and says why', () => {
    expect(parseInstant('2026-02-30T00:00:00Z')).toEqual({ ok: false, reason: '2026-02 has 28 days, not day 30' });
    expect(parseInstant('2026-13-01T00:00:00Z')).toMatchObject({ ok: false, reason: 'month 13 does not exist' });
    expect(parseInstant('2026-01-01T25:00:00Z')).toMatchObject({ ok: false, reason: expect.stringContaining('hour 25') });
    expect(parseInstant('2026-01-01T24:00:00Z')).toMatchObject({ ok: false, reason: expect.stringContaining('hour 24') });
    expect(parseInstant('2026-01-01T00:00:60Z')).toMatchObject({ ok: false });
    expect(parseInstant('2026-01-01T00:00:00')).toMatchObject({ ok: false, reason: expect.stringContaining('offset') });
    expect(parseInstant('yesterday')).toMatchObject({ ok: false });
    expect(isIsoInstant('yesterday')).toBe(false);
    expect(isIsoInstant('2026-10-31T12:00:00Z')).toBe(true);
    expect(parseInstant('2024-02-29T23:59:59.5+01:00')).toEqual({ ok: true, ms: Date.parse('2024-02-29T22:59:59.500Z') });
    expect(parseInstant('2026-11-25T09:00Z')).toEqual({ ok: true, ms: Date.parse('2026-11-25T09:00:00Z') });
  });

  it('accepts exactly the instants that exist on the calendar', () => {
    const fields = fc.record({
      year: fc.integer({ min: 2000, max: 2100 }),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 25 }),
      minute: fc.integer({ min: 0, max: 60 }),
      second: fc.integer({ min: 0, max: 61 }),
    });
    fc.assert(
      fc.property(fields, (f) => {
        const text = `${f.year}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}Z`;
        const valid = f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= monthLength(f.year, f.month) && f.hour <= 23 && f.minute <= 59 && f.second <= 59;
        const r = parseInstant(text);
        expect(r.ok, text).toBe(valid);
        expect(isIsoInstant(text)).toBe(valid);
        if (r.ok) expect(r.ms).toBe(Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('epochDay', () => {
  it('counts whole UTC days since 1970-01-01, one more for each day added, whatever the hour', async () => {
    const { epochDay, addDays, startOfDayMs } = await import('../src/core/period.js');
    expect([epochDay(0), epochDay(86_399_999), epochDay(86_400_000), epochDay(-1)]).toEqual([0, 0, 1, -1]);
    expect(epochDay(Date.parse('2026-09-15T23:59:59Z'))).toBe(20_711);
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') }), fc.integer({ min: -400, max: 400 }), (ms, days) => {
        expect(epochDay(addDays(startOfDayMs(ms), days))).toBe(epochDay(ms) + days);
      }),
      { numRuns: 200 },
    );
  });
});
