import { describe, expect, it } from 'vitest';
import { diffIssues, formatDiff, type DiffSide } from '../src/core/diff.js';

const side = (label: string, sha: string, ccs: Array<[string, string, string | null, Array<[string, string, bigint]>]>): DiffSide => ({
  label,
  directorySha256: sha,
  costCenters: ccs.map(([code, name, owner, actors]) => ({ code, name, owner, billedCents: actors.reduce((a, x) => a + x[2], 0n), actors: actors.map(([actorKey, l, billedCents]) => ({ actorKey, label: l, billedCents })) })),
});

describe('diff', () => {
  it('explains per cost center: moved, added, removed, spend up or down, directory changes', () => {
    const before = side('2026-08', 'aaa', [
      ['ENG-APP', 'Apps', 'Mateus', [['user:ana', 'Ana', 10000n], ['user:bo', 'Bo', 5000n], ['user:cy', 'Cy', 700n]]],
      ['ENG-PLAT', 'Platform', 'Zoë', [['user:di', 'Di', 3000n]]],
    ]);
    const after = side('2026-09', 'bbb', [
      ['ENG-APP', 'Applications', 'Mateus', [['user:bo', 'Bo', 6250n], ['user:cy', 'Cy', 700n], ['user:ed', 'Ed', 900n]]],
      ['ENG-PLAT', 'Platform', 'Ingrid', [['user:di', 'Di', 2500n], ['user:ana', 'Ana', 12000n]]],
    ]);
    const diffs = diffIssues(before, after);
    expect(diffs.map((d) => [d.code, d.beforeCents, d.afterCents, d.deltaCents, d.reasons])).toEqual([
      ['ENG-APP', 15700n, 7850n, -7850n, ['renamed from "Apps" to "Applications"', 'Ed added ($9.00)', 'Ana moved out to ENG-PLAT (was $100.00)', 'Bo: spend up +$12.50']],
      ['ENG-PLAT', 3000n, 14500n, 11500n, ['owner changed from Zoë to Ingrid', 'Ana moved in from ENG-APP ($120.00)', 'Di: spend down -$5.00']],
    ]);
    expect(formatDiff(before, after, diffs).slice(0, 3)).toEqual([
      '2026-09 against 2026-08: $187.00 → $223.50 (+$36.50)',
      'the org directory changed between the two (sha256 differs)',
      'ENG-APP: $157.00 → $78.50 (-$78.50, -50.00%)',
    ]);
  });

  it('names changes in shared costs, seats, markup and carried adjustments', () => {
    const base = side('2026-09', 'x', [['IT', 'IT', null, [['user:a', 'A', 1000n]]]]);
    const withCharges = (charges: Array<[string, bigint]>): DiffSide => ({ ...base, costCenters: base.costCenters.map((c) => ({ ...c, charges: new Map(charges), billedCents: c.billedCents + charges.reduce((a, x) => a + x[1], 0n) })) });
    const diffs = diffIssues(withCharges([['shared: Slack', 300n], ['seats', 3000n]]), withCharges([['shared: Slack', 250n], ['seats', 3000n], ['adjustments of earlier months', -125n]]));
    expect(diffs.map((d) => [d.deltaCents, d.reasons])).toEqual([[-175n, ['adjustments of earlier months: -$1.25', 'shared: Slack: -$0.50']]]);
  });

  it('says so when nothing changed', () => {
    const s = side('2026-09', 'x', [['IT', 'IT', null, [['user:a', 'A', 1n]]]]);
    expect(formatDiff(s, s, diffIssues(s, s))).toEqual(['2026-09 against 2026-09: $0.01 → $0.01 (+$0.00)', 'no cost center changed']);
  });
});
