/**
 * Benchmark: wall time and peak memory of the month-end job, the command line's start-up, and
 * (with --suite) the test suite's own time; measured, never asserted.
 * Usage: npm run bench [-- --suite]   (after npm ci)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocate } from '../core/allocate.js';
import type { CostRow } from '../core/cost-row.js';
import { Money } from '../core/money.js';
import { parsePeriod } from '../core/period.js';
import { reconcile } from '../core/reconcile.js';
import { buildStatements } from '../core/statements.js';
import { loadDirectory } from '../io/directory-file.js';
import { runMonth } from '../run.js';
import { SANDBOX_API_KEY, startSandbox } from '../sandbox/server.js';

const NOW = new Date('2026-11-25T09:00:00Z');

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function sandboxMonth(runs: number) {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const out = mkdtempSync(join(tmpdir(), 'chargeback-bench-'));
    const sandbox = await startSandbox({ now: () => NOW.getTime() });
    const t0 = performance.now();
    const result = await runMonth({ provisional: false, now: NOW, outDir: out, force: false, directoryPath: 'mappings/org.yaml', api: { baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, label: 'sandbox' }, log: () => {} });
    times.push(performance.now() - t0);
    rows = result.statements.reduce((a, s) => a + s.lineCount, 0);
    await sandbox.close();
    rmSync(out, { recursive: true, force: true });
  }
  return { rows, times };
}

async function allocationAtScale(users: number, linesPerUser: number) {
  const { directory } = await loadDirectory('mappings/org.yaml');
  const people = directory.people.filter((p) => p.email);
  const rows: CostRow[] = [];
  for (let u = 0; u < users; u++) {
    const person = people[u % people.length]!;
    const email = u < people.length ? person.email : `user${u}@unmapped.example`;
    for (let l = 0; l < linesPerUser; l++) {
      rows.push({
        rowId: `bench#${rows.length}`,
        startingAt: '2026-09-01T00:00:00Z',
        endingAt: '2026-10-01T00:00:00Z',
        actor: { type: 'user_actor', userId: `user_${u}`, email, name: null, deleted: false },
        product: ['chat', 'claude_code', 'cowork', 'api'][l % 4]!,
        model: `model-${l % 5}`,
        contextWindow: l % 3 === 0 ? '200k-1M' : '0-200k',
        costType: `type-${l}`,
        workspaceId: null,
        amountCents: new Money(`${(u * 7919 + l * 104729) % 100000}.${String((u * 31 + l) % 1000000).padStart(6, '0')}`),
        listAmountCents: null,
        currency: 'USD',
      });
    }
  }
  const period = parsePeriod('2026-09')!;
  const t0 = performance.now();
  const allocation = allocate(rows, directory, period);
  const t1 = performance.now();
  const rec = reconcile(allocation, null);
  const statements = buildStatements(allocation, { company: directory.company, status: 'FINAL', dataAsOf: null, issuedAt: NOW.toISOString(), sourceEndpoint: 'bench', directorySha256: directory.sha256, toolVersion: 'bench', seatPriceCents: null });
  const t2 = performance.now();
  if (!rec.ok) throw new Error('bench allocation does not reconcile');
  return { rows: rows.length, allocateMs: t1 - t0, reconcileAndStatementsMs: t2 - t1, statements: statements.length };
}

/** Wall time of a whole `chargeback` process: what a person or a scheduler waits for. */
function cliStartup(args: readonly string[], runs: number): { medianMs: number; maxMs: number } {
  const cli = join(import.meta.dirname, '..', 'cli', 'main.js');
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, [cli, ...args], { stdio: 'ignore' });
    if (i > 0) times.push(performance.now() - t0); // the first run warms the file cache
  }
  return { medianMs: median(times), maxMs: Math.max(...times) };
}

/** The whole suite as CI runs it (vitest, both cores): its own duration and the sum of its test files. */
function suiteTime(): { wallS: number; tests: number; failed: number; filesS: number } {
  const report = join(mkdtempSync(join(tmpdir(), 'chargeback-bench-')), 'report.json');
  const t0 = performance.now();
  try {
    execFileSync('npx', ['vitest', 'run', '--reporter=json', `--outputFile.json=${report}`], { stdio: 'ignore' });
  } catch {
    // failures are reported below from the JSON
  }
  const wallS = (performance.now() - t0) / 1000;
  const text = readFileSync(report, 'utf8');
  rmSync(join(report, '..'), { recursive: true, force: true });
  const r = JSON.parse(text) as { numPassedTests: number; numFailedTests: number; testResults: Array<{ startTime: number; endTime: number }> };
  return { wallS, tests: r.numPassedTests + r.numFailedTests, failed: r.numFailedTests, filesS: r.testResults.reduce((a, f) => a + (f.endTime - f.startTime) / 1000, 0) };
}

const startupRuns = Number(process.env.BENCH_STARTUP_RUNS ?? 10);
for (const [label, args] of [['--version', ['--version']], ['--help', ['--help']], ['usage error', ['run', '--period']]] as const) {
  const t = cliStartup(args, startupRuns);
  console.log(`chargeback ${label}: median ${t.medianMs.toFixed(0)} ms, max ${t.maxMs.toFixed(0)} ms (${startupRuns} runs)`);
}
if (process.argv.includes('--suite')) {
  const suite = suiteTime();
  console.log(`test suite: ${suite.wallS.toFixed(1)} s wall for ${suite.tests} tests (${suite.failed} failed); test files add up to ${suite.filesS.toFixed(1)} s over 2 workers`);
}
const runs = Number(process.env.BENCH_RUNS ?? 5);
const month = await sandboxMonth(runs);
console.log(`sandbox month (${month.rows} ledger lines, ${runs} runs): median ${median(month.times).toFixed(0)} ms, min ${Math.min(...month.times).toFixed(0)} ms`);
const scale = await allocationAtScale(Number(process.env.BENCH_USERS ?? 5000), Number(process.env.BENCH_LINES ?? 20));
console.log(`allocation of ${scale.rows} rows: allocate ${scale.allocateMs.toFixed(0)} ms, reconcile + statements ${scale.reconcileAndStatementsMs.toFixed(0)} ms (${scale.statements} statements)`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
