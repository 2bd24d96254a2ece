import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCostPage, parseUsersPage } from '../src/api/client.js';
import { costRowSchema, stableJson, toCostRow } from '../src/api/cost-schema.js';
import { toEngagementRow, userActivitySchema } from '../src/api/users-schema.js';
import type { Actor, CostRow } from '../src/core/cost-row.js';
import type { EngagementRow } from '../src/core/engagement.js';
import { createInterner, flatText, type Interner } from '../src/core/intern.js';
import { Money } from '../src/core/money.js';

/**
 * Rows are parsed compactly (shared texts and actors, exact-size amounts); these tests hold them
 * to the plain normalisation, field by field and byte by byte, and check what is shared.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20261202);
const REQUEST = '/v1/organizations/analytics/cost?starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-01T00:00:00Z&group_by[]=actor';
const USERS_REQUEST = '/v1/organizations/analytics/users?starting_date=2026-09-01&ending_date=2026-10-01';

type Json = Record<string, unknown>;

/** The normalisation written plainly, as toCostRow did it before rows were made compact. */
function plainActor(raw: Json | null | undefined): Actor | null {
  if (raw === null || raw === undefined) return null;
  switch (raw.type) {
    case 'user_actor':
      return { type: 'user_actor', userId: raw.user_id as string, email: (raw.email_address ?? raw.email ?? null) as string | null, name: (raw.name ?? null) as string | null, deleted: (raw.deleted ?? false) as boolean };
    case 'service_account_actor':
      return { type: 'service_account_actor', serviceAccountId: raw.service_account_id as string };
    case 'api_actor':
      return { type: 'api_actor', apiKeyId: raw.api_key_id as string };
    case 'federated_actor':
      return { type: 'federated_actor', subject: (raw.subject ?? null) as string | null, provider: ((raw.provider as Json | null | undefined)?.type ?? null) as string | null };
    default:
      return { type: 'other_actor', actorType: raw.type as string, raw: stableJson(raw) };
  }
}

function plainRow(raw: Json, rowId: string): CostRow {
  const g = (raw.group ?? {}) as Json;
  const cost = raw.cost as Json;
  const text = (v: unknown) => (v ?? null) as string | null;
  return {
    rowId,
    startingAt: raw.starting_at as string,
    endingAt: raw.ending_at as string,
    actor: plainActor(g.actor as Json | null | undefined),
    product: text(g.product),
    model: text(g.model),
    contextWindow: text(g.context_window),
    costType: text(g.cost_type),
    workspaceId: text(g.workspace_id),
    ...(g.speed || g.inference_geo ? { speed: text(g.speed), inferenceGeo: text(g.inference_geo) } : {}),
    amountCents: new Money(cost.amount as string),
    listAmountCents: cost.list_amount ? new Money(cost.list_amount as string) : null,
    currency: cost.currency as string,
  };
}

function plainEngagement(raw: Json, rowId: string): EngagementRow | null {
  const user = raw.user as Json | null;
  if (user === null) return null;
  const code = ((raw.claude_code_metrics as Json | undefined)?.core_metrics ?? undefined) as Json | undefined;
  const lines = code?.lines_of_code as Json | undefined;
  return {
    rowId,
    userId: user.id as string,
    email: (user.email_address ?? null) as string | null,
    sessions: (code?.distinct_session_count ?? null) as number | null,
    commits: (code?.commit_count ?? 0) as number,
    pullRequests: (code?.pull_request_count ?? 0) as number,
    linesAdded: (lines?.added_count ?? 0) as number,
    linesRemoved: (lines?.removed_count ?? 0) as number,
    conversations: ((raw.chat_metrics as Json | undefined)?.distinct_conversation_count ?? null) as number | null,
  };
}

/** A row as the JSON of a page would carry it; field order and Money's text included. */
const asJson = (row: unknown) => JSON.stringify(row);

/** Same fields, same order, same values (amounts by their exact text). */
function expectSameRow(actual: CostRow | EngagementRow | null, expected: CostRow | EngagementRow | null): void {
  expect(asJson(actual)).toBe(asJson(expected));
  expect(actual).toEqual(expected);
  if (actual !== null && expected !== null && 'amountCents' in actual && 'amountCents' in expected) {
    expect(actual.amountCents.toFixed()).toBe(expected.amountCents.toFixed());
    expect(actual.amountCents.eq(expected.amountCents)).toBe(true);
    expect(actual.listAmountCents?.toFixed() ?? null).toBe(expected.listAmountCents?.toFixed() ?? null);
    // Arithmetic on a compact amount is arithmetic on the amount.
    expect(actual.amountCents.plus(actual.listAmountCents ?? 0).times(3).toFixed()).toBe(expected.amountCents.plus(expected.listAmountCents ?? 0).times(3).toFixed());
  }
}

const BOUNDS = { starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-01T00:00:00Z' };
const pageBody = (rows: unknown[]) => JSON.stringify({ data: rows, has_more: false, next_page: null, data_refreshed_at: '2026-11-25T06:00:00Z' });
const userActor = (i: number, extra: Json = {}) => ({ type: 'user_actor', user_id: `user_01JS${String(i).padStart(22, '0')}`, email_address: `person.${i}@acme.example`, name: `Person ${i}`, deleted: false, ...extra });
const costRow = (actor: unknown, product: string, amount: string, list: string | null = null, extra: Json = {}) => ({
  ...BOUNDS,
  group: { actor, product, model: 'claude-sonnet-4-5', context_window: '0-200k', cost_type: 'tokens', workspace_id: 'wrkspc_01JS0000000000000000000001', speed: null, inference_geo: null, ...extra },
  cost: { amount, list_amount: list, currency: 'USD', requests: null },
});

describe('compact cost rows', () => {
  it('share one frozen actor per person across rows and pages, with every value as the page says', () => {
    const products = ['chat', 'claude_code', 'code_review'];
    const rows1 = Array.from({ length: 30 }, (_, i) => costRow(userActor(i % 5), products[i % 3]!, `${1000 + i}.123456`, `${2000 + i}.5`));
    const rows2 = Array.from({ length: 10 }, (_, i) => costRow(userActor(i % 5), products[i % 3]!, `-${i}.000001`, null, { speed: 'fast', inference_geo: i % 2 ? 'us' : null }));
    const p1 = parseCostPage(pageBody(rows1), 'cost-grouped-p001.json', 1, 'cost-grouped', REQUEST).rows;
    const p2 = parseCostPage(pageBody(rows2), 'cost-premium-p001.json', 1, 'cost-premium', REQUEST).rows;
    const all = [...p1, ...p2];
    const raw = [...rows1, ...rows2];
    all.forEach((row, i) => expectSameRow(row, plainRow(raw[i]!, i < 30 ? `cost-grouped-p001.json#${i}` : `cost-premium-p001.json#${i - 30}`)));
    const byUser = new Map<string, Actor>();
    for (const row of all) {
      const actor = row.actor!;
      expect(Object.isFrozen(actor)).toBe(true);
      const id = actor.type === 'user_actor' ? actor.userId : '';
      const first = byUser.get(id) ?? actor;
      byUser.set(id, first);
      expect(actor).toBe(first);
    }
    expect(byUser.size).toBe(5);
    expect(() => {
      (all[0]!.actor as { name: string }).name = 'someone else';
    }).toThrow(TypeError);
    expect(all[5]!.actor).toEqual(plainActor(userActor(0)));
  });

  it('keep apart actors that differ in any field, and identical non-user actors are one object', () => {
    const actors = [
      userActor(1),
      userActor(1, { name: 'Renamed' }),
      userActor(1, { deleted: true }),
      { type: 'user_actor', user_id: userActor(1).user_id, email: 'person.1@acme.example', name: 'Person 1' },
      { type: 'federated_actor', subject: 'x', provider: null },
      { type: 'federated_actor', subject: 'x', provider: { type: 'unknown' } },
      { type: 'federated_actor', subject: 'x', provider: { type: 'okta' } },
      { type: 'service_account_actor', service_account_id: 'svac_1' },
      { type: 'api_actor', api_key_id: 'svac_1' },
      { type: 'mystery_actor', b: 1, a: [2] },
      { type: 'mystery_actor', a: [2], b: 1 },
      null,
    ];
    const rows = [...actors, ...actors].map((a, i) => costRow(a, 'chat', `${i}.5`));
    const parsed = parseCostPage(pageBody(rows), 'cost-grouped-p002.json', 2, 'cost-grouped', REQUEST).rows;
    parsed.forEach((row, i) => expectSameRow(row, plainRow(rows[i]!, `cost-grouped-p002.json#${i}`)));
    const n = actors.length;
    // The second pass over the same actors: rows 3 and 4 (same values, `email` or `email_address`) are one actor.
    expect(parsed[n + 7]!.actor).toBe(parsed[7]!.actor);
    expect(parsed[n + 8]!.actor).toBe(parsed[8]!.actor);
    expect(parsed[n + 10]!.actor).toBe(parsed[9]!.actor);
    expect(parsed[n + 6]!.actor).toBe(parsed[6]!.actor);
    expect(parsed[4]!.actor).not.toBe(parsed[5]!.actor);
    expect(parsed[4]!.actor).toEqual({ type: 'federated_actor', subject: 'x', provider: null });
    expect(parsed[5]!.actor).toEqual({ type: 'federated_actor', subject: 'x', provider: 'unknown' });
    // A person seen with other values in between may get a second, equal object: never a merged one.
    expect(new Set(parsed.slice(0, 3).map((r) => r.actor)).size).toBe(3);
    expect(parsed[3]!.actor).toEqual(parsed[0]!.actor);
    expect(parsed[n - 1]!.actor).toBeNull();
  });

  it('keep a list amount equal to the amount as the same exact value', () => {
    const rows = [costRow(userActor(1), 'chat', '41280.000000', '41280.000000'), costRow(userActor(1), 'api', '0.1', '0.10'), costRow(null, 'chat', '-3.5', null)];
    const [same, differentText, none] = parseCostPage(pageBody(rows), 'cost-grouped-p001.json', 1, 'cost-grouped', REQUEST).rows;
    expect(same!.listAmountCents).toBe(same!.amountCents);
    expect(same!.amountCents.toFixed()).toBe('41280');
    expect(differentText!.listAmountCents).not.toBe(differentText!.amountCents);
    expect(differentText!.listAmountCents!.eq(differentText!.amountCents)).toBe(true);
    expect(none!.listAmountCents).toBeNull();
    expect(none!.amountCents.toFixed()).toBe('-3.5');
  });

  it('send every low-cardinality text through the interner, and the same actor out of it', () => {
    const seen: string[] = [];
    const shared = createInterner();
    const spy: Interner = {
      text: ((v: string | null | undefined) => {
        if (v !== null && v !== undefined) seen.push(v);
        return shared.text(v);
      }) as Interner['text'],
      actor: (a) => shared.actor(a),
      knownUser: (id) => shared.knownUser(id),
      clear: () => shared.clear(),
    };
    const raw = costRowSchema.parse(costRow(userActor(7), 'claude_code', '1.5', '2', { speed: 'fast', inference_geo: 'us' }));
    const row = toCostRow(raw, 'cost-premium-p003.json#9', spy);
    expect(seen.sort()).toEqual(['0-200k', '2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z', 'USD', 'claude-sonnet-4-5', 'claude_code', 'fast', 'tokens', 'us', 'wrkspc_01JS0000000000000000000001'].sort());
    expect(row.actor).toBe(shared.knownUser(userActor(7).user_id));
    expectSameRow(row, plainRow(costRow(userActor(7), 'claude_code', '1.5', '2', { speed: 'fast', inference_geo: 'us' }), 'cost-premium-p003.json#9'));
    // Another interner gives equal rows that share nothing with the first.
    const other = toCostRow(raw, 'cost-premium-p003.json#9', createInterner());
    expect(other).toEqual(row);
    expect(other.actor).not.toBe(row.actor);
  });

  it('equal the plain normalisation for generated rows (property)', () => {
    const opt = (values: string[]) => fc.option(fc.constantFrom(...values), { nil: null });
    const text = fc.string({ minLength: 1, maxLength: 12 });
    const amount = fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 24n - 1n }), fc.integer({ min: 0, max: 12 })).map(([neg, digits, decimals]) => {
      const t = digits.toString().padStart(decimals + 1, '0');
      return `${neg ? '-' : ''}${t.slice(0, t.length - decimals)}${decimals ? `.${t.slice(-decimals)}` : ''}`;
    });
    const ids = fc.integer({ min: 0, max: 6 });
    const actor = fc.oneof(
      fc.constant(null),
      fc.record({ i: ids, email: fc.option(fc.constantFrom('a@x.example', 'b@x.example'), { nil: null }), name: fc.option(fc.constantFrom('A', 'B'), { nil: undefined }), deleted: fc.option(fc.boolean(), { nil: undefined }), legacy: fc.boolean() }).map(
        ({ i, email, name, deleted, legacy }) => ({ type: 'user_actor', user_id: `user_${i}`, ...(legacy ? { email } : { email_address: email }), ...(name === undefined ? {} : { name }), ...(deleted === undefined ? {} : { deleted }) }),
      ),
      ids.map((i) => ({ type: 'service_account_actor', service_account_id: `svac_${i}` })),
      ids.map((i) => ({ type: 'api_actor', api_key_id: `user_${i}` })),
      fc.record({ subject: fc.option(fc.constantFrom('s1', 's2'), { nil: null }), provider: fc.option(fc.constantFrom('okta', 'unknown'), { nil: null }) }).map(({ subject, provider }) => ({ type: 'federated_actor', subject, provider: provider === null ? null : { type: provider } })),
      fc.record({ t: fc.constantFrom('robot_actor', 'team_actor'), extra: fc.option(text, { nil: undefined }) }).map(({ t, extra }) => ({ type: t, ...(extra === undefined ? {} : { extra }) })),
    );
    const day = fc.integer({ min: 1, max: 30 }).map((d) => ({ starting_at: `2026-09-${String(d).padStart(2, '0')}T00:00:00Z`, ending_at: d === 30 ? '2026-10-01T00:00:00Z' : `2026-09-${String(d + 1).padStart(2, '0')}T00:00:00Z` }));
    const row = fc.record({
      day,
      actor,
      product: opt(['chat', 'claude_code', 'api', 'code_review']),
      model: opt(['claude-sonnet-4-5', 'claude-opus-4-1']),
      context_window: opt(['0-200k', '200k-1M']),
      cost_type: opt(['tokens', 'web_search', 'code_execution']),
      workspace_id: fc.option(fc.oneof(fc.constantFrom('wrkspc_1', 'wrkspc_2'), text), { nil: null }),
      speed: opt(['fast', 'standard']),
      inference_geo: opt(['us', 'global']),
      amount,
      list: fc.oneof(fc.constant(null), fc.constant('same'), amount),
      noGroup: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.boolean(), fc.array(row, { minLength: 1, maxLength: 25 }), (daily, spec) => {
        const rows = spec.map((s) => ({
          ...(daily ? s.day : BOUNDS),
          ...(s.noGroup ? {} : { group: { actor: s.actor, product: s.product, model: s.model, context_window: s.context_window, cost_type: s.cost_type, workspace_id: s.workspace_id, speed: s.speed, inference_geo: s.inference_geo } }),
          cost: { amount: s.amount, list_amount: s.list === 'same' ? s.amount : s.list, currency: 'USD', requests: null },
        }));
        const body = pageBody(rows);
        const file = daily ? 'cost-daily-01-p001.json' : 'cost-grouped-p001.json';
        const parsed = parseCostPage(body, file, 1, 'cost', daily ? `${REQUEST}&time_bucket_width=1d` : REQUEST).rows;
        const plain = (JSON.parse(body) as { data: Json[] }).data.map((r, i) => plainRow(r, `${file}#${i}`));
        parsed.forEach((r, i) => expectSameRow(r, plain[i]!));
        // Unequal actors are never one object; equal ones are, but for a person whose values
        // changed in between (the table keeps a person's latest values).
        for (let i = 0; i < parsed.length; i++) {
          for (let j = 0; j < i; j++) {
            const a = parsed[i]!.actor;
            const b = parsed[j]!.actor;
            if (a === null || b === null) continue;
            if (a === b || a.type !== 'user_actor') expect(a === b).toBe(asJson(a) === asJson(b));
          }
          if (i > 0 && parsed[i]!.actor?.type === 'user_actor' && asJson(parsed[i]!.actor) === asJson(parsed[i - 1]!.actor)) expect(parsed[i]!.actor).toBe(parsed[i - 1]!.actor);
        }
      }),
      { seed, numRuns: 200 },
    );
  });
});

describe('compact engagement rows', () => {
  it('equal the plain normalisation and reuse the texts of a known person', () => {
    const users = [
      { user: { id: userActor(3).user_id, email_address: 'person.3@acme.example' }, chat_metrics: { distinct_conversation_count: 4 }, claude_code_metrics: { core_metrics: { commit_count: 1, pull_request_count: 2, distinct_session_count: null, lines_of_code: { added_count: 10, removed_count: 3 } } } },
      { user: { id: userActor(4).user_id, email_address: 'someone.else@acme.example' } },
      { user: { id: 'user_never_in_cost', email_address: null }, chat_metrics: {} },
      { user: null },
    ];
    // The person is known from a cost row first, as in a pull.
    parseCostPage(pageBody([costRow(userActor(3), 'chat', '1'), costRow(userActor(4), 'chat', '1')]), 'cost-grouped-p001.json', 1, 'cost-grouped', REQUEST);
    const body = JSON.stringify({ data: users, next_page: null });
    const rows = parseUsersPage(body, 'users-p001.json', 1, 'users', USERS_REQUEST).rows;
    const plain = (JSON.parse(body) as { data: Json[] }).data.flatMap((r, i) => plainEngagement(r, `users-p001.json#${i}`) ?? []);
    expect(rows).toHaveLength(3);
    rows.forEach((r, i) => expectSameRow(r, plain[i]!));
    expect(toEngagementRow(userActivitySchema.parse(users[1]), 'users-p009.json#1', createInterner())).toEqual({ ...plain[1], rowId: 'users-p009.json#1' });
  });
});

describe('the interner', () => {
  it('is bounded: a full table starts over, and values stay equal', () => {
    const interner = createInterner({ texts: 2, actors: 2 });
    const actor = (i: number): Actor => ({ type: 'api_actor', apiKeyId: `k${i}` });
    const first = interner.actor(actor(1));
    expect(interner.actor(actor(1))).toBe(first);
    interner.actor(actor(2));
    interner.actor(actor(3)); // the table was full: it starts over
    const again = interner.actor(actor(1));
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    for (const t of ['a', 'b', 'c', 'a', 'd']) expect(interner.text(t)).toBe(t);
    expect(interner.text(null)).toBeNull();
    expect(interner.text(undefined)).toBeNull();
    const u = interner.actor({ type: 'user_actor', userId: 'u1', email: null, name: null, deleted: false });
    expect(interner.knownUser('u1')).toBe(u);
    interner.clear();
    expect(interner.knownUser('u1')).toBeUndefined();
  });

  it('flattens a text without changing it', () => {
    fc.assert(
      // Any UTF-16 text, lone surrogates included.
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }), fc.nat(2000), (file, i) => {
        const id = `${file}#${i}`;
        expect(flatText(id)).toBe(id);
        expect(flatText(file)).toBe(file);
      }),
      { seed, numRuns: 100 },
    );
  });
});
