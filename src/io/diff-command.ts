import { join } from 'node:path';
import { diffIssues, formatDiff, type DiffSide } from '../core/diff.js';
import { parsePeriod, previousPeriod } from '../core/period.js';
import { usageError } from '../errors.js';
import { issueFolder, readChargebackFile, revisions } from './issues.js';

/** "2026-09" (its latest issue) or "2026-09.r2" (that revision) to a folder under out/. */
async function resolveIssue(outDir: string, spec: string): Promise<string> {
  const m = /^(\d{4}-\d{2})(?:\.r(\d+))?$/.exec(spec);
  if (!m || !parsePeriod(m[1]!)) throw usageError(`${JSON.stringify(spec)} is not a month or a revision.`, ['Use YYYY-MM (its latest issue) or YYYY-MM.rN, e.g. 2026-09.r2.']);
  const all = await revisions(outDir, m[1]!);
  const revision = m[2] ? Number(m[2]) : all[all.length - 1];
  if (revision === undefined || !all.includes(revision)) throw usageError(`${join(outDir, spec)} is not published.`, [`Published issues of ${m[1]}: ${all.length > 0 ? all.map((r) => issueFolder(m[1]!, r)).join(', ') : 'none'}.`]);
  return issueFolder(m[1]!, revision);
}

async function readSide(outDir: string, folder: string): Promise<DiffSide> {
  const { data } = await readChargebackFile(join(outDir, folder, 'chargeback.json'));
  return {
    label: folder,
    directorySha256: data.directorySha256,
    costCenters: data.costCenters.map((c) => {
      const charges = new Map<string, bigint>();
      for (const p of c.poolShares ?? []) charges.set(`shared: ${p.pool}`, p.cents);
      if (c.seatCents) charges.set('seats', c.seatCents);
      if (c.markupCents) charges.set('markup', c.markupCents);
      const carried = (c.adjustments ?? []).reduce((a, x) => a + x.cents, 0n);
      if (carried !== 0n) charges.set('adjustments of earlier months', carried);
      return { code: c.code, name: c.name, owner: c.owner ? `${c.owner.name} <${c.owner.email}>` : null, billedCents: c.billedCents, actors: c.actors, charges };
    }),
  };
}

/** `chargeback diff`: against the previous revision of the month when it has one, else the previous month. */
export async function diffCommand(outDir: string, period: string, against: string | undefined): Promise<string[]> {
  const after = await resolveIssue(outDir, period);
  let beforeSpec = against;
  if (beforeSpec === undefined) {
    const label = after.slice(0, 7);
    const all = await revisions(outDir, label);
    const index = all.indexOf(all.find((r) => issueFolder(label, r) === after)!);
    beforeSpec = index > 0 ? `${label}.r${all[index - 1]!}` : previousPeriod(parsePeriod(label)!).label;
  }
  const before = await resolveIssue(outDir, beforeSpec);
  const [a, b] = await Promise.all([readSide(outDir, before), readSide(outDir, after)]);
  return formatDiff(a, b, diffIssues(a, b));
}
