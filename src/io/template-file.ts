import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import type { Node } from 'yaml';
import { z } from 'zod';
import { DEFAULT_COLOURS, DEFAULT_EMAIL, SECTIONS, type Section, type Template, type TemplateColours, type TemplateLogo } from '../core/template.js';
import { STATEMENT_LOCALE_EXAMPLES, STATEMENT_SCRIPTS, statementLocaleProblem, supportedLocale, undrawableCharacter } from '../render/locale.js';
import { didYouMean, found, pathText, problemsError, readInputFile, YamlCheck, type DirectoryProblem, type Path } from './directory-file.js';
import { errnoCode } from './fs-cause.js';
import { assetClashesWithInputs, templateAssetCopy } from './layout.js';
import { FileRefusal, MiB, readRegularFile } from './read-file.js';

/** The placeholders the delivery e-mail's subject and body may use. */
export const EMAIL_PLACEHOLDERS = ['company', 'period', 'period_title', 'owner', 'cost_centers', 'statements', 'total', 'budget'] as const;

export const LOGO_MAX_BYTES = 1024 * 1024;
/** The largest template file read: 1 MiB (a template is a few hundred bytes to a few KB). */
export const TEMPLATE_MAX_BYTES = MiB;
/**
 * The most pixels a logo may have on either side. A logo is at most 200 points (2.8 inches) wide,
 * so 2048 pixels print it at over 700 dpi; the cap bounds what validate and every statement decode.
 */
export const LOGO_MAX_SIDE = 2048;
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

/** Why a file the template names was refused without reading it; `problem` follows `found "<path>", `. */
export interface AssetRefusal {
  readonly problem: string;
  readonly fix: string;
}
/** A file named relative to the template: its bytes, null when there is no readable file there, or why it was refused unread. */
export type AssetRead = Uint8Array | AssetRefusal | null;

export interface ParseOptions {
  /**
   * The copy a published month recorded (inputs/template.yaml): the version that published it
   * accepted and drew it, so the checks added since of what a new run may draw (the locale's
   * script, the scripts of company, footer and payment, the logo's size in pixels) are not
   * repeated: refusing it now would leave the month unverifiable and unsendable. Its logo is still
   * decoded in full: one damaged since cannot be drawn by any version, and is named for restoring.
   */
  readonly recorded?: boolean;
}

/**
 * Parses and checks a statement template, collecting every problem before returning.
 * `readAsset` reads a file named relative to the template (the logo): its bytes, null when it cannot
 * be read, or why it was refused unread (a link out of the folder, too big, not a regular file).
 */
export function parseTemplate(source: string, file: string, readAsset: (relativePath: string) => AssetRead, options: ParseOptions = {}): { template: Template | null; problems: DirectoryProblem[] } {
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
    else if (!options.recorded) {
      const undrawable = statementLocaleProblem(locale);
      if (undrawable !== null) {
        add(
          ['locale'],
          `found ${found(obj.locale)} (${undrawable}), a locale the statement font cannot draw; expected a locale written in ${Object.values(STATEMENT_SCRIPTS).join(', ').replace(/, ([^,]*)$/, ' or $1')} script, such as ${STATEMENT_LOCALE_EXAMPLES.join(', ')}`,
          'choose one of those locales: the statement font (DejaVu Sans) is drawn left to right and covers Latin, Greek and Cyrillic, so other scripts would print as empty boxes or out of order',
        );
        locale = null;
      }
    }
  }

  const footer = textOrNull(obj.footer);
  if (footer !== null && footer.includes('\n')) add(['footer'], `found ${footer.split('\n').length} lines, expected one line`, 'write the footer on one line');
  else if (footer !== null && chars(footer) > FOOTER_MAX) add(['footer'], `found ${chars(footer)} characters, expected at most ${FOOTER_MAX}`, 'shorten the footer; longer text belongs in payment:');
  const payment = textOrNull(obj.payment);
  if (payment !== null && chars(payment) > PAYMENT_MAX) add(['payment'], `found ${chars(payment)} characters, expected at most ${PAYMENT_MAX}`, 'shorten the payment text');

  if (!options.recorded) {
    for (const key of ['company', 'footer', 'payment'] as const) {
      const value = obj[key];
      const char = typeof value === 'string' ? undrawableCharacter(value) : null;
      if (char !== null) {
        add([key], `found ${found(value)}, with ${JSON.stringify(char)} (U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}), a character the statement font cannot draw; expected text in Latin, Greek or Cyrillic script`, 'write the text in one of those scripts; it would print as empty boxes');
      }
    }
  }
  const logo = checkLogo(check, mapping(obj.logo), readAsset, options);
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

function checkLogo(check: YamlCheck, logo: Record<string, unknown> | null, readAsset: (relativePath: string) => AssetRead, options: ParseOptions): TemplateLogo | null {
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
  if (file.startsWith('/') || /^[A-Za-z]:/.test(file) || normal.includes('..') || assetClashesWithInputs(normal.join('/'))) {
    add(['logo', 'file'], `found ${found(logo.file)}, a path outside the template's folder; expected a file next to the template or in a folder below it`, 'copy the logo next to the template and name it relative to the template, e.g. file: logo.png');
    return null;
  }
  const read = readAsset(file);
  if (read === null) {
    add(['logo', 'file'], `found ${found(logo.file)}, but no readable file at that path (relative to the template's folder); expected a PNG or JPEG image`, 'put the logo file next to the template or correct the path');
    return null;
  }
  if (!(read instanceof Uint8Array)) {
    add(['logo', 'file'], `found ${found(logo.file)}, ${read.problem}`, read.fix);
    return null;
  }
  const bytes = read;
  // The copy of the logo a month was published with is not a logo to export again: it was damaged since, and is restored.
  const refuse = (refusal: AssetRefusal) =>
    options.recorded
      ? add(['logo', 'file'], `found ${found(logo.file)}, but its copy ${templateAssetCopy(file)} is ${refusal.problem}`, `restore ${templateAssetCopy(file)} from a backup or copy of the published month (it is the logo the month was published with), then try again`)
      : add(['logo', 'file'], `found ${found(logo.file)}, ${refusal.problem}`, refusal.fix);
  if (bytes.length > LOGO_MAX_BYTES) {
    refuse(logoTooBig(bytes.length));
    return null;
  }
  if (!isPng(bytes) && !isJpeg(bytes)) {
    refuse({ problem: 'a file that is neither PNG nor JPEG (by its first bytes); expected a PNG or JPEG image', fix: 'export the logo as PNG or JPEG' });
    return null;
  }
  // Always decoded in full (a damaged image cannot be drawn by any version); a recorded copy is spared only the pixel cap, newer than some published months.
  const image = inspectLogoImage(bytes, { pixelCap: !options.recorded });
  if ('problem' in image) {
    refuse(image);
    return null;
  }
  return { file, bytes, widthPt };
}

const logoTooBig = (size: number): AssetRefusal => ({
  problem: `a file of ${size} bytes; expected at most 1 MiB (${LOGO_MAX_BYTES} bytes)`,
  fix: 'scale the logo down or compress it (a statement logo needs no more than about 600 pixels wide)',
});

// ---------------------------------------------------------------------------------------------
// Logo images: decoded in full once, at validate and at the start of a run, so that what passes
// here is what every statement can draw, and a hostile image costs a bounded amount of work.

/** A logo image that every statement can draw. */
export interface LogoImage {
  readonly format: 'PNG' | 'JPEG';
  readonly width: number;
  readonly height: number;
}

const REEXPORT = 'export the logo again as PNG or JPEG from the original artwork and check that it opens in an image viewer';

function tooManyPixels(format: string, width: number, height: number): AssetRefusal | null {
  if (width <= LOGO_MAX_SIDE && height <= LOGO_MAX_SIDE) return null;
  return {
    problem: `a ${format} of ${width} × ${height} pixels; expected at most ${LOGO_MAX_SIDE} × ${LOGO_MAX_SIDE} pixels`,
    fix: `scale the logo down to at most ${LOGO_MAX_SIDE} pixels on its longer side (a logo 200 points wide prints at 300 dpi with about 830 pixels)`,
  };
}

/**
 * Decodes a PNG or JPEG logo far enough to know every statement can draw it: its size in pixels
 * (at most LOGO_MAX_SIDE a side, checked before any pixel data is decompressed), and for a PNG
 * every chunk's checksum, the complete image data decompressed to exactly the length its
 * dimensions need, every row's filter and every palette index; for a JPEG its segment structure
 * from the start to the end-of-image marker, its frame header and at least one scan.
 */
export function inspectLogoImage(bytes: Uint8Array, options: { readonly pixelCap?: boolean } = {}): LogoImage | AssetRefusal {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const capped = options.pixelCap ?? true;
  const image = isPng(b) ? inspectPng(b, capped) : isJpeg(b) ? inspectJpeg(b, capped) : null;
  if (image === null) return { problem: 'a file that is neither PNG nor JPEG (by its first bytes); expected a PNG or JPEG image', fix: 'export the logo as PNG or JPEG' };
  if ('problem' in image) return image;
  // Last, the renderer's own reader (pdfkit's), which also parses what the checks above need not, such as a JPEG's EXIF metadata.
  const refused = rendererRefusal(b);
  if (refused === null) return image;
  return {
    problem: `a ${image.format} the statement renderer cannot read (${refused})${image.format === 'JPEG' ? ', most likely because of damaged metadata (EXIF)' : ''}; expected an image it reads`,
    fix: image.format === 'JPEG' ? 'export the logo again without metadata, or as PNG' : REEXPORT,
  };
}

interface ImageOpener {
  openImage(src: Buffer): unknown;
}
let opener: ImageOpener | null = null;

/** Why pdfkit cannot open the image (what doc.image() does first, synchronously), or null. pdfkit is loaded only when a logo is checked. */
function rendererRefusal(b: Buffer): string | null {
  opener ??= new (createRequire(import.meta.url)('pdfkit') as new (options: object) => ImageOpener)({ autoFirstPage: false });
  try {
    opener.openImage(b);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Bit depths allowed per PNG colour type, and samples per pixel. */
const PNG_DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const PNG_SAMPLES: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const PNG_COLOURS: Readonly<Record<number, string>> = { 0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey and alpha', 6: 'RGBA' };
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function inspectPng(b: Buffer, capped: boolean): LogoImage | AssetRefusal {
  const corrupt = (what: string): AssetRefusal => ({ problem: `a PNG that cannot be decoded: ${what}; expected a complete PNG image`, fix: REEXPORT });
  const truncated = (where: string) => corrupt(`the file ends after ${b.length} bytes, ${where} (it is truncated)`);
  let header: { width: number; height: number; depth: number; colourType: number; interlace: number } | null = null;
  let paletteEntries = 0;
  let transparency = false;
  const idat: Buffer[] = [];
  let idatEnded = false;
  let ended = false;
  let pos = 8;
  while (pos < b.length && !ended) {
    if (pos + 8 > b.length) return truncated('inside a chunk header');
    const length = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff) return corrupt(`the chunk at byte ${pos} has no valid type or length (the file is damaged)`);
    if (pos + 12 + length > b.length) return truncated(`inside its ${type} chunk`);
    if (crc32(b.subarray(pos + 4, pos + 8 + length)) !== b.readUInt32BE(pos + 8 + length)) return corrupt(`its ${type} chunk at byte ${pos} fails its checksum (CRC), so the file is damaged`);
    const data = b.subarray(pos + 8, pos + 8 + length);
    if (header === null && type !== 'IHDR') return corrupt(`it starts with a ${type} chunk instead of IHDR`);
    if (type !== 'IDAT' && idat.length > 0) idatEnded = true;
    if (type === 'IHDR') {
      if (header !== null) return corrupt('it has two IHDR chunks');
      if (length !== 13) return corrupt(`its IHDR chunk holds ${length} bytes instead of 13`);
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8]!, colourType: data[9]!, interlace: data[12]! };
      const { width, height, depth, colourType, interlace } = header;
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return corrupt(`its header gives ${width} × ${height} pixels`);
      const big = capped ? tooManyPixels('PNG', width, height) : null;
      if (big) return big;
      if (!PNG_DEPTHS[colourType]?.includes(depth)) return corrupt(`its header gives colour type ${colourType} with bit depth ${depth}, which PNG does not define`);
      if (data[10] !== 0 || data[11] !== 0 || interlace > 1) return corrupt('its header names an unknown compression, filter or interlace method');
    } else if (type === 'PLTE') {
      if (length === 0 || length % 3 !== 0 || length / 3 > 2 ** Math.min(header!.depth, 8)) return corrupt(`its palette holds ${length} bytes, which is not 1 to ${2 ** Math.min(header!.depth, 8)} colours of 3 bytes`);
      paletteEntries = length / 3;
    } else if (type === 'IDAT') {
      if (idatEnded) return corrupt('its image data (IDAT) is split by other chunks');
      idat.push(data);
    } else if (type === 'tRNS') {
      transparency = true;
    } else if (type === 'IEND') {
      ended = true;
    } else if (type.charCodeAt(0) < 0x61) {
      return corrupt(`it holds a critical chunk ${type} that PNG does not define`);
    }
    pos += 12 + length;
  }
  if (header === null) return truncated('before its IHDR chunk');
  if (!ended) return truncated('without its IEND chunk');
  const { width, height, depth, colourType, interlace } = header;
  if (colourType === 3 && paletteEntries === 0) return corrupt('it is a palette image without a palette (PLTE)');
  if (idat.length === 0) return corrupt('it holds no image data (IDAT)');
  // The renderer (pdfkit's PNG reader) decodes interlaced and palette-with-transparency images per pixel, which it gets wrong below 8 bits a sample.
  if (depth < 8 && (interlace === 1 || (colourType === 3 && transparency))) {
    return { problem: `a ${depth}-bit ${interlace === 1 ? 'interlaced' : 'palette PNG with transparency'}, which statements cannot draw correctly; expected 8 or 16 bits a sample${interlace === 1 ? ' or no interlacing' : ''}`, fix: 'save the logo again as an 8-bit PNG without interlacing' };
  }

  const bitsPerPixel = depth * PNG_SAMPLES[colourType]!;
  const passes = (interlace === 1 ? ADAM7.map(([x0, y0, dx, dy]) => [Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)] as const) : [[width, height] as const]).filter(([w, h]) => w > 0 && h > 0);
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  const expected = passes.reduce((sum, [w, h]) => sum + h * (1 + rowBytes(w)), 0);
  const shape = `${width} × ${height} pixels, ${depth}-bit ${PNG_COLOURS[colourType]}${interlace === 1 ? ', interlaced' : ''}`;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return corrupt(`its image data holds more than the ${expected} bytes its ${shape} need`);
    return corrupt(`its image data does not decompress (${(error as Error).message}), so the file is truncated or damaged`);
  }
  if (raw.length !== expected) return corrupt(`its image data holds ${raw.length} bytes; its ${shape} need ${expected} (the file is truncated or damaged)`);

  // Every row: a known filter; for a palette image, unfiltered, every index within the palette.
  const step = Math.max(1, bitsPerPixel >> 3);
  let at = 0;
  let pass = 0;
  for (const [w, h] of passes) {
    const n = rowBytes(w);
    let previous = new Uint8Array(n);
    let current = new Uint8Array(n);
    for (let y = 0; y < h; y++) {
      const filter = raw[at]!;
      if (filter > 4) return corrupt(`row ${y + 1}${interlace === 1 ? ` of interlace pass ${pass + 1}` : ''} has filter type ${filter}, which PNG does not define (the file is damaged)`);
      if (colourType === 3) {
        unfilter(filter, raw.subarray(at + 1, at + 1 + n), previous, current, step);
        const bad = paletteIndexOutside(current, w, depth, paletteEntries);
        if (bad !== null) return corrupt(`a pixel in row ${y + 1} uses colour ${bad} of a palette of ${paletteEntries}`);
        [previous, current] = [current, previous];
      }
      at += 1 + n;
    }
    pass++;
  }
  return { format: 'PNG', width, height };
}

function unfilter(filter: number, line: Uint8Array, previous: Uint8Array, out: Uint8Array, step: number): void {
  for (let i = 0; i < line.length; i++) {
    const a = i >= step ? out[i - step]! : 0;
    const up = previous[i]!;
    const c = i >= step ? previous[i - step]! : 0;
    let predictor = 0;
    if (filter === 1) predictor = a;
    else if (filter === 2) predictor = up;
    else if (filter === 3) predictor = (a + up) >> 1;
    else if (filter === 4) {
      const p = a + up - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - up);
      const pc = Math.abs(p - c);
      predictor = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
    }
    out[i] = (line[i]! + predictor) & 0xff;
  }
}

/** The first palette index at or beyond `entries` in an unfiltered row of `width` pixels, else null. */
function paletteIndexOutside(row: Uint8Array, width: number, depth: number, entries: number): number | null {
  if (entries >= 2 ** depth) return null;
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let x = 0; x < width; x++) {
    const index = (row[Math.floor(x / perByte)]! >> (8 - depth * ((x % perByte) + 1))) & mask;
    if (index >= entries) return index;
  }
  return null;
}

/** JPEG frame markers: SOF0 baseline, SOF1 extended, SOF2 progressive are drawn; the others (lossless, hierarchical, arithmetic) are not. */
const JPEG_DRAWN = new Set([0xc0, 0xc1, 0xc2]);
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function inspectJpeg(b: Buffer, capped: boolean): LogoImage | AssetRefusal {
  const corrupt = (what: string): AssetRefusal => ({ problem: `a JPEG that cannot be decoded: ${what}; expected a complete JPEG image`, fix: REEXPORT });
  const truncated = (where: string) => corrupt(`the file ends after ${b.length} bytes, ${where}, without its end-of-image marker (it is truncated)`);
  let frame: { width: number; height: number } | null = null;
  let scans = 0;
  let pos = 2;
  for (;;) {
    if (pos >= b.length) return truncated('after a segment');
    if (b[pos] !== 0xff) return corrupt(`byte ${pos} should start a marker (the file is damaged)`);
    while (pos < b.length && b[pos] === 0xff) pos++;
    if (pos >= b.length) return truncated('inside a marker');
    const marker = b[pos++]!;
    const name = `marker 0xFF${marker.toString(16).toUpperCase().padStart(2, '0')}`;
    if (marker === 0xd9) {
      if (frame === null) return corrupt('it has no frame header (SOF) giving its size');
      if (scans === 0) return corrupt('it has no image data (no SOS segment)');
      return { format: 'JPEG', ...frame };
    }
    if (marker === 0x00 || marker === 0xd8) return corrupt(`${name} at byte ${pos - 2} is out of place (the file is damaged)`);
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    if (pos + 2 > b.length) return truncated(`inside ${name}`);
    const length = b.readUInt16BE(pos);
    if (length < 2) return corrupt(`${name} at byte ${pos - 2} has length ${length} (the file is damaged)`);
    if (pos + length > b.length) return truncated(`inside the segment of ${name}`);
    const segment = b.subarray(pos + 2, pos + length);
    pos += length;
    if (isSof(marker)) {
      if (frame !== null) return corrupt('it has two frame headers (SOF)');
      if (segment.length < 6) return corrupt('its frame header (SOF) is too short');
      const [precision, height, width, components] = [segment[0]!, segment.readUInt16BE(1), segment.readUInt16BE(3), segment[5]!];
      if (width === 0 || height === 0) return corrupt(`its frame header gives ${width} × ${height} pixels`);
      const big = capped ? tooManyPixels('JPEG', width, height) : null;
      if (big) return big;
      if (!JPEG_DRAWN.has(marker) || precision !== 8 || ![1, 3, 4].includes(components)) {
        return { problem: `a JPEG coded in a way statements cannot draw (frame type ${name}, ${precision}-bit, ${components} component${components === 1 ? '' : 's'}); expected a baseline or progressive 8-bit grey, RGB or CMYK JPEG`, fix: 'save the logo again as a standard (baseline) JPEG or as PNG' };
      }
      if (segment.length !== 6 + 3 * components) return corrupt('its frame header (SOF) does not match its number of components');
      frame = { width, height };
    } else if (marker === 0xda) {
      if (frame === null) return corrupt('its image data (SOS) comes before its frame header (SOF)');
      scans++;
      // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart marker.
      for (;;) {
        const ff = b.indexOf(0xff, pos);
        if (ff < 0 || ff + 1 >= b.length) return truncated('inside its image data');
        const next = b[ff + 1]!;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) pos = ff + 2;
        else if (next === 0xff) pos = ff + 1;
        else {
          pos = ff;
          break;
        }
      }
    }
  }
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
  const bytes = await readInputFile(file, 'template', 'Pass --template PATH to a template YAML file, such as templates/standard.yaml.', { maxBytes: TEMPLATE_MAX_BYTES, expected: 'a YAML file' });
  const folder = dirname(file);
  const { template, problems } = parseTemplate(bytes.toString('utf8'), file, (relativePath) => readLogoFile(folder, relativePath));
  if (!template) throw problemsError('template', file, problems);
  return { template, bytes, logoBytes: template.logo?.bytes ?? null };
}

/**
 * Reads a logo named relative to the template's folder, checking before reading: links are
 * followed and the file they lead to must lie inside the template's (real) folder; it must be a
 * regular file of at most LOGO_MAX_BYTES by its size on disk. Null when there is no file.
 */
export function readLogoFile(folder: string, relativePath: string): AssetRead {
  let realFolder: string;
  let real: string;
  try {
    realFolder = realpathSync(folder);
    real = realpathSync(resolve(folder, relativePath));
  } catch {
    return null;
  }
  const inside = relative(realFolder, real);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    return {
      problem: `a link to ${real}, outside the template's folder ${realFolder}; expected a file inside that folder`,
      fix: "copy the logo file into the template's folder instead of linking to it",
    };
  }
  // Opened without following links and without blocking; checked on the open file (a regular file of at most LOGO_MAX_BYTES), then read.
  try {
    return readRegularFile(real, { maxBytes: LOGO_MAX_BYTES, what: 'a PNG or JPEG image file', followLinks: false });
  } catch (error) {
    if (!(error instanceof FileRefusal) && errnoCode(error) !== 'EISDIR') return null;
    if (error instanceof FileRefusal && error.reason.kind === 'too-big') return logoTooBig(error.reason.atLeast ? error.reason.limit + 1 : error.reason.size);
    return { problem: `which is not a regular file (${real}); expected a PNG or JPEG image file`, fix: 'name the logo image file itself' };
  }
}
