import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonPieces, lazyArray, LazyArray } from '../src/render/json-stream.js';

/** The value with every LazyArray made a plain array: what JSON.stringify is given today. */
function plain(value: unknown): unknown {
  if (value instanceof LazyArray) return [...value.items].map(plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** Replaces some arrays (at any depth) by lazy ones, as chargeback.json gives its cost centers. */
const withLazy = (value: unknown, pick: () => boolean): unknown => {
  if (Array.isArray(value)) {
    const items = value.map((v) => withLazy(v, pick));
    return pick() ? lazyArray(items, (x) => x) : items;
  }
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withLazy(v, pick)]));
  return value;
};

describe('JSON written in pieces', () => {
  it('is byte for byte JSON.stringify(value, null, 2), whichever arrays are lazy', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }), (value, picks) => {
        let i = 0;
        const lazy = withLazy(value, () => picks[i++ % picks.length]!);
        expect([...jsonPieces(lazy)].join('')).toBe(JSON.stringify(plain(lazy), null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it('drops undefined members and writes empty lazy arrays and objects as JSON does', () => {
    const value = { a: undefined, b: lazyArray([], (x) => x), c: { d: lazyArray([1, undefined, 'x\ny'], (x) => x) }, e: {} };
    expect([...jsonPieces(value)].join('')).toBe(JSON.stringify({ b: [], c: { d: [1, null, 'x\ny'] }, e: {} }, null, 2));
  });

  it('makes each lazy element only when it is written', () => {
    const made: number[] = [];
    const pieces = jsonPieces({ rows: lazyArray([1, 2, 3], (n) => (made.push(n), { n })) });
    expect(made).toEqual([]);
    pieces.next();
    pieces.next();
    pieces.next();
    expect(made).toEqual([1]);
  });
});
