/**
 * JSON written piece by piece, byte for byte what `JSON.stringify(value, null, 2)` gives, so a
 * month's allocation (hundreds of megabytes at enterprise size) is never one string. Arrays too
 * large to build are given as `lazyArray(items, map)`: each element is made, written and dropped.
 */
export class LazyArray<T = unknown> {
  constructor(readonly items: Iterable<T>) {}
}

export function lazyArray<S, T>(source: Iterable<S>, map: (item: S) => T): LazyArray<T> {
  return new LazyArray({
    *[Symbol.iterator]() {
      for (const item of source) yield map(item);
    },
  });
}

/** The pieces of `value` as pretty-printed JSON (two spaces), no trailing newline. */
export function* jsonPieces(value: unknown, indent = ''): Generator<string> {
  if (value instanceof LazyArray) {
    const inner = `${indent}  `;
    let first = true;
    for (const item of value.items) {
      yield first ? `[\n${inner}` : `,\n${inner}`;
      first = false;
      // An element holding no LazyArray is written whole; JSON writes undefined in an array as null.
      if (hasLazy(item)) yield* jsonPieces(item, inner);
      else yield reindent(JSON.stringify(item, null, 2) ?? 'null', inner);
    }
    yield first ? '[]' : `\n${indent}]`;
    return;
  }
  if (Array.isArray(value) && hasLazy(value)) {
    yield* jsonPieces(new LazyArray(value), indent);
    return;
  }
  if (value !== null && typeof value === 'object' && hasLazy(value)) {
    const inner = `${indent}  `;
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
    if (entries.length === 0) {
      yield '{}';
      return;
    }
    let first = true;
    for (const [key, v] of entries) {
      yield `${first ? '{\n' : ',\n'}${inner}${JSON.stringify(key)}: `;
      first = false;
      yield* jsonPieces(v, inner);
    }
    yield `\n${indent}}`;
    return;
  }
  yield reindent(JSON.stringify(value, null, 2) ?? 'null', indent);
}

/** Whether a value holds a LazyArray anywhere (the rest is written whole by JSON.stringify). */
function hasLazy(value: unknown): boolean {
  if (value instanceof LazyArray) return true;
  if (value === null || typeof value !== 'object') return false;
  return (Array.isArray(value) ? value : Object.values(value as Record<string, unknown>)).some(hasLazy);
}

/** A JSON text nested at `indent`: every line after the first moves right (strings never hold a raw line break). */
function reindent(text: string, indent: string): string {
  return indent === '' ? text : text.replace(/\n/g, `\n${indent}`);
}
