import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serialize } from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { costRowSchema, toCostRow } from '../src/api/cost-schema.js';
import { allocate, hasStatement, type Allocation } from '../src/core/allocate.js';
import type { CostRow } from '../src/core/cost-row.js';
import { indexDirectory, type OrgDirectory } from '../src/core/directory.js';
import type { EngagementRow } from '../src/core/engagement.js';
import { buildInsights, type HistoryMonth } from '../src/core/insights.js';
import { parsePeriod, previousPeriod, type Period } from '../src/core/period.js';
import { buildRollups, buildStatements, type Statement } from '../src/core/statements.js';
import type { Template } from '../src/core/template.js';
import { ChargebackError, exitCodeFor, EXIT } from '../src/errors.js';
import { loadDirectory } from '../src/io/directory-file.js';
import { loadTemplate } from '../src/io/template-file.js';
import { createRenderPool, decodeJob, encodeJob, renderWorkerCount, type RenderedStatement, type RenderJob, type RenderPool } from '../src/render/pool.js';
import { costUnits, microCentsText } from '../src/sandbox/cost-data.js';
import { engagementRows } from '../src/sandbox/engagement-data.js';
import { tempDir } from './helpers/cli.js';

// The worker pools run dist/render/render-worker.js (Node cannot run the .ts source as a worker):
// `npm test` builds dist first; run `npx tsc -p tsconfig.json` before this file alone.

const CLOCK = new Date('2026-11-25T09:00:00Z');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The sandbox's cost rows of a month (the 128 people of mappings/org.yaml and 7 other spenders), without the API. */
function sandboxRows(period: Period, premium = false): CostRow[] {
  const bounds = { starting_at: period.startIso, ending_at: period.endExclusiveIso };
  // Refreshed 40 days after the month: every day counted and settled.
  return costUnits(period.startMs, period.endExclusiveMs, period.endExclusiveMs + 40 * 86_400_000).flatMap((u, i) =>
    [...u.amounts].map(([costType, micro], j) => {
      const group = premium
        ? { actor: u.actor, speed: u.speed, inference_geo: u.inferenceGeo }
        : { actor: u.actor, product: u.product, model: u.model, context_window: u.contextWindow, workspace_id: u.workspaceId, cost_type: costType };
      return toCostRow(costRowSchema.parse({ ...bounds, group, cost: { amount: microCentsText(micro), currency: 'USD' } }), `cost-p001.json#${i}.${j}`);
    }),
  );
}

/** A month as history for the trend: what each cost center billed, and each person for last month. */
function historyOf(allocation: Allocation, withActors: boolean): HistoryMonth {
  const billed = allocation.costCenters.filter(hasStatement);
  return {
    period: allocation.period.label,
    revision: 1,
    status: 'FINAL',
    costCenters: new Map(billed.map((cc) => [cc.code, cc.billedCents])),
    actors: new Map(withActors ? billed.map((cc) => [cc.code, new Map(cc.actors.map((a) => [a.actorKey, { label: a.label, cents: a.billedCents }]))]) : []),
  };
}

function engagement(period: Period): EngagementRow[] {
  type Raw = { user: { id: string; email_address: string }; chat_metrics: { distinct_conversation_count: number }; claude_code_metrics: { core_metrics: { commit_count: number; pull_request_count: number; distinct_session_count: number; lines_of_code: { added_count: number; removed_count: number } } } };
  return (engagementRows(period.startMs, period.endExclusiveMs) as unknown as Raw[]).map((r, i) => {
    const code = r.claude_code_metrics.core_metrics;
    return { rowId: `users-p001.json#${i}`, userId: r.user.id, email: r.user.email_address, sessions: code.distinct_session_count, commits: code.commit_count, pullRequests: code.pull_request_count, linesAdded: code.lines_of_code.added_count, linesRemoved: code.lines_of_code.removed_count, conversations: r.chat_metrics.distinct_conversation_count };
  });
}

/**
 * September's statements with their insights, built the way the month-end job builds them, from
 * the sandbox's data for the default org directory: 12 direct statements and 3 roll-ups.
 */
function sandboxStatements(directory: OrgDirectory): Statement[] {
  const sep = parsePeriod('2026-09')!;
  const aug = previousPeriod(sep);
  const allocation = allocate(sandboxRows(sep), directory, sep);
  const ctx = { company: directory.company, status: 'FINAL' as const, dataAsOf: '2026-11-10T00:00:00Z', issuedAt: '2026-11-25T09:00:00Z', sourceEndpoint: 'GET /v1/organizations/analytics/cost', directorySha256: directory.sha256, toolVersion: 'test', seatPriceCents: directory.seatPriceCents };
  const direct = buildStatements(allocation, ctx);
  const bare = [...direct, ...buildRollups(allocation, direct)];
  const children = new Map<string, string[]>();
  for (const cc of allocation.costCenters) if (cc.parent) children.set(cc.parent, [...(children.get(cc.parent) ?? []), cc.code]);
  const subtree = (code: string): string[] => [code, ...(children.get(code) ?? []).flatMap(subtree)];
  const history = [historyOf(allocate(sandboxRows(previousPeriod(aug)), directory, previousPeriod(aug)), false), historyOf(allocate(sandboxRows(aug), directory, aug), true)];
  const insights = buildInsights(bare, { period: sep, index: indexDirectory(directory), allocation, engagement: engagement(sep), engagementRange: null, premium: sandboxRows(sep, true), history }, subtree);
  return bare.map((s) => ({ ...s, insights: insights.get(s.number)! }));
}

let statements: Statement[];
let template: Template;
const jobOf = (statement: Statement): RenderJob => ({ statement, clock: CLOCK, template });
/** sha256 of each statement's PDF and workbook, by statement number. */
const hashes = (rendered: readonly RenderedStatement[]) => new Map(rendered.map((r, i) => [statements[i]!.number, { pdf: sha256(r.pdf), xlsx: sha256(r.xlsx) }]));

async function withPool<T>(workers: number, fn: (pool: RenderPool) => Promise<T>): Promise<T> {
  const pool = createRenderPool(workers);
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

beforeAll(async () => {
  statements = sandboxStatements((await loadDirectory('mappings/org.yaml')).directory);
  template = (await loadTemplate('templates/standard.yaml')).template;
});

describe('what a worker is sent', () => {
  it('a statement with its insights survives structured clone unchanged; the logo goes as bytes of its own', () => {
    expect(statements.length).toBe(15);
    expect(statements.every((s) => s.insights !== undefined)).toBe(true);
    expect(template.logo).not.toBeNull();
    for (const s of statements) {
      const wire = encodeJob(jobOf(s));
      // Same classes, same values: no Decimal, Map or function inside to lose on the way.
      expect(structuredClone(wire.statement)).toStrictEqual(s);
      const back = decodeJob(structuredClone(wire));
      expect(back.clock.getTime()).toBe(CLOCK.getTime());
      expect(back.template).toStrictEqual(wire.template);
    }
    // The logo was read as a Buffer; it is posted as a plain Uint8Array of exactly its bytes.
    const logo = encodeJob(jobOf(statements[0]!)).template.logo!.bytes;
    expect(Buffer.isBuffer(logo)).toBe(false);
    expect(logo.byteLength).toBe(logo.buffer.byteLength);
    expect(Buffer.from(logo).equals(Buffer.from(template.logo!.bytes))).toBe(true);
  });
});

describe('render pool', () => {
  let reference: Map<string, { pdf: string; xlsx: string }>;
  beforeAll(async () => {
    reference = hashes(await withPool(0, (pool) => Promise.all(statements.map((s) => pool.render(jobOf(s))))));
  });

  it('renders every statement to the same bytes with 0, 1 and 2 workers', async () => {
    expect(reference.size).toBe(statements.length);
    const first = statements[0]!;
    expect(Buffer.from((await withPool(0, (pool) => pool.render(jobOf(first)))).pdf.subarray(0, 5)).toString()).toBe('%PDF-');
    for (const workers of [1, 2]) {
      const rendered = await withPool(workers, (pool) => Promise.all(statements.map((s) => pool.render(jobOf(s)))));
      expect(hashes(rendered)).toEqual(reference);
    }
  });

  it('many render() calls at once with 2 workers each resolve to their own statement', async () => {
    const order = Array.from({ length: 20 }, (_, i) => statements[(i * 7) % statements.length]!);
    const rendered = await withPool(2, (pool) => Promise.all(order.map((s) => pool.render(jobOf(s)))));
    expect(rendered.map((r) => sha256(r.pdf))).toEqual(order.map((s) => reference.get(s.number)!.pdf));
    expect(rendered.map((r) => sha256(r.xlsx))).toEqual(order.map((s) => reference.get(s.number)!.xlsx));
  });

  it('an exception while rendering rejects that job with its own message and stack; later jobs still render', async () => {
    const broken = { ...statements[1]!, issuedAt: 'yesterday' };
    for (const workers of [0, 2]) {
      await withPool(workers, async (pool) => {
        const jobs = [pool.render(jobOf(broken)), ...statements.slice(0, 3).map((s) => pool.render(jobOf(s)))];
        const error = await jobs[0]!.then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toBe('not an ISO-8601 instant: "yesterday"');
        // The stack names where it was thrown (the locale formatter), for the exit-70 bug report.
        expect((error as Error).stack).toMatch(/locale\.(ts|js)/);
        expect(exitCodeFor(error)).toBe(EXIT.internal);
        const later = await Promise.all(jobs.slice(1));
        expect(later.map((r) => sha256(r.pdf))).toEqual(statements.slice(0, 3).map((s) => reference.get(s.number)!.pdf));
        // And the pool goes on after the failure.
        expect(sha256((await pool.render(jobOf(statements[5]!))).xlsx)).toBe(reference.get(statements[5]!.number)!.xlsx);
      });
    }
  });

  it('a worker that dies rejects the job it was rendering; the jobs behind it render on a new worker', async () => {
    const dying = new URL('./fixtures/dying-render-worker.mjs', import.meta.url);
    const pool = createRenderPool(1, { script: dying });
    try {
      const crash = { ...statements[0]!, number: 'CRASH' };
      const [lost, ...rest] = [pool.render(jobOf(crash)), ...statements.slice(0, 4).map((s) => pool.render(jobOf(s)))];
      await expect(lost).rejects.toThrow('a render worker thread stopped (exit code 3) while rendering CRASH');
      const rendered = await Promise.all(rest);
      expect(rendered.map((r) => sha256(r.pdf))).toEqual(statements.slice(0, 4).map((s) => reference.get(s.number)!.pdf));
      expect(rendered.map((r) => sha256(r.xlsx))).toEqual(statements.slice(0, 4).map((s) => reference.get(s.number)!.xlsx));
    } finally {
      await pool.close();
    }
  });

  it('close() rejects what was not rendered, and later render() calls', async () => {
    const pool = createRenderPool(1);
    const jobs = statements.slice(0, 5).map((s) => pool.render(jobOf(s)));
    await pool.close();
    for (const job of jobs) await expect(job).rejects.toThrow(/render pool is closed/);
    await expect(pool.render(jobOf(statements[0]!))).rejects.toThrow(/render pool is closed/);
  });

  // Started with a heap limit (a V8 option a Worker refuses to inherit) and --input-type: neither reaches the worker.
  it('a process that renders on a worker and forgets close() still exits', () => {
    const file = join(tempDir(), 'job.bin');
    writeFileSync(file, serialize(jobOf(statements[2]!)));
    const pool = pathToFileURL(join(process.cwd(), 'dist/render/pool.js')).href;
    const script = [
      `import { readFileSync } from 'node:fs';`,
      `import { deserialize } from 'node:v8';`,
      `import { createRenderPool } from ${JSON.stringify(pool)};`,
      `const rendered = await createRenderPool(2).render(deserialize(readFileSync(${JSON.stringify(file)})));`,
      `console.log(rendered.pdf.length, rendered.xlsx.length);`,
    ].join('\n');
    const out = execFileSync(process.execPath, ['--max-old-space-size=2048', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toMatch(/^\d+ \d+$/);
  });
});

describe('CHARGEBACK_RENDER_WORKERS', () => {
  it('is a whole number of workers from 0 to 64; unset or empty means one per core, at most 8', () => {
    expect(renderWorkerCount({ CHARGEBACK_RENDER_WORKERS: '0' })).toBe(0);
    expect(renderWorkerCount({ CHARGEBACK_RENDER_WORKERS: '2' })).toBe(2);
    expect(renderWorkerCount({ CHARGEBACK_RENDER_WORKERS: ' 64 ' })).toBe(64);
    const cores = renderWorkerCount({});
    expect(cores).toBeGreaterThanOrEqual(1);
    expect(cores).toBeLessThanOrEqual(8);
    expect(renderWorkerCount({ CHARGEBACK_RENDER_WORKERS: '' })).toBe(cores);
  });

  it('refuses anything else with what was found, what is expected and what to do', () => {
    for (const value of ['65', '-1', '2.5', 'two', '1e2', '0x2', '1000']) {
      let error: unknown = null;
      try {
        renderWorkerCount({ CHARGEBACK_RENDER_WORKERS: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ChargebackError);
      expect(exitCodeFor(error)).toBe(EXIT.usage);
      const e = error as ChargebackError;
      expect(e.message).toBe(`CHARGEBACK_RENDER_WORKERS is ${JSON.stringify(value)}, expected a whole number of render worker threads from 0 to 64.`);
      expect(e.details.join('\n')).toMatch(/Set CHARGEBACK_RENDER_WORKERS to e\.g\. 2 .* 0 to render on the main thread, or unset it/);
    }
    expect(() => createRenderPool(65)).toThrow(RangeError);
  });
});
