import type { Money } from './money.js';

/**
 * Who a cost row is attributed to. Unknown actor types are kept, with their raw JSON. Parsed rows
 * share one frozen actor object per actor (see core/intern.ts): never edit one; compare actors by
 * actorKey or their fields, not by object identity.
 */
export type Actor =
  | { readonly type: 'user_actor'; readonly userId: string; readonly email: string | null; readonly name: string | null; readonly deleted: boolean }
  | { readonly type: 'service_account_actor'; readonly serviceAccountId: string }
  | { readonly type: 'api_actor'; readonly apiKeyId: string }
  | { readonly type: 'federated_actor'; readonly subject: string | null; readonly provider: string | null }
  | { readonly type: 'other_actor'; readonly actorType: string; readonly raw: string };

/**
 * One cost row of the grouped cost report, normalised; amounts stay exact. A month holds millions
 * of them, so parsing keeps them compact (shared texts and actors, amounts of exact size): treat a
 * row and everything in it as read-only.
 */
export interface CostRow {
  /** Provenance: raw page file and row index, e.g. "cost-grouped-p001.json#17". */
  readonly rowId: string;
  readonly startingAt: string;
  readonly endingAt: string;
  readonly actor: Actor | null;
  readonly product: string | null;
  readonly model: string | null;
  readonly contextWindow: string | null;
  readonly costType: string | null;
  readonly workspaceId: string | null;
  /** Premium dimensions, present only on listings grouped by them ("fast"/"standard"; "global"/"us"). */
  readonly speed?: string | null;
  readonly inferenceGeo?: string | null;
  readonly amountCents: Money;
  readonly listAmountCents: Money | null;
  readonly currency: string;
}

/** Stable identity of an actor across rows and months. */
export function actorKey(actor: Actor | null): string {
  if (actor === null) return 'none';
  switch (actor.type) {
    case 'user_actor':
      return `user:${actor.userId}`;
    case 'service_account_actor':
      return `service_account:${actor.serviceAccountId}`;
    case 'api_actor':
      return `api_key:${actor.apiKeyId}`;
    case 'federated_actor':
      return `federated:${actor.provider ?? 'unknown'}:${actor.subject ?? 'unknown'}`;
    case 'other_actor':
      return `other:${actor.actorType}:${actor.raw}`;
  }
}

/** The identifier shown in ledgers (user id, key id, ...). */
export function actorId(actor: Actor | null): string {
  if (actor === null) return '';
  switch (actor.type) {
    case 'user_actor':
      return actor.userId;
    case 'service_account_actor':
      return actor.serviceAccountId;
    case 'api_actor':
      return actor.apiKeyId;
    case 'federated_actor':
      return actor.subject ?? '';
    case 'other_actor':
      return actor.raw;
  }
}

export function actorTypeLabel(actor: Actor | null): string {
  if (actor === null) return 'none';
  return actor.type === 'other_actor' ? actor.actorType : actor.type;
}

/** A human label for statements; `directoryName` wins over the API's name. */
export function actorLabel(actor: Actor | null, directoryName?: string | null): string {
  if (actor === null) return 'No attributable actor';
  switch (actor.type) {
    case 'user_actor':
      return directoryName ?? actor.name ?? actor.email ?? `${actor.deleted ? 'Deleted user' : 'User'} ${actor.userId}`;
    case 'service_account_actor':
      return directoryName ?? `Service account ${actor.serviceAccountId}`;
    case 'api_actor':
      return directoryName ?? `API key ${actor.apiKeyId}`;
    case 'federated_actor':
      return directoryName ?? `Federated ${actor.provider ?? ''} ${actor.subject ?? ''}`.trim();
    case 'other_actor':
      return directoryName ?? `Actor of type ${actor.actorType}`;
  }
}

/** Every group value of a row but the actor, bucket bounds included: a line's identity within its actor. */
export function lineIdentity(row: CostRow): string {
  // Both bucket bounds: a monthly row and the daily row of the 1st start at the same instant.
  const premium = row.speed || row.inferenceGeo ? [row.speed, row.inferenceGeo] : [];
  return [row.product, row.model, row.contextWindow, row.costType, row.workspaceId, row.startingAt, row.endingAt, ...premium].map((v) => v ?? '\u2205').join('|');
}

/** A row's identity in a listing: the API returns each combination of group values once. */
export function rowIdentity(row: CostRow): string {
  return `${actorKey(row.actor)}#${lineIdentity(row)}`;
}
