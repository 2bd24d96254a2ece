import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from '../src/core/allocate.js';
import type { Actor } from '../src/core/cost-row.js';
import { roundCents, sumMoney } from '../src/core/money.js';
import { parsePeriod } from '../src/core/period.js';
import { reconcile } from '../src/core/reconcile.js';
import { buildRollups, buildStatements } from '../src/core/statements.js';
import { summaryRows } from '../src/core/summary.js';
import { ChargebackError } from '../src/errors.js';
import { directory, row, user } from './helpers/rows.js';
import { microCentsText } from '../src/sandbox/cost-data.js';

const sep = parsePeriod('2026-09')!;
const cents = (a: ReturnType<typeof allocate>) => Object.fromEntries(a.costCenters.map((c) => [c.code, c.billedCents]));

describe('allocate', () => {
  it('maps people, rules in order and the unallocated bucket, with exact cents', () => {
    const rows = [
      row(user('user_ana', 'ana@acme.example'), '1000.004'),
      row(user('user_bo', 'bo@acme.example'), '2000.003', { product: 'claude_code' }),
      row(user('user_gone', null, 'Deleted User', true), '500.333333'),
      row({ type: 'api_actor', apiKeyId: 'apikey_ci' }, '300.333333'),
      row({ type: 'api_actor', apiKeyId: 'apikey_rs' }, '99.5', { workspaceId: 'wrkspc_research' }),
      row({ type: 'service_account_actor', serviceAccountId: 'svac_help' }, '10'),
      row(user('user_c1', 'lee@contractors.acme.example'), '0.5'),
      row(null, '7.25', { product: 'claude_tag' }),
      row(null, '3.3', { product: 'code_review' }),
      row(user('user_x', 'x@elsewhere.example'), '1.1'),
    ];
    const a = allocate(rows, directory(), sep);
    // 3922.352 → rounded once to 3922 cents, then split by largest remainder.
    expect(a.sourceTotalCents).toBe(3922n);
    expect(cents(a)).toEqual({ ENG: 0n, 'ENG-PLAT': 1300n, 'ENG-APP': 2600n, IT: 17n, UNALLOCATED: 5n });
    const app = a.costCenters.find((c) => c.code === 'ENG-APP')!;
    // 2600 cents over 2000.003 / 500.333333 / 99.5 / 0.5: floors 1999+500+99+0, the two cents left
    // go to the largest remainders (Bo .744, the contractor .49994), not to the research key (.487).
    expect(app.actors.map((x) => [x.label, x.billedCents])).toEqual([
      ['Research', 99n],
      ['Bo', 2000n],
      ['lee@contractors.acme.example', 1n],
      ['Former employee', 500n],
    ]);
    const rules = Object.fromEntries(a.costCenters.flatMap((c) => c.actors.flatMap((x) => x.lines.map((l) => [x.actorId || l.product, l.rule]))));
    expect(rules).toEqual({
      user_ana: 'person user_id=user_ana',
      user_bo: 'person email=Bo@Acme.example',
      user_gone: 'person user_id=user_gone',
      apikey_ci: 'rule 1 api_key_id=apikey_ci',
      apikey_rs: 'rule 3 workspace_id=wrkspc_research',
      svac_help: 'rule 2 service_account_id=svac_help',
      user_c1: 'rule 4 email_domain=contractors.acme.example',
      claude_tag: 'rule 5 product=claude_tag',
      code_review: 'unmapped',
      user_x: 'unmapped',
    });
    expect(a.unmapped.map((u) => [u.label, u.rowCount, u.unroundedCents.toFixed()])).toEqual([
      ['no attributable actor', 1, '3.3'],
      ['user x@elsewhere.example', 1, '1.1'],
    ]);
    expect(reconcile(a, sumMoney(rows.map((r) => r.amountCents))).ok).toBe(true);
  });

  it('fails with every unmapped spender named when the directory says unmapped: fail', () => {
    const rows = [row(user('user_x', 'x@elsewhere.example'), '41280'), row(user('user_x', 'x@elsewhere.example'), '1', { product: 'cowork' }), row(null, '3', { product: 'code_review' })];
    let error: unknown;
    try {
      allocate(rows, directory({ unmapped: 'fail' }), sep);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChargebackError);
    const e = error as ChargebackError;
    expect(e.kind).toBe('data');
    expect(e.details).toContain('Unmapped user x@elsewhere.example (2 rows, $412.81) in 2026-09');
    expect(e.details).toContain('Unmapped no attributable actor (1 rows, $0.03) in 2026-09');
  });

  it('refuses a row that the report returned twice', () => {
    const r = row(user('user_ana', 'ana@acme.example'), '5');
    expect(() => allocate([r, { ...r, rowId: 'test-p002.json#1' }], directory(), sep)).toThrow(/same row twice/);
  });

  it('refuses two rows whose identities join to the same text (a "#" inside a key), as the ledgers would merge them', () => {
    // api_key:k1 # x#chat|… and api_key:k1#x # chat|… both read "api_key:k1#x#chat|…".
    const a = row({ type: 'api_actor', apiKeyId: 'k1' }, '1', { product: 'x#chat' });
    const b = { ...row({ type: 'api_actor', apiKeyId: 'k1#x' }, '2', { product: 'chat' }), rowId: 'test-p002.json#1' };
    expect(() => allocate([a, b], directory(), sep)).toThrow(/same row twice \(test-p002\.json#1 repeats/);
    expect(() => allocate([b, a], directory(), sep)).toThrow(/same row twice/);
    // A "#" alone collides with nothing.
    expect(allocate([a], directory(), sep).sourceTotalCents).toBe(1n);
  });

  it('gives the parent a roll-up statement whose subtotals are its children\u2019s statements', () => {
    const rows = [row(user('user_ana', null), '100.4'), row(user('user_bo', 'bo@acme.example'), '250.4', { product: 'claude_code' }), row(user('user_bo', 'bo@acme.example'), '0.3', { product: 'cowork' }), row(null, '50', { product: 'claude_tag' })];
    const a = allocate(rows, directory(), sep);
    const ctx = { company: 'c', status: 'FINAL' as const, dataAsOf: null, issuedAt: 'now', sourceEndpoint: 'e', directorySha256: 'x', toolVersion: '0', seatPriceCents: null };
    const direct = buildStatements(a, ctx);
    expect(direct.map((s) => [s.number, s.totalCents])).toEqual([['CB-2026-09-ENG-PLAT', 100n], ['CB-2026-09-ENG-APP', 251n], ['CB-2026-09-IT', 50n]]);
    const [eng, ...others] = buildRollups(a, direct);
    expect(others).toEqual([]);
    expect(eng!.number).toBe('CB-2026-09-ENG-ROLLUP');
    expect(eng!.totalCents).toBe(351n);
    expect(eng!.breakdowns[0]!.rows.map((r) => [r.label, r.cents, r.share])).toEqual([
      ['ENG-APP \u2014 Apps', 251n, '71.51%'],
      ['ENG-PLAT \u2014 Platform', 100n, '28.49%'],
    ]);
    // The product view is the children's product views added up. ENG-APP's 251 cents split over
    // claude_code 250.4 and cowork 0.3: remainders .6996 and .3004, so the leftover cent goes to claude_code.
    expect(eng!.breakdowns[1]!.rows.map((r) => [r.label, r.cents])).toEqual([['claude_code', 251n], ['chat', 100n], ['cowork', 0n]]);
    expect(eng!.users.map((u) => [u.costCenter, u.label, u.cents])).toEqual([['ENG-APP', 'Bo', 251n], ['ENG-PLAT', 'Ana', 100n]]);
  });

  it('rolls children up into their parent in the summary', () => {
    const a = allocate([row(user('user_ana', null), '100'), row(user('user_bo', 'bo@acme.example'), '250'), row(null, '50', { product: 'claude_tag' })], directory(), sep);
    expect(summaryRows(a).map((r) => [r.code, r.level, r.totalCents, r.rollupCents])).toEqual([
      ['ENG', 0, 0n, 350n],
      ['ENG-APP', 1, 250n, 250n],
      ['ENG-PLAT', 1, 100n, 100n],
      ['IT', 0, 50n, 50n],
    ]);
  });

  const actors: Actor[] = [
    user('user_ana', 'ana@acme.example'),
    user('user_bo', 'bo@acme.example'),
    user('user_gone', null, null, true),
    user('user_x', 'x@elsewhere.example'),
    { type: 'api_actor', apiKeyId: 'apikey_ci' },
    { type: 'service_account_actor', serviceAccountId: 'svac_help' },
    { type: 'other_actor', actorType: 'robot_actor', raw: '{"type":"robot_actor"}' },
  ];
  const rowsArb = fc.array(
    fc.record({
      actor: fc.option(fc.constantFrom(...actors), { nil: null }),
      micro: fc.bigInt({ min: -(10n ** 11n), max: 10n ** 12n }),
      product: fc.constantFrom('chat', 'claude_code', 'claude_tag', 'new_product'),
      model: fc.option(fc.constantFrom('claude-opus-4-5', 'claude-haiku-4-5'), { nil: null }),
      costType: fc.constantFrom('tokens', 'web_search', 'code_execution'),
    }),
    { maxLength: 60 },
  );

  it('property: every level adds up exactly to the rounded source total (credits included)', () => {
    fc.assert(
      fc.property(rowsArb, (specs) => {
        const seen = new Set<string>();
        const rows = specs
          .map((s) => row(s.actor, microCentsText(s.micro), { product: s.product, model: s.model, costType: s.costType }))
          .filter((r) => {
            const k = JSON.stringify([r.actor, r.product, r.model, r.costType]);
            return seen.has(k) ? false : (seen.add(k), true);
          });
        const a = allocate(rows, directory(), sep);
        const exact = sumMoney(rows.map((r) => r.amountCents));
        expect(a.sourceTotalCents).toBe(roundCents(exact));
        expect(a.costCenters.reduce((s, c) => s + c.billedCents, 0n)).toBe(a.sourceTotalCents);
        for (const c of a.costCenters) {
          expect(c.actors.reduce((s, x) => s + x.billedCents, 0n)).toBe(c.billedCents);
          for (const x of c.actors) expect(x.lines.reduce((s, l) => s + l.billedCents, 0n)).toBe(x.billedCents);
        }
        expect(reconcile(a, exact).ok).toBe(true);
        const statements = buildStatements(a, { company: 'c', status: 'FINAL', dataAsOf: null, issuedAt: 'now', sourceEndpoint: 'e', directorySha256: 'x', toolVersion: '0', seatPriceCents: null });
        expect(statements.reduce((s, st) => s + st.totalCents, 0n)).toBe(a.sourceTotalCents);
        for (const st of statements) for (const b of st.breakdowns) expect(b.rows.reduce((s, r) => s + r.cents, 0n)).toBe(st.totalCents);
      }),
      { numRuns: 300 },
    );
  });
});

describe('roll-ups over three levels', () => {
  it('nest: a child subtotal includes its own children', () => {
    const owner = { name: 'O', email: 'o@acme.example' };
    const d = directory({
      costCenters: [
        { code: 'ENG', name: 'Engineering', parent: null, owner, glAccount: null },
        { code: 'ENG-PLAT', name: 'Platform', parent: 'ENG', owner, glAccount: null },
        { code: 'ENG-PLAT-SRE', name: 'SRE', parent: 'ENG-PLAT', owner, glAccount: null },
        { code: 'ENG-APP', name: 'Apps', parent: 'ENG', owner, glAccount: null },
      ],
      people: [
        { email: 'ana@acme.example', userId: null, name: 'Ana', costCenter: 'ENG-PLAT', from: null, to: null },
        { email: 'bo@acme.example', userId: null, name: 'Bo', costCenter: 'ENG-PLAT-SRE', from: null, to: null },
        { email: 'cy@acme.example', userId: null, name: 'Cy', costCenter: 'ENG-APP', from: null, to: null },
      ],
      rules: [],
    });
    const rows = [row(user('u1', 'ana@acme.example'), '100'), row(user('u2', 'bo@acme.example'), '250'), row(user('u3', 'cy@acme.example'), '40')];
    const a = allocate(rows, d, sep);
    const ctx = { company: 'c', status: 'FINAL' as const, dataAsOf: null, issuedAt: 'now', sourceEndpoint: 'e', directorySha256: 'x', toolVersion: '0', seatPriceCents: null };
    const rollups = buildRollups(a, buildStatements(a, ctx));
    expect(rollups.map((r) => [r.number, r.totalCents, r.breakdowns[0]!.rows.map((x) => [x.label, x.cents])])).toEqual([
      ['CB-2026-09-ENG-ROLLUP', 390n, [['ENG-APP \u2014 Apps', 40n], ['ENG-PLAT \u2014 Platform and below (2 statements)', 350n]]],
      ['CB-2026-09-ENG-PLAT-ROLLUP', 350n, [['ENG-PLAT \u2014 Platform (own spend)', 100n], ['ENG-PLAT-SRE \u2014 SRE', 250n]]],
    ]);
  });
});
