import { describe, expect, it } from 'vitest';
import { finalFromMs, isFinalAt, latestFinalPeriod, parsePeriod } from '../src/core/period.js';

describe('period', () => {
  it('is a UTC month with an exclusive end', () => {
    const p = parsePeriod('2026-02')!;
    expect(p.startIso).toBe('2026-02-01T00:00:00Z');
    expect(p.endExclusiveIso).toBe('2026-03-01T00:00:00Z');
    expect(p.days).toBe(28);
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
});
