import { en } from '../i18n/en.js';

/**
 * Plain names for the provider's codes, for what a department head reads: products, cost types,
 * context windows, speeds and inference regions. They live in the message catalog (src/i18n/),
 * one per language; this is the English one, for what is not written in a statement's language
 * (the summary's headings, logs). Codes are opaque strings that change between API generations:
 * an unknown code is shown as it is, and the ledgers, FOCUS and the workbooks' line data keep the
 * codes themselves.
 */
export type Dimension = 'product' | 'costType' | 'contextWindow' | 'speed' | 'region';

/** The plain name of a code, or the code itself when the catalog does not know it. */
export function plainName(dimension: Dimension, code: string): string {
  return Object.hasOwn(en.names[dimension], code) ? en.names[dimension][code]! : code;
}

/** Whether the catalog names this code (a test lists what it does not). */
export function isNamed(dimension: Dimension, code: string): boolean {
  return Object.hasOwn(en.names[dimension], code);
}
