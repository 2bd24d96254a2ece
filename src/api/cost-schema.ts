import { z } from 'zod';
import type { Actor, CostRow } from '../core/cost-row.js';
import { flatText, sharedInterner, type Interner } from '../core/intern.js';
import { isDecimalString, Money } from '../core/money.js';
import { isIsoInstant } from '../core/period.js';

/**
 * The boundary of the beta cost endpoint. Known fields are checked strictly where money is at
 * stake; everything else is passthrough, because the beta shape has drifted before and unknown
 * products, models, cost types and actor types are data, not errors.
 */
const centsString = z
  .string({ error: (i) => `expected a decimal string in cents such as "41280.000000", found ${describe(i.input)}` })
  .refine(isDecimalString, { error: (i) => `expected a decimal string in cents such as "41280.000000", found ${describe(i.input)}` });

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  const text = JSON.stringify(value);
  return `${text.length > 40 ? `${text.slice(0, 40)}…` : text} (${typeof value})`;
}

const optText = z.string().nullable().optional();

const userActor = z.looseObject({
  type: z.literal('user_actor'),
  user_id: z.string(),
  // The reference through Aug 2026 named it `email`; current SDKs say `email_address`.
  email_address: optText,
  email: optText,
  name: optText,
  deleted: z.boolean().optional(),
});
const serviceAccountActor = z.looseObject({ type: z.literal('service_account_actor'), service_account_id: z.string() });
const apiActor = z.looseObject({ type: z.literal('api_actor'), api_key_id: z.string() });
const federatedActor = z.looseObject({
  type: z.literal('federated_actor'),
  subject: optText,
  provider: z.looseObject({ type: z.string() }).nullable().optional(),
});
const KNOWN_ACTORS = ['user_actor', 'service_account_actor', 'api_actor', 'federated_actor'];
const otherActor = z.looseObject({ type: z.string().refine((t) => !KNOWN_ACTORS.includes(t)) });

export const actorSchema = z.union([userActor, serviceAccountActor, apiActor, federatedActor, otherActor]).nullable();

export const costRowSchema = z.looseObject({
  starting_at: z.string(),
  ending_at: z.string(),
  group: z
    .looseObject({
      actor: actorSchema.optional(),
      product: optText,
      model: optText,
      context_window: optText,
      cost_type: optText,
      workspace_id: optText,
      speed: optText,
      inference_geo: optText,
    })
    .nullable()
    .optional(),
  cost: z.looseObject({
    amount: centsString,
    list_amount: centsString.nullable().optional(),
    currency: z.string(),
    requests: z.number().nullable().optional(),
  }),
});

export const costPageSchema = z.looseObject({
  data: z.array(costRowSchema),
  has_more: z.boolean(),
  next_page: z.string().nullable().optional(),
  // A timestamp or nothing: "yesterday" would otherwise read as "not complete yet".
  data_refreshed_at: z.string().refine(isIsoInstant, { error: (i) => `expected an RFC 3339 timestamp such as "2026-10-31T12:00:00Z", found ${describe(i.input)}` }).nullable().optional(),
});

/** The page around its rows: checked once per page; the rows are checked one by one (acceptedCostRow, else costRowSchema). */
export const costEnvelopeSchema = costPageSchema.extend({ data: z.array(z.unknown()) });

export type CostPage = z.infer<typeof costPageSchema>;
export type RawRow = z.infer<typeof costRowSchema>;
type RawActor = z.infer<typeof actorSchema>;

/*
 * The fast check. zod costs ~20 µs a row (it copies every object it checks); a month of 500,000
 * people has millions of rows. acceptedCostRow answers for the shape the API sends, reading each
 * field once and copying nothing: it accepts a row only when costRowSchema accepts it, and then
 * the row itself serves as what zod would return, because toCostRow and describeRawRow read only
 * the declared fields and those hold the same values in both (zod's copy drops nothing declared
 * and adds nothing but keys holding undefined). Anything else (an unknown actor type, whose
 * identity is the JSON of the whole actor; a wrong type; a missing field) is left to zod, so
 * every message stays zod's. test/fast-parse.test.ts holds the two to the same answers.
 */

/** zod's object: not null, not an array. */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `z.string().nullable().optional()`. */
export const isOptText = (value: unknown): boolean => value === undefined || value === null || typeof value === 'string';

const isCents = (value: unknown): value is string => typeof value === 'string' && isDecimalString(value);

/** A known actor type with the fields its schema requires; false for anything zod should judge. */
export function isKnownActor(a: unknown): boolean {
  if (!isRecord(a)) return false;
  switch (a.type) {
    case 'user_actor':
      return typeof a.user_id === 'string' && isOptText(a.email_address) && isOptText(a.email) && isOptText(a.name) && (a.deleted === undefined || typeof a.deleted === 'boolean');
    case 'service_account_actor':
      return typeof a.service_account_id === 'string';
    case 'api_actor':
      return typeof a.api_key_id === 'string';
    case 'federated_actor': {
      const p = a.provider;
      return isOptText(a.subject) && (p === undefined || p === null || (isRecord(p) && typeof p.type === 'string'));
    }
    default:
      return false;
  }
}

/** The row as costRowSchema would return it, when it has the common shape and the schema accepts it; undefined otherwise (ask zod). */
export function acceptedCostRow(value: unknown): RawRow | undefined {
  if (!isRecord(value) || typeof value.starting_at !== 'string' || typeof value.ending_at !== 'string') return undefined;
  const g = value.group;
  if (g !== undefined && g !== null) {
    if (!isRecord(g)) return undefined;
    const a = g.actor;
    if (a !== undefined && a !== null && !isKnownActor(a)) return undefined;
    if (!(isOptText(g.product) && isOptText(g.model) && isOptText(g.context_window) && isOptText(g.cost_type) && isOptText(g.workspace_id) && isOptText(g.speed) && isOptText(g.inference_geo))) return undefined;
  }
  const c = value.cost;
  if (!isRecord(c) || !isCents(c.amount) || typeof c.currency !== 'string') return undefined;
  const list = c.list_amount;
  if (list !== undefined && list !== null && !isCents(list)) return undefined;
  const requests = c.requests;
  if (requests !== undefined && requests !== null && !(typeof requests === 'number' && Number.isFinite(requests))) return undefined;
  return value as RawRow;
}

/**
 * A row check of a listing: the fast check first (it accepts only what the schema accepts, and
 * copies nothing), the schema for the rest; undefined when the schema refuses the row.
 */
export function fastThenSchema<T>(fast: (value: unknown) => T | undefined, schema: z.ZodType<T>): (value: unknown) => T | undefined {
  return (value) => {
    const accepted = fast(value);
    if (accepted !== undefined) return accepted;
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };
}

/** A row as costRowSchema returns it, or undefined when the schema refuses it: the fast check first, zod for the rest. */
export const checkedCostRow = fastThenSchema(acceptedCostRow, costRowSchema);

export function normaliseActor(raw: RawActor | undefined): Actor | null {
  if (raw === null || raw === undefined) return null;
  switch (raw.type) {
    case 'user_actor': {
      const u = raw as z.infer<typeof userActor>;
      return { type: 'user_actor', userId: u.user_id, email: u.email_address ?? u.email ?? null, name: u.name ?? null, deleted: u.deleted ?? false };
    }
    case 'service_account_actor':
      return { type: 'service_account_actor', serviceAccountId: (raw as z.infer<typeof serviceAccountActor>).service_account_id };
    case 'api_actor':
      return { type: 'api_actor', apiKeyId: (raw as z.infer<typeof apiActor>).api_key_id };
    case 'federated_actor': {
      const f = raw as z.infer<typeof federatedActor>;
      return { type: 'federated_actor', subject: f.subject ?? null, provider: f.provider?.type ?? null };
    }
    default:
      return { type: 'other_actor', actorType: raw.type, raw: stableJson(raw) };
  }
}

/** JSON with sorted keys, so an unknown actor has one identity whatever the key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A validated row to a CostRow, compactly: repeated texts and actors are shared through the
 * interner (by default one for the process, bounded), the row id is one piece, and amounts keep
 * only their digits. Every value is what the row says; only what is shared differs.
 */
export function toCostRow(raw: RawRow, rowId: string, interner: Interner = sharedInterner): CostRow {
  const g = raw.group ?? {};
  const actor = normaliseActor(g.actor);
  const amountCents = compactMoney(raw.cost.amount);
  const list = raw.cost.list_amount;
  // Money is immutable, so a list amount equal to the amount is the same object.
  const listAmountCents = list ? (list === raw.cost.amount ? amountCents : compactMoney(list)) : null;
  // The fields in the same order as always, written out so that rows have one of two fixed
  // shapes (premium or not) with every field inside the object.
  if (g.speed || g.inference_geo) {
    return {
      rowId: flatText(rowId),
      startingAt: interner.text(raw.starting_at),
      endingAt: interner.text(raw.ending_at),
      actor: actor === null ? null : interner.actor(actor),
      product: interner.text(g.product),
      model: interner.text(g.model),
      contextWindow: interner.text(g.context_window),
      costType: interner.text(g.cost_type),
      workspaceId: interner.text(g.workspace_id),
      speed: interner.text(g.speed),
      inferenceGeo: interner.text(g.inference_geo),
      amountCents,
      listAmountCents,
      currency: interner.text(raw.cost.currency),
    };
  }
  return {
    rowId: flatText(rowId),
    startingAt: interner.text(raw.starting_at),
    endingAt: interner.text(raw.ending_at),
    actor: actor === null ? null : interner.actor(actor),
    product: interner.text(g.product),
    model: interner.text(g.model),
    contextWindow: interner.text(g.context_window),
    costType: interner.text(g.cost_type),
    workspaceId: interner.text(g.workspace_id),
    amountCents,
    listAmountCents,
    currency: interner.text(raw.cost.currency),
  };
}

/**
 * An exact amount whose digit array has only its digits. Parsing a text grows the array as for
 * arithmetic (room for 17 words, ~240 bytes a Money); the copy constructor sizes it exactly
 * (~120 bytes for an API amount). The value is the same.
 */
function compactMoney(text: string): Money {
  return new Money(new Money(text));
}

/** "data[3].cost.amount: expected …" lines from a zod error, most useful first. */
export function describeIssues(error: z.ZodError, limit = 5): string[] {
  const lines = error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    return `${path || '(page)'}: ${issue.message}`;
  });
  return lines.length > limit ? [...lines.slice(0, limit), `… and ${lines.length - limit} more`] : lines;
}

/**
 * The most digits an API amount may carry, derived from Money's precision: every amount is summed
 * over up to 10^SUM_HEADROOM_DIGITS rows (a month is a few million) and the sums are then
 * multiplied by a rate (markup, seat proration) of up to RATE_HEADROOM_DIGITS significant digits,
 * all exactly. The API sends six fractional digits ("41280.000000"); twice that is allowed.
 */
export const SUM_HEADROOM_DIGITS = 9;
export const RATE_HEADROOM_DIGITS = 15;
export const MAX_FRACTION_DIGITS = 12;
export const MAX_INTEGER_DIGITS = Money.precision - SUM_HEADROOM_DIGITS - RATE_HEADROOM_DIGITS - MAX_FRACTION_DIGITS;

/** Why an amount (already a decimal string) cannot be carried exactly, or null when it can. */
export function amountDigitsProblem(text: string): string | null {
  if (withinDigits(text)) return null;
  const [whole = '', fraction = ''] = text.replace(/^-/, '').split('.');
  const shown = text.length > 40 ? `"${text.slice(0, 20)}…${text.slice(-8)}" (${text.length} characters)` : JSON.stringify(text);
  if (whole.length > MAX_INTEGER_DIGITS) return `${shown} has ${whole.length} digits before the decimal point; at most ${MAX_INTEGER_DIGITS} are carried exactly`;
  if (fraction.length > MAX_FRACTION_DIGITS) return `${shown} has ${fraction.length} digits after the decimal point; at most ${MAX_FRACTION_DIGITS} are carried exactly`;
  return null;
}

/**
 * True when amountDigitsProblem finds nothing, without building its message: the digits before
 * the first point (after one leading minus) and between the first and a second point, counted.
 */
function withinDigits(text: string): boolean {
  const start = text.charCodeAt(0) === 45 ? 1 : 0;
  const dot = text.indexOf('.', start);
  if (dot < 0) return text.length - start <= MAX_INTEGER_DIGITS;
  const next = text.indexOf('.', dot + 1);
  return dot - start <= MAX_INTEGER_DIGITS && (next < 0 ? text.length : next) - dot - 1 <= MAX_FRACTION_DIGITS;
}

/** "actor user_… (a@b.example), product chat" for messages about one raw row. */
export function describeRawRow(raw: RawRow): string {
  const g = raw.group ?? {};
  const actor = normaliseActor(g.actor);
  const who =
    actor === null
      ? 'no actor'
      : actor.type === 'user_actor'
        ? `user ${actor.userId}${actor.email ? ` (${actor.email})` : ''}`
        : actor.type === 'service_account_actor'
          ? `service account ${actor.serviceAccountId}`
          : actor.type === 'api_actor'
            ? `API key ${actor.apiKeyId}`
            : actor.type === 'federated_actor'
              ? `federated ${actor.subject ?? '(no subject)'}`
              : `actor of type ${actor.actorType}`;
  return `${who}, product ${g.product ?? 'none'}`;
}
