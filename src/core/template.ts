/**
 * The statement layout a customer edits without touching code (templates/*.yaml): company and
 * logo, colours, footer and payment texts, which sections appear and in what order, the locale
 * for dates and numbers, and the delivery e-mail. Pure data; parsing lives in io/template-file.ts.
 */

/** Statement sections, in the default order. */
export const SECTIONS = [
  'summary', // the facts block and the total box
  'charges', // direct usage, pool shares, seats, markup, carried adjustments
  'trend', // month-over-month change and the six-month trend chart, with the biggest movers
  'engagement', // Claude Code sessions, commits, pull requests, lines, chat conversations; cost per unit
  'adoption', // people with a seat, active by surface, utilization, seat cost of people with no activity
  'spend-mix', // long-context share, model mix, cost types, biggest users, premium dimensions
  'quantities', // tokens, requests and the price per million tokens, by model
  'breakdowns', // the exact breakdowns by product, model, cost type and context window
  'people', // direct usage by person and spender
  'notes', // notes on method
] as const;
export type Section = (typeof SECTIONS)[number];

export interface TemplateColours {
  /** Headings, table headers, rules. */
  readonly primary: string;
  /** Chart bars and highlights. */
  readonly accent: string;
  /** Secondary text (footer, notes). */
  readonly muted: string;
  /** Table row rules and gridlines. */
  readonly rule: string;
  /** The background of the total box. */
  readonly panel: string;
}

export interface TemplateLogo {
  /** As written in the template, relative to the template file. */
  readonly file: string;
  readonly bytes: Uint8Array;
  /** Width on the page, in points (the height follows the image). */
  readonly widthPt: number;
}

export interface TemplateEmail {
  /** The sender; SMTP_FROM or --from override it. */
  readonly from: string | null;
  /** With placeholders {company}, {period}, {period_title}, {owner}, {cost_centers}, {statements}, {total}. */
  readonly subject: string;
  readonly body: string;
}

export interface Template {
  /** The template's file name without extension, e.g. "standard". */
  readonly name: string;
  /** BCP 47 locale for dates and numbers, e.g. "en-GB", "de-DE". */
  readonly locale: string;
  /** Replaces the directory's company name on statements when set. */
  readonly company: string | null;
  readonly logo: TemplateLogo | null;
  readonly colours: TemplateColours;
  /** A line printed in every page footer, before the statement number. */
  readonly footer: string | null;
  /** How the charge is settled, printed under the total. */
  readonly payment: string | null;
  /** The sections that appear, in this order. */
  readonly sections: readonly Section[];
  readonly email: TemplateEmail;
}

export const DEFAULT_COLOURS: TemplateColours = {
  primary: '#1F3A5F',
  accent: '#2E86AB',
  muted: '#5B6675',
  rule: '#C9D1DB',
  panel: '#EEF2F7',
};

export const DEFAULT_EMAIL: TemplateEmail = {
  from: null,
  subject: '{company}: Claude chargeback statement {period} for {cost_centers}',
  body: [
    'Dear {owner},',
    '',
    'attached is the Claude chargeback statement for {period_title}: {statements}, total {total}.',
    'The PDF is the statement; the workbook holds the same figures line by line.',
    '',
    'Questions about a line: reply to this message.',
  ].join('\n'),
};

/** The layout used when no template is given: every section, en-GB, the house colours. */
export const DEFAULT_TEMPLATE: Template = {
  name: 'default',
  locale: 'en-GB',
  company: null,
  logo: null,
  colours: DEFAULT_COLOURS,
  footer: null,
  payment: null,
  sections: SECTIONS,
  email: DEFAULT_EMAIL,
};
