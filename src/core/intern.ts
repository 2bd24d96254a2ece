import type { Actor } from './cost-row.js';

/**
 * One copy of each repeated value across parsed rows. JSON.parse gives every row its own copy of
 * every text and every row its own actor, although a month of 500,000 people names a few dozen
 * products, models and bucket bounds and one actor per person over millions of rows. Sharing
 * changes no value: a text is the same text, and a shared actor is frozen, so no row can change
 * another row's actor.
 *
 * Each table is bounded; a full table starts over, so a long-lived process holds at most the
 * limits' worth of entries and a later row merely gets its own copy. Only low-cardinality fields
 * go through `text` (products, models, context windows, cost types, workspaces, currencies,
 * bucket bounds, premium dimensions); people's ids, emails and names are shared through their
 * actor, whose table is keyed by a text the actor holds anyway (the user id), not a new one.
 */
export interface Interner {
  /** The shared copy of a low-cardinality text. */
  text(value: string): string;
  text(value: string | null | undefined): string | null;
  /** The shared frozen actor equal to `actor` (same type and fields), or `actor` frozen. */
  actor(actor: Actor): Actor;
  /** The shared user actor with this user id, if one was seen: rows about the same person reuse its texts. */
  knownUser(userId: string): Extract<Actor, { type: 'user_actor' }> | undefined;
  /** Forgets every shared value (the rows that hold them keep them). */
  clear(): void;
}

export interface InternerLimits {
  /** Distinct low-cardinality texts kept before the table starts over. */
  readonly texts: number;
  /** Distinct actors kept before the table starts over (about one per person). */
  readonly actors: number;
}

/** Far above what a month names (texts) and the 500,000 people we design for (actors). */
export const DEFAULT_INTERNER_LIMITS: InternerLimits = { texts: 1 << 16, actors: 1 << 20 };

type UserActor = Extract<Actor, { type: 'user_actor' }>;

export function createInterner(limits: InternerLimits = DEFAULT_INTERNER_LIMITS): Interner {
  const texts = new Map<string, string>();
  // Users by their user id (a text the actor keeps anyway); other actors by their key text.
  const users = new Map<string, UserActor>();
  const others = new Map<string, Actor>();

  function text(value: string): string;
  function text(value: string | null | undefined): string | null;
  function text(value: string | null | undefined): string | null {
    if (value === null || value === undefined) return null;
    const known = texts.get(value);
    if (known !== undefined) return known;
    if (texts.size >= limits.texts) texts.clear();
    texts.set(value, value);
    return value;
  }

  function actor(a: Actor): Actor {
    if (a.type === 'user_actor') {
      const known = users.get(a.userId);
      if (known !== undefined && known.email === a.email && known.name === a.name && known.deleted === a.deleted) return known;
      // A person whose email or name differs between rows keeps the latest; each row keeps its own values.
      if (known === undefined && users.size >= limits.actors) users.clear();
      const frozen = Object.freeze(a);
      users.set(a.userId, frozen);
      return frozen;
    }
    const key = otherKey(a);
    const known = others.get(key);
    if (known !== undefined && sameActor(known, a)) return known;
    if (known === undefined && others.size >= limits.actors) others.clear();
    const frozen = Object.freeze(a);
    others.set(key, frozen);
    return frozen;
  }

  return {
    text,
    actor,
    knownUser: (userId) => users.get(userId),
    clear: () => {
      texts.clear();
      users.clear();
      others.clear();
    },
  };
}

/** A key that tells apart every non-user actor by all of its fields (null and "unknown" differ). */
function otherKey(a: Exclude<Actor, UserActor>): string {
  switch (a.type) {
    case 'service_account_actor':
      return `s${a.serviceAccountId}`;
    case 'api_actor':
      return `k${a.apiKeyId}`;
    case 'federated_actor':
      return `f${JSON.stringify([a.provider, a.subject])}`;
    case 'other_actor':
      return `o${JSON.stringify([a.actorType, a.raw])}`;
  }
}

/** Same type and the same value in every field. */
function sameActor(a: Actor, b: Actor): boolean {
  const keys = Object.keys(a) as Array<keyof Actor>;
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/**
 * The interner rows use when the caller passes none: module-level so that every page of a pull,
 * and every listing of a month, shares one copy; bounded as above.
 */
export const sharedInterner: Interner = createInterner();

/**
 * The same text in one piece. A text built by concatenation ("cost-grouped-p001.json" + "#" +
 * "17") is held as a rope of its parts, about 65 bytes for a row id; in one piece it is 48.
 */
export function flatText(value: string): string {
  const half = value.length >> 1;
  return [value.slice(0, half), value.slice(half)].join('');
}
