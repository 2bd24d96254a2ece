import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Node } from 'yaml';
import { z } from 'zod';
import { DEFAULT_COLOURS, DEFAULT_EMAIL, SECTIONS, type Section, type Template, type TemplateColours, type TemplateLogo } from '../core/template.js';
import { supportedLocale } from '../render/locale.js';
import { didYouMean, found, pathText, problemsError, readInputFile, YamlCheck, type DirectoryProblem, type Path } from './directory-file.js';

/** The placeholders the delivery e-mail's subject and body may use. */
export const EMAIL_PLACEHOLDERS = ['company', 'period', 'period_title', 'owner', 'cost_centers', 'statements', 'total'] as const;

export const LOGO_MAX_BYTES = 1024 * 1024;
export const LOGO_WIDTH = { min: 20, max: 200, default: 90 } as const;
export const FOOTER_MAX = 120;
export const PAYMENT_MAX = 600;
export const SUBJECT_MAX = 200;

/** Locales named in the message for an unsupported one. */
const LOCALE_EXAMPLES = 'de-DE, en-GB, en-US, fr-FR';
const COLOUR_KEYS = Object.keys(DEFAULT_COLOURS) as Array<keyof TemplateColours>;
const HEX = /^#[0-9A-Fa-f]{6}$/;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;

const optionalText = z.string().nullable().optional();
const logoSchema = z.strictObject({ file: z.string(), width: z.number().optional() });
const coloursSchema = z.strictObject(Object.fromEntries(COLOUR_KEYS.map((k) => [k, z.unknown().optional()])) as Record<keyof TemplateColours, z.ZodOptional<z.ZodUnknown>>);
const emailSchema = z.strictObject({ from: optionalText, subject: z.string().optional(), body: z.string().optional() });
const rootSchema = z.strictObject({
  locale: z.string(),
  company: optionalText,
  logo: logoSchema.nullable().optional(),
  colours: coloursSchema.nullable().optional(),
  footer: optionalText,
  payment: optionalText,
  sections: z.array(z.unknown()),
  email: emailSchema.nullable().optional(),
});

function allowedKeys(path: Path): string[] {
  const last = path.filter((p): p is string => typeof p === 'string').pop();
  if (last === 'logo') return Object.keys(logoSchema.shape);
  if (last === 'colours') return COLOUR_KEYS;
  if (last === 'email') return Object.keys(emailSchema.shape);
  return Object.keys(rootSchema.shape);
}

const mapping = (value: unknown): Record<string, unknown> | null => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
const chars = (text: string) => [...text].length;
/** Trimmed text, or null for null, absent or blank. */
const textOrNull = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

const isPng = (b: Uint8Array) => b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v);
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/**
 * Parses and checks a statement template, collecting every problem before returning.
 * `readAsset` reads a file named relative to the template (the logo); null when it cannot be read.
 */
export function parseTemplate(source: string, file: string, readAsset: (relativePath: string) => Uint8Array | null): { template: Template | null; problems: DirectoryProblem[] } {
  const check = new YamlCheck(source, file, allowedKeys);
  const { add, problems } = check;
  if (!check.ok) return { template: null, problems };
  const obj = mapping(check.raw);
  if (!obj) {
    add([], `found ${found(check.raw)}, expected a mapping of template keys (locale, sections, …)`, 'start from templates/standard.yaml');
    return { template: null, problems };
  }
  const root = rootSchema.safeParse(obj);
  if (!root.success) check.zod([], root.error, obj);

  // Every field is checked on its own, even when another has problems, so one run reports all.
  let locale: string | null = null;
  if (typeof obj.locale === 'string') {
    locale = supportedLocale(obj.locale.trim());
    if (locale === null) add(['locale'], `found ${found(obj.locale)}, expected a locale this Node supports for numbers and dates, e.g. ${LOCALE_EXAMPLES}`, 'write a BCP 47 tag of language and region, such as en-GB or de-DE');
  }

  const footer = textOrNull(obj.footer);
  if (footer !== null && footer.includes('\n')) add(['footer'], `found ${footer.split('\n').length} lines, expected one line`, 'write the footer on one line');
  else if (footer !== null && chars(footer) > FOOTER_MAX) add(['footer'], `found ${chars(footer)} characters, expected at most ${FOOTER_MAX}`, 'shorten the footer; longer text belongs in payment:');
  const payment = textOrNull(obj.payment);
  if (payment !== null && chars(payment) > PAYMENT_MAX) add(['payment'], `found ${chars(payment)} characters, expected at most ${PAYMENT_MAX}`, 'shorten the payment text');

  const logo = checkLogo(check, mapping(obj.logo), readAsset);
  const colours = checkColours(check, mapping(obj.colours));
  const sections = Array.isArray(obj.sections) ? checkSections(check, obj.sections) : [];
  const email = checkEmail(check, source, mapping(obj.email));

  if (problems.length > 0 || locale === null) return { template: null, problems: check.sorted() };
  return {
    template: {
      name: basename(file, extname(file)),
      locale,
      company: textOrNull(obj.company),
      logo,
      colours,
      footer,
      payment,
      sections,
      email,
    },
    problems,
  };
}

function checkLogo(check: YamlCheck, logo: Record<string, unknown> | null, readAsset: (relativePath: string) => Uint8Array | null): TemplateLogo | null {
  if (!logo) return null;
  const { add } = check;
  let widthPt: number = LOGO_WIDTH.default;
  if (typeof logo.width === 'number') {
    widthPt = logo.width;
    if (!Number.isFinite(widthPt) || widthPt < LOGO_WIDTH.min || widthPt > LOGO_WIDTH.max) {
      add(['logo', 'width'], `found ${found(logo.width)}, expected a width in points from ${LOGO_WIDTH.min} to ${LOGO_WIDTH.max}`, `choose a width from ${LOGO_WIDTH.min} to ${LOGO_WIDTH.max} points (${LOGO_WIDTH.default} suits a letterhead logo)`);
    }
  }
  if (typeof logo.file !== 'string') return null;
  const file = logo.file.trim();
  if (file === '') {
    add(['logo', 'file'], 'found empty text, expected the path of a PNG or JPEG file', 'name the logo file, relative to the template, or remove logo:');
    return null;
  }
  // The logo is kept with each month under the same relative path (inputs/<file>), so it must stay inside the template's folder.
  const normal = file.split('\\').join('/').split('/').filter((p) => p !== '' && p !== '.');
  if (file.startsWith('/') || /^[A-Za-z]:/.test(file) || normal.includes('..') || normal[0] === 'inputs' || normal.join('/') === 'template.yaml') {
    add(['logo', 'file'], `found ${found(logo.file)}, a path outside the template's folder; expected a file next to the template or in a folder below it`, 'copy the logo next to the template and name it relative to the template, e.g. file: logo.png');
    return null;
  }
  const bytes = readAsset(file);
  if (bytes === null) {
    add(['logo', 'file'], `found ${found(logo.file)}, but no readable file at that path (relative to the template's folder); expected a PNG or JPEG image`, 'put the logo file next to the template or correct the path');
    return null;
  }
  if (!isPng(bytes) && !isJpeg(bytes)) {
    add(['logo', 'file'], `found ${found(logo.file)}, a file that is neither PNG nor JPEG (by its first bytes); expected a PNG or JPEG image`, 'export the logo as PNG or JPEG');
    return null;
  }
  if (bytes.length > LOGO_MAX_BYTES) {
    add(['logo', 'file'], `found ${found(logo.file)} of ${bytes.length} bytes, expected at most 1 MiB (${LOGO_MAX_BYTES} bytes)`, 'scale the logo down or compress it (a statement logo needs no more than about 600 pixels wide)');
    return null;
  }
  return { file, bytes, widthPt };
}

function checkColours(check: YamlCheck, given: Record<string, unknown> | null): TemplateColours {
  const colours: Record<string, string> = { ...DEFAULT_COLOURS };
  for (const key of COLOUR_KEYS) {
    const value = given?.[key];
    if (value === undefined) continue;
    if (typeof value === 'string' && HEX.test(value)) colours[key] = value.toUpperCase();
    else {
      check.add(
        ['colours', key],
        `found ${found(value)}, expected a colour "#RRGGBB" such as ${JSON.stringify(DEFAULT_COLOURS[key])}`,
        value === null ? `quote it: ${key}: "${DEFAULT_COLOURS[key]}" (an unquoted # starts a YAML comment)` : 'write # and six hexadecimal digits, in quotes, or remove the key for the default',
      );
    }
  }
  return colours as unknown as TemplateColours;
}

function checkSections(check: YamlCheck, items: readonly unknown[]): Section[] {
  const { add } = check;
  const sections: Section[] = [];
  if (items.length === 0) {
    add(['sections'], 'found an empty list, expected at least the summary section', `list the sections to show, in order, from: ${SECTIONS.join(', ')}`);
    return sections;
  }
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const path = ['sections', i];
    if (typeof item !== 'string') return add(path, `found ${found(item)}, expected a section name`, `use one of: ${SECTIONS.join(', ')}`);
    const name = item.trim();
    if (!(SECTIONS as readonly string[]).includes(name)) return add(path, `unknown section ${JSON.stringify(item)}${didYouMean(name, SECTIONS)}`, `use one of: ${SECTIONS.join(', ')}`);
    if (seen.has(name)) return add(path, `duplicate section ${JSON.stringify(name)} (also sections[${seen.get(name)}])`, 'list each section once');
    seen.set(name, i);
    sections.push(name as Section);
  });
  if (!items.some((item) => typeof item === 'string' && item.trim() === 'summary')) {
    add(['sections'], `found ${items.length} section${items.length === 1 ? '' : 's'} without "summary", expected "summary" among them`, 'add summary (it holds the total; usually first)');
  }
  return sections;
}

function checkEmail(check: YamlCheck, source: string, email: Record<string, unknown> | null): Template['email'] {
  const { add } = check;
  const from = email && typeof email.from === 'string' ? email.from.trim() : null;
  if (from !== null && from !== '') {
    const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from;
    if (!ADDRESS.test(address.trim()) || from.includes('\n')) add(['email', 'from'], `found ${found(email!.from)}, expected an e-mail address, e.g. "Finance <finance@acme.example>"`, 'write name@domain, optionally as Name <name@domain>');
  }
  const text = (key: 'subject' | 'body'): string => {
    const value = email?.[key];
    if (typeof value !== 'string') return DEFAULT_EMAIL[key];
    const trimmed = key === 'subject' ? value.trim() : value.trimEnd();
    if (trimmed.trim() === '') add(['email', key], 'found empty text, expected text', `write the ${key} or remove the key for the default`);
    if (key === 'subject' && trimmed.includes('\n')) add(['email', key], `found ${trimmed.split('\n').length} lines, expected one line`, 'write the subject on one line');
    else if (key === 'subject' && chars(trimmed) > SUBJECT_MAX) add(['email', key], `found ${chars(trimmed)} characters, expected at most ${SUBJECT_MAX}`, 'shorten the subject');
    checkPlaceholders(check, source, ['email', key], value);
    return trimmed;
  };
  return { from: from === '' ? null : from, subject: text('subject'), body: text('body') };
}

/** Every distinct unknown {placeholder}, located at its first occurrence in the value (or at the value). */
function checkPlaceholders(check: YamlCheck, source: string, path: Path, value: string): void {
  const node = check.doc.getIn(path, true) as Node | undefined;
  const reported = new Set<string>();
  for (const m of value.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if ((EMAIL_PLACEHOLDERS as readonly string[]).includes(name) || reported.has(name)) continue;
    reported.add(name);
    const written = m[0];
    const at = node?.range ? source.slice(node.range[0], node.range[1]).indexOf(written) : -1;
    const { line, column } = at >= 0 && node?.range ? check.locate.offset(node.range[0] + at) : check.locate.at(path);
    check.problems.push({
      file: check.file,
      line,
      column,
      path: pathText(path),
      message: `found unknown placeholder ${written}${didYouMean(written, EMAIL_PLACEHOLDERS.map((p) => `{${p}}`))}, expected one of ${EMAIL_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
      fix: 'use one of the placeholders listed, or remove the braces',
    });
  }
}

/** Reads and checks a template and its logo; every problem at once, as a usage error (exit 2). */
export async function loadTemplate(file: string): Promise<{ template: Template; bytes: Buffer; logoBytes: Uint8Array | null }> {
  const bytes = await readInputFile(file, 'template', 'Pass --template PATH to a template YAML file, such as templates/standard.yaml.');
  const folder = dirname(file);
  const readAsset = (relativePath: string): Uint8Array | null => {
    const path = resolve(folder, relativePath);
    try {
      return statSync(path).isFile() ? readFileSync(path) : null;
    } catch {
      return null;
    }
  };
  const { template, problems } = parseTemplate(bytes.toString('utf8'), file, readAsset);
  if (!template) throw problemsError('template', file, problems);
  return { template, bytes, logoBytes: template.logo?.bytes ?? null };
}
