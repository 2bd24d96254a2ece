/** Small deterministic generators for the sandbox's synthetic organization. */

/** 32-bit FNV-1a of a string: the seed of every random choice, so data depends on names only. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a tiny PRNG with a 32-bit state; the same seed gives the same sequence everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomFor(...parts: string[]): () => number {
  return prng(hash32(parts.join('\u0000')));
}

const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** An id in the API's style ("user_01J…"), stable for a name. */
export function syntheticId(prefix: string, name: string): string {
  const rand = randomFor('id', prefix, name);
  let id = '01J';
  for (let i = 0; i < 23; i++) id += ID_ALPHABET[Math.floor(rand() * ID_ALPHABET.length)];
  return `${prefix}_${id}`;
}
