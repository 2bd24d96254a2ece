import { join } from 'node:path';
import type { HistoryMonth } from '../core/insights.js';
import { TREND_MONTHS } from '../core/insights.js';
import { previousPeriod, type Period } from '../core/period.js';
import { latestIssue } from './issues.js';
import { CHARGEBACK_FILE, readChargeback } from './layout.js';

/**
 * Earlier published months for the trend and the budget's year to date: the latest issue of each
 * of the five months before this one, and of every earlier month of its year, that exists in out/. Kept with the month as inputs/history.json (HISTORY_COPY), so
 * verify re-derives the trend from the same figures even after later revisions of those months.
 */
export async function readHistory(outDir: string, period: Period): Promise<HistoryMonth[]> {
  const months: HistoryMonth[] = [];
  let p = period;
  const back = Math.max(TREND_MONTHS - 1, period.month - 1);
  for (let i = 1; i <= back; i++) {
    p = previousPeriod(p);
    const issue = await latestIssue(outDir, p.label);
    if (!issue) continue;
    const d = readChargeback(issue.bytes, join(issue.folder, CHARGEBACK_FILE));
    // People are only compared with last month; older months contribute totals.
    const withActors = i === 1;
    months.push({
      period: d.period,
      revision: d.revision ?? 1,
      status: d.status,
      // The month's own charges: what it billed less corrections of earlier months it carried, which
      // the trend counts in the months they correct (their latest revision already holds them).
      costCenters: new Map(d.costCenters.filter((cc) => cc.statementNumber !== null).map((cc) => [cc.code, cc.billedCents - (cc.adjustments ?? []).reduce((t, a) => t + a.cents, 0n)])),
      actors: new Map(withActors ? d.costCenters.map((cc) => [cc.code, new Map(cc.actors.map((a) => [a.actorKey, { label: a.label, cents: a.billedCents }]))]) : []),
    });
  }
  return months.sort((a, b) => (a.period < b.period ? -1 : 1));
}
