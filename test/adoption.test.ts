import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Money } from '../src/core/money.js';
import { tempDir } from './helpers/cli.js';
import { cellCents, pdfText, readCsv, readXlsx } from './helpers/readers.js';
import { runMonthAgainst } from './helpers/sandbox.js';

// Adoption next to cost: seats from the directory, activity from the month's usage and the
// provider's activity report, utilization and the seat cost of people with no activity, against
// the test's own count from the directory text, the ledger and the raw engagement pages.

interface Person { email?: string; user_id?: string; cost_center: string; from?: string; to?: string }

describe('seats and activity', () => {
  let dir: string;
  let people: Person[];
  beforeAll(async () => {
    // The sample directory with a seat price, three people in ENG-PLAT who used nothing, and one
    // in GA-FIN who joined on 16 September and used nothing either.
    const text = readFileSync('mappings/org.yaml', 'utf8').replace('\ncost_centers:\n', '\nseats: { price: "30.00" }\n\ncost_centers:\n').replace('\npeople:\n', `
people:
  - { email: idle.one@acme.example, cost_center: ENG-PLAT }
  - { email: idle.two@acme.example, cost_center: ENG-PLAT }
  - { email: idle.three@acme.example, cost_center: ENG-PLAT }
  - { email: late.joiner@acme.example, cost_center: GA-FIN, from: 2026-09-16 }
`);
    const path = join(tempDir(), 'org.yaml');
    writeFileSync(path, text);
    people = (parse(text) as { people: Person[] }).people;
    const { out, error } = await runMonthAgainst({}, { directoryPath: path });
    expect(error).toBeNull();
    dir = join(out, '2026-09');
  }, 120_000);

  /** The test's own count: people of the cost center in September, and who of them had usage or activity. */
  function expected(code: string) {
    const ledger = readCsv(join(dir, 'ledger.csv')).filter((r) => r.actor_type === 'user_actor' && r.line_type === 'usage' && r.unrounded_cents !== '0');
    const used = new Set([...ledger.map((r) => `user:${r.actor_id}`), ...ledger.filter((r) => r.email).map((r) => `email:${r.email!.toLowerCase()}`)]);
    const requests = JSON.parse(readFileSync(join(dir, 'raw', 'requests.json'), 'utf8')) as Array<{ query: string; used: boolean; file: string }>;
    for (const r of requests.filter((x) => x.query === 'users' && x.used)) {
      for (const row of (JSON.parse(readFileSync(join(dir, 'raw', r.file), 'utf8')) as { data: Array<{ user: { id: string; email_address: string | null } | null; chat_metrics?: { distinct_conversation_count?: number | null }; claude_code_metrics?: { core_metrics: { commit_count: number; distinct_session_count?: number | null } } }> }).data) {
        const active = (row.chat_metrics?.distinct_conversation_count ?? 0) > 0 || (row.claude_code_metrics?.core_metrics.distinct_session_count ?? 0) > 0 || (row.claude_code_metrics?.core_metrics.commit_count ?? 0) > 0;
        if (active && row.user) {
          used.add(`user:${row.user.id}`);
          if (row.user.email_address) used.add(`email:${row.user.email_address.toLowerCase()}`);
        }
      }
    }
    const days = (p: Person) => {
      const from = Math.max(1, p.from?.startsWith('2026-09') ? Number(p.from.slice(8)) : p.from && p.from > '2026-09-30' ? 31 : 1);
      const to = Math.min(30, p.to?.startsWith('2026-09') ? Number(p.to.slice(8)) : p.to && p.to < '2026-09-01' ? 0 : 30);
      return Math.max(0, to - from + 1);
    };
    const mine = people.filter((p) => p.cost_center === code && days(p) > 0);
    const isActive = (p: Person) => (p.user_id && used.has(`user:${p.user_id}`)) || (p.email && used.has(`email:${p.email.toLowerCase()}`));
    const idle = mine.filter((p) => !isActive(p));
    return { seated: mine.length, active: mine.length - idle.length, idleDays: idle.reduce((a, p) => a + days(p), 0), seatDays: mine.reduce((a, p) => a + days(p), 0) };
  }

  it('each statement says how many people have a seat, how many were active, and what the idle seats cost', () => {
    const chargeback = JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { costCenters: Array<{ code: string; seatCents: string }> };
    for (const code of ['ENG-PLAT', 'GA-FIN']) {
      const e = expected(code);
      expect(e.seated - e.active, code).toBe(code === 'ENG-PLAT' ? 3 : 1);
      const seatCents = BigInt(chargeback.costCenters.find((c) => c.code === code)!.seatCents);
      const idleCents = BigInt(new Money(seatCents.toString()).times(e.idleDays).dividedBy(e.seatDays).toDecimalPlaces(0, Money.ROUND_HALF_UP).toFixed(0));
      const text = pdfText(join(dir, 'statements', `${code}.pdf`)).replace(/\s+/g, ' ');
      const pct = ((e.active / e.seated) * 100).toFixed(1);
      expect(text, code).toContain(`${e.seated} people have a seat in ${code} this month (by the org directory). ${e.active} of them (${pct}%) were active:`);
      expect(text, code).toContain(`${e.seated - e.active} had no activity at all. Their part of this statement's seat charge (by their seat-days) is $${(Number(idleCents) / 100).toFixed(2)}.`);
    }
  });

  it('summary.xlsx lists every cost center and the company, read back with openpyxl', () => {
    const sheet = readXlsx(join(dir, 'summary.xlsx')).find((s) => s.name === 'Adoption')!;
    expect(sheet.tables.map((t) => t.name)).toEqual(['Adoption']);
    const cell = (ref: string) => sheet.cells.find((c) => c.ref === ref)?.value;
    const rowOf = (code: string) => sheet.cells.find((c) => c.ref.startsWith('A') && c.value === code)!.ref.slice(1);
    const r = rowOf('ENG-PLAT');
    const e = expected('ENG-PLAT');
    expect([cell(`C${r}`), cell(`D${r}`), cell(`I${r}`)]).toEqual([{ number: String(e.seated) }, { number: String(e.active) }, { number: String(e.seated - e.active) }]);
    // The company row adds up every cost center's seats.
    const codes = [...new Set(people.map((p) => p.cost_center))];
    expect(cell('C2')).toEqual({ number: String(codes.reduce((a, c) => a + expected(c).seated, 0)) });
    expect(cellCents(sheet.cells.find((c) => c.ref === 'J2'))).toBeGreaterThan(0n);
  });
});
