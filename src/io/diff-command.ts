import { join } from 'node:path';
import { diffIssues, diffSide, formatDiff, type DiffSide } from '../core/diff.js';
import { parsePeriod, previousPeriod } from '../core/period.js';
import { usageError } from '../errors.js';
import { revisions } from './issues.js';
import { issueFolder, parseIssueFolder, readChargebackFile } from './layout.js';

/** "2026-09" (its latest issue) or "2026-09.r2" (that revision), as the month and the revision asked for. */
function parseSpec(spec: string): { label: string; revision: number | null } {
  const named = parseIssueFolder(spec);
  if (!named || !parsePeriod(named.label)) throw usageError(`${JSON.stringify(spec)} is not a month or a revision.`, ['Use YYYY-MM (its latest issue) or YYYY-MM.rN, e.g. 2026-09.r2.']);
  return { label: named.label, revision: spec === named.label ? null : named.revision };
}

/** The folder under out/ of a month's latest issue (revision null) or of that revision. */
async function resolveIssue(outDir: string, label: string, asked: number | null): Promise<string> {
  const all = await revisions(outDir, label);
  const revision = asked ?? all[all.length - 1];
  if (revision === undefined || !all.includes(revision)) throw usageError(`${join(outDir, asked === null ? label : issueFolder(label, asked))} is not published.`, [`Published issues of ${label}: ${all.length > 0 ? all.map((r) => issueFolder(label, r)).join(', ') : 'none'}.`]);
  return issueFolder(label, revision);
}

async function readSide(outDir: string, folder: string): Promise<DiffSide> {
  const { data } = await readChargebackFile(join(outDir, folder));
  return diffSide(folder, data.directorySha256, data.costCenters);
}

/** `chargeback diff`: against the previous revision of the month when it has one, else the previous month. */
export async function diffCommand(outDir: string, period: string, against: string | undefined): Promise<string[]> {
  const asked = parseSpec(period);
  const after = await resolveIssue(outDir, asked.label, asked.revision);
  let before: string;
  if (against !== undefined) {
    const other = parseSpec(against);
    before = await resolveIssue(outDir, other.label, other.revision);
  } else {
    const { label, revision } = parseIssueFolder(after)!;
    const earlier = (await revisions(outDir, label)).filter((r) => r < revision);
    before = earlier.length > 0 ? issueFolder(label, earlier[earlier.length - 1]!) : await resolveIssue(outDir, previousPeriod(parsePeriod(label)!).label, null);
  }
  const [a, b] = await Promise.all([readSide(outDir, before), readSide(outDir, after)]);
  return formatDiff(a, b, diffIssues(a, b));
}
