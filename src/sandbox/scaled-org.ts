import { open } from 'node:fs/promises';
import { usageError } from '../errors.js';
import { addDays, dayOf, dayStartMs, epochDay, weekdayOfEpochDay } from '../core/period.js';
import { prng } from './prng.js';
import { FIRST, LAST } from './synthetic-org.js';

/**
 * A synthetic organization of any size for the sandbox, to try the month-end at enterprise scale:
 * `people` users under `costCenters` cost centers in three levels (divisions, departments,
 * teams), with the mess the 128-person default carries: people missing from the directory,
 * deleted users (one kind mapped by user_id, one not at all), contractors mapped by e-mail
 * domain, movers whose cost center changes on `moveDay`, API keys (mapped, mapped by workspace,
 * unknown), service accounts, a federated identity and rows with no actor.
 *
 * Nothing proportional to the people is held: every person, their spend on every day and their
 * activity is derived on demand from integer hashes of (seed, person index, combination, day),
 * so a page of any listing is computed when it is asked for, and the same inputs always give the
 * same bytes. Only the cost centers (a few thousand at most) and the non-user spenders (one API
 * key per 2,000 people) are kept.
 */

export interface ScaleOptions {
  readonly people: number;
  /** All cost centers, every level counted; at least 3. */
  readonly costCenters: number;
  readonly seed: number;
  /** The day the movers change cost center ("YYYY-MM-DD"); default 2026-09-15. */
  readonly moveDay?: string;
}

/** At most 2,000,000 people: their directory (about 100 bytes a person) stays under the loader's 256 MiB. */
export const SCALED_LIMITS = { minPeople: 10, maxPeople: 2_000_000, minCostCenters: 3, maxSeed: 4_294_967_295 } as const;

/**
 * --people, --cost-centers, --seed of `chargeback sandbox`, checked (a usage error, exit 2, names
 * the flag and the range); null without --people (the default organization).
 */
export function scaleFromFlags(opts: { people?: string; costCenters?: string; seed?: string }): { people: number; costCenters: number; seed: number } | null {
  if (opts.people === undefined) {
    const orphan = opts.costCenters !== undefined ? '--cost-centers' : opts.seed !== undefined ? '--seed' : null;
    if (orphan !== null) throw usageError(`${orphan} needs --people: without it the sandbox serves the 128-person default organization.`, ['Example: --people 10000 --cost-centers 100 --seed 1']);
    return null;
  }
  const whole = (flag: string, text: string, example: string): number => {
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw usageError(`${flag} ${JSON.stringify(text)} is not a whole number.`, [`Example: ${flag} ${example}`]);
    return Number(text);
  };
  const people = whole('--people', opts.people, '10000');
  if (people < SCALED_LIMITS.minPeople || people > SCALED_LIMITS.maxPeople) {
    throw usageError(`--people ${people} is out of range: from ${SCALED_LIMITS.minPeople} to ${SCALED_LIMITS.maxPeople.toLocaleString('en-US')} people.`, ['Example: --people 10000']);
  }
  const costCenters = opts.costCenters === undefined ? Math.max(SCALED_LIMITS.minCostCenters, Math.floor(people / 100)) : whole('--cost-centers', opts.costCenters, String(Math.max(3, Math.floor(people / 100))));
  if (costCenters < SCALED_LIMITS.minCostCenters) throw usageError(`--cost-centers ${costCenters} is too few: at least ${SCALED_LIMITS.minCostCenters} (a division, a department and a team).`, [`Example: --cost-centers ${Math.max(3, Math.floor(people / 100))}`]);
  if (costCenters > people) throw usageError(`--cost-centers ${costCenters} is more than --people ${people}: at most one cost center per person.`, [`Example: --cost-centers ${Math.max(3, Math.floor(people / 100))}`]);
  const seed = opts.seed === undefined ? 1 : whole('--seed', opts.seed, '1');
  if (seed > SCALED_LIMITS.maxSeed) throw usageError(`--seed ${seed} is out of range: from 0 to ${SCALED_LIMITS.maxSeed}.`, ['Example: --seed 1']);
  return { people, costCenters, seed };
}

export const SCALED_DOMAIN = 'acme.example';
export const SCALED_CONTRACTOR_DOMAIN = `contractors.${SCALED_DOMAIN}`;

export interface ScaledCostCenter {
  readonly code: string;
  readonly name: string;
  readonly parent: string | null;
  readonly owner: { readonly name: string; readonly email: string };
  readonly glAccount: string | null;
  /** 1 division, 2 department, 3 team. */
  readonly level: 1 | 2 | 3;
}

export type PersonKind = 'mapped' | 'mover' | 'unmapped' | 'by-user-id' | 'deleted-unknown' | 'contractor';

export interface ScaledPerson {
  readonly index: number;
  readonly name: string;
  /** null: a deleted user, reported without an e-mail address. */
  readonly email: string | null;
  readonly userId: string;
  readonly deleted: boolean;
  readonly kind: PersonKind;
  /** Cost center code (a team) for the directory; the old one for a mover. */
  readonly costCenter: string;
  /** A mover's cost center from moveDay on; null for everyone else. */
  readonly movesTo: string | null;
}

export interface Combo {
  readonly product: string;
  readonly model: string | null;
  readonly contextWindow: string | null;
  readonly costType: string;
  /** Typical daily spend in cents on an active day. */
  readonly dailyCents: number;
  readonly speed: string | null;
  readonly inferenceGeo: string | null;
  /** Seed of this combination's daily amounts. */
  readonly seed: number;
  /** Its figures inside the revision window are first reported 4 % low. */
  readonly revised: boolean;
}

export interface Spender {
  readonly actor: Record<string, unknown> | null;
  /** user_id, service_account_id or api_key_id (what actor_ids[] filters on); null otherwise. */
  readonly actorId: string | null;
  readonly workspaceId: string | null;
  readonly intensity: number;
  readonly combos: readonly Combo[];
}

export interface NonUser {
  readonly kind: 'api_actor' | 'service_account_actor' | 'federated_actor' | 'none';
  readonly id: string;
  readonly label: string;
  readonly workspaceId: string | null;
  /** The cost center a rule maps it to; null: no rule (unmapped, or claimed by a pool). */
  readonly ruleCostCenter: string | null;
  readonly spender: Spender;
}

// ---------------------------------------------------------------------------------------------
// Hashing: integer mixing only, no strings per row.

/** lowbias32: a bijective 32-bit mix. */
export function mix32(x: number): number {
  x = x >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function hash2(a: number, b: number): number {
  return mix32(Math.imul(mix32(a) ^ 0x9e3779b9, 0x85ebca6b) ^ mix32(b + 0x632be5ab));
}

const unit = (h: number) => h / 4294967296;

const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(n: number, width: number): string {
  let s = '';
  let v = n;
  for (let i = 0; i < width; i++) {
    s = ID_ALPHABET[v % 32]! + s;
    v = Math.floor(v / 32);
  }
  return s;
}

// Weekday of a UTC day number (days since 1970-01-01, a Thursday): 0 Sunday … 6 Saturday.

// ---------------------------------------------------------------------------------------------
// Names (display, ascii for the address), in Latin, Greek and Cyrillic scripts.

// The same names as the default organization: FIRST and LAST from synthetic-org.ts.

const DIVISIONS: ReadonlyArray<readonly [string, string]> = [
  ['ENG', 'Engineering'], ['GTM', 'Go-to-Market'], ['GA', 'General & Administrative'], ['OPS', 'Operations'],
  ['RES', 'Research'], ['MFG', 'Manufacturing'], ['SVC', 'Customer Service'], ['PRD', 'Product'],
  ['SCM', 'Supply Chain'], ['HW', 'Hardware'], ['QA', 'Quality'], ['LAB', 'Laboratories'],
];
const UNITS = ['Platform', 'Applications', 'Data', 'Security', 'Infrastructure', 'Mobile', 'Analytics', 'Tooling', 'Field', 'Partners', 'Compliance', 'Design'] as const;

const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-5', 'claude-haiku-4-5', 'claude-opus-4-6'] as const;

// ---------------------------------------------------------------------------------------------

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

/** Divisions, departments and teams for `c` cost centers: D + P + T = c, T ≥ P ≥ D ≥ 1. */
export function hierarchyShape(c: number): { divisions: number; departments: number; teams: number } {
  const divisions = clamp(Math.round(Math.cbrt(c) * 0.6), 1, Math.floor(c / 3));
  const departments = clamp(Math.round(Math.sqrt(c)), divisions, Math.floor((c - divisions) / 2));
  return { divisions, departments, teams: c - divisions - departments };
}

/** "2026-09-14" from "2026-09-15". */
function dayBefore(day: string): string {
  return dayOf(addDays(dayStartMs(day)!, -1));
}

export class ScaledOrganization {
  readonly people: number;
  readonly costCenterCount: number;
  readonly seed: number;
  readonly moveDay: string;
  readonly company: string;
  /** Every cost center, each division followed by its departments, each followed by its teams. */
  readonly costCenters: readonly ScaledCostCenter[];
  /** The teams (leaves), in creation order. */
  readonly teams: readonly ScaledCostCenter[];
  readonly nonUsers: readonly NonUser[];
  readonly researchWorkspace: string;
  private readonly seedHash: number;
  private readonly idSeed: string;
  private readonly teamCumulative: Float64Array;
  private readonly engineeringTeams: Uint8Array;
  private readonly nonUsersById: ReadonlyMap<string, NonUser>;

  constructor(options: ScaleOptions) {
    const { people, costCenters, seed } = options;
    if (!Number.isSafeInteger(people) || people < SCALED_LIMITS.minPeople || people > SCALED_LIMITS.maxPeople) throw new RangeError(`people: expected an integer from ${SCALED_LIMITS.minPeople} to ${SCALED_LIMITS.maxPeople}, got ${people}`);
    if (!Number.isSafeInteger(costCenters) || costCenters < SCALED_LIMITS.minCostCenters || costCenters > people) throw new RangeError(`costCenters: expected an integer from ${SCALED_LIMITS.minCostCenters} to people (${people}), got ${costCenters}`);
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > SCALED_LIMITS.maxSeed) throw new RangeError(`seed: expected an integer from 0 to ${SCALED_LIMITS.maxSeed}, got ${seed}`);
    const moveDay = options.moveDay ?? '2026-09-15';
    if (dayStartMs(moveDay) === null) throw new RangeError(`moveDay: expected a day such as 2026-09-15, got ${moveDay}`);
    this.people = people;
    this.costCenterCount = costCenters;
    this.seed = seed;
    this.moveDay = moveDay;
    this.seedHash = mix32(seed ^ 0x5eed5eed);
    this.idSeed = base32(seed, 7);
    this.company = `Acme Robotics Group (synthetic: ${people.toLocaleString('en-US')} people, seed ${seed})`;

    // Three levels: divisions, departments (round-robin over divisions), teams (round-robin over departments).
    const shape = hierarchyShape(costCenters);
    const owner = (code: string, salt: number) => {
      const h = hash2(this.seedHash, salt);
      const [first, firstAscii] = FIRST[h % FIRST.length]!;
      const [last, lastAscii] = LAST[(h >>> 8) % LAST.length]!;
      return { name: `${first} ${last}`, email: `${firstAscii}.${lastAscii}.${code.toLowerCase()}@${SCALED_DOMAIN}` };
    };
    const divisions: ScaledCostCenter[] = [];
    for (let d = 0; d < shape.divisions; d++) {
      const [code, name] = DIVISIONS[d] ?? [`DIV${d + 1}`, `Division ${d + 1}`];
      divisions.push({ code, name, parent: null, owner: owner(code, 1_000_000 + d), glAccount: String(6000 + 100 * ((d % 9) + 1) + 10 * Math.floor(d / 9)), level: 1 });
    }
    const width = (n: number) => String(n).length;
    const departments: ScaledCostCenter[] = [];
    const depWidth = width(Math.ceil(shape.departments / shape.divisions));
    for (let j = 0; j < shape.departments; j++) {
      const div = divisions[j % shape.divisions]!;
      const n = Math.floor(j / shape.divisions) + 1;
      const code = `${div.code}-D${String(n).padStart(depWidth, '0')}`;
      departments.push({ code, name: `${div.name}: ${UNITS[j % UNITS.length]} ${n}`, parent: div.code, owner: owner(code, 2_000_000 + j), glAccount: null, level: 2 });
    }
    const teams: ScaledCostCenter[] = [];
    const teamWidth = width(Math.ceil(shape.teams / shape.departments));
    for (let k = 0; k < shape.teams; k++) {
      const dep = departments[k % shape.departments]!;
      const n = Math.floor(k / shape.departments) + 1;
      const code = `${dep.code}-T${String(n).padStart(teamWidth, '0')}`;
      teams.push({ code, name: `${dep.name}, team ${n}`, parent: dep.code, owner: owner(code, 3_000_000 + k), glAccount: null, level: 3 });
    }
    const ordered: ScaledCostCenter[] = [];
    for (let d = 0; d < shape.divisions; d++) {
      ordered.push(divisions[d]!);
      for (let j = d; j < shape.departments; j += shape.divisions) {
        ordered.push(departments[j]!);
        for (let k = j; k < shape.teams; k += shape.departments) ordered.push(teams[k]!);
      }
    }
    this.costCenters = ordered;
    this.teams = teams;
    // Team sizes vary (0.5 to 2 times the mean); the first team is large, so a statement of a
    // cost center with a thousand people or more appears from about 100,000 people on.
    this.teamCumulative = new Float64Array(teams.length);
    let acc = 0;
    for (let k = 0; k < teams.length; k++) {
      acc += k === 0 ? Math.max(2, teams.length / 50) : 0.5 + 1.5 * unit(hash2(this.seedHash ^ 0x7ea7, k));
      this.teamCumulative[k] = acc;
    }
    this.engineeringTeams = new Uint8Array(teams.length);
    // Claude Code is common in technical teams: every team of the first division (Engineering) and
    // about half of the others, so about half the people code, as in the default organization.
    for (let k = 0; k < teams.length; k++) this.engineeringTeams[k] = (k % shape.departments) % shape.divisions === 0 || unit(hash2(this.seedHash ^ 0xe49, k)) < 0.5 ? 1 : 0;

    this.researchWorkspace = `wrkspc_${this.idBody(0)}`;
    this.nonUsers = this.buildNonUsers();
    this.nonUsersById = new Map(this.nonUsers.filter((n) => n.spender.actorId !== null).map((n) => [n.spender.actorId!, n]));
  }

  /** "01JS" + seed + index in the API's id alphabet: unique per index, decodable back to it. */
  private idBody(index: number): string {
    return `01JS${this.idSeed}${base32(index, 15)}`;
  }

  /** The person index of a user id of this organization, or null. */
  userIndexOf(userId: string): number | null {
    const prefix = `user_01JS${this.idSeed}`;
    if (!userId.startsWith(prefix) || userId.length !== prefix.length + 15) return null;
    let n = 0;
    for (const ch of userId.slice(prefix.length)) {
      const v = ID_ALPHABET.indexOf(ch);
      if (v < 0) return null;
      n = n * 32 + v;
    }
    return n < this.people ? n : null;
  }

  nonUserById(id: string): NonUser | undefined {
    return this.nonUsersById.get(id);
  }

  private teamAt(h: number): number {
    const target = unit(h) * this.teamCumulative[this.teamCumulative.length - 1]!;
    let lo = 0;
    let hi = this.teamCumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.teamCumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private kindOf(i: number): PersonKind {
    if (i % 1000 === 1) return 'mover';
    if (i % 50 === 2) return 'unmapped';
    if (i % 500 === 4) return 'by-user-id';
    if (i % 1000 === 9) return 'deleted-unknown';
    if (i % 100 === 7) return 'contractor';
    return 'mapped';
  }

  person(i: number): ScaledPerson {
    const h = hash2(this.seedHash, i);
    const kind = this.kindOf(i);
    const [first, firstAscii] = FIRST[h % FIRST.length]!;
    const [last, lastAscii] = LAST[Math.floor(h / FIRST.length) % LAST.length]!;
    const deleted = kind === 'by-user-id' || kind === 'deleted-unknown';
    const domain = kind === 'contractor' ? SCALED_CONTRACTOR_DOMAIN : SCALED_DOMAIN;
    const team = this.teamAt(hash2(h, 0x7ea3));
    let movesTo: string | null = null;
    if (kind === 'mover') {
      // To another team of another department when there is one; with a single team, to its department.
      const other = this.teams.length > 1 ? (team + 1 + (hash2(h, 0x30e) % (this.teams.length - 1))) % this.teams.length : -1;
      movesTo = other >= 0 ? this.teams[other]!.code : this.teams[team]!.parent;
    }
    return {
      index: i,
      name: deleted ? 'Deleted User' : `${first} ${last}`,
      email: deleted ? null : `${firstAscii}.${lastAscii}.${i}@${domain}`,
      userId: `user_${this.idBody(i)}`,
      deleted,
      kind,
      costCenter: this.teams[team]!.code,
      movesTo,
    };
  }

  /** Whether the person's home team is a technical one (Claude Code is common there). */
  private engineering(i: number): boolean {
    return this.engineeringTeams[this.teamAt(hash2(hash2(this.seedHash, i), 0x7ea3))] === 1;
  }

  /** What user `i` spends on: the same kinds of combinations as the default organization. */
  userSpender(i: number, person: ScaledPerson = this.person(i)): Spender {
    const base = hash2(this.seedHash ^ 0xc0b0, i);
    const rand = prng(base);
    const us = rand() < 0.25;
    const combos: Combo[] = [];
    const add = (product: string, model: string | null, contextWindow: string | null, costType: string, dailyCents: number) => {
      const seed = hash2(base, combos.length + 1);
      const fast = model !== null && product === 'claude_code' && model.startsWith('claude-opus') && unit(hash2(seed, 0x5bee)) < 0.35;
      combos.push({ product, model, contextWindow, costType, dailyCents, speed: model === null ? null : fast ? 'fast' : 'standard', inferenceGeo: model === null ? null : us ? 'us' : 'global', seed, revised: unit(hash2(seed, 0x4e71)) < 1 / 3 });
    };
    const model = () => MODELS[Math.floor(rand() * MODELS.length)]!;
    add('chat', model(), '0-200k', 'tokens', 40 + rand() * 160);
    if (rand() < 0.5) add('chat', model(), '0-200k', 'web_search', 5 + rand() * 20);
    const coder = this.engineering(i) ? rand() < 0.9 : rand() < 0.25;
    if (coder) {
      const m = rand() < 0.5 ? 'claude-opus-4-5' : 'claude-sonnet-4-5';
      add('claude_code', m, '0-200k', 'tokens', 200 + rand() * 900);
      if (rand() < 0.35) add('claude_code', m, '200k-1M', 'tokens', 150 + rand() * 1200);
      add('claude_code', null, null, 'code_execution', 10 + rand() * 60);
    }
    if (rand() < 0.4) add('cowork', model(), '0-200k', 'tokens', 30 + rand() * 200);
    if (rand() < 0.15) add('office_agent', 'claude-sonnet-4-5', '0-200k', 'tokens', 20 + rand() * 80);
    if (rand() < 0.05) add('claude_design', 'claude-opus-4-6', '0-200k', 'tokens', 30 + rand() * 90);
    return {
      actor: { type: 'user_actor', user_id: person.userId, email_address: person.email, name: person.name, deleted: person.deleted },
      actorId: person.userId,
      workspaceId: null,
      intensity: 0.2 + rand() * 2.3,
      combos,
    };
  }

  private buildNonUsers(): NonUser[] {
    const out: NonUser[] = [];
    const team = (n: number) => this.teams[n % this.teams.length]!.code;
    const spender = (salt: number, actor: Record<string, unknown> | null, actorId: string | null, workspaceId: string | null, products: readonly string[], intensity: number): Spender => {
      const base = hash2(this.seedHash ^ 0x0a11, salt);
      const rand = prng(base);
      const combos: Combo[] = [];
      const add = (product: string, model: string | null, contextWindow: string | null, costType: string, dailyCents: number) => {
        const seed = hash2(base, combos.length + 1);
        combos.push({ product, model, contextWindow, costType, dailyCents, speed: model === null ? null : 'standard', inferenceGeo: model === null ? null : 'global', seed, revised: unit(hash2(seed, 0x4e71)) < 1 / 3 });
      };
      for (const product of products) {
        if (product === 'api') {
          add(product, 'claude-sonnet-4-5', '0-200k', 'tokens', 500 + rand() * 3000);
          add(product, 'claude-haiku-4-5', '0-200k', 'tokens', 100 + rand() * 500);
          add(product, 'claude-sonnet-4-5', '200k-1M', 'tokens', 200 + rand() * 900);
        } else if (product === 'claude_code') {
          add(product, 'claude-sonnet-4-5', '0-200k', 'tokens', 300 + rand() * 700);
          add(product, null, null, 'code_execution', 40 + rand() * 100);
        } else {
          add(product, 'claude-sonnet-4-5', '0-200k', 'tokens', 300 + rand() * 1500);
        }
      }
      return { actor, actorId, workspaceId, intensity, combos };
    };
    // API keys, one per 2,000 people (at least 4): half mapped by key, a quarter by the research
    // workspace, a quarter unknown (UNALLOCATED).
    const keys = Math.max(4, Math.ceil(this.people / 2000));
    for (let j = 0; j < keys; j++) {
      const id = `apikey_${this.idBody(j)}`;
      const role = j % 4;
      const workspaceId = role === 1 ? this.researchWorkspace : null;
      out.push({ kind: 'api_actor', id, label: role === 3 ? `Unknown key ${j + 1}` : `Integration key ${j + 1}`, workspaceId, ruleCostCenter: role === 0 || role === 2 ? team(j * 7919) : null, spender: spender(10 + j, { type: 'api_actor', api_key_id: id }, id, workspaceId, ['api'], 1) });
    }
    const accounts = Math.max(1, Math.ceil(this.people / 20_000));
    for (let j = 0; j < accounts; j++) {
      const id = `svac_${this.idBody(j)}`;
      out.push({ kind: 'service_account_actor', id, label: `Agent account ${j + 1}`, workspaceId: null, ruleCostCenter: team(j * 104_729 + 3), spender: spender(5_000_000 + j, { type: 'service_account_actor', service_account_id: id }, id, null, ['claude_code', 'api'], 1) });
    }
    const subject = 'arn:aws:iam::000000000000:role/etl';
    out.push({ kind: 'federated_actor', id: subject, label: 'AWS ETL role', workspaceId: null, ruleCostCenter: null, spender: spender(6_000_000, { type: 'federated_actor', subject, provider: { type: 'aws', account_id: '000000000000', signed_principal: subject } }, null, null, ['api'], 1) });
    // Rows with no actor grow with the organization; a pool shares them out.
    const shared = Math.max(1, this.people / 500);
    out.push({ kind: 'none', id: 'claude_tag', label: 'Claude in Slack channels', workspaceId: null, ruleCostCenter: null, spender: spender(7_000_000, null, null, null, ['claude_tag'], shared) });
    out.push({ kind: 'none', id: 'code_review', label: 'Code Review', workspaceId: null, ruleCostCenter: null, spender: spender(7_000_001, null, null, null, ['code_review'], shared) });
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // The directory

  /** The org directory YAML that matches this organization, in pieces of about `chunkChars`. */
  *directoryChunks(chunkChars = 1 << 20): Generator<string> {
    let buf = '';
    const out = function* (text: string): Generator<string> {
      buf += text;
      if (buf.length >= chunkChars) {
        yield buf;
        buf = '';
      }
    };
    yield* out(
      [
        '# Org directory of the synthetic organization the sandbox serves with',
        `#   chargeback sandbox --people ${this.people} --cost-centers ${this.costCenterCount} --seed ${this.seed}`,
        `# ${this.people.toLocaleString('en-US')} people, ${this.costCenterCount.toLocaleString('en-US')} cost centers in three levels; movers change cost center on ${this.moveDay}.`,
        '',
        `company: ${q(this.company)}`,
        '',
        'unmapped: bucket',
        '',
        'cost_centers:',
        '',
      ].join('\n'),
    );
    for (const c of this.costCenters) {
      let text = `  - code: ${scalar(c.code)}\n    name: ${q(c.name)}\n`;
      if (c.parent !== null) text += `    parent: ${scalar(c.parent)}\n`;
      text += `    owner: { name: ${q(c.owner.name)}, email: ${scalar(c.owner.email)} }\n`;
      if (c.glAccount !== null) text += `    gl_account: ${q(c.glAccount)}\n`;
      yield* out(text);
    }
    yield* out('\n# People, matched by user_id first, then by e-mail (case-insensitive).\npeople:\n');
    const before = dayBefore(this.moveDay);
    for (let i = 0; i < this.people; i++) {
      const p = this.person(i);
      if (p.kind === 'unmapped' || p.kind === 'deleted-unknown' || p.kind === 'contractor') continue;
      if (p.kind === 'by-user-id') {
        yield* out(`  - user_id: ${scalar(p.userId)}\n    name: "Former employee"\n    cost_center: ${scalar(p.costCenter)}\n`);
      } else if (p.kind === 'mover') {
        const head = `  - email: ${scalar(p.email!)}\n    name: ${q(p.name)}\n`;
        yield* out(`${head}    cost_center: ${scalar(p.costCenter)}\n    to: ${before}\n${head}    cost_center: ${scalar(p.movesTo!)}\n    from: ${this.moveDay}\n`);
      } else {
        yield* out(`  - email: ${scalar(p.email!)}\n    name: ${q(p.name)}\n    cost_center: ${scalar(p.costCenter)}\n`);
      }
    }
    yield* out('\n# Everything else, in order; the first matching rule wins.\nrules:\n');
    for (const n of this.nonUsers) {
      if (n.ruleCostCenter === null) continue;
      const key = n.kind === 'api_actor' ? 'api_key_id' : 'service_account_id';
      yield* out(`  - match: { ${key}: ${scalar(n.id)} }\n    cost_center: ${scalar(n.ruleCostCenter)}\n    note: ${q(n.label)}\n`);
    }
    yield* out(`  - match: { workspace_id: ${scalar(this.researchWorkspace)} }\n    cost_center: ${scalar(this.teams[Math.floor(this.teams.length / 2)]!.code)}\n    note: "Research workspace"\n`);
    yield* out(`  - match: { email_domain: ${scalar(SCALED_CONTRACTOR_DOMAIN)} }\n    cost_center: ${scalar(this.teams[this.teams.length - 1]!.code)}\n    note: "Contractors"\n`);
    yield* out('\n# Shared-cost pools claim matching rows before people and rules.\npools:\n  - name: "Usage with no individual user (Slack and Code Review)"\n    match: { no_actor: true }\n    split: proportional\n    note: "Claude in Slack channels and Code Review, shared by direct spend"\n');
    if (buf.length > 0) yield buf;
  }

  /** The whole directory as one string (for small organizations and tests). */
  directoryYaml(): string {
    return [...this.directoryChunks()].join('');
  }
}

export function scaledOrganization(options: ScaleOptions): ScaledOrganization {
  return new ScaledOrganization(options);
}

/** Writes the directory to `file` piece by piece, never as one string. */
export async function writeScaledDirectory(org: ScaledOrganization, file: string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (const chunk of org.directoryChunks()) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

const q = (value: string) => JSON.stringify(value);

/**
 * A scalar as YAML text: plain when YAML reads it back as the same string, quoted otherwise
 * (numbers, booleans, null-like words, indicators). Digit strings alone are read as text by the
 * directory loader, but are quoted here too, for other readers.
 */
export function scalar(text: string): string {
  if (/^[A-Za-z][A-Za-z0-9_.@+-]*$/.test(text) && !/^(y|yes|n|no|true|false|on|off|null)$/i.test(text)) return text;
  return JSON.stringify(text);
}

// ---------------------------------------------------------------------------------------------
// Amounts

/** A UTC day of a range as the amounts need it. */
export interface AmountDay {
  /** Days since 1970-01-01. */
  readonly number: number;
  readonly weekend: boolean;
  /** Still inside the revision window at the refresh: reported 4 % low for a third of the combinations. */
  readonly unsettled: boolean;
}

export function amountDay(dayMs: number, refreshedMs: number, revisionWindowDays: number): AmountDay {
  const number = epochDay(dayMs);
  const w = weekdayOfEpochDay(number);
  // Settled once the refresh is a whole revision window past the day's end.
  return { number, weekend: w === 0 || w === 6, unsettled: epochDay(refreshedMs - dayMs) < 1 + revisionWindowDays };
}

/** Micro-cents of one combination on one day, settled (as finally billed). Exact integer below 2^53. */
export function settledMicro(spender: Spender, combo: Combo, day: AmountDay): number {
  const h = hash2(combo.seed, day.number);
  if (unit(h) >= (day.weekend ? 0.15 : 0.75)) return 0;
  return Math.floor(combo.dailyCents * spender.intensity * (0.3 + unit(mix32(h ^ 0x2545f491)) * 1.4) * 1e6);
}

/** Micro-cents as reported at the refresh: unsettled figures of revised combinations are 4 % low. */
export function reportedMicro(spender: Spender, combo: Combo, day: AmountDay): number {
  const settled = settledMicro(spender, combo, day);
  if (!day.unsettled || !combo.revised || settled === 0) return settled;
  const x = settled * 96;
  return (x - (x % 100)) / 100;
}

/** "41280.123456" from integer micro-cents below 2^53. */
export function microText(micro: number): string {
  const whole = Math.floor(micro / 1_000_000);
  return `${whole}.${String(micro - whole * 1_000_000).padStart(6, '0')}`;
}
