import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expectLocatedProblems } from './helpers/problems.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COLOURS, DEFAULT_EMAIL, SECTIONS } from '../src/core/template.js';
import { ChargebackError } from '../src/errors.js';
import { formatProblem } from '../src/io/directory-file.js';
import { EMAIL_PLACEHOLDERS, loadTemplate, LOGO_MAX_BYTES, parseTemplate } from '../src/io/template-file.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { minimalJpeg } from './helpers/png.js';

const BAD = join(ROOT, 'test', 'fixtures', 'bad-templates');
const expected = JSON.parse(readFileSync(join(BAD, 'expected.json'), 'utf8')) as Record<string, Array<[string, string]>>;
const fixtures = readdirSync(BAD).filter((f) => f.endsWith('.yaml')).sort();

/** Reads assets relative to a template the way loadTemplate does. */
const assetsNextTo = (file: string) => (relative: string) => {
  const path = resolve(ROOT, dirname(file), relative);
  try {
    return statSync(path).isFile() ? new Uint8Array(readFileSync(path)) : null;
  } catch {
    return null;
  }
};

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const MINIMAL = 'locale: en-GB\nsections: [summary]\n';
const parse = (source: string, asset: Uint8Array | null = null) => parseTemplate(source, 'templates/mine.yaml', () => asset);

describe('sample templates', () => {
  it('standard.yaml: en-GB, the house colours, every section, the default e-mail, a small PNG logo', async () => {
    const { template, bytes, logoBytes } = await loadTemplate('templates/standard.yaml');
    expect(bytes.toString('utf8')).toContain('locale: en-GB');
    expect(template.name).toBe('standard');
    expect(template.locale).toBe('en-GB');
    expect(template.colours).toEqual(DEFAULT_COLOURS);
    expect(template.sections).toEqual([...SECTIONS]);
    expect(template.email).toEqual(DEFAULT_EMAIL);
    expect(template.footer).toMatch(/\S/);
    expect(template.payment).toMatch(/\S/);
    expect(template.logo!.file).toBe('acme-logo.png');
    expect(logoBytes).toBe(template.logo!.bytes);
  });

  it('acme-de.yaml: de-DE, its own colours and German texts, another order without spend-mix', async () => {
    const { template } = await loadTemplate('templates/acme-de.yaml');
    expect(template.name).toBe('acme-de');
    expect(template.locale).toBe('de-DE');
    expect(template.colours.primary).not.toBe(DEFAULT_COLOURS.primary);
    expect(template.colours.accent).not.toBe(DEFAULT_COLOURS.accent);
    expect(template.sections).not.toContain('spend-mix');
    expect(template.sections).toContain('summary');
    expect(template.sections.length).toBe(SECTIONS.length - 1);
    expect(template.sections).not.toEqual(SECTIONS.filter((s) => s !== 'spend-mix'));
    expect(template.payment).toContain('Die Belastung erfolgt per interner Verrechnung');
    expect(template.email.subject).toContain('Leistungsverrechnung');
    expect(template.email.body).toContain('{total}');
    expect(template.logo!.file).toBe('acme-de-logo.png');
  });

  it.each(['standard.yaml', 'acme-de.yaml'])('%s parses with no problems', (name) => {
    const file = `templates/${name}`;
    const { template, problems } = parseTemplate(readFileSync(join(ROOT, file), 'utf8'), file, assetsNextTo(file));
    expect(problems).toEqual([]);
    expect(template).not.toBeNull();
  });

  it('ships small PNG logos', () => {
    for (const f of readdirSync(join(ROOT, 'templates')).filter((f) => f.endsWith('.png'))) {
      const b = readFileSync(join(ROOT, 'templates', f));
      expect(b.subarray(0, 8)).toEqual(Buffer.from(PNG.subarray(0, 8)));
      expect(b.length).toBeLessThan(20 * 1024);
    }
  });

  it('the README names every key, section and placeholder', () => {
    const readme = readFileSync(join(ROOT, 'templates', 'README.md'), 'utf8');
    for (const word of ['locale', 'company', 'logo', 'width', 'colours', 'footer', 'payment', 'sections', 'email', 'from', 'subject', 'body', ...Object.keys(DEFAULT_COLOURS), ...SECTIONS]) expect(readme).toContain(`\`${word}\``);
    for (const p of EMAIL_PLACEHOLDERS) expect(readme).toContain(`{${p}}`);
    expect(readme).toContain('chargeback validate --template');
  });
});

describe('bad templates', () => {
  it('has an expectation for every bad fixture', () => {
    expect(Object.keys(expected).sort()).toEqual(fixtures);
  });

  it.each(fixtures)('%s: every problem located by line and column with the fix', (file) => {
    const path = `test/fixtures/bad-templates/${file}`;
    const { template, problems } = parseTemplate(readFileSync(join(ROOT, path), 'utf8'), path, assetsNextTo(path));
    expect(template).toBeNull();
    expectLocatedProblems(problems.map(formatProblem), expected[file]!, path);
  });

  it.each(fixtures)('%s: loadTemplate throws a usage error listing file:line:column', async (file) => {
    const path = `test/fixtures/bad-templates/${file}`;
    const error = await loadTemplate(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChargebackError);
    const e = error as ChargebackError;
    expect(e.kind).toBe('usage');
    const n = expected[file]!.length;
    expect(e.message).toBe(`The template ${path} has ${n} problem${n === 1 ? '' : 's'}; nothing was run.`);
    expect(e.details).toHaveLength(n);
    expected[file]!.forEach(([at], i) => expect(e.details[i]).toContain(`${path}:${at}: `));
  });

  it('an unreadable template names the file and the --template fix', async () => {
    const error = (await loadTemplate('templates/nope.yaml').catch((e: unknown) => e)) as ChargebackError;
    expect(error).toBeInstanceOf(ChargebackError);
    expect(error.kind).toBe('usage');
    expect(error.message).toBe('Cannot read the template templates/nope.yaml (ENOENT).');
    expect(error.details.join('\n')).toContain('--template PATH');
  });
});

describe('template details', () => {
  it('takes defaults for what is left out and the name from the file', () => {
    const { template, problems } = parse(MINIMAL);
    expect(problems).toEqual([]);
    expect(template).toEqual({ name: 'mine', locale: 'en-GB', company: null, logo: null, colours: DEFAULT_COLOURS, footer: null, payment: null, sections: ['summary'], email: DEFAULT_EMAIL });
  });

  it('fills missing colours and e-mail fields from the defaults, normalises case', () => {
    const { template } = parse(`locale: de-de\nsections: [charges, summary]\ncolours: { accent: "#1a9a8b" }\nemail:\n  subject: "Abrechnung {period}"\ncompany: "  Acme GmbH "\n`);
    expect(template!.locale).toBe('de-DE');
    expect(template!.colours).toEqual({ ...DEFAULT_COLOURS, accent: '#1A9A8B' });
    expect(template!.email).toEqual({ ...DEFAULT_EMAIL, subject: 'Abrechnung {period}' });
    expect(template!.company).toBe('Acme GmbH');
    expect(template!.sections).toEqual(['charges', 'summary']);
  });

  it('accepts a JPEG logo, defaults its width to 90 points, and refuses one over 1 MiB', () => {
    const jpeg = new Uint8Array(minimalJpeg());
    const ok = parse(`${MINIMAL}logo: { file: logo.jpg }\n`, jpeg);
    expect(ok.problems).toEqual([]);
    expect(ok.template!.logo).toEqual({ file: 'logo.jpg', bytes: jpeg, widthPt: 90 });
    const big = new Uint8Array(LOGO_MAX_BYTES + 1);
    big.set(PNG);
    const { problems } = parse(`${MINIMAL}logo:\n  file: big.png\n`, big);
    expect(problems.map(formatProblem)).toEqual([`templates/mine.yaml:4:9: logo.file: found "big.png", a file of ${LOGO_MAX_BYTES + 1} bytes; expected at most 1 MiB (1048576 bytes). Fix: scale the logo down or compress it (a statement logo needs no more than about 600 pixels wide)`]);
  });

  it('refuses a multi-line footer or subject and locates a placeholder in a block body', () => {
    const { problems } = parse(`${MINIMAL}footer: |\n  one\n  two\nemail:\n  subject: "a\\nb"\n  body: >\n    Hello {owner},\n    {statment} attached.\n`);
    expect(problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`)).toEqual([
      '3:9 footer: found 2 lines, expected one line',
      '7:12 email.subject: found 2 lines, expected one line',
      '10:5 email.body: found unknown placeholder {statment} (did you mean {statements}?), expected one of {company} {period} {period_title} {owner} {cost_centers} {statements} {total} {budget}',
    ]);
  });

  it('reports a file that is not a mapping, and an unresolved alias, without crashing', () => {
    expect(parse('').problems.map(formatProblem)).toEqual(['templates/mine.yaml:1:1: found null, expected a mapping of template keys (locale, sections, …). Fix: start from templates/standard.yaml']);
    expect(parse('- summary\n').problems[0]!.message).toBe('found a list, expected a mapping of template keys (locale, sections, …)');
    expect(parse('locale: *nope\nsections: [summary]\n').problems[0]!.message).toMatch(/^YAML (syntax )?error/);
  });
});

describe('bad templates on the command line', () => {
  it.each(fixtures)('%s: run exits 2 before pulling anything, names file:line:column, and publishes nothing', async (file) => {
    const out = tempDir();
    const path = `test/fixtures/bad-templates/${file}`;
    const r = await runCli(['run', '--sandbox', '--now', '2026-11-25T09:00:00Z', '--out', out, '--template', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`The template ${path} has`);
    expect(r.stderr).toMatch(new RegExp(`${path.replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
    expect(r.stderr).not.toContain('internal error');
    expect(readdirSync(out)).toEqual([]);
  });
});
