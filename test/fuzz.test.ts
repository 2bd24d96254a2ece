import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseCostPage } from '../src/api/client.js';
import { ChargebackError } from '../src/errors.js';
import { parseDirectory } from '../src/io/directory-file.js';

/** Fixed by default so CI is reproducible; FUZZ_SEED=<n> explores other inputs. */
const seed = Number(process.env.FUZZ_SEED ?? 20261125);

export const FUZZ_RUNS = { directoryText: 300, directoryMutations: 300, pageJson: 300, pageMutations: 300 } as const;

const sample = readFileSync('mappings/org.yaml', 'utf8');
const sampleObject = JSON.parse(JSON.stringify((await import('yaml')).parse(sample))) as Record<string, unknown>;
const page = JSON.stringify({
  data: [{ starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-01T00:00:00Z', group: { actor: { type: 'user_actor', user_id: 'user_1', email_address: 'a@b.example', name: 'A', deleted: false }, product: 'chat', model: 'm', context_window: '0-200k', cost_type: 'tokens', workspace_id: null }, cost: { amount: '100.5', list_amount: '120', currency: 'USD', requests: null } }],
  has_more: false,
  next_page: null,
  data_refreshed_at: '2026-11-25T06:00:00Z',
});

/** Replaces the value at a random path of a JSON-like object with a random value. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const keys = Object.keys(value as object);
  if (keys.length === 0) return replacement;
  const key = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...(value as Record<string, unknown>) };
  copy[key] = mutate((value as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

/** The loader either returns a directory or located problems; it never throws. */
function loadsCleanly(text: string): boolean {
  const { directory, problems } = parseDirectory(text, 'fuzz.yaml');
  expect(directory === null ? problems.length > 0 : problems.length === 0).toBe(true);
  for (const p of problems) expect(p.line).toBeGreaterThanOrEqual(1);
  return true;
}

/** The page parser either returns rows or a ChargebackError; nothing else escapes. */
function parsesCleanly(body: string): boolean {
  try {
    parseCostPage(body, 'fuzz-p001.json', 1, 'fuzz', '/v1/organizations/analytics/cost');
  } catch (error) {
    expect(error).toBeInstanceOf(ChargebackError);
  }
  return true;
}

describe('fuzzing the directory loader and the page parser', () => {
  it('reports an unresolved alias as a located problem (found by this fuzzer)', () => {
    const { directory, problems } = parseDirectory('*!', 'fuzz.yaml');
    expect(directory).toBeNull();
    expect(problems[0]!.message).toMatch(/^YAML (syntax )?error: /);
  });

  it(`directory: ${FUZZ_RUNS.directoryText} arbitrary texts`, () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.jsonValue().map((v) => stringify(v))), loadsCleanly), { numRuns: FUZZ_RUNS.directoryText, seed });
  });

  it(`directory: ${FUZZ_RUNS.directoryMutations} mutations of the sample`, () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), (path, replacement) => loadsCleanly(stringify(mutate(sampleObject, path, replacement)))),
      { numRuns: FUZZ_RUNS.directoryMutations, seed },
    );
  });

  it(`page: ${FUZZ_RUNS.pageJson} arbitrary bodies`, () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null')), parsesCleanly), { numRuns: FUZZ_RUNS.pageJson, seed });
  });

  it(`page: ${FUZZ_RUNS.pageMutations} mutations of a valid page`, () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), (path, replacement) => parsesCleanly(JSON.stringify(mutate(JSON.parse(page), path, replacement)))),
      { numRuns: FUZZ_RUNS.pageMutations, seed },
    );
  });
});

describe('README figures', () => {
  it('state the number of fuzz and property cases the suite runs', () => {
    const readme = readFileSync('README.md', 'utf8');
    const fuzz = Object.values(FUZZ_RUNS).reduce((a, b) => a + b, 0);
    expect(readme).toContain(`**${fuzz} fuzz cases**`);
    // Property cases: every fc.assert in the suite with its numRuns.
    const properties = readdirSync('test')
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `test/${f}`)
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/numRuns: (\d+)/g)].map((m) => Number(m[1])))
      .reduce((a, b) => a + b, 0);
    expect(readme).toContain(`**${properties} property cases**`);
  });
});
