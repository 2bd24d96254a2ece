/**
 * Locale-aware, exact formatting of money, percentages, counts and dates for statements.
 *
 * Money never passes through a JS number: cents are turned into a decimal string and handed to
 * Intl.NumberFormat, which formats decimal strings exactly (Node 20+). Percentages are rounded
 * half away from zero with bigint arithmetic before Intl sees them, so Intl never rounds.
 * Every formatter is built with the template's locale, the Latin digits, the Gregorian calendar
 * and the UTC time zone: the output depends on the locale argument alone, never on LANG or TZ.
 */
import { centsToDollarText } from '../core/money.js';
import { dayStartMs } from '../core/period.js';

/** Shown for a percentage of nothing (the whole is zero). */
export const NO_PERCENT = '\u2014';

/**
 * The canonical form of a BCP 47 tag when this Node's Intl formats both numbers and dates in it
 * ("de-de" → "de-DE"), else null (malformed, or no data for the language).
 */
export function supportedLocale(tag: string): string | null {
  let canonical: string;
  try {
    [canonical = ''] = Intl.getCanonicalLocales(tag);
  } catch {
    return null;
  }
  if (canonical === '') return null;
  const numbers = Intl.NumberFormat.supportedLocalesOf([canonical], { localeMatcher: 'lookup' });
  const dates = Intl.DateTimeFormat.supportedLocalesOf([canonical], { localeMatcher: 'lookup' });
  return numbers.length === 1 && dates.length === 1 ? canonical : null;
}

/**
 * The scripts the statement fonts (DejaVu Sans and DejaVu Sans Bold) draw: Latin, Greek and
 * Cyrillic. Chinese, Japanese, Korean, Arabic, Hebrew, Indic and Thai text would print as empty
 * boxes (and right-to-left text would not be laid out), so such locales are refused.
 */
export const STATEMENT_SCRIPTS = { Latn: 'Latin', Grek: 'Greek', Cyrl: 'Cyrillic' } as const;
/** Locales named as examples when one is refused; all of them pass statementLocaleProblem. */
export const STATEMENT_LOCALE_EXAMPLES = ['en-GB', 'en-US', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'nl-NL', 'pl-PL', 'sv-SE', 'el-GR', 'ru-RU', 'uk-UA'] as const;

/** Every character a Latin, Greek or Cyrillic text may hold: those scripts' letters, digits, punctuation, spaces, currency signs, combining marks. */
const DRAWABLE_TEXT = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}\p{Script=Inherited}]*$/u;
const NOT_DRAWABLE = /[^\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}\p{Script=Inherited}]/u;

/** The first character of `text` outside the Latin, Greek and Cyrillic scripts (and the punctuation, digits and marks they share), or null. */
export function undrawableCharacter(text: string): string | null {
  return NOT_DRAWABLE.exec(text)?.[0] ?? null;
}

function displayName(type: 'language' | 'script', code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** What a statement prints through a Formatter in a locale: amounts, percentages, counts, an instant, and every month's names and a day in it. */
export function localeSamples(canonical: string): string[] {
  const f = new Formatter(canonical);
  const samples = [f.money(-123456789n), f.signedMoney(5n), f.percent(1n, 8n), f.signedPercent(-1n, 3n), f.integer(1234567), f.dateTime('2026-09-30T09:00:00Z'), f.dateTime('2026-09-30T21:00:00Z')];
  for (let m = 1; m <= 12; m++) {
    const label = `2026-${String(m).padStart(2, '0')}`;
    samples.push(f.month(label), f.shortMonth(label), f.date(`${label}-28`));
  }
  return samples;
}

/**
 * Why statements cannot be printed in a locale this Node supports (see supportedLocale), or null
 * when they can: the locale's script (written or likely) must be Latin, Greek or Cyrillic, and
 * every month name, date, number and amount it formats must be drawable in those scripts (which
 * catches tags such as zh-Latn, whose dates Intl still writes in Han characters).
 */
export function statementLocaleProblem(canonical: string): string | null {
  let script: string | undefined;
  try {
    script = new Intl.Locale(canonical).maximize().script;
  } catch {
    script = undefined;
  }
  const language = displayName('language', canonical);
  if (script === undefined || !(script in STATEMENT_SCRIPTS)) {
    return `${language}, written in ${script === undefined ? 'an unknown script' : `script ${script} (${displayName('script', script)})`}`;
  }
  for (const text of localeSamples(canonical)) {
    if (DRAWABLE_TEXT.test(text)) continue;
    const char = NOT_DRAWABLE.exec(text)![0];
    return `${language}, whose dates and numbers Intl writes with characters such as "${char}" (in ${JSON.stringify(text)})`;
  }
  return null;
}

/** Intl formats exact decimal strings since ES2023 (Node 20); the ES2022 lib types only know numbers. */
type DecimalFormat = (value: string) => string;
const decimalFormat = (nf: Intl.NumberFormat): DecimalFormat => nf.format.bind(nf) as unknown as DecimalFormat;

const ISO_DAY = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const ISO_MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

function utcDay(isoDay: string): Date {
  const ms = ISO_DAY.test(isoDay) ? dayStartMs(isoDay) : null;
  if (ms === null) throw new RangeError(`not a calendar day (YYYY-MM-DD): ${JSON.stringify(isoDay)}`);
  return new Date(ms);
}

/** part/whole rounded to `digits` decimals of a percent, half away from zero, as the exact fraction Intl's style percent expects (12.5% → "0.125"). */
function roundedPercentText(part: bigint, whole: bigint, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) throw new RangeError(`percent digits must be an integer from 0 to 20, got ${digits}`);
  const scale = 10n ** BigInt(digits);
  const numerator = part * 100n * scale;
  const negative = numerator < 0n !== whole < 0n && numerator !== 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const w = whole < 0n ? -whole : whole;
  // Half away from zero: round the magnitude half-up, then put the sign back.
  const q = n / w + (2n * (n % w) >= w ? 1n : 0n);
  if (q === 0n) return '0';
  const text = q.toString().padStart(digits + 3, '0');
  const cut = text.length - (digits + 2);
  return `${negative ? '-' : ''}${text.slice(0, cut)}.${text.slice(cut)}`;
}

export class Formatter {
  readonly locale: string;
  private readonly moneyFormat: DecimalFormat;
  private readonly signedMoneyFormat: DecimalFormat;
  private readonly integerFormat: DecimalFormat;
  private readonly percentFormats = new Map<string, DecimalFormat>();
  private readonly dayFormat: Intl.DateTimeFormat;
  private readonly dateTimeFormat: Intl.DateTimeFormat;
  private readonly monthFormat: Intl.DateTimeFormat;
  private readonly shortMonthFormat: Intl.DateTimeFormat;

  /** Throws a RangeError for a locale this Node's Intl does not support (it would silently use the process's). */
  constructor(locale: string) {
    const canonical = supportedLocale(locale);
    if (canonical === null) throw new RangeError(`locale ${JSON.stringify(locale)} is not supported by this Node's Intl`);
    this.locale = canonical;
    const money: Intl.NumberFormatOptions = { style: 'currency', currency: 'USD', currencyDisplay: 'narrowSymbol', minimumFractionDigits: 2, maximumFractionDigits: 2, numberingSystem: 'latn' };
    this.moneyFormat = decimalFormat(new Intl.NumberFormat(canonical, money));
    this.signedMoneyFormat = decimalFormat(new Intl.NumberFormat(canonical, { ...money, signDisplay: 'exceptZero' }));
    this.integerFormat = decimalFormat(new Intl.NumberFormat(canonical, { maximumFractionDigits: 0, numberingSystem: 'latn' }));
    const dates: Intl.DateTimeFormatOptions = { timeZone: 'UTC', calendar: 'gregory', numberingSystem: 'latn' };
    this.dayFormat = new Intl.DateTimeFormat(canonical, { ...dates, day: 'numeric', month: 'long', year: 'numeric' });
    this.dateTimeFormat = new Intl.DateTimeFormat(canonical, { ...dates, day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    this.monthFormat = new Intl.DateTimeFormat(canonical, { ...dates, month: 'long', year: 'numeric' });
    this.shortMonthFormat = new Intl.DateTimeFormat(canonical, { ...dates, month: 'short', year: 'numeric' });
  }

  /** USD from integer cents, exact for any size: en-GB "$1,234.56", "-$12.00"; de-DE "1.234,56 $". */
  money(cents: bigint): string {
    return this.moneyFormat(centsToDollarText(cents));
  }

  /** Like money(), with a sign on every amount except zero: "+$12.00", "-$12.00", "$0.00". */
  signedMoney(cents: bigint): string {
    return this.signedMoneyFormat(centsToDollarText(cents));
  }

  /** part/whole as a percentage, rounded half away from zero: en-GB "12.3%", de-DE "12,3 %"; "—" when whole is 0. */
  percent(part: bigint, whole: bigint, digits = 1): string {
    return this.percentText(part, whole, digits, false);
  }

  /** Like percent(), with a sign except for zero: "+12.3%", "-4.0%", "0.0%". */
  signedPercent(part: bigint, whole: bigint, digits = 1): string {
    return this.percentText(part, whole, digits, true);
  }

  /** A count with the locale's grouping: "12,345" / "12.345". Throws for a number that is not a safe integer. */
  integer(n: number | bigint): string {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
    return this.integerFormat(n.toString());
  }

  /** A calendar day "YYYY-MM-DD": en-GB "30 September 2026", de-DE "30. September 2026". */
  date(isoDay: string): string {
    return this.dayFormat.format(utcDay(isoDay));
  }

  /** An instant in UTC: en-GB "25 November 2026 at 09:00 UTC", de-DE "25. November 2026 um 09:00 UTC". */
  dateTime(iso: string): string {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) throw new RangeError(`not an ISO-8601 instant: ${JSON.stringify(iso)}`);
    // The zone is always UTC; its name is written "UTC" in every locale (some say "GMT" or "UTC+0").
    return this.dateTimeFormat
      .formatToParts(d)
      .map((p) => (p.type === 'timeZoneName' ? 'UTC' : p.value))
      .join('');
  }

  /** A month "YYYY-MM": "September 2026" (en-GB and de-DE). */
  month(label: string): string {
    return this.monthFormat.format(utcDay(`${monthLabel(label)}-01`));
  }

  /** A month "YYYY-MM", short: en-GB "Sep 2026", de-DE "Sept. 2026". */
  shortMonth(label: string): string {
    return this.shortMonthFormat.format(utcDay(`${monthLabel(label)}-01`));
  }

  private percentText(part: bigint, whole: bigint, digits: number, signed: boolean): string {
    if (whole === 0n) return NO_PERCENT;
    const key = `${digits}:${signed}`;
    let format = this.percentFormats.get(key);
    if (!format) {
      format = decimalFormat(
        new Intl.NumberFormat(this.locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits, numberingSystem: 'latn', signDisplay: signed ? 'exceptZero' : 'auto' }),
      );
      this.percentFormats.set(key, format);
    }
    return format(roundedPercentText(part, whole, digits));
  }
}

function monthLabel(label: string): string {
  if (!ISO_MONTH.test(label)) throw new RangeError(`not a month (YYYY-MM): ${JSON.stringify(label)}`);
  return label;
}
