import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AnalyticsClient, ANTHROPIC_VERSION, CHARGEBACK_GROUP_BY, COST_BETA, COST_PATH, type CostPull, type RawPage } from './api/client.js';
import { allocate, type Allocation } from './core/allocate.js';
import type { OrgDirectory } from './core/directory.js';
import { decimalText, formatUsd, sumMoney } from './core/money.js';
import { finalFromMs, isFinalAt, isoSeconds, latestFinalPeriod, parsePeriod, type Period } from './core/period.js';
import { reconcile, type Reconciliation } from './core/reconcile.js';
import { buildStatements, statementNumber, type DocumentStatus, type Statement } from './core/statements.js';
import { dataError, usageError } from './errors.js';
import { loadDirectory } from './io/directory-file.js';
import { exists, publishAtomically, refuseExisting } from './io/publish.js';
import { toCsv } from './render/csv.js';
import { renderStatementPdf } from './render/statement-pdf.js';
import { renderStatementXlsx } from './render/statement-xlsx.js';
import { renderSummaryXlsx } from './render/summary-xlsx.js';
import { TOOL_NAME, TOOL_VERSION } from './version.js';

export interface ApiTarget {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** What the manifest records as the source: the base URL, or "sandbox". */
  readonly label: string;
}

export interface RunOptions {
  readonly period?: string;
  readonly provisional: boolean;
  readonly now: Date;
  readonly outDir: string;
  readonly force: boolean;
  readonly directoryPath: string;
  readonly api: ApiTarget;
  readonly fetchImpl?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly clientNow?: () => number;
  readonly timeoutMs?: number;
  readonly log: (message: string) => void;
}

export interface RunResult {
  readonly target: string;
  readonly period: Period;
  readonly status: DocumentStatus;
  readonly sourceTotalCents: bigint;
  readonly unallocatedCents: bigint;
  readonly statements: readonly Statement[];
  readonly reconciliation: Reconciliation;
  readonly files: readonly string[];
  readonly unmappedSpenders: number;
}

const EARLIEST = Date.UTC(2026, 0, 1);
const dayText = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

export function resolvePeriod(text: string | undefined, nowMs: number): Period {
  const period = text === undefined ? latestFinalPeriod(nowMs) : parsePeriod(text);
  if (!period) throw usageError(`--period ${JSON.stringify(text)} is not a month.`, ['Expected YYYY-MM, for example --period 2026-09.']);
  if (text === undefined && period.startMs < EARLIEST) {
    throw usageError(`No month is final yet at ${isoSeconds(nowMs)}: the Analytics API starts with 2026-01, final from 2026-03-02.`, ['Pass --period with --provisional, or check --now.']);
  }
  if (period.startMs < EARLIEST) throw usageError(`--period ${period.label} is before 2026-01, the earliest month the Analytics API serves.`, ['Choose 2026-01 or later.']);
  if (period.startMs > nowMs) throw usageError(`--period ${period.label} has not started yet (now is ${isoSeconds(nowMs)}).`, ['Choose a past month, or check --now.']);
  return period;
}

/** Refuses a month the provider may still revise, unless a provisional run was asked for. */
export function assertFinalByDate(period: Period, nowMs: number, provisional: boolean): boolean {
  const final = isFinalAt(period, nowMs);
  if (!final && !provisional) {
    throw dataError(`${period.label} is not final yet: the provider revises cost for 30 days after a month ends.`, [
      `${period.label} becomes final on ${dayText(finalFromMs(period))} (00:00 UTC); now is ${isoSeconds(nowMs)}.`,
      `Run it again on or after ${dayText(finalFromMs(period))}, or pass --provisional to issue statements marked PROVISIONAL now.`,
    ]);
  }
  return final;
}

function olderRefresh(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function refreshCovers(period: Period, dataRefreshedAt: string | null): boolean {
  return dataRefreshedAt !== null && Date.parse(dataRefreshedAt) >= period.endExclusiveMs;
}

/** The month-end job: pull, map, allocate, reconcile, render, publish. */
export async function runMonth(options: RunOptions): Promise<RunResult> {
  const nowMs = options.now.getTime();
  const period = resolvePeriod(options.period, nowMs);
  const finalByDate = assertFinalByDate(period, nowMs, options.provisional);
  const { directory, bytes: directoryBytes } = await loadDirectory(options.directoryPath);
  const target = join(options.outDir, period.label);
  if ((await exists(target)) && !options.force) refuseExisting(target);

  const client = new AnalyticsClient({
    baseUrl: options.api.baseUrl,
    apiKey: options.api.apiKey,
    fetchImpl: options.fetchImpl,
    sleep: options.sleep,
    now: options.clientNow,
    timeoutMs: options.timeoutMs,
    userAgent: `${TOOL_NAME}/${TOOL_VERSION}`,
    log: options.log,
  });
  options.log(`pulling ${period.label} cost by actor, product, model, context window, workspace and cost type`);
  const grouped = await client.pullCost({ name: 'cost-grouped', startingAt: period.startIso, endingAt: period.endExclusiveIso, groupBy: CHARGEBACK_GROUP_BY });
  options.log(`  ${grouped.pages.length} page(s), ${grouped.rows.length} rows, ${grouped.retries} retries, ${grouped.restarts} restarts`);
  const total = await client.pullCost({ name: 'cost-total', startingAt: period.startIso, endingAt: period.endExclusiveIso, groupBy: [] });

  // Both listings must come from an export that covers the month; the older one decides.
  const dataRefreshedAt = olderRefresh(grouped.dataRefreshedAt, total.dataRefreshedAt);
  const finalByRefresh = refreshCovers(period, dataRefreshedAt);
  if (!finalByRefresh && !options.provisional) {
    throw dataError(`The provider's data for ${period.label} is not complete yet (data_refreshed_at ${dataRefreshedAt ?? 'null'} is before ${period.endExclusiveIso}).`, [
      finalByDate
        ? `${period.label} is past its revision window (final since ${dayText(finalFromMs(period))}), but the provider's export has not caught up; it usually does within hours.`
        : `${period.label} becomes final on ${dayText(finalFromMs(period))} (00:00 UTC) once the provider's export covers it.`,
      'Run again later, or pass --provisional to issue statements marked PROVISIONAL now.',
    ]);
  }
  const status: DocumentStatus = finalByDate && finalByRefresh ? 'FINAL' : 'PROVISIONAL';

  const allocation = allocate(grouped.rows, directory, period);
  const orgTotal = sumMoney(total.rows.map((r) => r.amountCents));
  const rec = reconcile(allocation, orgTotal);
  if (!rec.ok) {
    throw dataError(`${period.label} does not reconcile; nothing was published.`, [
      ...rec.checks.filter((c) => !c.ok).map((c) => `${c.name}: expected ${c.expected}, found ${c.actual}`),
      rec.orgTotalDifferenceCents !== null && !rec.checks.find((c) => c.name.startsWith('org total'))?.ok
        ? `The org total without group_by is ${rec.orgTotalUnroundedCents} cents but the grouped rows add up to ${rec.sourceTotalUnroundedCents} cents. The provider's report is inconsistent; run again later and report it if it persists.`
        : 'This is a bug in claude-chargeback: please report it with the raw pages.',
    ]);
  }

  const issuedAt = isoSeconds(nowMs);
  const statements = buildStatements(allocation, {
    company: directory.company,
    status,
    dataAsOf: dataRefreshedAt,
    issuedAt,
    sourceEndpoint: `GET ${COST_PATH}`,
    directorySha256: directory.sha256,
    toolVersion: TOOL_VERSION,
  });
  // Asserted where the sums are made (reconcile) and again here, on what is about to be published.
  const published = statements.reduce((acc, s) => acc + s.totalCents, 0n);
  if (published !== allocation.sourceTotalCents) {
    throw new Error(`statement totals ${published} do not add up to the source total ${allocation.sourceTotalCents}`);
  }

  options.log(`rendering ${statements.length} statements`);
  const files = await buildOutputs({ options, period, status, directory, directoryBytes, allocation, rec, statements, grouped, total, issuedAt, dataRefreshedAt });
  const written = await publishAtomically(options.outDir, period.label, files, options.force);
  return {
    target: written,
    period,
    status,
    sourceTotalCents: allocation.sourceTotalCents,
    unallocatedCents: BigInt(rec.unallocatedCents),
    statements,
    reconciliation: rec,
    files: [...files.keys()].sort(),
    unmappedSpenders: allocation.unmapped.length,
  };
}

interface OutputInputs {
  readonly options: RunOptions;
  readonly period: Period;
  readonly status: DocumentStatus;
  readonly directory: OrgDirectory;
  readonly directoryBytes: Buffer;
  readonly allocation: Allocation;
  readonly rec: Reconciliation;
  readonly statements: readonly Statement[];
  readonly grouped: CostPull;
  readonly total: CostPull;
  readonly issuedAt: string;
  readonly dataRefreshedAt: string | null;
}

/** Every output file as bytes (plan, then act): nothing touches the disk here. */
async function buildOutputs(x: OutputInputs): Promise<Map<string, Buffer>> {
  const clock = x.options.now;
  const files = new Map<string, Buffer>();
  for (const s of x.statements) {
    files.set(`statements/${s.code}.pdf`, await renderStatementPdf(s, clock));
    files.set(`statements/${s.code}.xlsx`, await renderStatementXlsx(s, clock));
  }
  files.set('summary.xlsx', await renderSummaryXlsx(x.allocation, x.rec, { company: x.directory.company, status: x.status, dataAsOf: x.dataRefreshedAt, issuedAt: x.issuedAt }, clock));
  files.set('ledger.csv', ledgerCsv(x.allocation, x.directory));
  files.set('chargeback.json', Buffer.from(`${JSON.stringify(canonicalAllocation(x), null, 2)}\n`));

  const pages: RawPage[] = [...x.grouped.pages, ...x.total.pages];
  for (const page of pages) files.set(`raw/${page.file}`, Buffer.from(page.body, 'utf8'));
  // Every exchange, used or not (retried errors, pages of a restarted listing), in order.
  const exchanges = [...x.grouped.attempts, ...x.total.attempts].map((a, i) => {
    const kept = a.keptAs ?? (a.body !== null ? `discarded/${String(i + 1).padStart(3, '0')}-${a.query}-http${a.status}.txt` : null);
    if (a.keptAs === null && kept !== null) files.set(`raw/${kept}`, Buffer.from(a.body!, 'utf8'));
    return { n: i + 1, method: 'GET', request: a.request, status: a.status, outcome: a.outcome, file: kept, used: a.keptAs !== null, sha256: a.body === null ? null : sha256(a.body), bytes: a.body === null ? 0 : Buffer.byteLength(a.body) };
  });
  files.set('raw/requests.json', Buffer.from(`${JSON.stringify(exchanges, null, 2)}\n`));

  const manifest = {
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    period: { label: x.period.label, startingAt: x.period.startIso, endingAt: x.period.endExclusiveIso },
    status: x.status,
    clock: x.issuedAt,
    dataRefreshedAt: x.dataRefreshedAt,
    source: {
      api: x.options.api.label,
      endpoint: `GET ${COST_PATH}`,
      anthropicVersion: ANTHROPIC_VERSION,
      anthropicBeta: COST_BETA,
      groupBy: CHARGEBACK_GROUP_BY,
      pages: { grouped: x.grouped.pages.length, total: x.total.pages.length },
    },
    totals: {
      sourceTotalUnroundedCents: x.rec.sourceTotalUnroundedCents,
      sourceTotalCents: x.rec.sourceTotalCents,
      statementsTotalCents: x.rec.statementsTotalCents,
      unallocatedCents: x.rec.unallocatedCents,
      orgTotalUnroundedCents: x.rec.orgTotalUnroundedCents,
      orgTotalDifferenceCents: x.rec.orgTotalDifferenceCents,
    },
    inputs: [
      { path: 'directory', source: x.directory.source, sha256: x.directory.sha256, bytes: x.directoryBytes.length },
      ...pages.map((p) => ({ path: `raw/${p.file}`, sha256: sha256(p.body), bytes: Buffer.byteLength(p.body) })),
    ],
    outputs: [...files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, bytes]) => ({ path, sha256: sha256(bytes), bytes: bytes.length })),
  };
  files.set('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return files;
}

export const LEDGER_HEADER = [
  'period', 'statement_number', 'cost_center', 'actor_type', 'actor_id', 'email', 'actor_name', 'product', 'model',
  'context_window', 'cost_type', 'workspace_id', 'unrounded_cents', 'billed_cents', 'billed_usd', 'rule', 'raw_row', 'directory_sha256',
] as const;

function ledgerCsv(allocation: Allocation, directory: OrgDirectory): Buffer {
  const rows: string[][] = [];
  for (const cc of allocation.costCenters) {
    for (const a of cc.actors) {
      for (const l of a.lines) {
        rows.push([
          allocation.period.label, statementNumber(allocation.period.label, cc.code), cc.code, a.actorType, a.actorId, a.email ?? '', a.label,
          l.product ?? '', l.model ?? '', l.contextWindow ?? '', l.costType ?? '', l.workspaceId ?? '', decimalText(l.unroundedCents),
          l.billedCents.toString(), formatUsd(l.billedCents).replace(/[$,]/g, ''), l.rule, l.rowId, directory.sha256,
        ]);
      }
    }
  }
  return toCsv(LEDGER_HEADER, rows);
}

function canonicalAllocation(x: OutputInputs) {
  const a = x.allocation;
  return {
    schema: 'claude-chargeback/allocation@1',
    period: a.period.label,
    status: x.status,
    dataRefreshedAt: x.dataRefreshedAt,
    directorySha256: x.directory.sha256,
    sourceTotalUnroundedCents: decimalText(a.sourceTotalUnroundedCents),
    sourceTotalCents: a.sourceTotalCents.toString(),
    costCenters: a.costCenters.map((cc) => ({
      code: cc.code,
      name: cc.name,
      parent: cc.parent,
      owner: cc.owner,
      glAccount: cc.glAccount,
      statementNumber: cc.actors.length > 0 ? statementNumber(a.period.label, cc.code) : null,
      unroundedCents: decimalText(cc.unroundedCents),
      billedCents: cc.billedCents.toString(),
      actors: cc.actors.map((act) => ({
        actorKey: act.actorKey,
        actorType: act.actorType,
        actorId: act.actorId,
        label: act.label,
        email: act.email,
        unroundedCents: decimalText(act.unroundedCents),
        billedCents: act.billedCents.toString(),
        lines: act.lines.map((l) => ({
          rowId: l.rowId,
          product: l.product,
          model: l.model,
          contextWindow: l.contextWindow,
          costType: l.costType,
          workspaceId: l.workspaceId,
          unroundedCents: decimalText(l.unroundedCents),
          billedCents: l.billedCents.toString(),
          rule: l.rule,
        })),
      })),
    })),
    unmapped: a.unmapped.map((u) => ({ actorKey: u.actorKey, label: u.label, rows: u.rowCount, unroundedCents: decimalText(u.unroundedCents) })),
    reconciliation: x.rec,
  };
}
