import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { publishTrueUp, runCli, tempDir } from './helpers/cli.js';
import { cellCents, pdfText, qpdfCheck, readXlsx, type XlsxSheet } from './helpers/readers.js';

/**
 * The sandbox's August and September, published like a customer would, read back with poppler,
 * openpyxl and mailparser; every expected value is computed here from chargeback.json and the raw
 * engagement page with bigint arithmetic, not taken from the code under test.
 */
const NOW = '2026-11-25T09:00:00Z';
const KEY = 'test-pseudonym-key-0123456789';

interface Actor { actorKey: string; actorType: string; actorId: string; label: string; email: string | null; billedCents: string }
interface CostCenter { code: string; billedCents: string; statementNumber: string | null; actors: Actor[] }
const chargeback = (dir: string) => JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { costCenters: CostCenter[] };

/** "$1,234.56" / "-$1,234.56" (en-GB), from cents. */
function usd(cents: bigint): string {
  const abs = cents < 0n ? -cents : cents;
  return `${cents < 0n ? '-' : ''}$${(abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${(abs % 100n).toString().padStart(2, '0')}`;
}
/** "1.234,56 $" (de-DE). */
function eur(cents: bigint): string {
  return `${(cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.')},${(cents % 100n).toString().padStart(2, '0')} $`;
}
const halfUp = (num: bigint, den: bigint) => (2n * num + den) / (2n * den);
const flat = (text: string) => text.replace(/\u00a0/g, ' ');

let plain: string;
let german: string;
let masked: string;

beforeAll(async () => {
  plain = tempDir();
  german = tempDir();
  masked = tempDir();
  const runs: Array<[string[], NodeJS.ProcessEnv]> = [
    [['run', '--sandbox', '--now', NOW, '--period', '2026-08', '--out', plain], {}],
    [['run', '--sandbox', '--now', NOW, '--period', '2026-09', '--out', plain], {}],
    [['run', '--sandbox', '--now', NOW, '--period', '2026-09', '--out', german, '--template', 'templates/acme-de.yaml'], {}],
    [['run', '--sandbox', '--now', NOW, '--period', '2026-08', '--out', masked, '--pseudonymize'], { CHARGEBACK_PSEUDONYM_KEY: KEY }],
    [['run', '--sandbox', '--now', NOW, '--period', '2026-09', '--out', masked, '--pseudonymize'], { CHARGEBACK_PSEUDONYM_KEY: KEY }],
  ];
  for (const [args, env] of runs) {
    const r = await runCli(args, env);
    expect(r.code, r.stderr).toBe(0);
  }
}, 180_000);

describe('month-over-month change on the statement', () => {
  it('states the exact change on last month per department, in words, table and chart', () => {
    const aug = chargeback(join(plain, '2026-08'));
    const sep = chargeback(join(plain, '2026-09'));
    let checked = 0;
    for (const cc of sep.costCenters.filter((c) => c.statementNumber !== null)) {
      const before = aug.costCenters.find((c) => c.code === cc.code && c.statementNumber !== null);
      if (!before) continue;
      const now = BigInt(cc.billedCents);
      const was = BigInt(before.billedCents);
      const change = now - was;
      const abs = change < 0n ? -change : change;
      const permille = halfUp(abs * 1000n, was);
      const sign = change > 0n ? '+' : change < 0n ? '-' : '';
      const pct = `${sign}${permille / 10n}.${permille % 10n}%`;
      const text = pdfText(join(plain, '2026-09', 'statements', `${cc.code}.pdf`)).replace(/\s+/g, ' ');
      expect(text).toContain(`Compared with August 2026 (${usd(was)}): ${sign}${usd(abs)} (${pct}).`);
      // The trend table row for September, and the chart's label over the September column.
      expect(text).toContain(`September 2026 ${usd(now)} ${sign}${usd(abs)} ${pct}`);
      expect(text.split(usd(now)).length - 1).toBeGreaterThanOrEqual(3);
      checked += 1;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('names the biggest movers with last month\u2019s and this month\u2019s usage', () => {
    const aug = chargeback(join(plain, '2026-08')).costCenters.find((c) => c.code === 'ENG-APP')!;
    const sep = chargeback(join(plain, '2026-09')).costCenters.find((c) => c.code === 'ENG-APP')!;
    const before = new Map(aug.actors.map((a) => [a.actorKey, BigInt(a.billedCents)]));
    const moves = sep.actors.map((a) => ({ label: a.label, was: before.get(a.actorKey) ?? 0n, now: BigInt(a.billedCents) })).map((m) => ({ ...m, change: m.now - m.was }));
    const top = moves.filter((m) => m.change > 0n).sort((a, b) => (a.change === b.change ? (a.label < b.label ? -1 : 1) : a.change > b.change ? -1 : 1))[0]!;
    const text = pdfText(join(plain, '2026-09', 'statements', 'ENG-APP.pdf'));
    const line = text.split('\n').find((l) => l.includes(usd(top.was)) && l.includes(usd(top.now)) && l.includes(`+${usd(top.change)}`));
    expect(line, `a movers row for ${top.label}`).toBeDefined();
    expect(line!.trim().startsWith(top.label.slice(0, 12))).toBe(true);
    // The workbook's Trend sheet has the same six months and the same change.
    const trend = readXlsx(join(plain, '2026-09', 'statements', 'ENG-APP.xlsx')).find((s) => s.name === 'Trend')!;
    const row = (period: string) => trend.cells.find((c) => c.value === period)!.ref.slice(1);
    expect(cellCents(trend.cells.find((c) => c.ref === `B${row('2026-08')}`))).toBe(BigInt(aug.billedCents));
    expect(cellCents(trend.cells.find((c) => c.ref === `C${row('2026-09')}`))).toBe(BigInt(sep.billedCents) - BigInt(aug.billedCents));
  });
});

describe('trend across a revision', () => {
  it('counts a correction in the month it corrects, not twice in the month that carries it', async () => {
    const out = tempDir();
    await publishTrueUp(out);
    type WithAdjustments = CostCenter & { adjustments: Array<{ cents: string }> };
    const oct = chargeback(join(out, '2026-10')).costCenters.find((c) => c.code === 'ENG-APP') as WithAdjustments;
    const sep = chargeback(join(out, '2026-09.r2')).costCenters.find((c) => c.code === 'ENG-APP')!;
    const carried = oct.adjustments.reduce((t, a) => t + BigInt(a.cents), 0n);
    expect(carried).not.toBe(0n);
    const own = BigInt(oct.billedCents) - carried;
    const change = own - BigInt(sep.billedCents);
    const abs = change < 0n ? -change : change;
    const text = pdfText(join(out, '2026-10', 'statements', 'ENG-APP.pdf')).replace(/\s+/g, ' ');
    expect(text).toContain(`Compared with September 2026 (${usd(BigInt(sep.billedCents))}): ${change < 0n ? '-' : '+'}${usd(abs)} (`);
    expect(text).toContain(`This month’s own charges are ${usd(own)}; the total of ${usd(BigInt(oct.billedCents))} also carries ${carried < 0n ? '-' : '+'}${usd(carried < 0n ? -carried : carried)} of corrections to earlier months`);
  }, 120_000);
});

describe('cost per pull request, commit and session', () => {
  it('is the person\u2019s usage divided by their counts, to the cent, in the PDF and the workbook', () => {
    const month = join(plain, '2026-09');
    const ccs = chargeback(month).costCenters;
    const users = (JSON.parse(readFileSync(join(month, 'raw', 'users-p001.json'), 'utf8')) as { data: Array<{ user: { id: string }; claude_code_metrics: { core_metrics: { pull_request_count: number; commit_count: number; distinct_session_count: number } } }> }).data;
    const places = new Map<string, string[]>();
    for (const cc of ccs) for (const a of cc.actors) places.set(a.actorKey, [...(places.get(a.actorKey) ?? []), cc.code]);
    let checked = 0;
    for (const code of ['ENG-PLAT', 'ENG-APP', 'ENG-DATA']) {
      const sheet = readXlsx(join(month, 'statements', `${code}.xlsx`)).find((s) => s.name === 'Engagement') as XlsxSheet;
      const text = pdfText(join(month, 'statements', `${code}.pdf`));
      for (const a of ccs.find((c) => c.code === code)!.actors.filter((x) => x.actorType === 'user_actor' && places.get(x.actorKey)!.length === 1)) {
        const u = users.find((r) => r.user.id === a.actorId);
        if (!u || u.claude_code_metrics.core_metrics.pull_request_count === 0) continue;
        const m = u.claude_code_metrics.core_metrics;
        const cents = BigInt(a.billedCents);
        const perPr = halfUp(cents, BigInt(m.pull_request_count));
        const perCommit = halfUp(cents, BigInt(m.commit_count));
        const perSession = halfUp(cents, BigInt(m.distinct_session_count));
        const row = sheet.cells.find((c) => c.value === a.label)!.ref.slice(1);
        expect([`K${row}`, `L${row}`, `M${row}`].map((ref) => cellCents(sheet.cells.find((c) => c.ref === ref)))).toEqual([perSession, perCommit, perPr]);
        const line = text.split('\n').find((l) => l.trim().startsWith(a.label.slice(0, 10)) && l.includes(usd(cents)) && l.includes(usd(perPr)));
        expect(line, `${a.label} in ${code}.pdf`).toBeDefined();
        expect(line!.replace(/\s+/g, ' ').trim().endsWith(`${usd(perSession)} ${usd(perCommit)} ${usd(perPr)}`), line).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });
});

describe('roll-up engagement', () => {
  it('names the cost center of each line and counts people once', () => {
    const month = join(plain, '2026-09');
    const sheet = readXlsx(join(month, 'statements', 'rollup', 'ENG.xlsx')).find((x) => x.name === 'Engagement')!;
    const codes = new Set(sheet.cells.filter((c) => /^A\d+$/.test(c.ref) && c.ref !== 'A1').map((c) => c.value));
    codes.delete('Total');
    for (const c of codes) if (typeof c === 'string' && c.startsWith('Activity from')) codes.delete(c);
    expect([...codes].every((c) => typeof c === 'string' && c.startsWith('ENG'))).toBe(true);
    expect(codes.size).toBeGreaterThanOrEqual(3);
    const people = new Set(sheet.cells.filter((c) => /^B\d+$/.test(c.ref) && c.ref !== 'B1' && c.value !== '').map((c) => c.value)).size;
    const text = pdfText(join(month, 'statements', 'rollup', 'ENG.pdf')).replace(/\s+/g, ' ');
    expect(text).toMatch(new RegExp(`Activity from 1 September 2026 to 30 September 2026\\. ${people} people: `));
    expect(text).toContain('Person Cost center Sessions Commits PRs');
  });
});

describe('charts', () => {
  it('show the amounts of the workbook, each once: a view that fits as a chart is not repeated as a table', () => {
    const month = join(plain, '2026-09');
    const summary = readXlsx(join(month, 'statements', 'ENG-DATA.xlsx'))[0]!;
    const header = summary.cells.find((c) => c.value === 'Direct usage by model')!;
    const first = Number(header.ref.slice(1)) + 1;
    const models: Array<[string, bigint]> = [];
    for (let r = first; ; r++) {
      const label = summary.cells.find((c) => c.ref === `A${r}`)?.value;
      if (typeof label !== 'string' || label === 'Total') break;
      models.push([label, cellCents(summary.cells.find((c) => c.ref === `B${r}`))]);
    }
    expect(models.length).toBeGreaterThanOrEqual(3);
    const lines = pdfText(join(month, 'statements', 'ENG-DATA.pdf')).split('\n').map((l) => l.trim());
    expect(models.length).toBeLessThanOrEqual(6);
    for (const [label, cents] of models) {
      // As a bar of the chart, with the workbook's amount, and not again as a table row.
      // (The tokens table's row of a model prices its token cost per million tokens: another figure, with token counts.)
      const hits = lines.filter((l) => l.startsWith(label) && l.includes(usd(cents)) && !/^\S+\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+\$/.test(l));
      expect(hits.length, `${label} ${usd(cents)}`).toBe(1);
    }
    expect(lines.filter((l) => l === 'Direct usage by model').length).toBe(1);
    qpdfCheck(join(month, 'statements', 'ENG-DATA.pdf'));
  });
});

describe('templates', () => {
  it('lay out a German statement: locale, logo, colours, sections, and it verifies', async () => {
    const month = join(german, '2026-09');
    const total = BigInt(chargeback(month).costCenters.find((c) => c.code === 'ENG-PLAT')!.billedCents);
    const text = flat(pdfText(join(month, 'statements', 'ENG-PLAT.pdf')));
    // In German: the catalog's words, the locale's numbers and dates.
    expect(text).toContain(`Gesamt ${eur(total)}`);
    expect(text).toContain('1. September 2026 bis 30. September 2026');
    expect(text).toContain('Acme GmbH');
    expect(text).toContain('Interne Leistungsverrechnung');
    expect(text).toContain('Die Belastung erfolgt per interner Verrechnung');
    // acme-de leaves out the spend mix.
    expect(text).not.toContain('Wohin die Kosten fließen');
    expect(execFileSync('pdfimages', ['-list', join(month, 'statements', 'ENG-PLAT.pdf')], { encoding: 'utf8' })).toMatch(/\n\s*1\s+0\s+image\s+360\s+96/);
    const r = await runCli(['verify', month]);
    expect(r.code, r.stderr).toBe(0);
    // Delivery speaks the template's language.
    const send = await runCli(['send', '--period', '2026-09', '--out', german, '--now', NOW]);
    expect(send.code, send.stderr).toBe(0);
    const owner = chargeback(month).costCenters.find((c) => c.code === 'ENG-PLAT')!;
    const mail = await simpleParser(readFileSync(join(month, 'outbox', 'zoe.lukasiewicz.eml')));
    expect(mail.subject).toBe('Acme GmbH: Claude-Leistungsverrechnung 2026-09 für Platform Engineering (ENG-PLAT)');
    expect(flat(mail.text ?? '')).toContain(`Gesamtbetrag ${eur(BigInt(owner.billedCents))}.`);
  });

  it('a template with problems stops the run before anything is written', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--sandbox', '--now', NOW, '--out', out, '--template', 'test/fixtures/bad-templates/unknown-section.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown-section\.yaml:\d+:\d+: /);
    expect(() => readFileSync(join(out, '2026-09', 'manifest.json'))).toThrow();
  });
});

describe('--pseudonymize', () => {
  const read = (month: string, file: string) => readFileSync(join(month, file), 'utf8');
  const ledgerRows = (text: string) => text.trim().split('\n').slice(1).map((l) => l.split(','));

  it('replaces people in summary, ledger and FOCUS with one stable id each, and keeps them on department statements', () => {
    const month = join(masked, '2026-09');
    const people = chargeback(join(plain, '2026-09')).costCenters.flatMap((c) => c.actors.filter((a) => a.actorType === 'user_actor'));
    const ledgers = [read(month, 'ledger.csv'), read(month, 'focus.csv')].join('\n');
    const summary = JSON.stringify(readXlsx(join(month, 'summary.xlsx')));
    // Cost-center owners stay named in the summary (whom finance asks), never as spenders.
    const owners = new Set(chargeback(month).costCenters.flatMap((c) => ((c as unknown as { owner: { email: string } | null }).owner ? [(c as unknown as { owner: { email: string } }).owner.email] : [])));
    for (const p of people) {
      for (const org of owners.has(p.email ?? '') ? [ledgers] : [ledgers, summary]) {
        if (p.email) expect(org).not.toContain(p.email);
        expect(org).not.toContain(p.actorId);
        if (p.label.includes(' ')) expect(org).not.toContain(p.label);
      }
    }
    expect(ledgers).toContain('person email (pseudonymized)');
    // The department's own statement still names its people.
    const plat = chargeback(month).costCenters.find((c) => c.code === 'ENG-PLAT')!;
    const platText = pdfText(join(month, 'statements', 'ENG-PLAT.pdf'));
    for (const a of plat.actors.filter((x) => x.actorType === 'user_actor').slice(0, 5)) expect(platText).toContain(a.label.slice(0, 12));

    // One id per person, the same in August and September: pair the ledgers row by row (raw_row).
    const pairs = new Map<string, string>();
    for (const m of ['2026-08', '2026-09']) {
      const real = new Map(ledgerRows(read(join(plain, m), 'ledger.csv')).filter((r) => r[5] === 'user_actor').map((r) => [r[18], r[6]]));
      for (const r of ledgerRows(read(join(masked, m), 'ledger.csv')).filter((x) => x[5] === 'user_actor')) {
        expect(r[6]).toMatch(/^person-[0-9A-Z]{12}$/);
        expect(r[7]).toBe('');
        const id = real.get(r[18])!;
        expect(pairs.get(id) ?? r[6]).toBe(r[6]);
        pairs.set(id, r[6]!);
      }
    }
    expect(new Set(pairs.values()).size).toBe(pairs.size);
    expect(pairs.size).toBeGreaterThan(100);
  });

  it("a pseudonymized revision's adjustments.csv names people by their ids only, reasons included", async () => {
    const out = tempDir();
    const env = { CHARGEBACK_PSEUDONYM_KEY: KEY };
    expect((await runCli(['run', '--sandbox', '--period', '2026-09', '--provisional', '--now', '2026-10-05T09:00:00Z', '--out', out, '--pseudonymize'], env)).code).toBe(0);
    expect((await runCli(['run', '--sandbox', '--period', '2026-09', '--now', NOW, '--out', out, '--pseudonymize'], env)).code).toBe(0);
    const text = read(join(out, '2026-09.r2'), 'adjustments.csv');
    const people = chargeback(join(out, '2026-09.r2')).costCenters.flatMap((c) => c.actors.filter((a) => a.actorType === 'user_actor'));
    expect(people.length).toBeGreaterThan(100);
    for (const p of people) {
      if (p.email) expect(text).not.toContain(p.email);
      expect(text).not.toContain(p.actorId);
      expect(text).not.toContain(p.label);
    }
    // The reasons still say who moved the figures, by id.
    expect(text).toMatch(/,total,.*person-[0-9A-Z]{12}: spend (up|down)/);
    expect((await runCli(['verify', join(out, '2026-09.r2')], env)).code).toBe(0);
  }, 120_000);

  it('verifies with the key, and says which key is missing without it', async () => {
    const month = join(masked, '2026-09');
    expect((await runCli(['verify', month], { CHARGEBACK_PSEUDONYM_KEY: KEY })).code).toBe(0);
    const without = await runCli(['verify', month]);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('CHARGEBACK_PSEUDONYM_KEY');
    const wrong = await runCli(['verify', month], { CHARGEBACK_PSEUDONYM_KEY: 'another-key-of-enough-length' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('is not the key this month was pseudonymized with');
    expect(wrong.stderr + wrong.stdout).not.toContain(KEY);
  });

  it('refuses to run without a key of at least 16 characters', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--sandbox', '--now', NOW, '--out', out, '--pseudonymize'], { CHARGEBACK_PSEUDONYM_KEY: 'short' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the key has 5 characters, expected at least 16');
  });
});
