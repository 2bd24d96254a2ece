import { createHash } from 'node:crypto';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node, type Scalar } from 'yaml';
import { z } from 'zod';
import { type Budget, DEFAULT_GL, DIRECTORY_LIMITS, POOL_MATCHERS, RESERVED_KEYS, RULE_MATCHERS, UNALLOCATED, type Pool, type PoolMatcher, type PoolSplit, type CostCenter, type OrgDirectory, type Person, type Rule, type RuleMatcher } from '../core/directory.js';
import { Money } from '../core/money.js';
import { dayOf, dayStartMs, lastDayOfMonth } from '../core/period.js';
import { usageError, type ChargebackError } from '../errors.js';
import { mailAddress } from '../delivery/address.js';
import { errnoCode, fsCauseWords } from './fs-cause.js';
import { FileRefusal, MiB, readRegularFile } from './read-file.js';

/** One problem in the directory file, located and with the fix. */
export interface DirectoryProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

export function formatProblem(p: DirectoryProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}. Fix: ${p.fix}`;
}

const CODE = /^[A-Z0-9][A-Z0-9-]{0,31}$/;
/** A legal entity code: what ERPs take as a company code or subsidiary id. */
const ENTITY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

const text = z.string().trim().min(1);
const ownerSchema = z.strictObject({ name: text, email: z.string() });
/** A UTC calendar day; YAML may hand us a date object when the value is unquoted. */
const day = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? dayOf(v.getTime()) : v))
  .refine((v) => /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(v) && dayStartMs(v) !== null, { error: 'expected a date such as 2026-09-15' });
/** A monthly budget in USD, effective from the first day of a month to the last day of one (open ends allowed). */
/** Digits before the decimal point of a monthly budget: twelve months of it stay exact as spreadsheet numbers. */
const BUDGET_DIGITS = 11;
const budgetSchema = z.strictObject({
  monthly: z.union([z.string(), z.number()], { error: 'expected a monthly USD amount such as "5000.00"' }),
  from: day.optional(),
  to: day.optional(),
});
const costCenterSchema = z.strictObject({
  code: z.string(),
  name: text,
  parent: z.string().nullable().optional(),
  owner: ownerSchema,
  gl_account: z.string().nullable().optional(),
  legal_entity: z.string().trim().min(1).nullable().optional(),
  budgets: z.array(budgetSchema).optional(),
});
const personSchema = z.strictObject({
  from: day.optional(),
  to: day.optional(),
  email: z.string().nullable().optional(),
  user_id: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  cost_center: z.string(),
});
const ruleSchema = z.strictObject({
  from: day.optional(),
  to: day.optional(),
  match: z.strictObject(Object.fromEntries(RULE_MATCHERS.map((m) => [m, z.string().min(1).optional()])) as Record<RuleMatcher, z.ZodOptional<z.ZodString>>),
  cost_center: z.string(),
  note: z.string().nullable().optional(),
});
const account = z.string().trim().min(1);
const glSchema = z.strictObject({
  clearing_account: account.optional(),
  unallocated_account: account.optional(),
  default_expense_account: account.optional(),
  markup_account: account.optional(),
  paying_entity: account.optional(),
  due_to_account: account.optional(),
  due_from_account: account.optional(),
});
const percent = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?$/)]).transform(String);
const poolSchema = z.strictObject({
  name: text,
  match: z
    .strictObject({
      no_actor: z.literal(true).optional(),
      product: z.string().min(1).optional(),
      api_key_id: z.string().min(1).optional(),
      service_account_id: z.string().min(1).optional(),
      workspace_id: z.string().min(1).optional(),
    } satisfies Record<PoolMatcher, z.ZodType>)
    .optional(),
  amount: z.union([z.string(), z.number()]).optional(),
  split: z.union([z.enum(['proportional', 'even']), z.strictObject({ fixed: z.record(z.string(), percent) })]),
  to: z.array(z.string()).min(1).optional(),
  note: z.string().nullable().optional(),
});
const dollars = z.union([z.string(), z.number()]).transform(String).refine((v) => /^\d+(\.\d{1,2})?$/.test(v), { error: 'expected a USD amount with at most two decimals, such as "30.00"' });
const seatsSchema = z.strictObject({ price: dollars });
const markupSchema = z.strictObject({ percent: percent, cost_centers: z.record(z.string(), z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/)]).transform(String)).optional() });
const rootSchema = z.strictObject({
  company: text,
  seats: seatsSchema.optional(),
  markup: markupSchema.optional(),
  pools: z.array(z.unknown()).optional(),
  billing_account_id: text.optional(),
  gl: glSchema.optional(),
  unmapped: z.enum(['bucket', 'fail']).optional(),
  cost_centers: z.array(z.unknown()).min(1),
  people: z.array(z.unknown()).optional(),
  rules: z.array(z.unknown()).optional(),
});

export type Path = ReadonlyArray<string | number>;

/** The keys a strict mapping at `path` accepts, for "unknown key" messages. */
function allowedKeys(path: Path): string[] {
  const named = path.filter((p): p is string => typeof p === 'string');
  const last = named[named.length - 1];
  if (last === 'owner') return Object.keys(ownerSchema.shape);
  if (last === 'match') return named.includes('pools') ? [...POOL_MATCHERS] : [...RULE_MATCHERS];
  if (last === 'budgets') return Object.keys(budgetSchema.shape);
  if (last === 'cost_centers') return Object.keys(costCenterSchema.shape);
  if (last === 'people') return Object.keys(personSchema.shape);
  if (last === 'rules') return Object.keys(ruleSchema.shape);
  if (last === 'gl') return Object.keys(glSchema.shape);
  if (last === 'seats') return Object.keys(seatsSchema.shape);
  if (last === 'markup') return Object.keys(markupSchema.shape);
  if (last === 'pools') return Object.keys(poolSchema.shape);
  return Object.keys(rootSchema.shape);
}

export function pathText(path: Path): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** " (did you mean X?)" when one option is close to `value` (case-insensitive), else "". */
export function didYouMean(value: string, options: readonly string[]): string {
  // Options are short names; a long value is near none of them (and comparing it would cost its length times theirs).
  if (value.length > 64) return '';
  const best = options
    .map((o) => ({ o, d: levenshtein(value.toUpperCase(), o.toUpperCase()) }))
    .sort((x, y) => x.d - y.d || (x.o < y.o ? -1 : 1))[0];
  return best && best.d <= Math.max(2, Math.floor(value.length / 3)) ? ` (did you mean ${best.o}?)` : '';
}

/** How many characters of a value a message shows. */
const SHOWN = 50;

/** Text as a message shows it: at most 50 characters, cut with "…" (a value can be megabytes long). */
export function clip(text: string): string {
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
}

/**
 * How a found value is shown in a message: "nothing", "null", "a list", "a mapping" or its JSON,
 * at most 50 characters. Text is cut before it is quoted, so a huge value costs nothing (its
 * JSON, with every control character escaped, could exceed the longest string there can be).
 */
export function found(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a mapping';
  // The first 50 characters of the JSON depend only on the first 49 of the text.
  const t = typeof value === 'string' ? JSON.stringify(value.length > SHOWN + 2 ? value.slice(0, SHOWN + 2) : value) : typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
  return t.length > SHOWN ? `${t.slice(0, SHOWN)}…` : t;
}

export class Locator {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Line and column (1-based) of a character offset in the source. */
  offset(offset: number): { line: number; column: number } {
    return this.pos(offset);
  }

  /** Line and column of the node at `path`, of the key `key` inside it, or of the nearest parent. */
  at(path: Path, key?: string): { line: number; column: number } {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.doc.getIn(path.slice(0, depth), true) as Node | undefined;
      if (!node || !node.range) continue;
      if (depth === path.length && key !== undefined && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
        if (pair && isScalar(pair.key) && pair.key.range) return this.pos(pair.key.range[0]);
      }
      return this.pos(node.range[0]);
    }
    return { line: 1, column: 1 };
  }

  private pos(offset: number) {
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }
}

/**
 * A YAML file read for checking: the parsed document, where each node is, and the problems found
 * so far, each located by line and column with its fix. Shared by the directory and template files.
 */
export class YamlCheck {
  readonly problems: DirectoryProblem[] = [];
  readonly doc: Document.Parsed;
  readonly locate: Locator;
  /** The document's value (undefined when `ok` is false). */
  readonly raw: unknown;
  /** False after a YAML syntax error or an unresolvable alias: nothing else can be checked. */
  readonly ok: boolean;

  /** True when `settle` ran on the document before it was read (`raw` is the settled value). */
  readonly settled: boolean;

  constructor(
    source: string,
    readonly file: string,
    /** The keys a strict mapping at a path accepts, for "unknown key" messages. */
    private readonly allowedKeys: (path: Path) => string[],
    /**
     * Changes to the parsed document before it is read (the directory's labels), so that it is
     * read once. Run only when the file has no alias (no "*" anywhere): an alias is what can make
     * reading fail, and a file that fails must report that failure alone, as read unchanged.
     * Otherwise `settled` is false and the caller settles and reads the document itself.
     */
    settle?: (check: YamlCheck) => void,
  ) {
    const lines = new LineCounter();
    const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    this.doc = doc;
    this.locate = new Locator(doc, lines);
    for (const e of doc.errors) {
      const pos = lines.linePos(e.pos[0]);
      this.problems.push({ file, line: pos.line, column: pos.col, path: '', message: `YAML syntax error: ${e.message.split('\n')[0]}`, fix: 'correct the YAML at that place (indentation, quotes, colons)' });
    }
    let raw: unknown;
    let ok = this.problems.length === 0;
    let settled = false;
    if (ok) {
      const before = this.problems.length;
      if (settle !== undefined && !source.includes('*')) {
        settle(this);
        settled = true;
      }
      try {
        raw = doc.toJS();
      } catch (error) {
        // e.g. an alias whose anchor is never set ("*x"): the YAML parses but has no value.
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        this.problems.length = before;
        this.problems.push({ file, line: 1, column: 1, path: '', message: `YAML error: ${reason}`, fix: 'remove or define the alias (&name … *name) and check the YAML' });
        ok = false;
      }
    }
    this.raw = raw;
    this.ok = ok;
    this.settled = settled;
  }

  /** Records a problem at the node at `path` (or at its key `key`), or the nearest parent that exists. */
  readonly add = (path: Path, message: string, fix: string, key?: string): void => {
    const { line, column } = this.locate.at(path, key);
    this.problems.push({ file: this.file, line, column, path: pathText(key === undefined ? path : [...path, key]), message, fix });
  };

  /** Records every issue of a failed zod parse of `value`, which sits at `path` in the file. */
  readonly zod = (path: Path, error: z.ZodError, value: unknown): void => {
    for (const issue of error.issues) {
      const at = [...path, ...(issue.path as Array<string | number>)];
      let actual: unknown = value;
      for (const step of issue.path) actual = actual && typeof actual === 'object' ? (actual as Record<string | number, unknown>)[step as string | number] : undefined;
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) this.add(at, `unknown key "${k}"`, `remove it or check its spelling; allowed here: ${this.allowedKeys(at).join(', ')}`, k);
      } else if (issue.code === 'invalid_type') {
        this.add(at, `found ${found(actual)}, expected ${issue.expected === 'string' ? 'text' : issue.expected}`, actual === undefined ? `add the required key "${String(issue.path[issue.path.length - 1] ?? '')}"` : 'change the value to the expected type');
      } else if (issue.code === 'invalid_value') {
        this.add(at, `found ${found(actual)}, expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`, 'use one of the allowed values');
      } else {
        this.add(at, `found ${found(actual)}: ${issue.message}`, 'correct the value');
      }
    }
  };

  /** The problems in file order. */
  sorted(): DirectoryProblem[] {
    return this.problems.sort((a, b) => a.line - b.line || a.column - b.column);
  }
}

/** Fields whose value is a label (a code, an id, an account, a name), by path shape (# is any list index). */
const LABEL_VALUES = new Set([
  'company',
  'billing_account_id',
  'gl/clearing_account',
  'gl/unallocated_account',
  'gl/default_expense_account',
  'gl/markup_account',
  'gl/paying_entity',
  'gl/due_to_account',
  'gl/due_from_account',
  'cost_centers/#/code',
  'cost_centers/#/name',
  'cost_centers/#/parent',
  'cost_centers/#/gl_account',
  'cost_centers/#/legal_entity',
  'cost_centers/#/owner/name',
  'cost_centers/#/owner/email',
  'people/#/email',
  'people/#/user_id',
  'people/#/name',
  'people/#/cost_center',
  ...RULE_MATCHERS.map((m) => `rules/#/match/${m}`),
  'rules/#/cost_center',
  'rules/#/note',
  'pools/#/name',
  ...POOL_MATCHERS.filter((m) => m !== 'no_actor').map((m) => `pools/#/match/${m}`),
  'pools/#/to/#',
  'pools/#/note',
]);
/** Mappings whose keys are cost center codes. */
const LABEL_KEYS = new Set(['pools/#/split/fixed', 'markup/cost_centers']);

const shapeOf = (path: Path): string => path.map((p) => (typeof p === 'number' ? '#' : p)).join('/');

/**
 * Plain (unquoted) text that YAML 1.2 reads as a number, or that a YAML 1.1 reader would:
 * exponents, hex/octal/binary, underscores, a leading sign or dot, .inf/.nan, sexagesimal.
 */
const NUMBER_LIKE = /^[-+]?(\.[0-9_]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^[-+]?0[xXoObB][0-9a-fA-F_]+$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/;

/**
 * What each alias of the document names, as Alias.resolve finds it (the last node anchored with
 * its name before it, in document order), from one pass over the document: resolve() makes a
 * pass of its own for every alias, which over a large file with many aliases is quadratic.
 */
export function aliasTargets(doc: Document): Map<Alias, Node | undefined> {
  const targets = new Map<Alias, Node | undefined>();
  const last = new Map<string, Node>();
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, last.get(node.source));
      else if (node.anchor) last.set(node.anchor, node);
    },
  });
  return targets;
}

/**
 * Settles, on the parsed document and before anything reads it, what the directory cannot take
 * as YAML typed it:
 * - a label (GL account, code, id, e-mail, name, note) written as a plain digit string
 *   (`0299`, `06100`) keeps its text, leading zeros included, never a number;
 * - a label written in another form YAML reads as a number or boolean (`6.1e3`, `0x17D4`,
 *   `1_000`, `.5`, `+12`, `true`) is refused with the fix "write it in quotes";
 * - a key named `__proto__`, `constructor` or `prototype`, anywhere, is refused and removed.
 * Returns the paths of refused labels (later problems at the same place are consequences) and
 * of the mappings that lost a reserved key.
 */
function settleLabels(check: YamlCheck): { refused: Set<string>; refusals: Set<DirectoryProblem>; reservedIn: Set<string> } {
  const refused = new Set<string>();
  const refusals = new Set<DirectoryProblem>();
  const reservedIn = new Set<string>();
  const { doc } = check;
  const report = (node: Node, path: Path, message: string, fix: string) => {
    const { line, column } = node.range ? check.locate.offset(node.range[0]) : check.locate.at(path);
    const problem: DirectoryProblem = { file: check.file, line, column, path: pathText(path), message, fix };
    check.problems.push(problem);
    refusals.add(problem);
    refused.add(problem.path);
  };
  const label = (scalar: Scalar, path: Path) => {
    // Quoted and block scalars are text already; null is "not given" and checked by the schema.
    if (scalar.type !== 'PLAIN' || scalar.value === null || scalar.value === undefined) return;
    const written = typeof scalar.source === 'string' ? scalar.source : String(scalar.value);
    if (/^[0-9]+$/.test(written)) {
      scalar.value = written;
      return;
    }
    if (typeof scalar.value === 'string' && !NUMBER_LIKE.test(written)) return;
    const reads = typeof scalar.value === 'number' ? `YAML reads as the number ${String(scalar.value)}` : typeof scalar.value === 'boolean' ? `YAML reads as the boolean ${String(scalar.value)}` : 'YAML 1.1 readers take for a number';
    report(scalar, path, `found ${clip(written)} without quotes, which ${reads}; expected text, kept exactly as written`, `write it in quotes: '${clip(written)}'`);
    scalar.value = written;
  };
  // Aliases resolved from one pass over the document, not one pass per alias; the table is
  // made again after a reserved key is removed (an anchor may have gone with it).
  let targets: Map<Alias, Node | undefined> | null = null;
  const resolve = (alias: Alias): Node | undefined => {
    targets ??= aliasTargets(doc);
    return targets.has(alias) ? targets.get(alias) : (alias.resolve(doc) as Node | undefined);
  };
  const walk = (node: unknown, path: Path): void => {
    if (isAlias(node)) {
      // An alias of a scalar label is settled like the scalar; aliased mappings were walked where defined.
      const target = resolve(node);
      if (isScalar(target) && LABEL_VALUES.has(shapeOf(path))) label(target, path);
      return;
    }
    if (isScalar(node)) {
      if (LABEL_VALUES.has(shapeOf(path))) label(node, path);
      return;
    }
    if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    if (!isMap(node)) return;
    const keysAreLabels = LABEL_KEYS.has(shapeOf(path));
    const count = node.items.length;
    node.items = node.items.filter((pair) => {
      const key = pair.key;
      if (!isScalar(key)) return true;
      const name = String(key.value);
      if (RESERVED_KEYS.includes(name)) {
        report(key, [...path, name], `key ${found(name)} is not allowed: it names an internal of JavaScript objects, so this entry could not be read as written`, `remove it or rename it${keysAreLabels ? ' to a cost center code (capital letters, digits and dashes)' : ''}`);
        reservedIn.add(pathText(path));
        return false;
      }
      if (keysAreLabels) label(key, [...path, typeof key.source === 'string' ? key.source : name]);
      walk(pair.value, [...path, String(key.value)]);
      return true;
    });
    if (node.items.length !== count) targets = null;
  };
  walk(doc.contents, []);
  return { refused, refusals, reservedIn };
}

/**
 * A problem when a decimal text (already checked to be digits with an optional fraction) has
 * more digits than the tool carries exactly for that kind of quantity, else null.
 */
function beyondLimit(text: string, kind: 'dollars' | 'percent'): string | null {
  const [whole = '', fraction = ''] = text.split('.');
  const wholeDigits = whole.replace(/^0+/, '').length;
  const decimals = kind === 'dollars' ? fraction.length : fraction.replace(/0+$/, '').length;
  const [maxWhole, maxDecimals] = kind === 'dollars' ? [DIRECTORY_LIMITS.dollarDigits, DIRECTORY_LIMITS.dollarDecimals] : [DIRECTORY_LIMITS.percentDigits, DIRECTORY_LIMITS.percentDecimals];
  if (wholeDigits <= maxWhole && decimals <= maxDecimals) return null;
  const what = kind === 'dollars' ? 'a USD amount' : 'a percentage';
  return `found ${found(text)} (${wholeDigits} digit${wholeDigits === 1 ? '' : 's'} before the decimal point, ${decimals} after), expected ${what} of at most ${maxWhole} digits before the decimal point and ${maxDecimals} after: beyond that the tool cannot carry it exactly (60 significant digits for every sum and share)`;
}

/**
 * Amounts and percentages written as YAML numbers would pass through a double (29.999999999999999
 * reads as 30): replace them by their exact text from the file before anything reads them.
 */
function exactMoneyText(doc: Document.Parsed, source: string, raw: unknown): void {
  if (raw === null || typeof raw !== 'object') return;
  const root = raw as Record<string, unknown>;
  const textAt = (path: Array<string | number>): string | null => {
    const node = doc.getIn(path, true) as Node | undefined;
    return node && isScalar(node) && typeof node.value === 'number' && node.range ? source.slice(node.range[0], node.range[1]).trim() : null;
  };
  const replace = (holder: Record<string | number, unknown>, key: string | number, path: Array<string | number>) => {
    const text = textAt(path);
    if (text !== null) holder[key] = text;
  };
  const mapAt = (value: unknown): Record<string, unknown> | null => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
  const seats = mapAt(root.seats);
  if (seats) replace(seats, 'price', ['seats', 'price']);
  const markup = mapAt(root.markup);
  if (markup) {
    replace(markup, 'percent', ['markup', 'percent']);
    const overrides = mapAt(markup.cost_centers);
    for (const code of Object.keys(overrides ?? {})) replace(overrides!, code, ['markup', 'cost_centers', code]);
  }
  (Array.isArray(root.cost_centers) ? root.cost_centers : []).forEach((item, i) => {
    const budgets = mapAt(item)?.budgets;
    (Array.isArray(budgets) ? budgets : []).forEach((b, j) => {
      const budget = mapAt(b);
      if (budget) replace(budget, 'monthly', ['cost_centers', i, 'budgets', j, 'monthly']);
    });
  });
  (Array.isArray(root.pools) ? root.pools : []).forEach((item, i) => {
    const pool = mapAt(item);
    if (!pool) return;
    replace(pool, 'amount', ['pools', i, 'amount']);
    const fixed = mapAt(mapAt(pool.split)?.fixed);
    for (const code of Object.keys(fixed ?? {})) replace(fixed!, code, ['pools', i, 'split', 'fixed', code]);
  });
}

/** Why an owner or person e-mail is one the mailer would not take as written, or null when it is fine. */
function emailProblem(email: string): string | null {
  const read = mailAddress(email);
  if (read.ok && read.address === email && /@[^@]+\.[^@]+$/.test(email)) return null;
  const why = read.ok ? (read.address === email ? 'its domain has no dot' : 'it has blanks around it') : read.reason;
  return `found ${found(email)}, expected an e-mail address (${why})`;
}

/**
 * Parses and checks the org directory, collecting every problem before returning.
 *
 * The people list is most of a large directory (500,000 people: 2 million lines) and the YAML
 * library's document of it most of the time and memory of reading it (a node, a pair and a range
 * per value). So a people list written plainly, one `key: value` per line (see readPlainPeople),
 * is read line by line into the values the library would give, and the library reads the rest
 * of the file. A directory read that way is returned only when it has no problem at all; anything
 * else (a people list written otherwise, any problem) is read whole by the library, so every
 * problem is found and located exactly as always.
 */
export function parseDirectory(source: string, file: string): { directory: OrgDirectory | null; problems: DirectoryProblem[] } {
  const split = readPlainPeople(source);
  if (split !== null) {
    const quick = checkDirectory(split.rest, file, source, split);
    if (quick !== null && quick.directory !== null) return quick;
  }
  return parseWholeDirectory(source, file);
}

/** parseDirectory reading the whole file with the YAML library (what every problem is reported from). */
export function parseWholeDirectory(source: string, file: string): { directory: OrgDirectory | null; problems: DirectoryProblem[] } {
  return checkDirectory(source, file, source, null)!;
}

/** The people list read apart (readPlainPeople) and the rest of the file without it. */
interface PlainPeople {
  /** The file without the lines of the people list (its `people:` line kept). */
  readonly rest: string;
  /** Where the `people:` line starts, in the file and in `rest`. */
  readonly at: number;
  /** The list as the YAML library reads it. */
  readonly people: Array<Record<string, unknown>>;
}

const PERSON_KEYS: ReadonlySet<string> = new Set(Object.keys(personSchema.shape));
const PEOPLE_LINE = /^people:(?: +#.*| *)$/gm;
/** `key: value` and the value's text: nothing, a comment, quoted text or plain text. */
const ENTRY = /^([a-z_]+):(?:( *)| +(#.*)| +"([^"\\\p{Cc}\p{Cs}\u2028\u2029\ufeff\ufffe\uffff]*)"(?: +#.*| *)| +'((?:[^'\p{Cc}\p{Cs}\u2028\u2029\ufeff\ufffe\uffff]|'')*)'(?: +#.*| *)| +([^ #][^#]*?)(?: +#.*| *))$/u;
/**
 * Plain text the YAML core schema reads as that text and settleLabels leaves alone: a letter or
 * underscore, then letters, marks, digits, blanks and `_.@+-/'` (nothing YAML gives a meaning
 * to); or a date such as 2026-09-15 (core YAML has no dates). Not null, true or false.
 */
const PLAIN_TEXT = /^(?:[\p{L}_][\p{L}\p{M}\p{N}_.@+\-/' ]*|\d{4}-\d{2}-\d{2})$/u;
const NOT_TEXT = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;

/**
 * The people list, when it is written plainly: a top-level `people:` line, then items
 * `- key: value` with further `key: value` lines under the first key, keys among the person's
 * fields (each once), values quoted on one line ("…" without escapes, '…'), plain text that YAML
 * reads as text (PLAIN_TEXT) or nothing (null), comments and blank lines anywhere, up to the next
 * top-level key. Anything else (another form, a tab, a CR, an unusual character) gives null, and
 * the YAML library reads the whole file. test/fast-parse.test.ts holds it to the library.
 */
export function readPlainPeople(source: string): PlainPeople | null {
  // A directive (%YAML 1.1) changes how plain text reads; the library handles those files.
  if (source.includes('\r') || source.includes('\t') || source.charCodeAt(0) === 0xfeff || /^%/m.test(source)) return null;
  PEOPLE_LINE.lastIndex = 0;
  const found = PEOPLE_LINE.exec(source);
  if (found === null || PEOPLE_LINE.exec(source) !== null) return null;
  const at = found.index;
  const firstLine = source.indexOf('\n', at);
  if (firstLine < 0) return null;
  const start = firstLine + 1;
  const people: Array<Record<string, unknown>> = [];
  let indent = -1;
  let person: Record<string, unknown> | null = null;
  let pos = start;
  while (pos < source.length) {
    const eol = source.indexOf('\n', pos);
    const end = eol < 0 ? source.length : eol;
    let blanks = 0;
    while (pos + blanks < end && source.charCodeAt(pos + blanks) === 32) blanks++;
    const first = pos + blanks < end ? source.charCodeAt(pos + blanks) : -1;
    if (first === -1 || first === 35 /* # */) {
      // A blank line or a comment.
    } else if (blanks === 0 && first !== 45 /* - */) {
      // The next top-level key ends the list; anything else at the margin is not for this reader.
      if (!/[A-Za-z_]/.test(source[pos]!)) return null;
      break;
    } else {
      let entryAt: number;
      if (first === 45 && (indent === -1 || blanks === indent) && source.charCodeAt(pos + blanks + 1) === 32) {
        if (indent === -1) indent = blanks;
        person = {};
        people.push(person);
        entryAt = pos + blanks + 2;
      } else if (person !== null && blanks === indent + 2) {
        entryAt = pos + blanks;
      } else {
        return null;
      }
      const m = ENTRY.exec(source.slice(entryAt, end));
      if (m === null) return null;
      const key = m[1]!;
      if (!PERSON_KEYS.has(key) || Object.prototype.hasOwnProperty.call(person, key)) return null;
      let value: string | null;
      if (m[4] !== undefined) value = m[4];
      else if (m[5] !== undefined) value = m[5].replaceAll("''", "'");
      else if (m[6] !== undefined) {
        if (!PLAIN_TEXT.test(m[6]) || NOT_TEXT.test(m[6])) return null;
        value = m[6];
      } else value = null;
      person[key] = value;
    }
    pos = end + 1;
  }
  // An empty list is null to YAML, not an empty list.
  if (people.length === 0) return null;
  const stop = Math.min(pos, source.length);
  return { rest: source.slice(0, start) + source.slice(stop), at, people };
}

/**
 * The checks of parseDirectory on `text` (the file, or the file without its people list when
 * `plain` holds the list read apart; null then when the rest does not hold `people:` where the
 * list was read from, so the whole file must be read).
 */
function checkDirectory(text: string, file: string, source: string, plain: PlainPeople | null): { directory: OrgDirectory | null; problems: DirectoryProblem[] } | null {
  let settledEarly: ReturnType<typeof settleLabels> | null = null;
  const check = new YamlCheck(text, file, allowedKeys, (c) => {
    settledEarly = settleLabels(c);
  });
  const { problems, add } = check;
  if (!check.ok) return { directory: null, problems };
  const { doc } = check;
  // Labels hold their text and reserved keys are gone before the document is read: read once
  // when the file has no alias, else settled now and read again.
  const settled = settledEarly ?? settleLabels(check);
  const raw: unknown = check.settled ? check.raw : doc.toJS();
  exactMoneyText(doc, text, raw);
  if (plain !== null) {
    // The list read apart is the value of the top-level key on the line it was read after.
    const pairs = isMap(doc.contents) ? doc.contents.items.filter((p) => isScalar(p.key) && p.key.value === 'people') : [];
    const key = pairs.length === 1 ? pairs[0]!.key : null;
    if (!isScalar(key) || key.range?.[0] !== plain.at || raw === null || typeof raw !== 'object' || Array.isArray(raw) || (raw as Record<string, unknown>).people !== null) return null;
    (raw as Record<string, unknown>).people = plain.people;
  }
  const zodProblems = check.zod;

  const root = rootSchema.safeParse(raw);
  if (!root.success) {
    zodProblems([], root.error, raw);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { directory: null, problems };
  }
  const obj = (raw ?? {}) as Record<string, unknown>;
  const list = (key: string): unknown[] => (Array.isArray(obj[key]) ? (obj[key] as unknown[]) : []);

  // Codes and parents are read from every entry, even one with other problems, so a typo in
  // one field does not turn every reference to that cost center into a false "unknown" report.
  const listedCostCenters = list('cost_centers');
  const rawCostCenters = listedCostCenters.map((item) => (item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : {}));
  const codes: string[] = [];
  const codeSet = new Set<string>();
  const parents = new Map<string, string | null>();
  const costCenters: CostCenter[] = [];
  rawCostCenters.forEach((item, i) => {
    const path = ['cost_centers', i];
    const given = listedCostCenters[i];
    const r = costCenterSchema.safeParse(given);
    let ok = r.success;
    if (!r.success) zodProblems(path, r.error, given);
    const code = item.code;
    if (typeof code === 'string') {
      if (!CODE.test(code)) {
        add([...path, 'code'], `found ${found(code)}, expected a code of capital letters, digits and dashes (at most 32), such as ENG-PLAT`, 'rename the code');
        ok = false;
      } else if (code === UNALLOCATED) {
        add([...path, 'code'], `${UNALLOCATED} is reserved for unmapped spend`, 'choose another code');
        ok = false;
      } else if (codeSet.has(code)) {
        add([...path, 'code'], `duplicate cost center code ${code}`, 'give every cost center its own code');
        ok = false;
      } else {
        codes.push(code);
        codeSet.add(code);
        parents.set(code, typeof item.parent === 'string' ? item.parent : null);
      }
    }
    const ownerEmail = item.owner !== null && typeof item.owner === 'object' ? (item.owner as Record<string, unknown>).email : undefined;
    const ownerProblem = typeof ownerEmail === 'string' ? emailProblem(ownerEmail) : null;
    if (ownerProblem !== null) {
      add([...path, 'owner', 'email'], ownerProblem, 'write the owner\u2019s address alone, as name@domain (no name, list or comment: the statement mail is sent to exactly this address)');
      ok = false;
    }
    const budgets = r.success ? budgetsOf(r.data.budgets ?? [], path) : [];
    if (budgets === null) ok = false;
    if (ok && r.success) {
      const c = r.data;
      costCenters.push({ code: c.code, name: c.name, parent: c.parent ?? null, owner: { name: c.owner.name, email: c.owner.email }, glAccount: c.gl_account === undefined || c.gl_account === null ? null : String(c.gl_account), legalEntity: c.legal_entity ?? null, budgets: budgets ?? [] });
    }
  });
  /** A cost center's budgets, each checked where it is written; null when one has a problem. */
  function budgetsOf(list: ReadonlyArray<z.infer<typeof budgetSchema>>, path: Path): Budget[] | null {
    const out: Budget[] = [];
    const at_: number[] = [];
    let good = true;
    list.forEach((b, j) => {
      const at = [...path, 'budgets', j];
      const textValue = String(b.monthly);
      if (!/^\d+(\.\d{1,2})?$/.test(textValue)) {
        add([...at, 'monthly'], `found ${found(b.monthly)}, expected a USD amount with at most two decimals, such as "5000.00"`, 'write the monthly budget in dollars and cents (0 for a cost center that should spend nothing)');
        good = false;
        return;
      }
      // A year of budgets, and the charges set against it, must stay exact in a spreadsheet cell (below 2^53 cents).
      const whole = textValue.split('.')[0]!.replace(/^0+/, '');
      const limit = whole.length > BUDGET_DIGITS ? `found ${found(b.monthly)} (${whole.length} digits before the decimal point), expected a monthly budget of at most ${BUDGET_DIGITS} digits before the decimal point` : null;
      if (limit !== null) {
        add([...at, 'monthly'], limit, 'write the monthly budget in dollars and cents, such as "5000.00"');
        good = false;
        return;
      }
      const from = b.from ?? null;
      const to = b.to ?? null;
      if (from !== null && !from.endsWith('-01')) {
        add([...at, 'from'], `found from: ${from}, expected the first day of a month`, `budgets are monthly: start it on ${from.slice(0, 8)}01 or on the first day of the next month`);
        good = false;
        return;
      }
      if (to !== null && lastDayOfMonth(to) !== to) {
        add([...at, 'to'], `found to: ${to}, expected the last day of a month`, `budgets are monthly: end it on ${lastDayOfMonth(to)} or on the last day of the month before`);
        good = false;
        return;
      }
      if (from !== null && to !== null && to < from) {
        add([...at, 'to'], `found to: ${to} before from: ${from}`, 'to: is the last day the budget applies and cannot come before from:');
        good = false;
        return;
      }
      const clash = out.findIndex((o) => (o.from === null || to === null || o.from <= to) && (from === null || o.to === null || from <= o.to));
      if (clash >= 0) {
        add(at, `overlapping budgets: budgets[${at_[clash]}] (${out[clash]!.from ?? 'open'} to ${out[clash]!.to ?? 'open'}) and budgets[${j}] (${from ?? 'open'} to ${to ?? 'open'})`, 'give each month one budget: end the earlier one (to: the last day of a month) the day before the next starts');
        good = false;
        return;
      }
      const [dollarsPart, fraction = ''] = textValue.split('.');
      out.push({ monthlyCents: BigInt(dollarsPart!) * 100n + BigInt(fraction.padEnd(2, '0')), from, to });
      at_.push(j);
    });
    return good ? out : null;
  }
  const knownCode = (path: Path, code: string) => {
    if (codeSet.has(code)) return true;
    add(path, `unknown cost center ${found(code)}${didYouMean(code, codes)}`, `use a code defined under cost_centers, or add ${clip(code)} there`);
    return false;
  };
  rawCostCenters.forEach((item, i) => {
    if (typeof item.parent === 'string') knownCode(['cost_centers', i, 'parent'], item.parent);
  });
  const reported = new Set<string>();
  rawCostCenters.forEach((item, i) => {
    if (typeof item.code !== 'string' || !parents.has(item.code)) return;
    const chain = [item.code];
    const inChain = new Set(chain);
    let cur = parents.get(item.code) ?? null;
    while (cur !== null && parents.has(cur)) {
      if (inChain.has(cur)) {
        const cycle = [...chain.slice(chain.indexOf(cur)), cur];
        const key = [...new Set(cycle)].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          add(['cost_centers', i, 'parent'], `cycle in parents: ${cycle.join(' → ')}`, 'make one of them a top-level cost center (no parent)');
        }
        break;
      }
      chain.push(cur);
      inChain.add(cur);
      cur = parents.get(cur) ?? null;
    }
  });

  const people: Person[] = [];
  // Each person may be listed more than once, for periods that do not overlap (a move).
  const seenEmail = new Map<string, Array<{ i: number; from: string | null; to: string | null }>>();
  const seenUser = new Map<string, Array<{ i: number; from: string | null; to: string | null }>>();
  const overlapping = (a: { from: string | null; to: string | null }, b: { from: string | null; to: string | null }) =>
    (a.from === null || b.to === null || a.from <= b.to) && (b.from === null || a.to === null || b.from <= a.to);
  const range = (e: { from: string | null; to: string | null }) => `${e.from ?? 'open'} to ${e.to ?? 'open'}`;
  const checkDuplicate = (seen: typeof seenEmail, key: string, entry: { i: number; from: string | null; to: string | null }, path: Path, shown: string) => {
    const earlier = seen.get(key);
    const clash = earlier?.find((o) => overlapping(o, entry));
    if (earlier === undefined) seen.set(key, [entry]);
    else earlier.push(entry);
    if (!clash) return true;
    if (clash.from === null && clash.to === null && entry.from === null && entry.to === null) {
      add(path, `duplicate person ${shown} (also people[${clash.i}])`, 'list each person once; to record a move, give both entries from:/to: dates');
    } else {
      add(path, `overlapping dates for ${shown}: people[${clash.i}] (${range(clash)}) and people[${entry.i}] (${range(entry)})`, 'make the periods meet without overlapping, e.g. to: 2026-09-14 and from: 2026-09-15');
    }
    return false;
  };
  list('people').forEach((item, i) => {
    const r = personSchema.safeParse(item);
    if (!r.success) return zodProblems(['people', i], r.error, item);
    const p = r.data;
    const path = ['people', i];
    const email = p.email ?? null;
    const userId = p.user_id ?? null;
    let ok = true;
    if (email === null && userId === null) {
      add(path, 'a person needs an email or a user_id', 'add email: (as in claude.ai) or user_id: (user_…) from the Analytics API');
      ok = false;
    }
    const personProblem = email === null ? null : emailProblem(email);
    if (personProblem !== null) {
      add([...path, 'email'], personProblem, 'write the address alone, as name@domain, as the Analytics API reports it');
      ok = false;
    }
    if (userId !== null && !/^user_[A-Za-z0-9]+$/.test(userId)) {
      add([...path, 'user_id'], `found ${found(userId)}, expected a user id such as user_01J…`, 'copy the user_id from the Analytics API');
      ok = false;
    }
    const entry = { i, from: p.from ?? null, to: p.to ?? null };
    if (entry.from !== null && entry.to !== null && entry.to < entry.from) {
      add([...path, 'to'], `found to: ${entry.to} before from: ${entry.from}`, 'to: is the last day in this cost center and cannot come before from:');
      ok = false;
    }
    if (email !== null && !checkDuplicate(seenEmail, email.toLowerCase(), entry, [...path, 'email'], email)) ok = false;
    if (userId !== null && !checkDuplicate(seenUser, userId, entry, [...path, 'user_id'], userId)) ok = false;
    if (!knownCode([...path, 'cost_center'], p.cost_center)) ok = false;
    if (ok) people.push({ email, userId, name: p.name ?? null, costCenter: p.cost_center, from: entry.from, to: entry.to });
  });

  const rules: Rule[] = [];
  list('rules').forEach((item, i) => {
    const r = ruleSchema.safeParse(item);
    if (!r.success) return zodProblems(['rules', i], r.error, item);
    const path = ['rules', i];
    const entries = Object.entries(r.data.match).filter(([, v]) => v !== undefined) as Array<[RuleMatcher, string]>;
    if (entries.length !== 1) {
      return add([...path, 'match'], `found ${entries.length} matchers, expected exactly one of ${RULE_MATCHERS.join(', ')}`, 'split it into one rule per matcher (the first matching rule wins)');
    }
    const [matcher, value] = entries[0]!;
    if (matcher === 'email_domain' && !DOMAIN.test(value)) return add([...path, 'match', 'email_domain'], `found ${found(value)}, expected a domain such as contractors.example.com`, 'write the domain without @');
    if (!knownCode([...path, 'cost_center'], r.data.cost_center)) return;
    if (r.data.from !== undefined && r.data.to !== undefined && r.data.to < r.data.from) return add([...path, 'to'], `found to: ${r.data.to} before from: ${r.data.from}`, 'to: is the last day the rule applies and cannot come before from:');
    rules.push({ index: i + 1, matcher, value, costCenter: r.data.cost_center, note: r.data.note ?? null, from: r.data.from ?? null, to: r.data.to ?? null });
  });

  const pools: Pool[] = [];
  list('pools').forEach((item, i) => {
    const r = poolSchema.safeParse(item);
    if (!r.success) return zodProblems(['pools', i], r.error, item);
    const path = ['pools', i];
    const p = r.data;
    if (pools.some((o) => o.name === p.name)) return add([...path, 'name'], `duplicate pool name ${found(p.name)}`, 'give every pool its own name');
    const matchers = Object.entries(p.match ?? {}).filter(([, v]) => v !== undefined) as Array<[PoolMatcher, string | true]>;
    if ((p.match === undefined) === (p.amount === undefined)) {
      return add(path, `found ${p.match === undefined ? 'neither match nor amount' : 'both match and amount'}, expected exactly one`, 'use match: to share provider spend, or amount: for a fixed monthly charge such as a platform fee');
    }
    if (p.match !== undefined && matchers.length !== 1) {
      return add([...path, 'match'], `found ${matchers.length} matchers, expected exactly one of ${POOL_MATCHERS.join(', ')}`, 'use one matcher per pool');
    }
    let amountCents: bigint | null = null;
    if (p.amount !== undefined) {
      const text = String(p.amount);
      if (!/^\d+(\.\d{1,2})?$/.test(text) || /^0+(\.0+)?$/.test(text)) return add([...path, 'amount'], `found ${found(p.amount)}, expected a positive USD amount with at most two decimals, such as "1500.00"`, 'write the monthly amount in dollars and cents');
      const limit = beyondLimit(text, 'dollars');
      if (limit !== null) return add([...path, 'amount'], limit, 'write the monthly amount in dollars and cents, such as "1500.00"');
      const [whole, frac = ''] = text.split('.');
      amountCents = BigInt(whole!) * 100n + BigInt(frac.padEnd(2, '0'));
    }
    let split: PoolSplit;
    let ok = true;
    if (typeof p.split === 'string') split = { kind: p.split };
    else {
      const entries = Object.entries(p.split.fixed);
      for (const [code] of entries) if (!knownCode([...path, 'split', 'fixed'], code)) ok = false;
      let limited = false;
      for (const [code, percent] of entries) {
        const limit = beyondLimit(percent, 'percent');
        if (limit !== null) {
          add([...path, 'split', 'fixed', code], limit, 'round the percentage (the split is exact to the cent either way)');
          limited = true;
          ok = false;
        }
      }
      const sum = entries.reduce((acc, [, v]) => acc.plus(new Money(v)), new Money(0));
      // A removed reserved key is reported on its own; its share missing from the sum is no second problem.
      if (!limited && !settled.reservedIn.has(pathText([...path, 'split', 'fixed'])) && !sum.equals(100)) {
        add([...path, 'split', 'fixed'], `fixed percentages add up to ${sum.toFixed()}, expected 100`, 'adjust the percentages so they add up to exactly 100');
        ok = false;
      }
      if (p.to !== undefined) {
        add([...path, 'to'], 'to: cannot be combined with fixed percentages (the percentages name the receivers)', 'remove to:');
        ok = false;
      }
      split = { kind: 'fixed', percentages: entries.map(([code, percent]) => ({ code, percent })) };
    }
    (p.to ?? []).forEach((code, j) => {
      if (!knownCode([...path, 'to', j], code)) ok = false;
    });
    if (!ok) return;
    const [matcher, value] = matchers[0] ?? [];
    pools.push({
      name: p.name,
      match: matcher ? { matcher, value: value === true ? 'true' : value! } : null,
      amountCents,
      split,
      to: p.to ?? null,
      note: p.note ?? null,
    });
  });

  let markup: OrgDirectory['markup'] = null;
  if (root.success && root.data.markup) {
    const m = root.data.markup;
    const overrides = Object.entries(m.cost_centers ?? {});
    overrides.forEach(([code]) => knownCode(['markup', 'cost_centers'], code));
    const limit = beyondLimit(m.percent, 'percent');
    if (limit !== null) add(['markup', 'percent'], limit, 'round the markup percentage');
    for (const [code, percent] of overrides) {
      const over = beyondLimit(percent, 'percent');
      if (over !== null) add(['markup', 'cost_centers', code], over, 'round the markup percentage');
    }
    markup = { percent: m.percent, overrides: overrides.map(([code, p]) => ({ code, percent: p })) };
  }
  const seatLimit = root.success && root.data.seats ? beyondLimit(root.data.seats.price, 'dollars') : null;
  if (seatLimit !== null) add(['seats', 'price'], seatLimit, 'write the monthly seat price in dollars and cents, such as "30.00"');
  const seatPriceCents = root.success && root.data.seats ? new Money(root.data.seats.price).times(100).toFixed() : null;

  // Intercompany: a cost center booked in another entity than the paying one needs the paying
  // entity and both intercompany accounts, or the journal could not balance per entity.
  // Read from the file as written, so another problem elsewhere does not hide what is set here.
  const glRaw = obj.gl !== null && typeof obj.gl === 'object' && !Array.isArray(obj.gl) ? (obj.gl as Record<string, unknown>) : {};
  const glText = (key: string) => (typeof glRaw[key] === 'string' && glRaw[key].trim() !== '' ? glRaw[key].trim() : undefined);
  const entityCode = (path: Path, value: unknown) => {
    if (typeof value === 'string' && value.trim() !== '' && !ENTITY.test(value.trim())) {
      add(path, `found ${found(value)}, expected a legal entity code of letters, digits, dots, dashes and underscores (at most 32), such as DE01`, 'write the entity code your ERP uses (company code or subsidiary id)');
    }
  };
  entityCode(['gl', 'paying_entity'], glRaw.paying_entity);
  rawCostCenters.forEach((item, i) => {
    entityCode(['cost_centers', i, 'legal_entity'], item.legal_entity);
    const entity = typeof item.legal_entity === 'string' ? item.legal_entity.trim() : '';
    if (entity === '' || entity === glText('paying_entity')) return;
    const missing = [glText('paying_entity') ? null : 'paying_entity', glText('due_to_account') ? null : 'due_to_account', glText('due_from_account') ? null : 'due_from_account'].filter((x) => x !== null);
    if (missing.length > 0) {
      add(['cost_centers', i, 'legal_entity'], `legal entity ${found(entity)} needs gl.${missing.join(', gl.')}, which ${missing.length === 1 ? 'is' : 'are'} not set`, 'under gl:, name the entity that pays the provider (paying_entity) and the intercompany accounts (due_to_account, due_from_account), or remove legal_entity');
    }
  });

  if (problems.length > 0) {
    // What a refused label leads to at the same place (an unknown code, a bad id) is a consequence, not news.
    const shown = check.sorted().filter((p) => settled.refusals.has(p) || !settled.refused.has(p.path));
    return { directory: null, problems: shown };
  }
  // Of the file as read, the people list included.
  const sha256 = createHash('sha256').update(source).digest('hex');
  return {
    directory: {
      company: (obj.company as string).trim(),
      billingAccountId: root.success ? (root.data.billing_account_id ?? null) : null,
      seatPriceCents,
      markup,
      gl: {
        clearingAccount: (root.success && root.data.gl?.clearing_account) || DEFAULT_GL.clearingAccount,
        unallocatedAccount: (root.success && root.data.gl?.unallocated_account) || DEFAULT_GL.unallocatedAccount,
        defaultExpenseAccount: (root.success && root.data.gl?.default_expense_account) || DEFAULT_GL.defaultExpenseAccount,
        markupAccount: (root.success && root.data.gl?.markup_account) || DEFAULT_GL.markupAccount,
        payingEntity: glText('paying_entity') ?? null,
        dueToAccount: glText('due_to_account') ?? null,
        dueFromAccount: glText('due_from_account') ?? null,
      },
      unmapped: (obj.unmapped as 'bucket' | 'fail' | undefined) ?? 'bucket',
      costCenters,
      people,
      rules,
      pools,
      sha256,
      source: file,
    },
    problems,
  };
}

/** The largest org directory read: 256 MiB (a directory of 500,000 people is about 50 MB). */
export const DIRECTORY_MAX_BYTES = 256 * MiB;
const DIRECTORY_FIX = 'Pass --directory PATH to the YAML file, or run from the project folder that holds mappings/org.yaml.';

/** What an input file must be, for readInputFile. */
export interface InputFileKind {
  /** The largest file accepted, in bytes. */
  readonly maxBytes: number;
  /** What was expected, for the message: "a YAML file". */
  readonly expected: string;
}

/**
 * Reads a checked input file (`what`: "org directory", "template") through readRegularFile: a
 * named pipe, a device or a file over the limit is refused unread. Unreadable → a usage error
 * "Cannot read the <what> <file> (<errno>)." with the cause in words and `fix` under it.
 */
export async function readInputFile(file: string, what: string, fix: string, kind: InputFileKind): Promise<Buffer> {
  try {
    return readRegularFile(file, { maxBytes: kind.maxBytes, what: `${kind.expected} (the ${what})` });
  } catch (error) {
    if (error instanceof FileRefusal) throw error.withNext(fix);
    const code = errnoCode(error);
    const words = fsCauseWords(error);
    throw usageError(`Cannot read the ${what} ${file} (${code ?? 'error'}).`, [`${words.charAt(0).toUpperCase()}${words.slice(1)}; expected ${kind.expected}.`, fix]);
  }
}

/** The bytes of an org directory file (a regular file of at most 256 MiB); unreadable → exit 2 naming it. */
export function readDirectoryFile(file: string): Promise<Buffer> {
  return readInputFile(file, 'org directory', DIRECTORY_FIX, { maxBytes: DIRECTORY_MAX_BYTES, expected: 'a YAML file' });
}

/** The usage error (exit 2) for an input file with problems: every problem, one line each. */
export function problemsError(what: string, file: string, problems: readonly DirectoryProblem[]): ChargebackError {
  return usageError(`The ${what} ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was run.`, problems.map(formatProblem));
}

/** Reads and checks the directory; every problem at once, as a usage error (exit 2). */
export async function loadDirectory(file: string): Promise<{ directory: OrgDirectory; bytes: Buffer }> {
  const bytes = await readDirectoryFile(file);
  const { directory, problems } = parseDirectory(bytes.toString('utf8'), file);
  if (!directory) throw problemsError('org directory', file, problems);
  return { directory, bytes };
}
