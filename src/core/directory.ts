import type { CostRow } from './cost-row.js';
import { usageError } from '../errors.js';

/** The reserved cost center that makes unmapped spend visible. */
export const UNALLOCATED = 'UNALLOCATED' as const;

export interface Owner {
  readonly name: string;
  readonly email: string;
}

export interface CostCenter {
  readonly code: string;
  readonly name: string;
  readonly parent: string | null;
  readonly owner: Owner;
  readonly glAccount: string | null;
  /** The legal entity that books this cost center's charges (its own, else the nearest parent's, else the paying entity). */
  readonly legalEntity?: string | null;
  /** Monthly budgets, effective by whole months (none: no budget). On a cost center with children, the roll-up's. */
  readonly budgets?: readonly Budget[];
}

/** A monthly budget in cents, from the first day of a month to the last day of one (null ends are open). */
export interface Budget extends Effective {
  readonly monthlyCents: bigint;
}

/** The budget set on a cost center for a month (the entry in effect on its first day), or null. */
export function budgetFor(cc: Pick<CostCenter, 'budgets'>, monthStart: string): bigint | null {
  return (cc.budgets ?? []).find((b) => activeOn(b, monthStart))?.monthlyCents ?? null;
}

/** An inclusive range of UTC days ("2026-09-15"); null ends are open. */
export interface Effective {
  readonly from: string | null;
  readonly to: string | null;
}

export function activeOn(e: Effective, day: string): boolean {
  return (e.from === null || e.from <= day) && (e.to === null || day <= e.to);
}

export interface Person extends Effective {
  readonly email: string | null;
  readonly userId: string | null;
  readonly name: string | null;
  readonly costCenter: string;
}

export const RULE_MATCHERS = ['api_key_id', 'service_account_id', 'workspace_id', 'email_domain', 'product'] as const;
export type RuleMatcher = (typeof RULE_MATCHERS)[number];

export interface Rule extends Effective {
  /** Position in the rule list, 1-based, as auditors read it. */
  readonly index: number;
  readonly matcher: RuleMatcher;
  readonly value: string;
  readonly costCenter: string;
  readonly note: string | null;
}

export type UnmappedPolicy = 'bucket' | 'fail';

export const POOL_MATCHERS = ['no_actor', 'product', 'api_key_id', 'service_account_id', 'workspace_id'] as const;
export type PoolMatcher = (typeof POOL_MATCHERS)[number];

export type PoolSplit =
  | { readonly kind: 'proportional' }
  | { readonly kind: 'even' }
  /** Percentages as exact decimal text, adding up to 100. */
  | { readonly kind: 'fixed'; readonly percentages: ReadonlyArray<{ readonly code: string; readonly percent: string }> };

/** Spend that belongs to nobody in particular, shared out by a declared method. */
export interface Pool {
  readonly name: string;
  /** Which rows the pool claims (before people and rules); null for a fixed monthly amount. */
  readonly match: { readonly matcher: PoolMatcher; readonly value: string } | null;
  /** A fixed monthly amount in cents (e.g. a platform fee), charged on top of the provider's cost. */
  readonly amountCents: bigint | null;
  readonly split: PoolSplit;
  /** Receiving cost centers; null: every cost center with direct spend. */
  readonly to: readonly string[] | null;
  readonly note: string | null;
}

/** General-ledger accounts for the journal. */
export interface GlAccounts {
  /** Credited with the month's total (the account the provider's invoice is booked against). */
  readonly clearingAccount: string;
  /** Debited with UNALLOCATED spend until finance decides who owns it. */
  readonly unallocatedAccount: string;
  /** Debited for a cost center that has no gl_account of its own or in its parents. */
  readonly defaultExpenseAccount: string;
  /** Credited with the overhead markup (internal recharge income). */
  readonly markupAccount: string;
  /** The legal entity that pays the provider and books the clearing and markup lines; null: one entity, unnamed. */
  readonly payingEntity?: string | null;
  /** Intercompany payable, booked in a charged entity other than the paying one ("due to" the paying entity). */
  readonly dueToAccount?: string | null;
  /** Intercompany receivable, booked in the paying entity ("due from" each other entity). */
  readonly dueFromAccount?: string | null;
}

export const DEFAULT_GL: GlAccounts = { clearingAccount: '2990', unallocatedAccount: '6999', defaultExpenseAccount: '6000', markupAccount: '4900' };

/**
 * How many digits a directory amount or percentage may have. Money carries 60 significant digits
 * exactly (core/money.ts); an amount is multiplied by a percentage, divided and summed over every
 * cost center, so each input keeps well inside that: 17 + 16 digits, plus the sums, stay under 60.
 */
export const DIRECTORY_LIMITS = {
  /** Whole-dollar digits of a seat price or a pool amount (below 10^15 dollars). */
  dollarDigits: 15,
  /** Decimals of a dollar amount: cents. */
  dollarDecimals: 2,
  /** Digits before the decimal point of a percentage (markup, fixed split). */
  percentDigits: 6,
  /** Significant decimals of a percentage. */
  percentDecimals: 20,
} as const;

/**
 * Keys the directory never accepts, anywhere: they name JavaScript object internals, so a map
 * holding one cannot be read as written (a "__proto__" cost center would vanish from a split).
 */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export interface Markup {
  /** Overhead percent on every statement (direct usage, shared costs and seats). */
  readonly percent: string;
  /** Per cost center overrides; a parent's applies to its children. */
  readonly overrides: ReadonlyArray<{ readonly code: string; readonly percent: string }>;
}

export interface OrgDirectory {
  readonly company: string;
  /** Seat price per person per month in cents (seat-based plans), prorated by days; null: no seats. */
  readonly seatPriceCents: string | null;
  readonly markup: Markup | null;
  /** The provider's organization id, for FOCUS BillingAccountId; the company name when absent. */
  readonly billingAccountId: string | null;
  readonly gl: GlAccounts;
  readonly unmapped: UnmappedPolicy;
  readonly costCenters: readonly CostCenter[];
  readonly people: readonly Person[];
  readonly rules: readonly Rule[];
  readonly pools: readonly Pool[];
  /** sha256 of the directory file(s) as read; recorded on every ledger line. */
  readonly sha256: string;
  readonly source: string;
}

export interface Mapping {
  /** The owning cost center, or '' when a pool claims the row. */
  readonly costCenter: string;
  /** The shared-cost pool that claims the row, if any. */
  readonly pool: string | null;
  /** Which rule mapped it, for the ledger: "person user_id=...", "rule 3 api_key_id=...", "unmapped". */
  readonly rule: string;
  /** The directory's name for the person, when it lists one. */
  readonly name: string | null;
  /** The matching rule's note ("CI review bot key"), names a non-person spender. */
  readonly note: string | null;
}

export interface DirectoryIndex {
  readonly directory: OrgDirectory;
  readonly byUserId: ReadonlyMap<string, readonly Person[]>;
  readonly byEmail: ReadonlyMap<string, readonly Person[]>;
  readonly costCenters: ReadonlyMap<string, CostCenter>;
  /** The markup overrides by cost center code. */
  readonly markupOverrides: ReadonlyMap<string, string>;
}

/** Appends `person` to the entries under `key`, in directory order. */
function addEntry(map: Map<string, Person[]>, key: string, person: Person): void {
  const entries = map.get(key);
  if (entries === undefined) map.set(key, [person]);
  else entries.push(person);
}

export function indexDirectory(directory: OrgDirectory): DirectoryIndex {
  const byUserId = new Map<string, Person[]>();
  const byEmail = new Map<string, Person[]>();
  for (const p of directory.people) {
    if (p.userId) addEntry(byUserId, p.userId, p);
    if (p.email) addEntry(byEmail, p.email.toLowerCase(), p);
  }
  const markupOverrides = new Map<string, string>();
  // The first override of a code wins, as a search of the list would find it.
  for (const o of directory.markup?.overrides ?? []) if (!markupOverrides.has(o.code)) markupOverrides.set(o.code, o.percent);
  return {
    directory,
    byUserId,
    byEmail,
    costCenters: new Map(directory.costCenters.map((c) => [c.code, c])),
    markupOverrides,
  };
}

function emailDomain(email: string | null): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  return at < 0 ? null : email.slice(at + 1).toLowerCase();
}

function ruleMatches(rule: Rule, row: CostRow): boolean {
  const a = row.actor;
  switch (rule.matcher) {
    case 'api_key_id':
      return a?.type === 'api_actor' && a.apiKeyId === rule.value;
    case 'service_account_id':
      return a?.type === 'service_account_actor' && a.serviceAccountId === rule.value;
    case 'workspace_id':
      return row.workspaceId === rule.value;
    case 'email_domain': {
      const domain = a?.type === 'user_actor' ? emailDomain(a.email) : null;
      const want = rule.value.toLowerCase();
      return domain !== null && (domain === want || domain.endsWith(`.${want}`));
    }
    case 'product':
      return row.product === rule.value;
  }
}

/**
 * Who owns a row: a shared-cost pool that claims it, else a listed person (by user_id, then by email), then the rules in order
 * (first match wins), else the unallocated bucket.
 */
function poolMatches(pool: Pool, row: CostRow): boolean {
  if (pool.match === null) return false;
  const a = row.actor;
  switch (pool.match.matcher) {
    case 'no_actor':
      return a === null;
    case 'product':
      return row.product === pool.match.value;
    case 'api_key_id':
      return a?.type === 'api_actor' && a.apiKeyId === pool.match.value;
    case 'service_account_id':
      return a?.type === 'service_account_actor' && a.serviceAccountId === pool.match.value;
    case 'workspace_id':
      return row.workspaceId === pool.match.value;
  }
}

/** The UTC day a row belongs to: its bucket's first day (a monthly row: the month's first day). */
export function rowDay(row: CostRow): string {
  return row.startingAt.slice(0, 10);
}

export function mapRow(index: DirectoryIndex, row: CostRow, day: string = rowDay(row)): Mapping {
  // Pools first: declaring spend shared is a deliberate decision that outranks who caused it.
  for (const pool of index.directory.pools) {
    if (poolMatches(pool, row)) return { costCenter: '', pool: pool.name, rule: `pool ${pool.name} ${pool.match!.matcher}${pool.match!.matcher === 'no_actor' ? '' : `=${pool.match!.value}`}`, name: null, note: null };
  }
  const a = row.actor;
  if (a?.type === 'user_actor') {
    const byId = index.byUserId.get(a.userId)?.find((p) => activeOn(p, day));
    if (byId) return { costCenter: byId.costCenter, pool: null, rule: `person user_id=${a.userId}`, name: byId.name, note: null };
    const byEmail = a.email ? index.byEmail.get(a.email.toLowerCase())?.find((p) => activeOn(p, day)) : undefined;
    if (byEmail) return { costCenter: byEmail.costCenter, pool: null, rule: `person email=${byEmail.email}`, name: byEmail.name, note: null };
  }
  for (const rule of index.directory.rules) {
    if (activeOn(rule, day) && ruleMatches(rule, row)) {
      return { costCenter: rule.costCenter, pool: null, rule: `rule ${rule.index} ${rule.matcher}=${rule.value}`, name: null, note: rule.note };
    }
  }
  return { costCenter: UNALLOCATED, pool: null, rule: 'unmapped', name: null, note: null };
}

/** The markup percent for a cost center: its own override, else the nearest parent's, else the global one. */
export function markupPercent(index: DirectoryIndex, code: string): string {
  const markup = index.directory.markup;
  if (markup === null || code === UNALLOCATED) return '0';
  for (const c of ancestry(index, code).reverse()) {
    const o = index.markupOverrides.get(c);
    if (o !== undefined) return o;
  }
  return markup.percent;
}

/** The legal entity that books a cost center's charges: its own, else the nearest parent's, else the paying entity ('' when none is named). */
export function legalEntityOf(index: DirectoryIndex, code: string): string {
  const paying = index.directory.gl.payingEntity ?? '';
  if (code === UNALLOCATED) return paying;
  for (const c of ancestry(index, code).reverse()) {
    const entity = index.costCenters.get(c)?.legalEntity;
    if (entity) return entity;
  }
  return paying;
}

/** The expense account for a cost center: its own, else the nearest parent's, else the default. */
export function expenseAccount(index: DirectoryIndex, code: string): string {
  if (code === UNALLOCATED) return index.directory.gl.unallocatedAccount;
  for (const c of ancestry(index, code).reverse()) {
    const account = index.costCenters.get(c)?.glAccount;
    if (account) return account;
  }
  return index.directory.gl.defaultExpenseAccount;
}

/** Codes from the root down to `code`, e.g. ["ENG", "ENG-PLAT"]. */
export function ancestry(index: DirectoryIndex, code: string): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  let current: string | null = code;
  while (current !== null && !seen.has(current)) {
    chain.push(current);
    seen.add(current);
    current = index.costCenters.get(current)?.parent ?? null;
  }
  return chain.reverse();
}

/**
 * Actors whose owner changes inside the period (a move on the 15th, a rule that starts
 * mid-month): their monthly rows cannot be charged to one cost center, so they are fetched by
 * day. Returned as the ids the API's actor_ids[] filter takes.
 */
export function actorsWithChangingOwner(index: DirectoryIndex, rows: readonly CostRow[], days: readonly string[]): string[] {
  // An owner can change inside the period only through an entry that is active on some of its
  // days and not on others: a rule that matches the row, or an entry of the row's person. A row
  // that meets none has the same owner every day, which needs no mapping per day to know.
  const changes = (e: Effective): boolean => (e.from !== null || e.to !== null) && days.some((d) => activeOn(e, d) !== activeOn(e, days[0]!));
  const changingRules = index.directory.rules.filter(changes);
  const changingEntry = (entries: readonly Person[] | undefined) => entries !== undefined && entries.some(changes);
  const ids = new Set<string>();
  for (const row of rows) {
    const a = row.actor;
    if (
      !changingRules.some((rule) => ruleMatches(rule, row)) &&
      !(a?.type === 'user_actor' && (changingEntry(index.byUserId.get(a.userId)) || (a.email ? changingEntry(index.byEmail.get(a.email.toLowerCase())) : false)))
    ) {
      continue;
    }
    const id = a?.type === 'user_actor' ? a.userId : a?.type === 'service_account_actor' ? a.serviceAccountId : a?.type === 'api_actor' ? a.apiKeyId : null;
    if (id === null) {
      // No id to ask the API for by day: a date inside the month cannot be honoured for this row.
      const owners = new Set(days.map((d) => mapRow(index, row, d).rule));
      if (owners.size > 1) {
        throw usageError(`A dated rule or person entry changes the owner of spend with no actor id inside the month (${[...owners].join(' / ')}).`, [
          `Row: ${row.rowId} (product ${row.product ?? 'none'}). The API can be asked for daily rows only per user, service account or API key.`,
          'Let such rules start on the first of a month (from:) and end on a last day (to:), or match these rows with an undated rule or pool.',
        ]);
      }
      continue;
    }
    if (ids.has(id)) continue;
    const owners = new Set(days.map((d) => { const m = mapRow(index, row, d); return `${m.costCenter}|${m.pool ?? ''}|${m.rule}`; }));
    if (owners.size > 1) ids.add(id);
  }
  return [...ids].sort();
}
