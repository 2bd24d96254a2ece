import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDirectory } from '../src/io/directory-file.js';
import { hierarchyShape, scalar, scaledOrganization, writeScaledDirectory, type ScaledOrganization } from '../src/sandbox/scaled-org.js';
import { SANDBOX_API_KEY, startSandbox } from '../src/sandbox/server.js';
import { ROOT, runCli, servingSandbox, tempDir } from './helpers/cli.js';
import { NOW, runMonthAgainst } from './helpers/sandbox.js';
import { runMonth } from '../src/run.js';
import { cellCents, dollarsToCents, pdfText, readXlsx } from './helpers/readers.js';
import { verifyMonth } from '../src/verify.js';

const PEOPLE = 2000;
const COST_CENTERS = 20;

/** Depth of the cost-center tree: 1 for top-level only. */
function levels(costCenters: ReadonlyArray<{ code: string; parent: string | null }>): number {
  const parent = new Map(costCenters.map((c) => [c.code, c.parent]));
  let deepest = 0;
  for (const c of costCenters) {
    let depth = 1;
    for (let p = c.parent; p !== null; p = parent.get(p) ?? null) depth += 1;
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

const HEADERS = { 'x-api-key': SANDBOX_API_KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'analytics-usage-cost-2026-08-24' };
const GROUPED = '/v1/organizations/analytics/cost?starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-01T00:00:00Z&group_by[]=actor&group_by[]=product&group_by[]=model&group_by[]=context_window&group_by[]=workspace_id&group_by[]=cost_type&limit=1000';
const USERS = '/v1/organizations/analytics/users?starting_date=2026-09-01&ending_date=2026-10-01&limit=1000';

/** The raw bodies of the first grouped cost page and the first engagement page. */
async function firstPages(org: ScaledOrganization): Promise<string[]> {
  const sandbox = await startSandbox({ now: () => NOW, organization: org });
  try {
    const out: string[] = [];
    for (const path of [GROUPED, USERS]) {
      const res = await fetch(`${sandbox.url}${path}`, { headers: HEADERS });
      expect(res.status).toBe(200);
      out.push(await res.text());
    }
    return out;
  } finally {
    await sandbox.close();
  }
}

describe('a scaled synthetic organization', () => {
  it('is deterministic: the same sizes and seed give the same directory and the same pages, another seed another organization', async () => {
    const a = scaledOrganization({ people: PEOPLE, costCenters: COST_CENTERS, seed: 7 });
    const b = scaledOrganization({ people: PEOPLE, costCenters: COST_CENTERS, seed: 7 });
    expect(b.directoryYaml()).toBe(a.directoryYaml());
    const [pagesA, pagesB] = [await firstPages(a), await firstPages(b)];
    expect(pagesB).toEqual(pagesA);
    const grouped = JSON.parse(pagesA[0]!) as { data: unknown[]; has_more: boolean; next_page: string | null };
    // limit counts row groups, as in the default sandbox: a group's cost types stay together.
    expect(grouped.data.length).toBeGreaterThanOrEqual(1000);
    expect(grouped.has_more).toBe(true);
    expect((JSON.parse(pagesA[1]!) as { data: unknown[] }).data).toHaveLength(1000);
    // Written in pieces, the file is the same text.
    const file = join(tempDir(), 'org.yaml');
    await writeScaledDirectory(a, file);
    expect(readFileSync(file, 'utf8')).toBe(a.directoryYaml());
    const other = scaledOrganization({ people: PEOPLE, costCenters: COST_CENTERS, seed: 8 });
    expect(other.directoryYaml()).not.toBe(a.directoryYaml());
    expect(other.person(5).userId).not.toBe(a.person(5).userId);
  });

  it('pages the same rows whatever the page size, splitting a person\'s groups across pages, and filters by actor_ids', async () => {
    const org = scaledOrganization({ people: 60, costCenters: 6, seed: 2 });
    const all = async (path: string, pageUnits?: number) => {
      const sandbox = await startSandbox({ now: () => NOW, organization: org, requestsPerMinute: 100_000, faults: pageUnits ? { pageUnits } : {} });
      try {
        const rows: unknown[] = [];
        let pages = 0;
        for (let page: string | null = null; pages === 0 || page !== null; pages++) {
          const res = await fetch(`${sandbox.url}${path}${page === null ? '' : `&page=${encodeURIComponent(page)}`}`, { headers: HEADERS });
          expect(res.status).toBe(200);
          const body = (await res.json()) as { data: unknown[]; next_page: string | null };
          rows.push(...body.data);
          page = body.next_page;
        }
        return { rows, pages };
      } finally {
        await sandbox.close();
      }
    };
    const whole = await all(GROUPED);
    const small = await all(GROUPED, 2);
    expect(whole.pages).toBe(1);
    expect(small.pages).toBeGreaterThan(60);
    expect(small.rows).toEqual(whole.rows);
    expect((await all(USERS, 7)).rows).toEqual((await all(USERS)).rows);
    // Daily rows of two people: one bucket per day, only theirs, adding up to their month.
    const ids = [org.person(1).userId, org.person(30).userId];
    const daily = await all(`${GROUPED}&time_bucket_width=1d&${ids.map((id) => `actor_ids[]=${id}`).join('&')}`, 3);
    type Row = { group: { actor: { user_id: string } | null }; cost: { amount: string } };
    const micro = (rows: unknown[], id: string) => (rows as Row[]).filter((r) => r.group.actor?.user_id === id).reduce((a, r) => a + BigInt(r.cost.amount.replace('.', '')), 0n);
    expect(new Set((daily.rows as Row[]).map((r) => r.group.actor?.user_id))).toEqual(new Set(ids));
    for (const id of ids) expect(micro(daily.rows, id)).toBe(micro(whole.rows, id));
  });

  it('derives every person from the index alone, and reads the index back from the user id', () => {
    const org = scaledOrganization({ people: 500_000, costCenters: 5000, seed: 1 });
    for (const i of [0, 1, 2, 4, 9, 123_456, 499_999]) {
      expect(org.person(i)).toEqual(org.person(i));
      expect(org.userIndexOf(org.person(i).userId)).toBe(i);
    }
    expect(org.userIndexOf('user_01JS0000001ZZZZZZZZZZZZZZZ')).toBeNull();
    expect(org.costCenters).toHaveLength(5000);
    expect(levels(org.costCenters)).toBe(3);
    expect(org.person(1).kind).toBe('mover');
    expect(org.person(2).kind).toBe('unmapped');
  });

  it('shapes any number of cost centers into three levels', () => {
    for (const c of [3, 4, 5, 10, 20, 25, 100, 1000, 5000, 123_457]) {
      const { divisions, departments, teams } = hierarchyShape(c);
      expect(divisions + departments + teams).toBe(c);
      expect(divisions).toBeGreaterThanOrEqual(1);
      expect(departments).toBeGreaterThanOrEqual(divisions);
      expect(teams).toBeGreaterThanOrEqual(departments);
    }
  });

  it('quotes every scalar YAML would not read back as the same text', () => {
    for (const text of ['ENG-D1-T01', 'NO', 'no', 'Y', 'true', 'null', 'Off', '1e3', '0x1F', '123', '1_000', '.5', '+12', '~', 'a: b', '#x', 'zoe.mueller.12@acme.example', 'user_01JS0000001000000000000001']) {
      expect(parse(`v: ${scalar(text)}`)).toEqual({ v: text });
    }
    expect(scalar('ENG-D1-T01')).toBe('ENG-D1-T01');
    expect(scalar('NO')).toBe('"NO"');
    expect(scalar('1e3')).toBe('"1e3"');
  });

  it('writes a directory the loader accepts, with the cost centers asked for in three levels, movers, and rules for keys, accounts, a workspace and contractors', async () => {
    const org = scaledOrganization({ people: PEOPLE, costCenters: COST_CENTERS, seed: 1 });
    const file = join(tempDir(), 'org.yaml');
    await writeScaledDirectory(org, file);
    const { directory } = await loadDirectory(file);
    expect(directory.costCenters).toHaveLength(COST_CENTERS);
    expect(levels(directory.costCenters)).toBeGreaterThanOrEqual(3);
    const kinds = Array.from({ length: PEOPLE }, (_, i) => org.person(i).kind);
    const count = (k: string) => kinds.filter((x) => x === k).length;
    expect(count('mover')).toBe(2);
    expect(count('unmapped')).toBeGreaterThan(0);
    expect(count('contractor')).toBeGreaterThan(0);
    // Everyone but the unmapped, the unknown deleted and the contractors; movers twice.
    expect(directory.people).toHaveLength(count('mapped') + 2 * count('mover') + count('by-user-id'));
    expect(directory.people.filter((p) => p.from === '2026-09-15' || p.to === '2026-09-14')).toHaveLength(2 * count('mover'));
    expect(directory.people.filter((p) => p.email === null && p.userId !== null)).toHaveLength(count('by-user-id'));
    expect(new Set(directory.rules.map((r) => r.matcher))).toEqual(new Set(['api_key_id', 'service_account_id', 'workspace_id', 'email_domain']));
    expect(directory.pools.map((p) => p.match)).toEqual([{ matcher: 'no_actor', value: 'true' }]);
  });
});

describe('a month against the scaled sandbox', () => {
  let out: string;
  let month: string;
  let result: Awaited<ReturnType<typeof runMonthAgainst>>['result'];
  let org: ScaledOrganization;
  let file: string;

  beforeAll(async () => {
    org = scaledOrganization({ people: PEOPLE, costCenters: COST_CENTERS, seed: 1 });
    file = join(tempDir(), 'org.yaml');
    await writeScaledDirectory(org, file);
    const run = await runMonthAgainst({}, { directoryPath: file, organization: org });
    expect(run.error).toBeNull();
    out = run.out;
    result = run.result;
    month = join(out, '2026-09');
  });

  it('publishes, and its source total is the raw grouped pages summed independently', () => {
    expect(result!.reconciliation.ok).toBe(true);
    const pages = readdirSync(join(month, 'raw')).filter((f) => /^cost-grouped-p\d{3}\.json$/.test(f));
    expect(pages.length).toBeGreaterThan(5);
    let micro = 0n;
    let rows = 0;
    for (const f of pages) {
      const page = JSON.parse(readFileSync(join(month, 'raw', f), 'utf8')) as { data: Array<{ cost: { amount: string } }> };
      for (const row of page.data) {
        const [whole, frac = ''] = row.cost.amount.split('.');
        expect(frac.length).toBeLessThanOrEqual(6);
        micro += BigInt(whole!) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
        rows += 1;
      }
    }
    expect(rows).toBeGreaterThan(PEOPLE * 3);
    const manifest = JSON.parse(readFileSync(join(month, 'manifest.json'), 'utf8')) as { totals: { sourceTotalCents: string; statementsTotalCents: string; orgTotalDifferenceCents: string } };
    expect(BigInt(manifest.totals.sourceTotalCents)).toBe((micro + 500_000n) / 1_000_000n);
    expect(result!.sourceTotalCents).toBe((micro + 500_000n) / 1_000_000n);
    expect(manifest.totals.statementsTotalCents).toBe(manifest.totals.sourceTotalCents);
    expect(manifest.totals.orgTotalDifferenceCents).toBe('0');
    // The movers' daily rows and the engagement were pulled too.
    const raw = readdirSync(join(month, 'raw'));
    expect(raw).toContain('cost-daily-01-p001.json');
    expect(raw.filter((f) => /^users-p\d{3}\.json$/.test(f)).length).toBeGreaterThanOrEqual(2);
  });

  it('carries movers, unmapped spenders, API keys and rows with no actor into chargeback.json', () => {
    interface Actor { actorId: string | null; actorType: string; lines: Array<{ rule: string }> }
    const doc = JSON.parse(readFileSync(join(month, 'chargeback.json'), 'utf8')) as {
      costCenters: Array<{ code: string; actors: Actor[] }>;
      unmapped: Array<{ actorKey: string }>;
      pools: Array<{ name: string; billedCents: string; sourceRows: string[] }>;
    };
    const holders = (id: string) => doc.costCenters.filter((c) => c.actors.some((a) => a.actorId === id)).map((c) => c.code);
    const mover = org.person(1);
    expect(holders(mover.userId).sort()).toEqual([mover.costCenter, mover.movesTo].sort());
    expect(doc.unmapped.some((u) => u.actorKey === `user:${org.person(2).userId}`)).toBe(true);
    expect(doc.unmapped.some((u) => u.actorKey.startsWith('api_key:'))).toBe(true);
    expect(doc.unmapped.some((u) => u.actorKey.startsWith('federated:'))).toBe(true);
    const actors = doc.costCenters.flatMap((c) => c.actors);
    expect(actors.some((a) => a.actorType === 'api_actor' && a.lines.some((l) => l.rule.includes('api_key_id=')))).toBe(true);
    expect(actors.some((a) => a.actorType === 'api_actor' && a.lines.some((l) => l.rule.includes('workspace_id=')))).toBe(true);
    expect(actors.some((a) => a.actorType === 'service_account_actor')).toBe(true);
    expect(actors.some((a) => a.lines.some((l) => l.rule.includes('email_domain=')))).toBe(true);
    // A deleted user the API reports without an e-mail, mapped by user_id.
    expect(actors.some((a) => a.actorId === org.person(4).userId && a.lines.every((l) => l.rule === `person user_id=${org.person(4).userId}`))).toBe(true);
    const pool = doc.pools.find((p) => p.name === 'Usage with no individual user (Slack and Code Review)')!;
    expect(BigInt(pool.billedCents)).toBeGreaterThan(0n);
    expect(pool.sourceRows.length).toBe(2);
  });

  it('ties out to the cent: every statement is its ledger lines, and the ledger is the raw pages rounded once', () => {
    // The ledger read as text, each amount summed as an integer: no code of the tool in between.
    const [header, ...lines] = readFileSync(join(month, 'ledger.csv'), 'utf8').trimEnd().split('\r\n').map((l) => l.split(','));
    const col = (name: string) => header!.indexOf(name);
    const byStatement = new Map<string, bigint>();
    let billed = 0n;
    for (const l of lines) {
      if (l[col('billed_cents')] === '') continue;
      const cents = BigInt(l[col('billed_cents')]!);
      billed += cents;
      byStatement.set(l[col('cost_center')]!, (byStatement.get(l[col('cost_center')]!) ?? 0n) + cents);
    }
    let micro = 0n;
    for (const f of readdirSync(join(month, 'raw')).filter((x) => /^cost-grouped-p\d{3}\.json$/.test(x))) {
      for (const row of (JSON.parse(readFileSync(join(month, 'raw', f), 'utf8')) as { data: Array<{ cost: { amount: string } }> }).data) {
        const [whole, frac = ''] = row.cost.amount.split('.');
        micro += BigInt(whole!) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
      }
    }
    expect(billed).toBe((micro + 500_000n) / 1_000_000n);
    const doc = JSON.parse(readFileSync(join(month, 'chargeback.json'), 'utf8')) as { costCenters: Array<{ code: string; billedCents: string }> };
    const statements = doc.costCenters.filter((c) => c.billedCents !== '0');
    expect(statements.length).toBeGreaterThan(COST_CENTERS / 2);
    for (const cc of statements) expect(byStatement.get(cc.code) ?? 0n).toBe(BigInt(cc.billedCents));
  });

  it('keeps a division roll-up readable: its top 100 rows and the rest summed, every row in its workbook', () => {
    const doc = JSON.parse(readFileSync(join(month, 'chargeback.json'), 'utf8')) as { costCenters: Array<{ code: string; parent: string | null; actors: unknown[]; directCents: string }> };
    const division = doc.costCenters.find((c) => c.parent === null && c.code !== 'UNALLOCATED')!;
    const text = pdfText(join(month, 'statements', 'rollup', `${division.code}.pdf`));
    // The people table comes after its note (engagement and long-context tables have "Other" rows of their own).
    const people = text.slice(text.indexOf('The 100 highest are shown'));
    const other = /Other \((\d[\d,]*) more\)\s+(-?\$[\d,]+\.\d\d)/.exec(people);
    expect(other).not.toBeNull();
    const users = readXlsx(join(month, 'statements', 'rollup', `${division.code}.xlsx`)).find((sh) => sh.name === 'Users')!;
    // Column F holds the amounts: a header, one row per person and cost center, then the total formula.
    const amountCells = users.cells.filter((c) => /^F\d+$/.test(c.ref) && c.ref !== 'F1' && c.formula === null);
    const rows = amountCells.length;
    expect(rows).toBeGreaterThan(200);
    expect(Number(other![1]!.replace(/,/g, ''))).toBe(rows - 100);
    const amounts = amountCells.map((c) => cellCents(c)).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    expect(dollarsToCents(other![2]!)).toBe(amounts.slice(100).reduce((a, b) => a + b, 0n));
    expect(text.replace(/\s+/g, ' ')).toContain(`The 100 highest are shown and the other ${(rows - 100).toLocaleString('en-US')} summed; every row is in the workbook`);
  });

  it('passes verify, and re-renders from its raw pages byte for byte with one and with two render workers', async () => {
    const verified = await verifyMonth(month, {});
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    const published = JSON.parse(readFileSync(join(month, 'manifest.json'), 'utf8')) as { outputs: Array<{ path: string; sha256: string }> };
    expect(published.outputs.filter((o) => o.path.endsWith('.pdf')).length).toBeGreaterThan(COST_CENTERS);
    for (const workers of [1, 2]) {
      const again = tempDir();
      await runMonth({
        provisional: false, now: new Date(NOW), outDir: again, force: false, directoryPath: file,
        api: { baseUrl: 'http://offline.invalid', apiKey: 'offline', label: 'raw' }, fromRaw: join(month, 'raw'), renderWorkers: workers, log: () => {},
      });
      // The manifest holds the sha256 of every file: equal manifests, equal months.
      expect(readFileSync(join(again, '2026-09', 'manifest.json'), 'utf8')).toBe(readFileSync(join(month, 'manifest.json'), 'utf8'));
      for (const o of published.outputs.filter((x) => x.path.startsWith('statements/'))) {
        expect(createHash('sha256').update(readFileSync(join(again, '2026-09', o.path))).digest('hex')).toBe(o.sha256);
      }
    }
  });
});

describe('chargeback sandbox --people', () => {
  it.each([
    [['--people', 'many'], '--people "many" is not a whole number.'],
    [['--people', '1e4'], '--people "1e4" is not a whole number.'],
    [['--people', '9'], '--people 9 is out of range: from 10 to 2,000,000 people.'],
    [['--people', '100', '--cost-centers', '2'], '--cost-centers 2 is too few: at least 3 (a division, a department and a team).'],
    [['--people', '100', '--cost-centers', '101'], '--cost-centers 101 is more than --people 100: at most one cost center per person.'],
    [['--people', '100', '--cost-centers', '4.5'], '--cost-centers "4.5" is not a whole number.'],
    [['--people', '100', '--seed', 'x'], '--seed "x" is not a whole number.'],
    [['--cost-centers', '5'], '--cost-centers needs --people: without it the sandbox serves the 128-person default organization.'],
    [['--people', '100', '--endless', 'rows'], '--endless serves the default organization only; it cannot be combined with --people.'],
  ])('refuses %j with exit 2', async (args, message) => {
    const r = await runCli(['sandbox', '--port', '0', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: ${message}`);
    expect(r.stdout).toBe('');
  });

  it('serves the organization and writes its directory (the built command)', async () => {
    const file = join(tempDir(), 'org.yaml');
    await servingSandbox(['--people', '300', '--cost-centers', '12', '--seed', '3', '--directory-out', file], async (url, stdout) => {
      expect(stdout).toContain('synthetic organization: 300 people, 12 cost centers in three levels, seed 3; movers change cost center on 2026-09-15');
      const expected = scaledOrganization({ people: 300, costCenters: 12, seed: 3, moveDay: '2026-09-15' });
      expect(readFileSync(file, 'utf8')).toBe(expected.directoryYaml());
      const res = await fetch(`${url}${USERS}`, { headers: HEADERS });
      const page = (await res.json()) as { data: Array<{ user: { id: string } }> };
      expect(page.data[0]!.user.id).toBe(expected.person(0).userId);
    });
  });

  it('without --people serves the default organization, and --directory-out writes mappings/org.yaml', async () => {
    const file = join(tempDir(), 'org.yaml');
    await servingSandbox(['--directory-out', file], async (_url, stdout) => {
      expect(stdout).not.toContain('synthetic organization');
      expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(ROOT, 'mappings', 'org.yaml'), 'utf8'));
    });
  });
});
