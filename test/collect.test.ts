import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../src/io/collect.js';

describe('collectGarbage', () => {
  it('collects what is no longer reachable, at once', () => {
    collectGarbage();
    const before = getHeapStatistics().used_heap_size;
    let garbage: string[] | null = [];
    // About 60 MB of small strings that outlive a scavenge (the old generation holds them).
    for (let i = 0; i < 600_000; i++) garbage.push(`${i}`.padStart(100, 'x'));
    const full = getHeapStatistics().used_heap_size;
    expect(full - before).toBeGreaterThan(40 * 1024 * 1024);
    garbage = null;
    collectGarbage();
    expect(getHeapStatistics().used_heap_size - before).toBeLessThan(20 * 1024 * 1024);
  });
});
