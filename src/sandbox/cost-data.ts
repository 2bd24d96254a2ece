import { COST_CENTERS, NON_USERS, PEOPLE, type SyntheticNonUser, type SyntheticPerson } from './synthetic-org.js';
import { randomFor } from './prng.js';
import { addDays, dayStartAtOrAfter, dayStartMs, daysBetween, REVISION_WINDOW_DAYS, weekdayOf } from '../core/period.js';

/**
 * Deterministic synthetic cost for any UTC range: the amount of each (spender, product, model,
 * context window, workspace, cost type) on each day depends only on those names and the day, so
 * a month, a half month or a single day all agree with each other.
 */
export interface CostUnit {
  readonly actor: Record<string, unknown> | null;
  readonly actorKey: string;
  readonly product: string;
  readonly model: string | null;
  readonly contextWindow: string | null;
  readonly workspaceId: string | null;
  /** Premium dimensions: "fast" or "standard" (null without a model), "us" or "global" (null without a model). */
  readonly speed: string | null;
  readonly inferenceGeo: string | null;
  /** cost_type to micro-cents (1e-6 cent) */
  readonly amounts: ReadonlyMap<string, bigint>;
}

interface Combo {
  readonly product: string;
  readonly model: string | null;
  readonly contextWindow: string | null;
  readonly costType: string;
  /** Typical daily spend in cents on an active day. */
  readonly dailyCents: number;
}

const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-5', 'claude-haiku-4-5', 'claude-opus-4-6'] as const;

function engineeringLike(costCenter: string | null): boolean {
  return costCenter !== null && costCenter.startsWith('ENG');
}

function combosForUser(person: SyntheticPerson): Combo[] {
  const rand = randomFor('combos', person.userId);
  const combos: Combo[] = [];
  const model = () => MODELS[Math.floor(rand() * MODELS.length)]!;
  combos.push({ product: 'chat', model: model(), contextWindow: '0-200k', costType: 'tokens', dailyCents: 40 + rand() * 160 });
  if (rand() < 0.5) combos.push({ product: 'chat', model: model(), contextWindow: '0-200k', costType: 'web_search', dailyCents: 5 + rand() * 20 });
  const coder = engineeringLike(person.costCenter) ? rand() < 0.9 : rand() < 0.25;
  if (coder) {
    const m = rand() < 0.5 ? 'claude-opus-4-5' : 'claude-sonnet-4-5';
    combos.push({ product: 'claude_code', model: m, contextWindow: '0-200k', costType: 'tokens', dailyCents: 200 + rand() * 900 });
    if (rand() < 0.35) combos.push({ product: 'claude_code', model: m, contextWindow: '200k-1M', costType: 'tokens', dailyCents: 150 + rand() * 1200 });
    // Code execution is billed without a model.
    combos.push({ product: 'claude_code', model: null, contextWindow: null, costType: 'code_execution', dailyCents: 10 + rand() * 60 });
  }
  if (rand() < 0.4) combos.push({ product: 'cowork', model: model(), contextWindow: '0-200k', costType: 'tokens', dailyCents: 30 + rand() * 200 });
  if (rand() < 0.2) combos.push({ product: 'claude_tag', model: 'claude-sonnet-4-5', contextWindow: '0-200k', costType: 'tokens', dailyCents: 5 + rand() * 40 });
  if (rand() < 0.15) combos.push({ product: 'office_agent', model: 'claude-sonnet-4-5', contextWindow: '0-200k', costType: 'tokens', dailyCents: 20 + rand() * 80 });
  // A product string newer than this tool: carried through as data.
  if (rand() < 0.05) combos.push({ product: 'claude_design', model: 'claude-opus-4-6', contextWindow: '0-200k', costType: 'tokens', dailyCents: 30 + rand() * 90 });
  return combos;
}

function combosForNonUser(spender: SyntheticNonUser): Combo[] {
  const rand = randomFor('combos', spender.kind, spender.id);
  return spender.products.flatMap((product): Combo[] => {
    if (product === 'api') {
      return [
        { product, model: 'claude-sonnet-4-5', contextWindow: '0-200k', costType: 'tokens', dailyCents: 500 + rand() * 3000 },
        { product, model: 'claude-haiku-4-5', contextWindow: '0-200k', costType: 'tokens', dailyCents: 100 + rand() * 500 },
        { product, model: 'claude-sonnet-4-5', contextWindow: '200k-1M', costType: 'tokens', dailyCents: 200 + rand() * 900 },
      ];
    }
    if (product === 'claude_code') {
      return [
        { product, model: 'claude-sonnet-4-5', contextWindow: '0-200k', costType: 'tokens', dailyCents: 300 + rand() * 700 },
        { product, model: null, contextWindow: null, costType: 'code_execution', dailyCents: 40 + rand() * 100 },
      ];
    }
    return [{ product, model: 'claude-sonnet-4-5', contextWindow: '0-200k', costType: 'tokens', dailyCents: 300 + rand() * 1500 }];
  });
}

interface Spender {
  readonly actor: Record<string, unknown> | null;
  readonly actorKey: string;
  readonly workspaceId: string | null;
  readonly combos: readonly Combo[];
  readonly intensity: number;
  /** Last day (exclusive, ms) with usage, for people who left. */
  readonly untilMs: number | null;
}

function buildSpenders(): Spender[] {
  const users = PEOPLE.map((p): Spender => ({
    actor: { type: 'user_actor', user_id: p.userId, email_address: p.email, name: p.name, deleted: p.deleted },
    actorKey: p.userId,
    workspaceId: null,
    combos: combosForUser(p),
    intensity: 0.2 + randomFor('intensity', p.userId)() * 2.3,
    untilMs: p.directoryByUserIdOnly ? dayStartMs('2026-09-15') : null,
  }));
  const others = NON_USERS.map((s): Spender => {
    let actor: Record<string, unknown> | null = null;
    if (s.kind === 'api_actor') actor = { type: 'api_actor', api_key_id: s.id };
    if (s.kind === 'service_account_actor') actor = { type: 'service_account_actor', service_account_id: s.id };
    if (s.kind === 'federated_actor') actor = { type: 'federated_actor', subject: s.id, provider: { type: 'aws', account_id: '000000000000', signed_principal: s.id } };
    return { actor, actorKey: `${s.kind}:${s.id}`, workspaceId: s.workspaceId, combos: combosForNonUser(s), intensity: 1, untilMs: null };
  });
  return [...users, ...others];
}

const SPENDERS = buildSpenders();

/** A UTC day as the generator needs it, computed once per range rather than per spender. */
interface SandboxDay {
  readonly ms: number;
  /** Still inside the revision window at the refresh: its figures may be revised. */
  readonly unsettled: boolean;
}

/** Weekday per day start, memoized: the generator asks for the same few days many times. */
const WEEKDAYS = new Map<number, number>();
function weekdayAt(dayMs: number): number {
  let w = WEEKDAYS.get(dayMs);
  if (w === undefined) WEEKDAYS.set(dayMs, (w = weekdayOf(dayMs)));
  return w;
}

/**
 * Micro-cents spent on one day as the provider reports it at `refreshedMs`; 0 on an inactive
 * day. Like the real API, values inside the 30-day revision window are not settled: for about a
 * third of the usage the first figure is 4 % low and is revised up once the window has passed.
 */
function dailyMicroCents(spender: Spender, combo: Combo, day: SandboxDay): bigint {
  const settled = finalMicroCents(spender, combo, day.ms);
  if (!day.unsettled || randomFor('revised', spender.actorKey, combo.product, combo.model ?? '', combo.costType)() >= 1 / 3) return settled;
  return (settled * 96n) / 100n;
}

function finalMicroCents(spender: Spender, combo: Combo, dayMs: number): bigint {
  if (spender.untilMs !== null && dayMs >= spender.untilMs) return 0n;
  const rand = randomFor('day', spender.actorKey, combo.product, combo.model ?? '', combo.contextWindow ?? '', combo.costType, String(dayMs));
  const weekday = weekdayAt(dayMs);
  const activeChance = weekday === 0 || weekday === 6 ? 0.15 : 0.75;
  if (rand() >= activeChance) return 0n;
  const cents = combo.dailyCents * spender.intensity * (0.3 + rand() * 1.4);
  return BigInt(Math.floor(cents * 1e6));
}

/**
 * Premium dimensions of a combo, from their own random stream so the amounts never change: about
 * a third of Claude Code on Opus runs in fast mode, and a quarter of the spenders pin inference
 * to the US. Rows without a model (code execution) have neither.
 */
function premiumOf(spender: Spender, combo: Combo): { speed: string | null; inferenceGeo: string | null } {
  if (combo.model === null) return { speed: null, inferenceGeo: null };
  const fast = combo.product === 'claude_code' && combo.model.startsWith('claude-opus') && randomFor('speed', spender.actorKey, combo.model, combo.contextWindow ?? '')() < 0.35;
  const us = randomFor('geo', spender.actorKey)() < 0.25;
  return { speed: fast ? 'fast' : 'standard', inferenceGeo: us ? 'us' : 'global' };
}

/**
 * Cost units with usage in `[startMs, endMs)`, counting whole UTC days before `refreshedMs` only
 * (the provider's data lags). Days are counted if they start inside the range.
 */
export function costUnits(startMs: number, endMs: number, refreshedMs: number): CostUnit[] {
  const units: CostUnit[] = [];
  // Whole days that start inside the range and have ended by the refresh.
  const days: SandboxDay[] = daysBetween(dayStartAtOrAfter(startMs), endMs)
    .filter((ms) => addDays(ms, 1) <= refreshedMs)
    .map((ms) => ({ ms, unsettled: refreshedMs < addDays(ms, 1 + REVISION_WINDOW_DAYS) }));
  for (const spender of SPENDERS) {
    const byUnit = new Map<string, { combo: Combo; speed: string | null; inferenceGeo: string | null; amounts: Map<string, bigint> }>();
    for (const combo of spender.combos) {
      let total = 0n;
      for (const day of days) total += dailyMicroCents(spender, combo, day);
      if (total === 0n) continue;
      const { speed, inferenceGeo } = premiumOf(spender, combo);
      const key = `${combo.product}|${combo.model}|${combo.contextWindow}|${speed}|${inferenceGeo}`;
      const entry = byUnit.get(key) ?? { combo, speed, inferenceGeo, amounts: new Map<string, bigint>() };
      entry.amounts.set(combo.costType, (entry.amounts.get(combo.costType) ?? 0n) + total);
      byUnit.set(key, entry);
    }
    for (const { combo, speed, inferenceGeo, amounts } of byUnit.values()) {
      units.push({ actor: spender.actor, actorKey: spender.actorKey, product: combo.product, model: combo.model, contextWindow: combo.contextWindow, workspaceId: spender.workspaceId, speed, inferenceGeo, amounts });
    }
  }
  return units;
}

/** "41280.123456" from micro-cents. */
export function microCentsText(micro: bigint): string {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  return `${negative ? '-' : ''}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}`;
}

export const SANDBOX_COST_CENTER_CODES = COST_CENTERS.map((c) => c.code);

/** Whether a spender used a product on a UTC day (any of its combos of that product has cost). */
export function activeOn(actorKey: string, product: string, dayMs: number): boolean {
  const spender = SPENDERS_BY_KEY.get(actorKey);
  if (!spender) return false;
  return spender.combos.some((c) => c.product === product && finalMicroCents(spender, c, dayMs) > 0n);
}

const SPENDERS_BY_KEY = new Map(SPENDERS.map((s) => [s.actorKey, s]));
