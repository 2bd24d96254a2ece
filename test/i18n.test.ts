import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.js';
import { LANGUAGES, languageOf, messagesFor } from '../src/i18n/messages.js';
import { runMonth } from '../src/run.js';
import { startSandbox, SANDBOX_API_KEY } from '../src/sandbox/server.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { pdfText, readXlsx } from './helpers/readers.js';
import { fakeTime, NOW } from './helpers/sandbox.js';

// Statements in the reader's language: every catalog complete, and a statement rendered in
// German, French and Spanish (PDF read with pdftotext, workbook with openpyxl) with no English
// label left: no word of the English catalog that the language's own catalog does not use too,
// names and codes of the organization aside.

/** Every key path of a catalog, with the kind of value there. */
function shape(value: unknown, path = ''): string[] {
  if (typeof value === 'function') return [`${path}()`];
  if (Array.isArray(value)) return [`${path}[${value.length}]`];
  if (value !== null && typeof value === 'object') return Object.keys(value).sort().flatMap((k) => shape((value as Record<string, unknown>)[k], `${path}.${k}`));
  return [path];
}

/** The words (four letters or more) of a catalog's texts: its string literals and the text parts of its template literals. */
function wordsOf(file: string): Set<string> {
  const path = join(ROOT, 'src', 'i18n', file);
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const texts: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      // A property name ('Direct usage by model': …) is a key the code uses, not a text of the language.
      if (!(ts.isStringLiteral(node) && ts.isPropertyAssignment(node.parent) && node.parent.name === node)) texts.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return new Set(texts.flatMap((t) => t.toLowerCase().match(/\p{L}{4,}/gu) ?? []));
}

/** Brand and technical words every language writes as they are. */
const AS_WRITTEN = new Set(['claude', 'cowork', 'opus', 'slack', 'enterprise', 'analytics', 'token', 'tokens', 'cache', 'prompt', 'commit', 'commits', 'chat', 'chats', 'rollup']);

/** The text without paths, file names and codes (statements/ENG-PLAT.xlsx, web_search, claude-opus-4-6). */
function withoutCodes(text: string): string {
  return text.replace(/\S*[/._@]\S*/g, ' ').replace(/\S*-\S*\d\S*/g, ' ');
}

const LOCALES = { de: 'de-DE', fr: 'fr-FR', es: 'es-ES' } as const;

describe('message catalogs', () => {
  it('every language has every key of the English catalog, with the same kind of value', () => {
    for (const [lang, m] of Object.entries(LANGUAGES)) expect(shape(m), lang).toEqual(shape(en));
  });

  it('the locale picks the language; a language without a catalog is English', () => {
    expect([languageOf('de-DE'), languageOf('fr-FR'), languageOf('es-ES'), languageOf('en-US'), languageOf('it-IT')]).toEqual(['de', 'fr', 'es', 'en', 'en']);
    expect(messagesFor('de-AT')).toBe(LANGUAGES.de);
  });

  it('a translated catalog says things in its own words, not the English ones', () => {
    for (const lang of ['de', 'fr', 'es'] as const) {
      const m = LANGUAGES[lang];
      const same = (a: Record<string, unknown>, b: Record<string, unknown>, path: string): string[] =>
        Object.keys(a).flatMap((k) => {
          const x = a[k];
          const y = b[k];
          if (typeof x === 'string') return x === y && /\p{L}{4,}/u.test(x) && !/^(Claude|Cowork|API|Opus|Token|Tokens)\b/.test(x) ? [`${path}.${k}`] : [];
          if (x && typeof x === 'object' && !Array.isArray(x)) return same(x as Record<string, unknown>, y as Record<string, unknown>, `${path}.${k}`);
          return [];
        });
      const untranslated = same(en.pdf as unknown as Record<string, unknown>, m.pdf as unknown as Record<string, unknown>, 'pdf');
      expect(untranslated, lang).toEqual([]);
    }
  });
});

describe('a statement in German, French and Spanish', () => {
  const out = tempDir();
  const dirs: Record<string, string> = {};
  beforeAll(async () => {
    const sandbox = await startSandbox({ now: () => NOW, requestsPerMinute: 10_000 });
    const time = fakeTime();
    try {
      for (const [lang, locale] of Object.entries(LOCALES)) {
        // The standard template in the language, with the template's own texts left out (they are the company's words).
        const template = readFileSync(join(ROOT, 'templates', 'standard.yaml'), 'utf8')
          .replace(/^locale: .*$/m, `locale: ${locale}`)
          .replace(/^logo:\n(?: .*\n)+/m, '')
          .replace(/^footer: .*$/m, 'footer: null')
          .replace(/^payment: >-\n(?: .*\n)+/m, 'payment: null\n');
        expect(template).not.toMatch(/internal transfer|acme-logo/);
        const path = join(out, `${lang}.yaml`);
        writeFileSync(path, template);
        // Two months, so the trend and the year to date have something to compare.
        for (const period of ['2026-08', '2026-09']) {
          await runMonth({ period, provisional: false, now: new Date(NOW), outDir: join(out, lang), force: false, directoryPath: 'mappings/org.yaml', templatePath: path, api: { baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, label: 'sandbox' }, sleep: time.sleep, clientNow: time.now, log: () => {} });
        }
        dirs[lang] = join(out, lang, '2026-09');
      }
    } finally {
      await sandbox.close();
    }
  }, 180_000);

  /** Words of the organization's own names and codes (people, cost centers, company, products, models), which stay as written. */
  const names = (() => {
    const directory = readFileSync(join(ROOT, 'mappings', 'org.yaml'), 'utf8').toLowerCase();
    return new Set(directory.match(/\p{L}{4,}/gu) ?? []);
  })();
  const english = wordsOf('en.ts');

  function englishLeft(text: string, lang: keyof typeof LOCALES): string[] {
    const own = wordsOf(`${lang}.ts`);
    const words = new Set(withoutCodes(text).toLowerCase().match(/\p{L}{4,}/gu) ?? []);
    return [...words].filter((w) => english.has(w) && !own.has(w) && !names.has(w) && !AS_WRITTEN.has(w)).sort();
  }

  it.each(Object.keys(LOCALES) as Array<keyof typeof LOCALES>)('%s: the PDF statement and roll-up have no English label left', (lang) => {
    for (const file of ['statements/ENG-PLAT.pdf', 'statements/rollup/ENG.pdf']) {
      const text = pdfText(join(dirs[lang]!, file));
      expect(text.length, file).toBeGreaterThan(2000);
      expect(englishLeft(text, lang), `${lang} ${file}`).toEqual([]);
    }
  });

  it.each(Object.keys(LOCALES) as Array<keyof typeof LOCALES>)('%s: the statement workbook (read with openpyxl) has no English label left', (lang) => {
    const sheets = readXlsx(join(dirs[lang]!, 'statements', 'ENG-PLAT.xlsx'));
    const m = LANGUAGES[lang];
    expect(sheets.map((s) => s.name)).toEqual([m.xlsx.sheets.summary, m.xlsx.sheets.users, m.xlsx.sheets.lines, m.xlsx.sheets.engagement, m.xlsx.sheets.trend]);
    // Labels: the header rows and the first column (the data cells hold names, codes and rules).
    const labels = sheets.flatMap((s) => s.cells.filter((c) => typeof c.value === 'string' && (/^[A-Z]+1$/.test(c.ref) || (s.name === m.xlsx.sheets.summary && c.ref.startsWith('A')))).map((c) => c.value as string));
    expect(labels.length).toBeGreaterThan(40);
    expect(englishLeft(labels.join('\n'), lang), lang).toEqual([]);
  });

  it('a German revision says what changed in German, and so does the month that carries it', async () => {
    // The provider's clock moves with each run: September provisional in October, final in November.
    let clock = NOW;
    const sandbox = await startSandbox({ now: () => clock, requestsPerMinute: 10_000 });
    const time = fakeTime();
    const dir = join(out, 'de-revision');
    try {
      for (const [period, provisional, now] of [['2026-09', true, '2026-10-05T09:00:00Z'], ['2026-09', false, '2026-11-25T09:00:00Z'], ['2026-10', true, '2026-11-25T09:00:00Z']] as const) {
        clock = Date.parse(now);
        await runMonth({ period, provisional, now: new Date(now), outDir: dir, force: false, directoryPath: 'mappings/org.yaml', templatePath: join(out, 'de.yaml'), api: { baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, label: 'sandbox' }, sleep: time.sleep, clientNow: time.now, log: () => {} });
      }
    } finally {
      await sandbox.close();
    }
    const revision = pdfText(join(dir, '2026-09.r2', 'statements', 'ENG-APP.pdf'));
    const carrying = pdfText(join(dir, '2026-10', 'statements', 'ENG-APP.pdf'));
    // The reasons are there (diff found some), in German words.
    expect(revision).toContain(LANGUAGES.de.pdf.revision.whatChanged('').trim().replace(/\.$/, ''));
    expect(englishLeft(revision, 'de')).toEqual([]);
    expect(englishLeft(carrying, 'de')).toEqual([]);
  }, 120_000);

  it('the German statement reads German: its total, its budget line and its tokens table', () => {
    const text = pdfText(join(dirs.de!, 'statements', 'ENG-PLAT.pdf')).replace(/\s+/g, ' ');
    const m = LANGUAGES.de;
    expect(text).toContain(m.pdf.chargebackStatement);
    expect(text).toContain(m.pdf.quantities.heading);
    expect(text).toContain(m.pdf.adoption.heading);
    expect(text).toContain(m.pdf.notes.heading);
  });
});
