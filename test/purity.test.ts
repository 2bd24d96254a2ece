/**
 * The pure core (src/core: money, period, directory model, allocate, reconcile, statements…) imports
 * no I/O, rendering or CLI library and reads no clock, randomness or environment: not itself and not
 * through anything it imports. The checker parses each file with the TypeScript compiler (so
 * comments and strings never count), follows every import and re-export transitively, and names
 * the chain of imports that leads to each violation. It is tested on synthetic sources first, so
 * it cannot pass by seeing nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

/** Third-party packages the core may use: exact arithmetic and calendar arithmetic, both pure. */
const ALLOWED_PACKAGES: ReadonlySet<string> = new Set(['decimal.js', 'luxon']);
/** Modules outside src/core that the core may reach (themselves checked by the same rules). */
// The English message catalog is data: the core writes a statement's words from it (and is checked through it).
const ALLOWED_OUTSIDE: ReadonlySet<string> = new Set(['src/errors.ts', 'src/i18n/en.ts']);
/** Named in the design as what the core must never load; any other package is refused too. */
const NAMED = /^(node:|exceljs$|pdfkit$|yaml$|commander$|nodemailer$)/;
const BUILTINS: ReadonlySet<string> = new Set(['fs', 'fs/promises', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'url', 'util', 'worker_threads', 'process', 'stream', 'zlib', 'events', 'buffer', 'timers', 'perf_hooks']);

/** luxon factories that fall back to the process's time zone unless given { zone } or { setZone }. */
const LUXON_ZONED: ReadonlySet<string> = new Set(['local', 'fromISO', 'fromMillis', 'fromSeconds', 'fromObject', 'fromFormat', 'fromJSDate', 'fromSQL', 'fromRFC2822', 'fromHTTP']);

function namesZone(args: ts.NodeArray<ts.Expression>): boolean {
  const last = args[args.length - 1];
  return last !== undefined && ts.isObjectLiteralExpression(last) && last.properties.some((p) => p.name !== undefined && ts.isIdentifier(p.name) && (p.name.text === 'zone' || p.name.text === 'setZone'));
}

interface Edge {
  readonly specifier: string;
  readonly line: number;
  /** "import", "import type", "export … from", "dynamic import", "require", "import type(…)" */
  readonly form: string;
}
interface Finding {
  readonly line: number;
  readonly what: string;
}

/** The imports of one source text and what it reads from the world; comments and strings never count. */
export function scanSource(fileName: string, text: string): { edges: Edge[]; findings: Finding[] } {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: Edge[] = [];
  const findings: Finding[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const literal = (node: ts.Node | undefined) => (node && ts.isStringLiteralLike(node) ? node.text : null);
  const member = (node: ts.Node): [string, string] | null => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) return [node.expression.text, node.name.text];
    if (ts.isElementAccessExpression(node) && ts.isIdentifier(node.expression) && ts.isStringLiteralLike(node.argumentExpression)) return [node.expression.text, node.argumentExpression.text];
    return null;
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const typeOnly = node.importClause?.isTypeOnly ?? false;
      edges.push({ specifier: literal(node.moduleSpecifier)!, line: lineOf(node), form: typeOnly ? 'import type' : 'import' });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      edges.push({ specifier: literal(node.moduleSpecifier)!, line: lineOf(node), form: 'export \u2026 from' });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      edges.push({ specifier: literal(node.moduleReference.expression) ?? '(computed)', line: lineOf(node), form: 'import = require(' });
    } else if (ts.isImportTypeNode(node)) {
      const spec = ts.isLiteralTypeNode(node.argument) ? literal(node.argument.literal) : null;
      if (spec) edges.push({ specifier: spec, line: lineOf(node), form: 'import type(\u2026)' });
    } else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        // Loaded at run time, maybe from a computed name: the core never loads code that way.
        const spec = literal(node.arguments[0]);
        findings.push({ line: lineOf(node), what: `dynamic import(${spec === null ? '\u2026' : JSON.stringify(spec)})` });
        if (spec !== null) edges.push({ specifier: spec, line: lineOf(node), form: 'dynamic import' });
      } else if (ts.isIdentifier(node.expression) && node.expression.text === 'require') {
        findings.push({ line: lineOf(node), what: 'require(' });
        const spec = literal(node.arguments[0]);
        if (spec !== null) edges.push({ specifier: spec, line: lineOf(node), form: 'require' });
      } else if (ts.isIdentifier(node.expression) && node.expression.text === 'Date') {
        findings.push({ line: lineOf(node), what: 'Date() reads the clock' });
      } else if (node.arguments.length === 0 && member(node.expression)?.[0] === 'DateTime' && ['local', 'utc'].includes(member(node.expression)![1])) {
        // luxon is allowed in the core, but DateTime.local() and DateTime.utc() without arguments are "now".
        findings.push({ line: lineOf(node), what: `DateTime.${member(node.expression)![1]}() reads the clock` });
      } else if (member(node.expression)?.[0] === 'DateTime' && LUXON_ZONED.has(member(node.expression)![1]) && !namesZone(node.arguments)) {
        // Without a zone luxon uses the process's time zone (TZ): the same input would give other days.
        findings.push({ line: lineOf(node), what: `DateTime.${member(node.expression)![1]}(\u2026) without { zone } uses the process's time zone` });
      }
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && (node.arguments === undefined || node.arguments.length === 0)) {
      findings.push({ line: lineOf(node), what: 'bare new Date reads the clock' });
    } else {
      const m = member(node);
      if (m) {
        const [object, name] = m;
        if (object === 'Date' && name === 'now') findings.push({ line: lineOf(node), what: 'Date.now reads the clock' });
        else if (object === 'DateTime' && name === 'now') findings.push({ line: lineOf(node), what: 'DateTime.now reads the clock' });
        else if (object === 'Settings' && (name === 'now' || name === 'defaultZone')) findings.push({ line: lineOf(node), what: `luxon Settings.${name} (clock or zone)` });
        else if (object === 'Math' && name === 'random') findings.push({ line: lineOf(node), what: 'Math.random' });
        else if (object === 'performance' && name === 'now') findings.push({ line: lineOf(node), what: 'performance.now reads the clock' });
        else if (object === 'crypto' && (name === 'randomUUID' || name === 'getRandomValues')) findings.push({ line: lineOf(node), what: `crypto.${name}` });
        else if (object === 'process') findings.push({ line: lineOf(node), what: `process.${name} (environment, clock or exit)` });
        else if (object === 'globalThis') findings.push({ line: lineOf(node), what: `globalThis.${name}` });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { edges, findings };
}

export interface Violation {
  /** Files from an entry of the core to the one at fault, then what it imports or reads. */
  readonly chain: readonly string[];
  readonly what: string;
}

export interface WalkOptions {
  readonly entries: readonly string[];
  /** Text of a repository-relative path, or null when there is no such file. */
  readonly read: (path: string) => string | null;
  readonly allowedPackages?: ReadonlySet<string>;
  readonly allowedOutside?: ReadonlySet<string>;
}

function resolveRelative(from: string, specifier: string, read: WalkOptions['read']): string | null {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => read(c) !== null) ?? null;
}

/** Follows every import from the entries breadth-first; each violation comes with its shortest chain. */
export function walkCore(options: WalkOptions): { visited: string[]; violations: Violation[] } {
  const allowedPackages = options.allowedPackages ?? ALLOWED_PACKAGES;
  const allowedOutside = options.allowedOutside ?? ALLOWED_OUTSIDE;
  const parent = new Map<string, string | null>();
  const queue: string[] = [];
  for (const e of options.entries) {
    if (!parent.has(e)) parent.set(e, null), queue.push(e);
  }
  const chainTo = (file: string): string[] => {
    const chain: string[] = [];
    for (let f: string | null = file; f !== null; f = parent.get(f) ?? null) chain.unshift(f);
    return chain;
  };
  const violations: Violation[] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const text = options.read(file);
    if (text === null) {
      violations.push({ chain: chainTo(file), what: 'cannot be read' });
      continue;
    }
    const { edges, findings } = scanSource(file, text);
    for (const f of findings) violations.push({ chain: chainTo(file), what: `line ${f.line}: ${f.what}` });
    for (const edge of edges) {
      const at = `line ${edge.line}: ${edge.form} ${JSON.stringify(edge.specifier)}`;
      if (!edge.specifier.startsWith('.')) {
        const pkg = edge.specifier.startsWith('@') ? edge.specifier.split('/').slice(0, 2).join('/') : edge.specifier.split('/')[0]!;
        if (allowedPackages.has(pkg)) continue;
        const kind = NAMED.test(edge.specifier) || BUILTINS.has(edge.specifier) ? 'an I/O, rendering or CLI module' : 'a package the core does not allow';
        violations.push({ chain: [...chainTo(file), edge.specifier], what: `${at}: ${kind}` });
        continue;
      }
      const target = resolveRelative(file, edge.specifier, options.read);
      if (target === null) {
        violations.push({ chain: chainTo(file), what: `${at}: does not resolve to a file` });
        continue;
      }
      if (!target.startsWith('src/core/') && !allowedOutside.has(target)) {
        violations.push({ chain: [...chainTo(file), target], what: `${at}: leaves the pure core` });
        continue;
      }
      if (!parent.has(target)) {
        parent.set(target, file);
        queue.push(target);
      }
    }
  }
  return { visited: [...parent.keys()], violations };
}

export function formatViolation(v: Violation): string {
  return `${v.chain.join(' \u2192 ')}: ${v.what}`;
}

/** An in-memory tree for the self-test. */
const memory = (files: Record<string, string>) => (path: string) => files[path] ?? null;
const findingsOf = (text: string) => scanSource('src/core/x.ts', text).findings.map((f) => f.what);
const violationsOf = (text: string) => walkCore({ entries: ['src/core/x.ts'], read: memory({ 'src/core/x.ts': text }) }).violations.map(formatViolation);

describe('the purity checker itself', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", 'src/core/x.ts \u2192 node:fs: line 1: import "node:fs": an I/O, rendering or CLI module'],
    ["import * as fs from 'fs';", 'src/core/x.ts \u2192 fs: line 1: import "fs": an I/O, rendering or CLI module'],
    ["import 'pdfkit';", 'src/core/x.ts \u2192 pdfkit: line 1: import "pdfkit": an I/O, rendering or CLI module'],
    ["import ExcelJS from 'exceljs';", 'src/core/x.ts \u2192 exceljs: line 1: import "exceljs": an I/O, rendering or CLI module'],
    ["import { parse } from 'yaml';", 'src/core/x.ts \u2192 yaml: line 1: import "yaml": an I/O, rendering or CLI module'],
    ["import { Command } from 'commander';", 'src/core/x.ts \u2192 commander: line 1: import "commander": an I/O, rendering or CLI module'],
    ["import type { Transporter } from 'nodemailer';", 'src/core/x.ts \u2192 nodemailer: line 1: import type "nodemailer": an I/O, rendering or CLI module'],
    ["import {\n  readFile,\n} from 'node:fs/promises';", 'src/core/x.ts \u2192 node:fs/promises: line 1: import "node:fs/promises": an I/O, rendering or CLI module'],
    ["export { join } from 'node:path';", 'src/core/x.ts \u2192 node:path: line 1: export \u2026 from "node:path": an I/O, rendering or CLI module'],
    ["export * from 'exceljs';", 'src/core/x.ts \u2192 exceljs: line 1: export \u2026 from "exceljs": an I/O, rendering or CLI module'],
    ["import { z } from 'zod';", 'src/core/x.ts \u2192 zod: line 1: import "zod": a package the core does not allow'],
    ["import { thing } from '../io/publish.js';", 'src/core/x.ts: line 1: import "../io/publish.js": does not resolve to a file'],
  ])('refuses %j', (source, expected) => {
    expect(violationsOf(source)).toEqual([expected]);
  });

  it.each([
    ["const m = await import('node:fs');", ['dynamic import("node:fs")']],
    ['const name = "x"; const m = await import(name);', ['dynamic import(\u2026)']],
    ["const fs = require('fs');", ['require(']],
    ['const d = new Date();', ['bare new Date reads the clock']],
    ['const d = new Date;', ['bare new Date reads the clock']],
    ['const s = Date();', ['Date() reads the clock']],
    ['const t = Date.now();', ['Date.now reads the clock']],
    ['const clock = Date.now;', ['Date.now reads the clock']],
    ["const t = Date['now']();", ['Date.now reads the clock']],
    ['const r = Math.random();', ['Math.random']],
    ['const k = process.env.KEY;', ['process.env (environment, clock or exit)']],
    ['const t = performance.now();', ['performance.now reads the clock']],
    ['const id = crypto.randomUUID();', ['crypto.randomUUID']],
    ['const d = globalThis.Date;', ['globalThis.Date']],
    ['const n = DateTime.now();', ['DateTime.now reads the clock']],
    ["const n = DateTime.local().toISO();", ['DateTime.local() reads the clock']],
    ['const n = DateTime.utc();', ['DateTime.utc() reads the clock']],
    ['Settings.now = () => 0;', ['luxon Settings.now (clock or zone)']],
    ["const d = DateTime.fromISO('2026-09-01');", ['DateTime.fromISO(\u2026) without { zone } uses the process\'s time zone']],
    ['const d = DateTime.fromMillis(ms, { locale: "en" });', ['DateTime.fromMillis(\u2026) without { zone } uses the process\'s time zone']],
    ['const d = DateTime.local(2026, 9, 1);', ['DateTime.local(\u2026) without { zone } uses the process\'s time zone']],
  ])('catches %j', (source, expected) => {
    expect(findingsOf(source)).toEqual(expected);
    expect(violationsOf(source).length).toBeGreaterThanOrEqual(1);
  });

  it('lets through what is pure: a fixed instant, Date.UTC, luxon on given dates, the allowed packages, comments and strings', () => {
    const pure = [
      "import { Decimal } from 'decimal.js';",
      "import { DateTime } from 'luxon';",
      'const a = new Date(0);',
      'const b = new Date(ms).toISOString();',
      "const c = new Date('2026-09-01T00:00:00Z');",
      'const d = Date.UTC(2026, 8, 1);',
      'const f = DateTime.utc(2026, 9, 1).endOf("month");',
      "const g = DateTime.fromISO('2026-09-01', { zone: 'utc' });",
      "const h = DateTime.fromISO('2026-09-01T00:00:00+02:00', { setZone: true });",
      "const i = DateTime.fromObject({ year: 2026, month: 9 }, { zone: 'utc' });",
      '// new Date() and Date.now() and Math.random() in a comment',
      "const e = 'Date.now() process.env import(\"node:fs\")';",
      '/* require("fs") */',
    ].join('\n');
    expect(findingsOf(pure)).toEqual([]);
    expect(violationsOf(pure)).toEqual([]);
  });

  it('follows imports and re-exports transitively and names the chain to the violation', () => {
    const files = {
      'src/core/allocate.ts': "import { Money } from './money.js';\nimport { dataError } from '../errors.js';",
      'src/core/money.ts': "import { Decimal } from 'decimal.js';\nexport * from './rounding.js';",
      'src/core/rounding.ts': "import type { Period } from './allocate.js';\nexport const jitter = () => Math.random();",
      'src/errors.ts': "export { stamp } from './clock.js';",
      'src/clock.ts': 'export const stamp = () => new Date();',
      'src/core/reconcile.ts': "import { publish } from '../io/publish.js';",
      'src/io/publish.ts': "import { writeFile } from 'node:fs/promises';",
    };
    const { visited, violations } = walkCore({ entries: ['src/core/allocate.ts', 'src/core/reconcile.ts'], read: memory(files) });
    expect(visited).toEqual(['src/core/allocate.ts', 'src/core/reconcile.ts', 'src/core/money.ts', 'src/errors.ts', 'src/core/rounding.ts']);
    expect(violations.map(formatViolation)).toEqual([
      'src/core/reconcile.ts \u2192 src/io/publish.ts: line 1: import "../io/publish.js": leaves the pure core',
      'src/core/allocate.ts \u2192 src/errors.ts \u2192 src/clock.ts: line 1: export \u2026 from "./clock.js": leaves the pure core',
      'src/core/allocate.ts \u2192 src/core/money.ts \u2192 src/core/rounding.ts: line 2: Math.random',
    ]);
    // With the clock module allowed, its own violation shows up, at the end of the chain.
    const allowed = walkCore({ entries: ['src/core/allocate.ts'], read: memory(files), allowedOutside: new Set(['src/errors.ts', 'src/clock.ts']) });
    expect(allowed.violations.map(formatViolation)).toContain('src/core/allocate.ts \u2192 src/errors.ts \u2192 src/clock.ts: line 1: bare new Date reads the clock');
  });

  it('finds a forbidden module behind a dynamic import of a core file, and survives import cycles', () => {
    const files = {
      'src/core/a.ts': "import { b } from './b.js';\nexport const a = 1;",
      'src/core/b.ts': "import { a } from './a.js';\nexport const b = async () => (await import('./c.js')).c;",
      'src/core/c.ts': "import { Command } from 'commander';\nexport const c = 1;",
    };
    expect(walkCore({ entries: ['src/core/a.ts'], read: memory(files) }).violations.map(formatViolation)).toEqual([
      'src/core/a.ts \u2192 src/core/b.ts: line 2: dynamic import("./c.js")',
      'src/core/a.ts \u2192 src/core/b.ts \u2192 src/core/c.ts \u2192 commander: line 1: import "commander": an I/O, rendering or CLI module',
    ]);
  });
});

describe('the pure core', () => {
  const entries = readdirSync(posix.join(ROOT, 'src', 'core'))
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => `src/core/${f}`);
  const read = (path: string) => {
    const full = posix.join(ROOT, path);
    return existsSync(full) ? readFileSync(full, 'utf8') : null;
  };
  const { visited, violations } = walkCore({ entries, read });

  it('has the files the design names', () => {
    expect(entries).toEqual(expect.arrayContaining(['src/core/allocate.ts', 'src/core/directory.ts', 'src/core/money.ts', 'src/core/period.ts', 'src/core/reconcile.ts', 'src/core/statements.ts']));
    // The walk left src/core: errors.ts (through allocate and directory) and the English catalog (through statements), checked too.
    expect(visited).toContain('src/errors.ts');
    expect(visited.filter((f) => !f.startsWith('src/core/')).sort()).toEqual(['src/errors.ts', 'src/i18n/en.ts']);
  });

  it('imports no I/O, rendering or CLI module and reads no clock, randomness or environment, transitively', () => {
    expect(violations.map(formatViolation)).toEqual([]);
  });
});
