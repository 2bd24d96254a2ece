import { z } from 'zod';
import type { HistoryMonth } from '../core/insights.js';
import { TREND_MONTHS } from '../core/insights.js';
import { previousPeriod, type Period } from '../core/period.js';
import { parseRecordedJson } from './read-recorded.js';
import { latestIssue, readChargeback } from './issues.js';
import { join } from 'node:path';

/**
 * Earlier published months for the trend: the latest issue of each of the five months before
 * this one that exists in out/. Kept with the month as inputs/history.json, so verify re-derives
 * the trend from the same figures even after later revisions of those months.
 */
export const HISTORY_COPY = 'inputs/history.json';

export async function readHistory(outDir: string, period: Period): Promise<HistoryMonth[]> {
  const months: HistoryMonth[] = [];
  let p = period;
  for (let i = 1; i < TREND_MONTHS; i++) {
    p = previousPeriod(p);
    const issue = await latestIssue(outDir, p.label);
    if (!issue) continue;
    const d = readChargeback(issue.bytes, join(issue.folder, 'chargeback.json'));
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

export function historyJson(months: readonly HistoryMonth[]): Buffer {
  const json = {
    schema: 'claude-chargeback/history@1',
    months: months.map((m) => ({
      period: m.period,
      revision: m.revision,
      status: m.status,
      costCenters: [...m.costCenters].map(([code, cents]) => ({
        code,
        ownChargesCents: cents.toString(),
        actors: [...(m.actors.get(code) ?? [])].map(([actorKey, a]) => ({ actorKey, label: a.label, cents: a.cents.toString() })),
      })),
    })),
  };
  return Buffer.from(`${JSON.stringify(json, null, 2)}\n`);
}

const cents = z.string().regex(/^-?\d+$/).transform((v) => BigInt(v));
const historySchema = z.object({
  schema: z.literal('claude-chargeback/history@1'),
  months: z.array(
    z.object({
      period: z.string(),
      revision: z.number().int().positive(),
      status: z.string(),
      // Early builds wrote billedCents; read it as the month's charges.
      costCenters: z.array(z.object({ code: z.string(), ownChargesCents: cents.optional(), billedCents: cents.optional(), actors: z.array(z.object({ actorKey: z.string(), label: z.string(), cents })) }).refine((cc) => cc.ownChargesCents !== undefined || cc.billedCents !== undefined, { error: 'expected ownChargesCents (a whole number of cents as text)' })),
    }),
  ),
});

export function parseHistory(bytes: Buffer, where: string): HistoryMonth[] {
  const history = parseRecordedJson(bytes, where, historySchema, 'a history file this version can read', { next: 'Restore it from the published copy of the month.' });
  return history.months.map((m) => ({
    period: m.period,
    revision: m.revision,
    status: m.status,
    costCenters: new Map(m.costCenters.map((cc) => [cc.code, (cc.ownChargesCents ?? cc.billedCents)!])),
    actors: new Map(m.costCenters.filter((cc) => cc.actors.length > 0).map((cc) => [cc.code, new Map(cc.actors.map((a) => [a.actorKey, { label: a.label, cents: a.cents }]))])),
  }));
}
