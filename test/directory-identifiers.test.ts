import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocate } from '../src/core/allocate.js';
import { DIRECTORY_LIMITS } from '../src/core/directory.js';
import { JOURNAL_COLUMNS, journalLines } from '../src/core/journal.js';

const FINAL_ISSUE = { status: 'FINAL', documentDate: '2026-10-31', differenceChargedOn: null, replaced: null } as const;
import { parsePeriod } from '../src/core/period.js';
import { mailAddress } from '../src/delivery/address.js';
import { formatProblem, loadDirectory, parseDirectory } from '../src/io/directory-file.js';
import { toCsv } from '../src/render/csv.js';
import { runCli, tempDir } from './helpers/cli.js';
import { row, user } from './helpers/rows.js';

const seed = Number(process.env.FUZZ_SEED ?? 20261202);

/** A small valid directory; `gl`, `ccGl` and `extra` are spliced in as written (no quoting). */
function yamlWith(o: { gl?: string; ccGl?: string; code?: string; ownerEmail?: string; extra?: string } = {}): string {
  const code = o.code ?? 'ENG';
  return [
    'company: Acme',
    ...(o.gl === undefined ? [] : ['gl:', `  clearing_account: ${o.gl}`]),
    'cost_centers:',
    `  - code: ${code}`,
    '    name: Engineering',
    `    owner: { name: Ingrid, email: ${o.ownerEmail ?? 'ingrid@acme.example'} }`,
    ...(o.ccGl === undefined ? [] : [`    gl_account: ${o.ccGl}`]),
    '  - code: IT',
    '    name: IT',
    `    parent: ${code}`,
    '    owner: { name: Onne, email: onne@acme.example }',
    o.extra ?? '',
  ].join('\n');
}

const parse = (text: string) => parseDirectory(text, 'org.yaml');
const messages = (text: string) => parse(text).problems.map(formatProblem);

describe('identifiers keep the text written', () => {
  it('reads unquoted digit strings as their text, leading zeros included, in every identifier field', () => {
    const text = yamlWith({
      gl: '0299',
      ccGl: '06100',
      code: '0100',
      extra: [
        'people:',
        '  - user_id: user_0042',
        '    email: ana@acme.example',
        '    cost_center: 0100',
        'rules:',
        '  - match: { api_key_id: 000123 }',
        '    cost_center: 0100',
        '  - match: { workspace_id: 0099 }',
        '    cost_center: IT',
        'markup:',
        '  percent: 5',
        '  cost_centers: { 0100: 2.5 }',
        'pools:',
        '  - name: 007',
        '    match: { service_account_id: 0815 }',
        '    split: { fixed: { 0100: 60, IT: 40 } }',
        '  - name: Platform fee',
        '    amount: "10.00"',
        '    split: even',
        '    to: [0100]',
      ].join('\n'),
    });
    const { directory, problems } = parse(text);
    expect(problems.map(formatProblem)).toEqual([]);
    const d = directory!;
    expect(d.gl.clearingAccount).toBe('0299');
    expect(d.costCenters.map((c) => [c.code, c.parent, c.glAccount])).toEqual([['0100', null, '06100'], ['IT', '0100', null]]);
    expect(d.people[0]!.costCenter).toBe('0100');
    expect(d.rules.map((r) => r.value)).toEqual(['000123', '0099']);
    expect(d.markup!.overrides).toEqual([{ code: '0100', percent: '2.5' }]);
    expect(d.pools[0]!.name).toBe('007');
    expect(d.pools[0]!.match).toEqual({ matcher: 'service_account_id', value: '0815' });
    expect(d.pools[0]!.split).toEqual({ kind: 'fixed', percentages: [{ code: '0100', percent: '60' }, { code: 'IT', percent: '40' }] });
    expect(d.pools[1]!.to).toEqual(['0100']);
  });

  it.each(['6.1e3', '1e3', '0x17D4', '0o17', '1_000', '0b101', '.5', '+12', '-7', '12.50', '.inf', '.NaN', '1:30', 'true', 'False'])(
    'refuses %s written without quotes as an identifier, located, with the value as written and the fix',
    (value) => {
      const lines = messages(yamlWith({ gl: value }));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`org.yaml:3:21: gl.clearing_account: found ${value} without quotes, which `);
      expect(lines[0]).toContain(`Fix: write it in quotes: '${value}'`);
      // Quoted, the same text is taken as written.
      expect(parse(yamlWith({ gl: `'${value}'` })).directory!.gl.clearingAccount).toBe(value);
    },
  );

  it('refuses a number-form cost center code once, not again wherever the code is used', () => {
    const lines = messages(yamlWith({ code: '6.1e3' }));
    expect(lines).toEqual([
      expect.stringContaining("org.yaml:3:11: cost_centers[0].code: found 6.1e3 without quotes, which YAML reads as the number 6100; expected text, kept exactly as written. Fix: write it in quotes: '6.1e3'"),
      expect.stringContaining("org.yaml:8:13: cost_centers[1].parent: found 6.1e3 without quotes"),
    ]);
  });

  it('law: an unquoted identifier is either kept exactly as written or refused with the fix naming it; never another text', () => {
    const plain = fc.stringMatching(/^[0-9A-Za-z.+][0-9A-Za-z._+-]{0,11}$/).filter((s) => !/^(null|Null|NULL)$/.test(s));
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9]{1,24}$/), plain), (written) => {
        const { directory, problems } = parse(yamlWith({ gl: written, ccGl: written }));
        if (directory !== null) {
          expect(directory.gl.clearingAccount).toBe(written);
          expect(directory.costCenters[0]!.glAccount).toBe(written);
        } else {
          expect(/^[0-9]+$/.test(written)).toBe(false);
          const lines = problems.map(formatProblem);
          expect(lines).toHaveLength(2);
          for (const l of lines) expect(l).toContain(`found ${written} without quotes`);
          for (const l of lines) expect(l).toContain(`write it in quotes: '${written}'`);
        }
      }),
      { seed, numRuns: 200 },
    );
  });

  it('books an unquoted 0299 clearing account and 06100 expense account to journal.csv as written', async () => {
    const dir = tempDir();
    const file = join(dir, 'org.yaml');
    writeFileSync(
      file,
      [
        'company: Acme',
        'gl:',
        '  clearing_account: 0299',
        '  unallocated_account: 06999',
        'cost_centers:',
        '  - { code: ENG, name: Engineering, owner: { name: Ingrid, email: ingrid@acme.example }, gl_account: 06100 }',
        '  - { code: IT, name: IT, parent: ENG, owner: { name: Onne, email: onne@acme.example } }',
        'people:',
        '  - { email: ana@acme.example, cost_center: IT }',
        '',
      ].join('\n'),
    );
    const { directory } = await loadDirectory(file);
    const rows = [row(user('user_ana', 'ana@acme.example'), '1234.5'), row(user('user_x', 'x@elsewhere.example'), '100')];
    const lines = journalLines(allocate(rows, directory, parsePeriod('2026-09')!), directory, FINAL_ISSUE);
    const csv = toCsv(JOURNAL_COLUMNS, lines.map((l) => JOURNAL_COLUMNS.map((c) => l[c]))).toString('utf8');
    const accounts = csv.trim().split(/\r?\n/).slice(1).map((l) => l.split(',')[JOURNAL_COLUMNS.indexOf('account')]);
    // IT has no account of its own and takes its parent's, 06100; unmapped spend goes to 06999.
    expect(accounts).toEqual(['06100', '06999', '0299']);
  });

  it('validate accepts unquoted digit-string accounts and refuses a number form with exit 2 and no stack trace', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ok.yaml'), yamlWith({ gl: '0299', ccGl: '06100' }));
    writeFileSync(join(dir, 'bad.yaml'), yamlWith({ gl: '6.1e3' }));
    const ok = await runCli(['validate', '--directory', join(dir, 'ok.yaml')]);
    expect(ok.code).toBe(0);
    const bad = await runCli(['validate', '--directory', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, 'bad.yaml')}:3:21: gl.clearing_account: found 6.1e3 without quotes`);
    expect(bad.stderr).toContain("write it in quotes: '6.1e3'");
    expect(bad.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('the directory rejects what it cannot mean', () => {
  it.each([
    ['__proto__ at the top', 'company: Acme\n__proto__: { x: 1 }\ncost_centers:\n  - { code: ENG, name: E, owner: { name: I, email: i@acme.example } }\n', '2:1: __proto__: key "__proto__" is not allowed'],
    ['constructor in a cost center', 'company: Acme\ncost_centers:\n  - code: ENG\n    name: E\n    owner: { name: I, email: i@acme.example }\n    constructor: x\n', '6:5: cost_centers[0].constructor: key "constructor" is not allowed'],
    ['prototype in an owner', 'company: Acme\ncost_centers:\n  - code: ENG\n    name: E\n    owner: { name: I, email: i@acme.example, prototype: 1 }\n', '5:46: cost_centers[0].owner.prototype: key "prototype" is not allowed'],
    ['"__proto__" quoted in a split', 'company: Acme\ncost_centers:\n  - { code: ENG, name: E, owner: { name: I, email: i@acme.example } }\npools:\n  - name: P\n    match: { no_actor: true }\n    split: { fixed: { "__proto__": 20, ENG: 80 } }\n', '7:23: pools[0].split.fixed.__proto__: key "__proto__" is not allowed'],
  ])('%s: one located problem, nothing silently dropped', (_name, text, expected) => {
    const lines = messages(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`org.yaml:${expected}`);
    expect(lines[0]).toMatch(/\. Fix: remove it or rename it/);
  });

  it.each([
    ['"a,b@acme.example"', 'the mailer reads it as 2 addresses'],
    ['"a@acme.example;b@acme.example"', 'the mailer reads it as 2 addresses'],
    ['"Ana <ana@acme.example>"', 'the mailer reads it as "ana@acme.example" named "Ana"'],
    ['"ana@acme.example (Ana)"', 'named "Ana"'],
    ['"<ana@acme.example>"', 'the mailer reads it as "ana@acme.example"'],
    ['ana(at)acme.example', 'the mailer finds no address in it'],
    ['a@@acme.example', 'it is not one local@domain address'],
    ['"a\\nb@acme.example"', 'it contains a line break'],
    ['ana@localhost', 'its domain has no dot'],
  ])('owner e-mail %s is refused at validate, as send would refuse it (%s)', (email, why) => {
    const lines = messages(yamlWith({ ownerEmail: email }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('org.yaml:5:35: cost_centers[0].owner.email: found ');
    expect(lines[0]).toContain('expected an e-mail address (');
    expect(lines[0]).toContain(`${why})`);
  });

  it('accepts an owner or person e-mail exactly when the mailer reads it as that one address', () => {
    const local = fc.stringMatching(/^[A-Za-z0-9.,;<>()" +_-]{1,10}$/);
    const domain = fc.stringMatching(/^[a-z0-9.,;<>()@ -]{1,12}$/);
    fc.assert(
      fc.property(local, domain, (l, dom) => {
        const email = `${l}@${dom}`;
        const quoted = JSON.stringify(email);
        const { problems } = parse(yamlWith({ ownerEmail: quoted, extra: `people:\n  - email: ${quoted}\n    cost_center: IT\n` }));
        const read = mailAddress(email);
        const fine = read.ok && read.address === email && /@[^@]+\.[^@]+$/.test(email);
        expect(problems.filter((p) => p.path.endsWith('email')).length).toBe(fine ? 0 : 2);
      }),
      { seed, numRuns: 150 },
    );
  });
});

describe('amounts the tool cannot carry exactly are refused at validate', () => {
  const withMoney = (extra: string) => messages(yamlWith({ extra }));
  const digits = (n: number) => '9'.repeat(n);

  it(`takes dollar amounts up to ${DIRECTORY_LIMITS.dollarDigits} whole digits and cents, refuses one digit more`, () => {
    expect(withMoney(`seats:\n  price: "${digits(DIRECTORY_LIMITS.dollarDigits)}.99"`)).toEqual([]);
    expect(withMoney(`seats:\n  price: "000${digits(DIRECTORY_LIMITS.dollarDigits)}.99"`)).toEqual([]);
    const seat = withMoney(`seats:\n  price: "${digits(DIRECTORY_LIMITS.dollarDigits + 1)}"`);
    expect(seat).toEqual([expect.stringContaining(`org.yaml:11:10: seats.price: found "${digits(16)}" (16 digits before the decimal point, 0 after), expected a USD amount of at most 15 digits before the decimal point and 2 after`)]);
    expect(withMoney(`pools:\n  - name: Fee\n    amount: "${digits(DIRECTORY_LIMITS.dollarDigits)}.00"\n    split: even`)).toEqual([]);
    const pool = withMoney(`pools:\n  - name: Fee\n    amount: ${digits(70)}\n    split: even`);
    expect(pool).toEqual([expect.stringContaining('org.yaml:12:13: pools[0].amount: found "99999')]);
    expect(pool[0]).toContain('(70 digits before the decimal point, 0 after)');
  });

  it(`takes percentages up to ${DIRECTORY_LIMITS.percentDecimals} significant decimals, refuses more`, () => {
    expect(withMoney(`markup:\n  percent: 7.${'1'.repeat(DIRECTORY_LIMITS.percentDecimals)}000000`)).toEqual([]);
    const markup = withMoney(`markup:\n  percent: 7.${'1'.repeat(DIRECTORY_LIMITS.percentDecimals + 1)}\n  cost_centers: { IT: ${digits(70)} }`);
    expect(markup).toEqual([
      expect.stringContaining(`org.yaml:11:12: markup.percent: found "7.${'1'.repeat(DIRECTORY_LIMITS.percentDecimals + 1)}" (1 digit before the decimal point, ${DIRECTORY_LIMITS.percentDecimals + 1} after), expected a percentage of at most 6 digits before the decimal point and ${DIRECTORY_LIMITS.percentDecimals} after`),
      expect.stringContaining('org.yaml:12:23: markup.cost_centers.IT: found "99999'),
    ]);
    const split = withMoney(`pools:\n  - name: Shared\n    match: { no_actor: true }\n    split: { fixed: { ENG: 33.${'3'.repeat(70)}, IT: 66.${'6'.repeat(69)}7 } }`);
    expect(split).toHaveLength(2);
    expect(split.every((l) => l.includes(`expected a percentage of at most 6 digits before the decimal point and ${DIRECTORY_LIMITS.percentDecimals} after`))).toBe(true);
  });

  it('validate exits 2 on an amount of 70 digits, names the limit and prints no stack trace', async () => {
    const r = await runCli(['validate', '--directory', 'test/fixtures/bad-directories/pool-amount-beyond-precision.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('test/fixtures/bad-directories/pool-amount-beyond-precision.yaml:13:13: pools[0].amount: found ');
    expect(r.stderr).toContain('expected a USD amount of at most 15 digits before the decimal point and 2 after');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
