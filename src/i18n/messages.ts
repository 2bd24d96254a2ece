import { de } from './de.js';
import { en, type Messages } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';

export type { Messages } from './en.js';

/** The languages statements are written in; the template's locale picks one (its language part). */
export const LANGUAGES = { en, de, fr, es } as const satisfies Record<string, Messages>;
export type Language = keyof typeof LANGUAGES;

/** "de-DE" → "de"; a locale whose language has no catalog is written in English. */
export function languageOf(locale: string): Language {
  const lang = locale.split('-')[0]!.toLowerCase();
  return Object.hasOwn(LANGUAGES, lang) ? (lang as Language) : 'en';
}

export function messagesFor(locale: string): Messages {
  return LANGUAGES[languageOf(locale)];
}

export type NameDimension = keyof Messages['names'];

/** The plain name of a provider code in the catalog's language, or the code itself when unknown. */
export function nameOf(m: Messages, dimension: NameDimension, code: string): string {
  const names = m.names[dimension];
  return Object.hasOwn(names, code) ? names[code]! : code;
}
