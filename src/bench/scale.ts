/**
 * Scale benchmark: the real month-end run at enterprise sizes, against the scaled sandbox, next
 * to the floor of the same month (what the libraries alone cost for the same work). Measured,
 * never asserted.
 *
 *   npm run build && npm run bench:scale [-- --sizes 10000,50000 --requests-per-minute N
 *     --render-workers N --json-out FILE --keep]
 *
 * Sizes also from BENCH_SIZES (default 10000,50000,100000,500000 people, people/100 cost centers).
 * --requests-per-minute (default 60, the API's limit unless the account team raised it) is the
 * sandbox's rate limit and the run's: e.g. 100000 pulls at once, to measure the compute of a big
 * month without an hour of waiting. --render-workers is passed to run, run --from-raw and verify
 * (not passed by default: their own default).
 * For each size, each step is a child process timed by /usr/bin/time (wall, user + sys CPU,
 * peak RSS):
 *   1. `chargeback sandbox --people N --cost-centers C --directory-out DIR/org.yaml`;
 *   2. `chargeback run` for the month the sandbox's movers move in (the latest final month at
 *      its clock), pulling at --requests-per-minute; then `run --from-raw` of its raw/
 *      folder (all compute and rendering, no network) and `verify` of the month;
 *   3. the floor (dist/bench/floor.js): JSON.parse of the same raw pages, pdfkit drawing the same
 *      pages, exceljs's streaming writer writing the same rows, one thread.
 * A step that fails (exit status other than 0, e.g. out of memory) is reported with its figures
 * and the benchmark goes on.
 *
 * The table: rows are the grouped cost listing's rows in the raw pages; requests are the run's
 * exchanges with the API (raw/requests.json, one entry each, retries included); "pull" is the
 * run's start to the end of its pull (from its progress lines), at the benchmark's rate;
 * "pull at 60/min" is requests / 60 a minute: how long the same requests take at the API's
 * default limit, whatever rate the benchmark pulled at (the limit's window lets a first minute's
 * 60 go at once, so a real pull can be up to a minute shorter); CPU is user + sys of the process and
 * its threads; the ratio is from-raw wall / floor wall; the exponent of a time between two sizes
 * is log(t2/t1) / log(n2/n1) (1 is linear). The JSON holds every figure, the floor's parts and,
 * per step, the CPU the rest of the machine used meanwhile (a disturbed figure shows there).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { unzipSync } from 'fflate';
import { isFirstIssueFolder, MANIFEST_FILE, RAW_DIR, REQUESTS_FILE, stagingPattern } from '../io/layout.js';

const NOW = '2026-11-25T09:00:00Z';
const API_KEY = 'sk-ant-sandbox-not-a-secret';
const TIME = '/usr/bin/time';
const TIME_MARK = 'BENCH-TIME';
const CLI = join(import.meta.dirname, '..', 'cli', 'main.js');
/** The Analytics API's limit unless the account team raised it: what "pull at 60/min" is figured at. */
const API_REQUESTS_PER_MINUTE = 60;
const FLOOR = join(import.meta.dirname, 'floor.js');

interface Timed {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  wallS: number | null;
  userS: number | null;
  sysS: number | null;
  cpuS: number | null;
  maxRssKiB: number | null;
  /** CPU seconds the rest of the machine used during the step (all CPUs' busy time from /proc/stat, less the step's own): another busy process shows here. */
  otherCpuS: number | null;
  /** The last lines of stderr (without the time line), for a failure. */
  tail: string[];
  stdout: string;
}

interface SizeResult {
  people: number;
  costCenters: number;
  period: string | null;
  rows: number | null;
  rawPages: number | null;
  requests: number | null;
  /** requests / 60 a minute, in seconds: the pull at the API's default limit. */
  pullAt60PerMinuteS: number | null;
  pdfs: number | null;
  pdfPages: number | null;
  workbooks: number | null;
  workbookRows: number | null;
  sandboxStartS: number | null;
  /** From the run's start to its first line after the pull ("allocating … rows"). */
  pullS: number | null;
  run: Timed | null;
  fromRaw: Timed | null;
  verify: Timed | null;
  floor: (Timed & { parts: { parseS: number; pdfS: number; xlsxS: number } | null; partial: boolean }) | null;
  /** from-raw wall / floor wall. */
  ratio: number | null;
  notes: string[];
}

interface Args {
  sizes: number[];
  jsonOut: string;
  keep: boolean;
  /** The sandbox's rate limit and the run's. */
  requestsPerMinute: number;
  /** --render-workers of run, from-raw and verify; null: not passed. */
  renderWorkers: number | null;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new Error(`${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
  return n;
}

function parseArgs(argv: readonly string[]): Args {
  let sizesText = process.env.BENCH_SIZES ?? '10000,50000,100000,500000';
  let jsonOut = 'bench-scale.json';
  let keep = false;
  let requestsPerMinute = API_REQUESTS_PER_MINUTE;
  let renderWorkers: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes' || a.startsWith('--sizes=')) sizesText = value();
    else if (a === '--json-out' || a.startsWith('--json-out=')) jsonOut = value();
    else if (a === '--requests-per-minute' || a.startsWith('--requests-per-minute=')) requestsPerMinute = wholeNumber('--requests-per-minute', value(), 1, 100_000);
    else if (a === '--render-workers' || a.startsWith('--render-workers=')) renderWorkers = wholeNumber('--render-workers', value(), 0, 64);
    else if (a === '--keep') keep = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run bench:scale -- [--sizes 10000,50000,100000,500000] [--requests-per-minute 60] [--render-workers N] [--json-out bench-scale.json] [--keep]\n' +
          '  sizes also from BENCH_SIZES; --requests-per-minute is the sandbox\'s and the run\'s rate limit (default 60, the API\'s;\n' +
          '  e.g. 100000 to measure the compute without the wait); --render-workers is passed to run, from-raw and verify\n' +
          '  (default: not passed); --keep keeps each size\'s work folder\n',
      );
      process.exit(0);
    }
    else throw new Error(`unknown argument ${a} (expected --sizes N,N… --requests-per-minute N --render-workers N --json-out FILE --keep)`);
  }
  const sizes = sizesText.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const n = Number(s.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 10 || n > 2_000_000) throw new Error(`size ${s}: expected a whole number of people from 10 to 2,000,000`);
    return n;
  });
  if (sizes.length === 0) throw new Error('no sizes given');
  return { sizes, jsonOut, keep, requestsPerMinute, renderWorkers };
}

/** Busy CPU seconds of the whole machine since boot (all CPUs), from /proc/stat; null elsewhere. */
function busyCpuS(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …, in USER_HZ (100 a second on Linux)
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0)) / 100;
  } catch {
    return null;
  }
}

/** Runs `node ARGS` under /usr/bin/time; calls onLine with each stderr line and the seconds since the start. */
function timed(args: readonly string[], env: NodeJS.ProcessEnv, onLine?: (line: string, atS: number) => void): Promise<Timed> {
  return new Promise((resolve) => {
    const busy0 = busyCpuS();
    const t0 = performance.now();
    // In a process group of its own, so an interrupted benchmark stops the command under /usr/bin/time too.
    const child = spawn(TIME, ['-f', `${TIME_MARK} %e %U %S %M`, process.execPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track(child);
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (stdout.length < 100_000) stdout += d;
    });
    const tail: string[] = [];
    let timeLine: string | null = null;
    const lines = createInterface({ input: child.stderr });
    lines.on('line', (line) => {
      if (line.startsWith(TIME_MARK)) {
        timeLine = line;
        return;
      }
      onLine?.(line, (performance.now() - t0) / 1000);
      tail.push(line);
      if (tail.length > 40) tail.shift();
    });
    const closed = new Promise<void>((r) => lines.once('close', () => r()));
    child.once('close', async (code, signal) => {
      await closed;
      const f = timeLine === null ? null : (timeLine as string).slice(TIME_MARK.length).trim().split(/\s+/).map(Number);
      const wallS = f ? f[0]! : (performance.now() - t0) / 1000;
      const userS = f ? f[1]! : null;
      const sysS = f ? f[2]! : null;
      resolve({
        ok: code === 0,
        exitCode: code,
        signal,
        wallS,
        userS,
        sysS,
        cpuS: userS !== null && sysS !== null ? userS + sysS : null,
        maxRssKiB: f ? f[3]! : null,
        otherCpuS: (() => {
          const busy1 = busyCpuS();
          return busy0 === null || busy1 === null || userS === null || sysS === null ? null : Math.max(0, busy1 - busy0 - userS - sysS);
        })(),
        tail: tail.filter((l) => !/^Command exited with non-zero status/.test(l)),
        stdout,
      });
    });
    child.once('error', (error) => {
      resolve({ ok: false, exitCode: null, signal: null, wallS: null, userS: null, sysS: null, cpuS: null, maxRssKiB: null, otherCpuS: null, tail: [String(error)], stdout });
    });
  });
}

/** The children running now, stopped if the benchmark itself is interrupted. */
const running = new Set<ChildProcess>();
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM'); // not a group leader (the sandbox)
      }
    }
    process.stderr.write(`interrupted (${signal}); figures so far are in the JSON file\n`);
    process.exit(130);
  });
}

interface Sandbox {
  child: ChildProcess;
  url: string;
  moveDay: string | null;
  startS: number;
}

function startSandbox(people: number, costCenters: number, dir: string, requestsPerMinute: number): Promise<Sandbox> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--now', NOW, '--people', String(people), '--cost-centers', String(costCenters), '--requests-per-minute', String(requestsPerMinute), '--directory-out', join(dir, 'org.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let moveDay: string | null = null;
    let err = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      if (err.length < 10_000) err += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error('the sandbox did not say where it listens within 10 minutes'));
    }, 600_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const move = /movers change cost center on (\d{4}-\d{2}-\d{2})/.exec(line);
      if (move) moveDay = move[1]!;
      const listening = /^sandbox listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (listening) {
        clearTimeout(timer);
        resolve({ child, url: listening[1]!, moveDay, startS: (performance.now() - t0) / 1000 });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited (${signal ?? code}) before listening: ${err.trim().split('\n').slice(-3).join(' / ')}`));
    });
  });
}

function stopSandbox(sandbox: Sandbox): Promise<void> {
  return new Promise((resolve) => {
    if (sandbox.child.exitCode !== null || sandbox.child.signalCode !== null) return resolve();
    const timer = setTimeout(() => sandbox.child.kill('SIGKILL'), 10_000);
    sandbox.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    sandbox.child.kill('SIGTERM');
  });
}

function filesUnder(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, ext));
    else if (e.isFile() && e.name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

/** The raw page files of a month (every listing's pages; not the request log). */
function rawPages(rawDir: string): string[] {
  return filesUnder(rawDir, '.json').filter((f) => !f.endsWith(REQUESTS_FILE));
}

function groupedRows(rawDir: string): number {
  let rows = 0;
  for (const f of rawPages(rawDir).filter((p) => /cost-grouped-p\d+\.json$/.test(p))) {
    const page = JSON.parse(readFileSync(f, 'utf8')) as { data?: unknown[] };
    rows += page.data?.length ?? 0;
  }
  return rows;
}

function requestCount(rawDir: string): number | null {
  try {
    const log = JSON.parse(readFileSync(join(rawDir, REQUESTS_FILE), 'utf8')) as unknown[];
    return Array.isArray(log) ? log.length : null;
  } catch {
    return null;
  }
}

const havePdfinfo = spawnSync('pdfinfo', ['-v'], { stdio: 'ignore' }).error === undefined;

function pdfPageCount(file: string): number {
  if (havePdfinfo) {
    const r = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
    const m = /^Pages:\s+(\d+)/m.exec(r.stdout ?? '');
    if (m) return Number(m[1]);
  }
  // Without poppler: count the page objects (pdfkit writes them uncompressed).
  return (readFileSync(file, 'latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}

/** `<row ` and `<row>` in a sheet's XML, counted in its bytes (a big sheet is more than a string can hold). */
function countRows(xml: Uint8Array): number {
  const bytes = Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength);
  let rows = 0;
  for (let at = bytes.indexOf('<row'); at !== -1; at = bytes.indexOf('<row', at + 4)) {
    const next = bytes[at + 4];
    if (next === 0x20 || next === 0x3e) rows++;
  }
  return rows;
}

/** Each sheet of a workbook as [rows, columns], from its <dimension ref="A1:H123"/>; one sheet in memory at a time. */
function workbookSheets(file: string): [number, number][] {
  const zip = readFileSync(file);
  const names: string[] = [];
  unzipSync(zip, {
    filter: (f) => {
      if (/^xl\/worksheets\/sheet\d+\.xml$/.test(f.name)) names.push(f.name);
      return false;
    },
  });
  const sheets: [number, number][] = [];
  for (const name of names.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))) {
    const xml = unzipSync(zip, { filter: (f) => f.name === name })[name]!;
    const head = Buffer.from(xml.subarray(0, 4096)).toString('utf8');
    const ref = /<dimension ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"/.exec(head);
    if (!ref) {
      // No dimension: count the rows.
      sheets.push([countRows(xml), 8]);
      continue;
    }
    const col = (s: string | undefined): number => (s ?? 'A').split('').reduce((a, c) => a * 26 + c.charCodeAt(0) - 64, 0);
    const rows = Number(ref[4] ?? ref[2] ?? 1);
    sheets.push([rows, col(ref[3] ?? ref[1])]);
  }
  return sheets;
}

/** Why a step failed, in a line: the fatal error or error message, and how it ended. */
function why(t: Timed): string {
  const error = t.tail.find((l) => /FATAL ERROR|out of memory|^\s*(\w*Error|error)\b/i.test(l));
  const end = t.signal ? `killed by ${t.signal}` : t.tail.find((l) => /^Command terminated by signal/.test(l)) ?? `exit status ${t.exitCode}`;
  return `${(error ?? t.tail[t.tail.length - 1] ?? '').trim()} (${end})`;
}

function fmtS(s: number | null | undefined): string {
  if (s === null || s === undefined) return '–';
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

function fmtRss(kib: number | null | undefined): string {
  if (kib === null || kib === undefined) return '–';
  const mib = kib / 1024;
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${Math.round(mib)} MiB`;
}

function fmtN(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return n >= 10_000 ? `${(n / 1000).toFixed(n >= 100_000 ? 0 : 1)}k` : n.toLocaleString('en-US');
}

function fmtStep(t: Timed | null, part: 'wall' | 'cpu' | 'rss'): string {
  if (!t) return '–';
  const mark = t.ok ? '' : ` (failed${t.signal ? ` ${t.signal}` : t.exitCode !== null ? ` ${t.exitCode}` : ''})`;
  const v = part === 'wall' ? fmtS(t.wallS) : part === 'cpu' ? fmtS(t.cpuS) : fmtRss(t.maxRssKiB);
  return part === 'wall' ? `${v}${mark}` : v;
}

function exponent(n1: number, t1: number | null | undefined, n2: number, t2: number | null | undefined): number | null {
  if (!t1 || !t2 || n1 === n2) return null;
  return Math.log(t2 / t1) / Math.log(n2 / n1);
}

async function benchSize(people: number, args: Args): Promise<SizeResult> {
  const { keep, requestsPerMinute } = args;
  const workers = args.renderWorkers === null ? [] : ['--render-workers', String(args.renderWorkers)];
  const costCenters = Math.max(3, Math.round(people / 100));
  const dir = mkdtempSync(join(tmpdir(), `chargeback-scale-${people}-`));
  const result: SizeResult = { people, costCenters, period: null, rows: null, rawPages: null, requests: null, pullAt60PerMinuteS: null, pdfs: null, pdfPages: null, workbooks: null, workbookRows: null, sandboxStartS: null, pullS: null, run: null, fromRaw: null, verify: null, floor: null, ratio: null, notes: [] };
  const say = (m: string) => process.stderr.write(`[${people}] ${m}\n`);
  const directory = join(dir, 'org.yaml');
  const baseEnv = { ...process.env };
  delete baseEnv.CHARGEBACK_PROGRESS;
  try {
    // 1. The scaled sandbox.
    say(`starting the sandbox: ${people} people, ${costCenters} cost centers (${dir})`);
    let sandbox: Sandbox;
    try {
      sandbox = await startSandbox(people, costCenters, dir, requestsPerMinute);
    } catch (error) {
      result.notes.push(`sandbox: ${(error as Error).message}`);
      return result;
    }
    result.sandboxStartS = sandbox.startS;
    // The movers move in the middle of the latest final month at the sandbox's clock: that month.
    const period = sandbox.moveDay ? sandbox.moveDay.slice(0, 7) : null;
    result.period = period;
    const out = join(dir, 'out');
    try {
      // 2. The real run, pulling at the sandbox's rate limit.
      say(`run --period ${period ?? '(latest final)'} against ${sandbox.url} (the pull goes at ${requestsPerMinute} requests/minute)`);
      result.run = await timed(
        [CLI, 'run', ...(period ? ['--period', period] : []), '--now', NOW, '--directory', directory, '--out', out, '--requests-per-minute', String(requestsPerMinute), ...workers],
        { ...baseEnv, CHARGEBACK_PROGRESS: '1', ANTHROPIC_BASE_URL: sandbox.url, ANTHROPIC_ANALYTICS_API_KEY: API_KEY },
        (line, atS) => {
          if (result.pullS === null && /^allocating \d+ rows/.test(line)) result.pullS = atS;
          if (/page\(s\)|^pulling|^allocating|^publishing/.test(line)) say(`  ${atS.toFixed(0)} s: ${line.trim()}`);
        },
      );
    } finally {
      await stopSandbox(sandbox);
    }
    if (!result.run.ok) result.notes.push(`run failed: ${why(result.run)}`);
    const monthName = period ?? (existsSync(out) ? readdirSync(out).find(isFirstIssueFolder) ?? null : null);
    const monthDir = monthName === null ? null : join(out, monthName);
    let rawDir = monthDir ? join(monthDir, RAW_DIR) : null;
    if (rawDir && !existsSync(rawDir)) {
      // A run stopped while publishing may leave its staging folder.
      const staging = existsSync(out) ? readdirSync(out).find((n) => monthName !== null && stagingPattern(monthName).test(n)) : undefined;
      rawDir = staging && existsSync(join(out, staging, RAW_DIR)) ? join(out, staging, RAW_DIR) : null;
    }
    if (rawDir) {
      const pages = rawPages(rawDir);
      result.rawPages = pages.length;
      result.rows = groupedRows(rawDir);
      result.requests = requestCount(rawDir);
      if (result.requests !== null) result.pullAt60PerMinuteS = (result.requests / API_REQUESTS_PER_MINUTE) * 60;
    }

    // from-raw and verify.
    // The published month, whose documents the floor mirrors.
    const renderedDir: string | null = result.run.ok && monthDir && existsSync(join(monthDir, MANIFEST_FILE)) ? monthDir : null;
    if (rawDir && result.run.ok && monthDir) {
      say('run --from-raw (no network)');
      const out2 = join(dir, 'out2');
      result.fromRaw = await timed([CLI, 'run', '--from-raw', rawDir, '--now', NOW, '--directory', directory, '--out', out2, ...workers], baseEnv);
      if (!result.fromRaw.ok) result.notes.push(`from-raw failed: ${why(result.fromRaw)}`);
      say(`verify ${monthDir}`);
      result.verify = await timed([CLI, 'verify', monthDir, ...workers], baseEnv);
      if (!result.verify.ok) result.notes.push(`verify failed: ${why(result.verify)}`);
      if (!keep) rmSync(out2, { recursive: true, force: true });
    } else {
      result.notes.push('from-raw and verify skipped: the run published no month');
    }

    // 3. The floor of the same month.
    if (rawDir) {
      const pdfFiles = renderedDir ? filesUnder(renderedDir, '.pdf') : [];
      const xlsxFiles = renderedDir ? filesUnder(renderedDir, '.xlsx') : [];
      const pdfPages = pdfFiles.map(pdfPageCount);
      const workbooks = xlsxFiles.map(workbookSheets);
      result.pdfs = renderedDir ? pdfFiles.length : null;
      result.pdfPages = renderedDir ? pdfPages.reduce((a, b) => a + b, 0) : null;
      result.workbooks = renderedDir ? xlsxFiles.length : null;
      result.workbookRows = renderedDir ? workbooks.reduce((a, w) => a + w.reduce((b, [r]) => b + r, 0), 0) : null;
      const partial = !renderedDir;
      if (partial) result.notes.push('floor: JSON.parse of the raw pages only (no published documents to count pages and rows from)');
      const specFile = join(dir, 'floor-spec.json');
      writeFileSync(specFile, JSON.stringify({ rawFiles: rawPages(rawDir), pdfPages, workbooks, outDir: join(dir, 'floor-out') }));
      say(`floor: parse ${result.rawPages} raw pages, draw ${result.pdfPages ?? 0} PDF pages, write ${result.workbookRows ?? 0} workbook rows`);
      const t = await timed([FLOOR, specFile], baseEnv);
      let parts: { parseS: number; pdfS: number; xlsxS: number } | null = null;
      try {
        parts = JSON.parse(t.stdout.trim().split('\n').pop() ?? '') as { parseS: number; pdfS: number; xlsxS: number };
      } catch {
        result.notes.push(`floor failed: ${why(t)}`);
      }
      result.floor = { ...t, parts: parts ? { parseS: parts.parseS, pdfS: parts.pdfS, xlsxS: parts.xlsxS } : null, partial };
      if (result.fromRaw?.ok && t.ok && !partial && result.fromRaw.wallS && t.wallS) result.ratio = result.fromRaw.wallS / t.wallS;
    } else {
      result.notes.push('floor skipped: no raw pages of the month on disk');
    }
    return result;
  } catch (error) {
    result.notes.push(`benchmark error: ${(error as Error).stack ?? String(error)}`);
    return result;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    else say(`kept ${dir}`);
  }
}

function table(results: readonly SizeResult[]): string {
  const head = ['people', 'cost centers', 'rows', 'requests', 'pull', 'pull at 60/min', 'run wall', 'run CPU', 'run RSS', 'from-raw wall', 'from-raw CPU', 'from-raw RSS', 'verify wall', 'verify CPU', 'verify RSS', 'floor wall', 'floor CPU', 'from-raw / floor'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of results) {
    lines.push(`| ${[
      r.people.toLocaleString('en-US'),
      r.costCenters.toLocaleString('en-US'),
      fmtN(r.rows),
      fmtN(r.requests),
      fmtS(r.pullS),
      fmtS(r.pullAt60PerMinuteS),
      fmtStep(r.run, 'wall'),
      fmtStep(r.run, 'cpu'),
      fmtStep(r.run, 'rss'),
      fmtStep(r.fromRaw, 'wall'),
      fmtStep(r.fromRaw, 'cpu'),
      fmtStep(r.fromRaw, 'rss'),
      fmtStep(r.verify, 'wall'),
      fmtStep(r.verify, 'cpu'),
      fmtStep(r.verify, 'rss'),
      r.floor ? `${fmtStep(r.floor, 'wall')}${r.floor.partial ? ' (parse only)' : ''}` : '–',
      fmtStep(r.floor, 'cpu'),
      r.ratio === null ? '–' : `${r.ratio.toFixed(1)}×`,
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

function exponents(results: readonly SizeResult[]): { from: number; to: number; fromRaw: number | null; run: number | null; runAfterPull: number | null; floor: number | null }[] {
  const out = [];
  for (let i = 1; i < results.length; i++) {
    const a = results[i - 1]!;
    const b = results[i]!;
    const ok = (t: Timed | null | undefined) => (t?.ok ? t.wallS : null);
    out.push({
      from: a.people,
      to: b.people,
      fromRaw: exponent(a.people, ok(a.fromRaw), b.people, ok(b.fromRaw)),
      run: exponent(a.people, ok(a.run), b.people, ok(b.run)),
      // The run less its pull: the pull goes at the API's rate once its first burst is spent, a step, not a power.
      runAfterPull: exponent(a.people, a.run?.ok && a.pullS !== null ? a.run.wallS! - a.pullS : null, b.people, b.run?.ok && b.pullS !== null ? b.run.wallS! - b.pullS : null),
      floor: exponent(a.people, a.floor && !a.floor.partial ? ok(a.floor) : null, b.people, b.floor && !b.floor.partial ? ok(b.floor) : null),
    });
  }
  return out;
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const { sizes, jsonOut, requestsPerMinute, renderWorkers } = args;
if (!existsSync(TIME)) {
  process.stderr.write(`${TIME} is needed (GNU time, e.g. apt-get install time)\n`);
  process.exit(2);
}
if (!existsSync(CLI)) {
  process.stderr.write('dist/cli/main.js is missing: run npm run build first\n');
  process.exit(2);
}
const started = new Date();
const results: SizeResult[] = [];
for (const people of sizes) {
  results.push(await benchSize(people, args));
  // Written after every size, so a long benchmark leaves its figures so far.
  writeFileSync(jsonOut, `${JSON.stringify(report(), null, 2)}\n`);
}

function report() {
  const cpus = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? null;
    } catch {
      return null;
    }
  })();
  return {
    started: started.toISOString(),
    node: process.version,
    cpus,
    memTotalKiB: (() => {
      try {
        return Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) || null;
      } catch {
        return null;
      }
    })(),
    sandboxNow: NOW,
    /** The sandbox's and the run's rate limit; pullAt60PerMinuteS is figured at the API's 60 whatever this is. */
    requestsPerMinute,
    /** --render-workers given to run, from-raw and verify; null: not passed (their default). */
    renderWorkers,
    sizes: results.map((r) => ({ ...r, run: strip(r.run), fromRaw: strip(r.fromRaw), verify: strip(r.verify), floor: r.floor ? { ...strip(r.floor), parts: r.floor.parts, partial: r.floor.partial } : null })),
    exponents: exponents(results),
  };
}

function strip(t: Timed | null) {
  if (!t) return null;
  return { ok: t.ok, exitCode: t.exitCode, signal: t.signal, wallS: t.wallS, userS: t.userS, sysS: t.sysS, cpuS: t.cpuS, maxRssKiB: t.maxRssKiB, otherCpuS: t.otherCpuS, ...(t.ok ? {} : { stderrTail: t.tail }) };
}

console.log(table(results));
console.log('');
console.log(`pulled at ${requestsPerMinute} requests/minute (the sandbox's limit and the run's); "pull at 60/min" is the run's requests at the API's default 60 a minute${renderWorkers === null ? '' : `; --render-workers ${renderWorkers}`}`);
console.log('');
for (const r of results) {
  const extra = [
    r.period ? `month ${r.period}` : null,
    r.rawPages !== null ? `${r.rawPages} raw pages` : null,
    r.requests !== null ? `${r.requests} requests` : null,
    r.pdfs !== null ? `${r.pdfs} PDFs with ${r.pdfPages} pages` : null,
    r.workbooks !== null ? `${r.workbooks} workbooks with ${r.workbookRows} rows` : null,
    r.floor?.parts ? `floor: parse ${fmtS(r.floor.parts.parseS)}, PDF ${fmtS(r.floor.parts.pdfS)}, Excel ${fmtS(r.floor.parts.xlsxS)}` : null,
    r.sandboxStartS !== null ? `sandbox ready in ${fmtS(r.sandboxStartS)}` : null,
    r.fromRaw?.otherCpuS != null ? `CPU of other processes during from-raw ${fmtS(r.fromRaw.otherCpuS)}, during the floor ${fmtS(r.floor?.otherCpuS)}` : null,
  ].filter((x) => x !== null);
  console.log(`${r.people.toLocaleString('en-US')} people: ${extra.join('; ')}`);
  for (const n of r.notes) console.log(`  note: ${n}`);
}
const exps = exponents(results);
if (exps.length > 0) {
  console.log('');
  console.log('scaling exponent of the wall time, log(t2/t1) / log(n2/n1) (1 is linear):');
  const e = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  for (const x of exps) console.log(`  ${x.from.toLocaleString('en-US')} → ${x.to.toLocaleString('en-US')} people: from-raw ${e(x.fromRaw)}, run ${e(x.run)} (after its pull ${e(x.runAfterPull)}), floor ${e(x.floor)}`);
}
console.log('');
console.log(`written to ${jsonOut}`);
