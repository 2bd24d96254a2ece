import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Money } from '../src/core/money.js';
import { createRequire } from 'node:module';
import { Formatter, localeSamples, NO_PERCENT, STATEMENT_LOCALE_EXAMPLES, statementLocaleProblem, supportedLocale } from '../src/render/locale.js';

const NBSP = '\u00a0';
const en = new Formatter('en-GB');
const de = new Formatter('de-DE');

/** Undoes money(): strip the locale's group separators, symbol and spaces, swap the decimal separator, read cents. */
function centsBack(locale: string, text: string): bigint {
  const parts = new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', currencyDisplay: 'narrowSymbol' }).formatToParts(-1234567.5);
  const group = parts.find((p) => p.type === 'group')!.value;
  const decimal = parts.find((p) => p.type === 'decimal')!.value;
  const plain = text.split(group).join('').replace('$', '').replace(/[\s\u00a0\u202f]/g, '').replace(decimal, '.');
  expect(plain).toMatch(/^[-+]?\d+\.\d{2}$/);
  return BigInt(plain.replace('.', '').replace(/^\+/, ''));
}

describe('money', () => {
  it('formats en-GB exactly', () => {
    expect(en.money(123456n)).toBe('$1,234.56');
    expect(en.money(-1200n)).toBe('-$12.00');
    expect(en.money(0n)).toBe('$0.00');
    expect(en.money(5n)).toBe('$0.05');
    expect(en.money(-5n)).toBe('-$0.05');
    expect(en.money(10n ** 20n + 1n)).toBe('$1,000,000,000,000,000,000.01');
    expect(en.money(-(10n ** 20n) - 1n)).toBe('-$1,000,000,000,000,000,000.01');
  });

  it('formats de-DE exactly', () => {
    expect(de.money(123456n)).toBe(`1.234,56${NBSP}$`);
    expect(de.money(-1200n)).toBe(`-12,00${NBSP}$`);
    expect(de.money(0n)).toBe(`0,00${NBSP}$`);
    expect(de.money(5n)).toBe(`0,05${NBSP}$`);
    expect(de.money(10n ** 20n + 1n)).toBe(`1.000.000.000.000.000.000,01${NBSP}$`);
  });

  it('signs every amount but zero', () => {
    expect(en.signedMoney(1200n)).toBe('+$12.00');
    expect(en.signedMoney(-1200n)).toBe('-$12.00');
    expect(en.signedMoney(0n)).toBe('$0.00');
    expect(de.signedMoney(123456n)).toBe(`+1.234,56${NBSP}$`);
    expect(de.signedMoney(-5n)).toBe(`-0,05${NBSP}$`);
    expect(de.signedMoney(0n)).toBe(`0,00${NBSP}$`);
  });

  it('round-trips any bigint exactly, with the locale grouping, in both locales', () => {
    const shapes: Record<string, RegExp> = {
      'en-GB': /^-?\$\d{1,3}(,\d{3})*\.\d{2}$/,
      'de-DE': /^-?\d{1,3}(\.\d{3})*,\d{2}\u00a0\$$/,
    };
    for (const [locale, f] of [['en-GB', en], ['de-DE', de]] as const) {
      fc.assert(
        fc.property(fc.oneof(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: -100_000n, max: 100_000n })), (cents) => {
          const text = f.money(cents);
          expect(text).toMatch(shapes[locale]!);
          expect(centsBack(locale, text)).toBe(cents);
          const signed = f.signedMoney(cents);
          expect(signed.startsWith(cents > 0n ? '+' : cents < 0n ? '-' : text.charAt(0))).toBe(true);
          expect(centsBack(locale, signed)).toBe(cents);
        }),
        { numRuns: 300, seed: 20260930 },
      );
    }
  });
});

describe('percent', () => {
  it('rounds half away from zero at the boundary', () => {
    expect(en.percent(1n, 8n, 0)).toBe('13%');
    expect(en.percent(-1n, 8n, 0)).toBe('-13%');
    expect(en.percent(1n, -8n, 0)).toBe('-13%');
    expect(en.percent(1n, 8n)).toBe('12.5%');
    expect(en.percent(1n, 16n)).toBe('6.3%');
    expect(en.percent(1249n, 10000n, 0)).toBe('12%');
    expect(en.percent(1250n, 10000n, 0)).toBe('13%');
    expect(en.percent(2n, 3n, 2)).toBe('66.67%');
    expect(en.percent(1n, 3n, 2)).toBe('33.33%');
    expect(en.percent(123n, 1000n)).toBe('12.3%');
    expect(en.percent(5n, 5n, 2)).toBe('100.00%');
    expect(de.percent(123n, 1000n)).toBe(`12,3${NBSP}%`);
    expect(de.percent(1n, 8n, 0)).toBe(`13${NBSP}%`);
    expect(de.percent(10n ** 22n, 1n, 0)).toBe(`1.000.000.000.000.000.000.000.000${NBSP}%`);
  });

  it('shows a dash for a share of nothing, and no sign on a share that rounds to zero', () => {
    expect(en.percent(5n, 0n)).toBe(NO_PERCENT);
    expect(de.signedPercent(5n, 0n)).toBe('—');
    expect(en.percent(-1n, 10000n)).toBe('0.0%');
    expect(en.signedPercent(-1n, 10000n)).toBe('0.0%');
  });

  it('signs every percentage but zero', () => {
    expect(en.signedPercent(1n, 8n)).toBe('+12.5%');
    expect(en.signedPercent(-1n, 8n, 0)).toBe('-13%');
    expect(en.signedPercent(0n, 8n)).toBe('0.0%');
    expect(de.signedPercent(123n, 1000n)).toBe(`+12,3${NBSP}%`);
    expect(de.signedPercent(-123n, 1000n)).toBe(`-12,3${NBSP}%`);
  });

  it('equals the exact ratio rounded half-up for random values', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }).filter((w) => w !== 0n), fc.integer({ min: 0, max: 4 }), (part, whole, digits) => {
        const expected = new Money(part.toString()).times(100).div(whole.toString()).toDecimalPlaces(digits, Money.ROUND_HALF_UP);
        const text = en.percent(part, whole, digits);
        expect(new Money(text.replace(/[,%]/g, '')).equals(expected)).toBe(true);
        expect(text.replace(/^-/, '').split('.')[1]?.length ?? 0).toBe(digits === 0 ? 0 : digits + 1);
      }),
      { numRuns: 300, seed: 20260930 },
    );
  });
});

describe('counts and dates', () => {
  it('groups counts', () => {
    expect(en.integer(1234567)).toBe('1,234,567');
    expect(de.integer(1234567)).toBe('1.234.567');
    expect(en.integer(0)).toBe('0');
    expect(de.integer(-42)).toBe('-42');
    expect(en.integer(10n ** 20n + 1n)).toBe('100,000,000,000,000,000,001');
    expect(() => en.integer(1.5)).toThrow(RangeError);
  });

  it('writes days, instants and months', () => {
    expect(en.date('2026-09-30')).toBe('30 September 2026');
    expect(de.date('2026-09-30')).toBe('30. September 2026');
    expect(en.date('2026-01-01')).toBe('1 January 2026');
    expect(de.date('2026-03-01')).toBe('1. März 2026');
    expect(en.dateTime('2026-11-25T09:00:00Z')).toBe('25 November 2026 at 09:00 UTC');
    expect(de.dateTime('2026-11-25T09:00:00Z')).toBe('25. November 2026 um 09:00 UTC');
    expect(en.dateTime('2026-11-25T23:30:00-02:00')).toBe('26 November 2026 at 01:30 UTC');
    expect(en.month('2026-09')).toBe('September 2026');
    expect(de.month('2026-09')).toBe('September 2026');
    expect(de.month('2026-03')).toBe('März 2026');
    // Whatever this Node's ICU abbreviates to; en-GB says "Sep" or "Sept" by ICU version.
    expect(en.shortMonth('2026-09')).toMatch(/^Sept? 2026$/);
    expect(de.shortMonth('2026-09')).toBe('Sept. 2026');
    expect(en.shortMonth('2026-05')).toBe('May 2026');
  });

  it('refuses what is not a day, instant or month', () => {
    expect(() => en.date('2026-02-30')).toThrow(RangeError);
    expect(() => en.date('2026-9-30')).toThrow(RangeError);
    expect(() => en.dateTime('yesterday')).toThrow(RangeError);
    expect(() => en.month('2026-13')).toThrow(RangeError);
    expect(() => de.shortMonth('Sept 2026')).toThrow(RangeError);
  });
});

describe('locales', () => {
  it('accepts supported tags in any case and refuses the rest instead of falling back to the process locale', () => {
    expect(supportedLocale('de-de')).toBe('de-DE');
    expect(new Formatter('en-gb').locale).toBe('en-GB');
    expect(supportedLocale('tlh-QO')).toBeNull();
    expect(supportedLocale('en_GB')).toBeNull();
    expect(supportedLocale('')).toBeNull();
    expect(() => new Formatter('tlh-QO')).toThrow(RangeError);
  });

  it('depends on the locale argument only, not on TZ or LANG', () => {
    const sample = (f: Formatter) => [f.money(-123456789n), f.signedMoney(5n), f.percent(1n, 8n), f.signedPercent(-2n, 3n, 2), f.integer(98765), f.date('2026-09-30'), f.dateTime('2026-09-30T23:59:00Z'), f.month('2026-09'), f.shortMonth('2026-12')];
    const before = { en: sample(new Formatter('en-GB')), de: sample(new Formatter('de-DE')) };
    const saved = { TZ: process.env.TZ, LANG: process.env.LANG, LC_ALL: process.env.LC_ALL };
    try {
      for (const [tz, lang, offset] of [['Pacific/Kiritimati', 'de_DE.UTF-8', -840], ['America/Los_Angeles', 'ja_JP.UTF-8', 420], ['Asia/Kolkata', 'ar_EG.UTF-8', -330]] as const) {
        process.env.TZ = tz;
        process.env.LANG = lang;
        process.env.LC_ALL = lang;
        // The zone really changed for this process, so the dates below would show it if they used it.
        expect(new Date('2026-09-30T12:00:00Z').getTimezoneOffset()).toBe(offset);
        expect(sample(new Formatter('en-GB'))).toEqual(before.en);
        expect(sample(new Formatter('de-DE'))).toEqual(before.de);
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('locales the statement font can draw', () => {
  it.each(['ja-JP', 'zh-Hant-TW', 'zh-CN', 'ko-KR', 'ar-EG', 'fa-IR', 'he-IL', 'hi-IN', 'bn-BD', 'th-TH', 'ka-GE', 'hy-AM', 'am-ET'])('refuses %s, naming its language and script', (tag) => {
    const problem = statementLocaleProblem(supportedLocale(tag)!);
    expect(problem).toMatch(/^.+ \(.+\), written in script [A-Z][a-z]{3} \(.+\)$/);
  });

  it('refuses a Latin script tag on a language whose dates Intl writes in another script', () => {
    expect(statementLocaleProblem('zh-Latn')).toContain('whose dates and numbers Intl writes with characters such as "年"');
    expect(statementLocaleProblem('ar-Latn')).toContain('whose dates and numbers Intl writes with characters such as');
  });

  it.each([...STATEMENT_LOCALE_EXAMPLES, 'pt-BR', 'vi-VN', 'tr-TR', 'cs-CZ', 'sr-Latn-RS', 'sr-Cyrl-RS', 'bg-BG', 'kk-KZ'])('accepts %s', (tag) => {
    expect(statementLocaleProblem(supportedLocale(tag)!)).toBeNull();
  });

  // fontkit comes with pdfkit and reads the fonts statements embed; it ships no types.
  const fontkit = createRequire(import.meta.url)('fontkit') as { openSync(path: string): { hasGlyphForCodePoint(cp: number): boolean } };
  const fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => fontkit.openSync(createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${f}`)));

  it('every locale accepted (each two-letter language this Node formats) prints only characters both statement fonts have', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const accepted: string[] = [];
    const missing: string[] = [];
    for (const a of letters) {
      for (const b of letters) {
        const canonical = supportedLocale(a + b);
        if (canonical === null || statementLocaleProblem(canonical) !== null) continue;
        accepted.push(canonical);
        for (const text of localeSamples(canonical)) {
          for (const char of text) {
            if (!fonts.every((font) => font.hasGlyphForCodePoint(char.codePointAt(0)!))) missing.push(`${canonical}: U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} in ${JSON.stringify(text)}`);
          }
        }
      }
    }
    expect(accepted.length).toBeGreaterThan(50);
    expect(accepted).toEqual(expect.arrayContaining(['en', 'de', 'fr', 'el', 'ru', 'uk', 'pl', 'vi']));
    expect(accepted).not.toEqual(expect.arrayContaining(['ja']));
    expect(missing).toEqual([]);
  });
});
