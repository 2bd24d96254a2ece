/**
 * A statement template from a hostile hand: logos that are huge on disk, huge in pixels, truncated
 * or damaged, links out of the template's folder, and locales the statement font cannot draw.
 * Each is refused with exit 2 and a located message, before anything is pulled or written.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../src/io/directory-file.js';
import { inspectLogoImage, LOGO_MAX_BYTES, LOGO_MAX_SIDE, parseTemplate, readLogoFile } from '../src/io/template-file.js';
import { templateFromCopy } from '../src/io/month-template.js';
import { ROOT, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { encodePng, minimalJpeg, pngChunk, pngRawLength } from './helpers/png.js';

const NOW = '2026-11-25T09:00:00Z';
const BAD = 'test/fixtures/bad-templates';
const SHIPPED_LOGO = join(ROOT, 'templates', 'acme-logo.png');

/** A template folder of its own, with a template naming `logo` as its logo. */
function templateFolder(logo = 'logo.png', locale = 'en-GB'): { dir: string; file: string } {
  const dir = tempDir('chargeback-template-');
  const file = join(dir, 'template.yaml');
  writeFileSync(file, `locale: ${locale}\nlogo:\n  file: ${logo}\n  width: 90\nsections: [summary, charges]\n`);
  return { dir, file };
}

/** Refused as a usage problem: exit 2, the template's file:line:column and the text, no stack trace. */
function expectRefused(r: CliResult, file: string, at: string, ...says: string[]): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`${file}:${at}: `);
  for (const s of says) expect(r.stderr).toContain(s);
  expect(r.stderr).toMatch(/\. Fix: /);
  expect(r.stderr).not.toContain('internal error');
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).not.toContain(': ok:');
}

const validate = (file: string) => runCli(['validate', '--template', file]);

/** A run with the template: refused the same way, and nothing written under --out. */
async function expectRunRefused(file: string, at: string, ...says: string[]): Promise<void> {
  const out = tempDir();
  const r = await runCli(['run', '--sandbox', '--now', NOW, '--out', out, '--template', file]);
  expectRefused(r, file, at, ...says);
  expect(readdirSync(out)).toEqual([]);
}

describe('logo files are checked before they are read', () => {
  it('a 2 GB logo is refused by its size on disk, without being read', async () => {
    const { dir, file } = templateFolder();
    const logo = join(dir, 'logo.png');
    writeFileSync(logo, encodePng({ width: 1, height: 1 }));
    truncateSync(logo, 2 * 1024 ** 3); // sparse: no disk, no time
    const says = `found "logo.png", a file of ${2 * 1024 ** 3} bytes; expected at most 1 MiB (${LOGO_MAX_BYTES} bytes)`;
    expectRefused(await validate(file), file, '3:9', says);
    await expectRunRefused(file, '3:9', says);
  });

  it('a logo that is a link to a file outside the template folder is refused, naming where it leads', async () => {
    const { dir, file } = templateFolder();
    symlinkSync(SHIPPED_LOGO, join(dir, 'logo.png'));
    const says = `found "logo.png", a link to ${SHIPPED_LOGO}, outside the template's folder`;
    expectRefused(await validate(file), file, '3:9', says, "copy the logo file into the template's folder");
    await expectRunRefused(file, '3:9', says);
  });

  it('a logo below a linked folder that leads outside is refused too', async () => {
    const { dir, file } = templateFolder('art/acme-logo.png');
    symlinkSync(join(ROOT, 'templates'), join(dir, 'art'));
    expectRefused(await validate(file), file, '3:9', `found "art/acme-logo.png", a link to ${SHIPPED_LOGO}, outside the template's folder`);
  });

  it('a link that stays inside the template folder is followed and accepted', async () => {
    const { dir, file } = templateFolder('current.png');
    mkdirSync(join(dir, 'logos'));
    writeFileSync(join(dir, 'logos', 'v2.png'), readFileSync(SHIPPED_LOGO));
    symlinkSync(join('logos', 'v2.png'), join(dir, 'current.png'));
    const r = await validate(file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${file}: ok: locale en-GB, 2 sections (summary, charges), logo current.png.`);
  });

  it('a logo that is a named pipe is refused at once as not a regular file (never opened for reading)', () => {
    const dir = tempDir('chargeback-template-');
    execFileSync('mkfifo', [join(dir, 'logo.png')]);
    const read = readLogoFile(dir, 'logo.png');
    expect(read).toEqual({ problem: `which is not a regular file (${join(dir, 'logo.png')}); expected a PNG or JPEG image file`, fix: 'name the logo image file itself' });
  });

  it('reads a logo that passes every check whole, byte for byte', () => {
    const read = readLogoFile(join(ROOT, 'templates'), 'acme-logo.png');
    expect(Buffer.from(read as Uint8Array).equals(readFileSync(SHIPPED_LOGO))).toBe(true);
    expect(readLogoFile(join(ROOT, 'templates'), 'nowhere.png')).toBeNull();
  });
});

describe('logo images are capped in pixels and decoded in full at validate', () => {
  it('a PNG of 14000 × 14000 pixels in a few kilobytes is refused by its dimensions, before its data is decompressed', async () => {
    const { dir, file } = templateFolder();
    // 1-bit grey, all zero: 24.5 MB of image data compressing to about 24 KB (the reported case was 744 KB of RGB).
    const png = encodePng({ width: 14000, height: 14000, depth: 1, colourType: 0 });
    expect(png.length).toBeLessThan(LOGO_MAX_BYTES);
    writeFileSync(join(dir, 'logo.png'), png);
    const says = `found "logo.png", a PNG of 14000 × 14000 pixels; expected at most ${LOGO_MAX_SIDE} × ${LOGO_MAX_SIDE} pixels. Fix: scale the logo down to at most ${LOGO_MAX_SIDE} pixels on its longer side`;
    expectRefused(await validate(file), file, '3:9', says);
    await expectRunRefused(file, '3:9', says);
  });

  it('a PNG within the cap whose data inflates far beyond its dimensions is stopped at the length they need', async () => {
    const { dir, file } = templateFolder();
    const need = pngRawLength(100, 100);
    writeFileSync(join(dir, 'logo.png'), encodePng({ width: 100, height: 100, idat: deflateSync(new Uint8Array(64 * 1024 * 1024)) }));
    expectRefused(await validate(file), file, '3:9', `found "logo.png", a PNG that cannot be decoded: its image data holds more than the ${need} bytes its 100 × 100 pixels, 8-bit RGB need`);
  });

  it('a JPEG whose frame header gives 20000 × 300 pixels is refused by its dimensions', () => {
    const { problems } = parseTemplate('locale: en-GB\nlogo:\n  file: wide.jpg\nsections: [summary]\n', 'mine.yaml', () => minimalJpeg(20000, 300));
    expect(problems.map(formatProblem)).toEqual([
      `mine.yaml:3:9: logo.file: found "wide.jpg", a JPEG of 20000 × 300 pixels; expected at most ${LOGO_MAX_SIDE} × ${LOGO_MAX_SIDE} pixels. Fix: scale the logo down to at most ${LOGO_MAX_SIDE} pixels on its longer side (a logo 200 points wide prints at 300 dpi with about 830 pixels)`,
    ]);
  });

  it.each([
    ['logo-truncated.yaml', 'a PNG that cannot be decoded: the file ends after 270 bytes, inside its IDAT chunk (it is truncated)'],
    ['logo-bad-checksum.yaml', 'a PNG that cannot be decoded: its IDAT chunk at byte 33 fails its checksum (CRC)'],
    ['logo-short-data.yaml', 'a PNG that cannot be decoded: its image data holds 1210 bytes; its 40 × 20 pixels, 8-bit RGB need 2420'],
    ['logo-jpeg-truncated.yaml', 'a JPEG that cannot be decoded: the file ends after 138 bytes, inside its image data, without its end-of-image marker'],
  ])('validate refuses a damaged logo (%s) with exit 2, its location and the fix', async (name, says) => {
    const file = `${BAD}/${name}`;
    expectRefused(await validate(file), file, '4:9', says, 'Fix: export the logo again as PNG or JPEG');
  });

  // What the check refuses beyond truncation: everything a reader would fail on, or the renderer would draw wrongly.
  const rgbRaw = (filter: number) => {
    const raw = new Uint8Array(pngRawLength(4, 2));
    raw[0] = 0;
    raw[raw.length / 2] = filter;
    return raw;
  };
  const ihdrTwice = (() => {
    const png = encodePng({ width: 4, height: 2 });
    return Buffer.concat([png.subarray(0, 33), png.subarray(8, 33), png.subarray(33)]);
  })();
  const withChunk = (extra: Buffer) => {
    const png = encodePng({ width: 4, height: 2 });
    return Buffer.concat([png.subarray(0, 33), extra, png.subarray(33)]);
  };
  const jpegSof = (marker: number, precision = 8) => {
    const j = Buffer.from(minimalJpeg());
    const at = j.indexOf(Buffer.from([0xff, 0xc0]));
    j[at + 1] = marker;
    j[at + 4] = precision;
    return j;
  };
  const withExif = (tiff: number[]) => {
    const j = minimalJpeg();
    const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from(tiff)]);
    return Buffer.concat([j.subarray(0, 2), Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload, j.subarray(2)]);
  };
  it.each<[string, Uint8Array, string]>([
    ['a JPEG whose EXIF metadata the renderer cannot read', withExif([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 0xff]), 'a JPEG the statement renderer cannot read (Attempt to access memory outside buffer bounds), most likely because of damaged metadata (EXIF)'],
    ['an unknown row filter', encodePng({ width: 4, height: 2, raw: rgbRaw(7) }), 'row 2 has filter type 7, which PNG does not define'],
    ['image data that is not zlib', encodePng({ width: 4, height: 2, idat: Buffer.from('not deflate data') }), 'its image data does not decompress ('],
    ['a palette index beyond the palette', encodePng({ width: 2, height: 1, colourType: 3, palette: Uint8Array.from([0, 0, 0, 255, 255, 255]), raw: Uint8Array.from([0, 1, 5]) }), 'a pixel in row 1 uses colour 5 of a palette of 2'],
    ['a palette image without a palette', encodePng({ width: 2, height: 1, colourType: 3 }), 'it is a palette image without a palette (PLTE)'],
    ['a bit depth PNG does not define', encodePng({ width: 2, height: 1, colourType: 2, depth: 4 }), 'colour type 2 with bit depth 4, which PNG does not define'],
    ['two IHDR chunks', ihdrTwice, 'it has two IHDR chunks'],
    ['an unknown critical chunk', withChunk(pngChunk('ABCD', new Uint8Array(2))), 'it holds a critical chunk ABCD that PNG does not define'],
    ['no IEND', encodePng({ width: 4, height: 2 }).subarray(0, -12), 'without its IEND chunk (it is truncated)'],
    ['zero pixels wide', encodePng({ width: 0, height: 2 }), 'its header gives 0 × 2 pixels'],
    ['a 4-bit interlaced PNG', encodePng({ width: 3, height: 3, colourType: 0, depth: 4, interlace: 1 }), 'a 4-bit interlaced, which statements cannot draw correctly'],
    ['a JPEG without a frame header', Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'a JPEG that cannot be decoded: it has no frame header (SOF) giving its size'],
    ['a JPEG without image data', Buffer.concat([minimalJpeg().subarray(0, minimalJpeg().indexOf(Buffer.from([0xff, 0xc4]))), Buffer.from([0xff, 0xd9])]), 'it has no image data (no SOS segment)'],
    ['an arithmetic-coded JPEG', jpegSof(0xc9), 'a JPEG coded in a way statements cannot draw (frame type marker 0xFFC9, 8-bit, 1 component)'],
    ['a 12-bit JPEG', jpegSof(0xc1, 12), 'a JPEG coded in a way statements cannot draw (frame type marker 0xFFC1, 12-bit, 1 component)'],
    ['a JPEG segment longer than the file', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x40, 0x00, 1, 2, 3]), 'inside the segment of marker 0xFFE0'],
  ])('refuses %s', (_name, bytes, says) => {
    const result = inspectLogoImage(bytes);
    expect('problem' in result ? result.problem : JSON.stringify(result)).toContain(says);
  });

  // What the check accepts, pdfkit embeds: each variant is drawn into a PDF without an error.
  it.each<[string, Uint8Array, number, number]>([
    ['the shipped logo', readFileSync(SHIPPED_LOGO), 0, 0],
    ['an 8-bit RGB PNG', encodePng({ width: 40, height: 20 }), 40, 20],
    ['a 16-bit RGBA PNG', encodePng({ width: 5, height: 3, colourType: 6, depth: 16 }), 5, 3],
    ['a 1-bit grey PNG', encodePng({ width: 13, height: 5, colourType: 0, depth: 1 }), 13, 5],
    ['a 4-bit palette PNG', encodePng({ width: 5, height: 2, colourType: 3, depth: 4, palette: new Uint8Array(3 * 16) }), 5, 2],
    ['an 8-bit palette PNG with transparency', encodePng({ width: 5, height: 2, colourType: 3, palette: new Uint8Array(3 * 4), transparency: Uint8Array.from([0, 128]) }), 5, 2],
    ['an interlaced 8-bit RGB PNG', encodePng({ width: 9, height: 9, interlace: 1, raw: new Uint8Array([[2, 2], [1, 2], [3, 1], [2, 3], [5, 2], [4, 5], [9, 4]].reduce((n, [w, h]) => n + h! * (1 + 3 * w!), 0)) }), 9, 9],
    [`a PNG of ${LOGO_MAX_SIDE} × ${LOGO_MAX_SIDE} pixels`, encodePng({ width: LOGO_MAX_SIDE, height: LOGO_MAX_SIDE, colourType: 0 }), LOGO_MAX_SIDE, LOGO_MAX_SIDE],
    ['a baseline JPEG', minimalJpeg(8, 8), 8, 8],
  ])('accepts %s, and pdfkit draws it', async (_name, bytes, width, height) => {
    const image = inspectLogoImage(bytes);
    expect(image).not.toHaveProperty('problem');
    if (width > 0) expect(image).toEqual({ format: bytes[0] === 0xff ? 'JPEG' : 'PNG', width, height });
    const pdf = await new Promise<Buffer>((done, fail) => {
      const doc = new PDFDocument({ size: [200, 200] });
      const parts: Buffer[] = [];
      doc.on('data', (b: Buffer) => parts.push(b));
      doc.on('end', () => done(Buffer.concat(parts)));
      doc.on('error', fail);
      doc.image(Buffer.from(bytes), 10, 10, { width: 90 });
      doc.end();
    });
    expect(pdf.toString('latin1')).toContain('/Subtype /Image');
  });
});

describe('locales the statement font cannot draw', () => {
  it.each([
    ['locale-japanese.yaml', 'found "ja-JP" (Japanese (Japan), written in script Jpan (Japanese)), a locale the statement font cannot draw'],
    ['locale-traditional-chinese.yaml', 'found "zh-Hant-TW" (Chinese (Traditional, Taiwan), written in script Hant (Traditional)), a locale the statement font cannot draw'],
    ['locale-arabic.yaml', 'found "ar-EG" (Arabic (Egypt), written in script Arab (Arabic)), a locale the statement font cannot draw'],
  ])('validate refuses %s with the supported locales and exit 2', async (name, says) => {
    const file = `${BAD}/${name}`;
    expectRefused(await validate(file), file, '2:9', says, 'expected a locale written in Latin, Greek or Cyrillic script, such as en-GB, en-US, de-DE, fr-FR, es-ES, it-IT, nl-NL, pl-PL, sv-SE, el-GR, ru-RU, uk-UA');
  });

  it('a run with a Japanese template is refused before anything is pulled or written', async () => {
    const { file } = templateFolder('logo.png', 'ja-JP');
    writeFileSync(join(file, '..', 'logo.png'), readFileSync(SHIPPED_LOGO));
    await expectRunRefused(file, '1:9', 'found "ja-JP"', 'a locale the statement font cannot draw');
  });

  it('company, footer and payment texts in a script the font cannot draw are refused, each at its key', () => {
    const { problems } = parseTemplate('locale: en-GB\ncompany: 株式会社アクメ\nfooter: "Acme — Финансы — Ακμή"\npayment: "שולם"\nsections: [summary]\n', 'mine.yaml', () => null);
    expect(problems.map(formatProblem)).toEqual([
      'mine.yaml:2:10: company: found "株式会社アクメ", with "株" (U+682A), a character the statement font cannot draw; expected text in Latin, Greek or Cyrillic script. Fix: write the text in one of those scripts; it would print as empty boxes',
      'mine.yaml:4:10: payment: found "שולם", with "ש" (U+05E9), a character the statement font cannot draw; expected text in Latin, Greek or Cyrillic script. Fix: write the text in one of those scripts; it would print as empty boxes',
    ]);
  });

  it('a Latin-script tag on a Chinese locale is refused too: Intl still writes its dates in Han characters', () => {
    const { problems } = parseTemplate('locale: zh-Latn\nsections: [summary]\n', 'mine.yaml', () => null);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('found "zh-Latn" (Chinese (Latin), whose dates and numbers Intl writes with characters such as "年"')]);
  });
});

describe('templates a published month recorded', () => {
  it('are read back as the version that published them drew them: a ja-JP locale and a logo over the pixel cap do not make the month unverifiable', async () => {
    const dir = tempDir('chargeback-month-');
    mkdirSync(join(dir, 'inputs'));
    writeFileSync(join(dir, 'inputs', 'template.yaml'), 'locale: ja-JP\nlogo:\n  file: logo.png\nsections: [summary]\n');
    writeFileSync(join(dir, 'inputs', 'logo.png'), encodePng({ width: 3000, height: 10, colourType: 0, depth: 1 }));
    const copy = await templateFromCopy(dir, new Set(['inputs/template.yaml', 'inputs/logo.png']), 'earlier');
    expect(copy.template.locale).toBe('ja-JP');
    expect(copy.logo?.path).toBe('logo.png');
    // The same template given to a new run is refused on both counts.
    const { problems } = parseTemplate(readFileSync(join(dir, 'inputs', 'template.yaml'), 'utf8'), 'template.yaml', (rel) => readLogoFile(join(dir, 'inputs'), rel));
    expect(problems.map((p) => p.path)).toEqual(['locale', 'logo.file']);
  });
});
