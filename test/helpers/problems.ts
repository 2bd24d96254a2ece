import { expect } from 'vitest';

/** Formatted problems match the fixture's expectations: "line:column" and a message fragment each, in order, each with its fix. */
export function expectLocatedProblems(lines: readonly string[], expected: ReadonlyArray<readonly [string, string]>, path: string): void {
  expect(lines).toHaveLength(expected.length);
  expected.forEach(([at, text], i) => {
    expect(lines[i]).toContain(`${path}:${at}: `);
    expect(lines[i]).toContain(text);
    expect(lines[i]).toMatch(/\. Fix: .+/);
  });
}
