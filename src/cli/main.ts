#!/usr/bin/env node
// Commands import what they need when they run: --version, --help and usage errors load only
// commander and this file, so they answer at once.
import { Command, CommanderError, Option } from 'commander';
import { ChargebackError, EXIT, exitCodeFor, usageError } from '../errors.js';
import { PSEUDONYM_KEY_ENV } from '../io/pseudonyms.js';
import { TOOL_VERSION } from '../version.js';
import { DEFAULT_WORKER_CAP, MAX_RENDER_WORKERS, RENDER_WORKERS_ENV, renderWorkersFrom, SMALL_MONTH_LINES } from '../render/workers.js';
import type { ApiTarget, RunResult } from '../run.js';
import type { FaultAction, SandboxFaults } from '../sandbox/server.js';

const DEFAULT_BASE_URL = 'https://api.anthropic.com';

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly progress: boolean;
}

/** --now: a real instant with its offset (30 February or hour 25 are refused, not rolled over). */
async function parseNow(text: string | undefined): Promise<Date> {
  if (text === undefined) return new Date();
  const { parseInstant } = await import('../core/period.js');
  const parsed = parseInstant(text);
  if (!parsed.ok) throw usageError(`--now ${JSON.stringify(text)} is not a valid ISO-8601 instant: ${parsed.reason}.`, ['Example: --now 2026-11-25T09:00:00Z']);
  return new Date(parsed.ms);
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 0 || n > 65535) throw usageError(`--port ${JSON.stringify(text)} is not a port number.`, ['Use 0 (any free port) to 65535.']);
  return n;
}

/** "429@2", "429@2:5" (retry-after 5 s), "500@3", "529@1", "410@4", "slow@1:5000", "trickle@1:100", "row-outside@1", "long-amount@1:80", "bad-amount@1" */
export function parseFault(spec: string, faults: Record<number, FaultAction> = {}): Record<number, FaultAction> {
  const m = /^([a-z0-9-]+)@(\d+)(?::(\d+))?$/.exec(spec);
  if (!m) throw usageError(`--fault ${JSON.stringify(spec)} is not a fault.`, ['Expected KIND@REQUEST[:ARG], e.g. 429@2:5, 500@3, 410@4, slow@1:5000, bad-amount@1, refreshed@2.']);
  const [, kind, n, arg] = m;
  const at = Number(n);
  if (kind === 'slow') faults[at] = { kind: 'slow', ms: Number(arg ?? 5000) };
  else if (kind === 'trickle') faults[at] = { kind: 'trickle', ms: Number(arg ?? 100) };
  else if (kind === 'row-outside') faults[at] = { kind: 'row-outside' };
  else if (kind === 'long-amount') faults[at] = { kind: 'amount', amount: `${'9'.repeat(Number(arg ?? 80))}.000000` };
  else if (kind === 'bad-amount') faults[at] = { kind: 'malformed-amount' };
  else if (kind === 'refreshed') faults[at] = { kind: 'refreshed' };
  else if (/^\d{3}$/.test(kind!)) faults[at] = { kind: 'status', status: Number(kind), ...(arg !== undefined ? { retryAfter: arg } : {}) };
  else throw usageError(`--fault ${JSON.stringify(spec)}: unknown kind ${JSON.stringify(kind)}.`, ['Kinds: an HTTP status (429, 500, 529, 410, 401…), slow, trickle, row-outside, long-amount, bad-amount, refreshed.']);
  return faults;
}

function printError(io: Io, error: unknown): number {
  const code = exitCodeFor(error);
  if (error instanceof ChargebackError) {
    io.err(`error: ${error.message}`);
    for (const d of error.details) io.err(`  ${d}`);
  } else {
    io.err(`internal error (a bug in claude-chargeback; please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  return code;
}

/** What --help says after the commands: where settings come from, what the exit codes mean. */
const ENVIRONMENT_AND_EXIT_CODES = `
Environment:
  ANTHROPIC_ANALYTICS_API_KEY  Analytics API key (read:analytics) of the organization; never printed
  ANTHROPIC_BASE_URL           API base URL (default ${DEFAULT_BASE_URL}); no user:password@ in it
  HTTPS_PROXY, HTTP_PROXY      a proxy for the API requests, when one is needed
  ${PSEUDONYM_KEY_ENV}     key for --pseudonymize (at least 16 characters)
  SMTP_URL, SMTP_FROM          mail server and sender for send --confirm
  CHARGEBACK_PROGRESS=1        progress lines on stderr where it is not a terminal
  CHARGEBACK_RENDER_WORKERS    default of --render-workers (else the number of cores, up to 8)

Exit codes:
  0   done (or already published with the same figures)
  1   a data problem: the provider's rows, reconciliation, a month that does not verify
  2   a usage or configuration problem: flags, the org directory, a template, the output folder
  3   the provider's API could not give what is needed (after retries)
  70  a bug in claude-chargeback: please report it
  75  not yet, try later: the month is not final, the provider's export is behind, or it asked
      to wait longer than 5 minutes (sysexits EX_TEMPFAIL); a scheduler should retry, not alert

Run "chargeback <command> --help" for a command's options and an example.`;

const example = (...lines: string[]) => `\nExample:\n${lines.map((l) => `  ${l}`).join('\n')}`;

/** Seconds for --request-timeout: a deadline from connect to the last byte of each request. */
function parseSeconds(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n >= 1 && n <= 3600)) {
    throw usageError(`--request-timeout ${JSON.stringify(text)} is not a number of seconds from 1 to 3600.`, ['Example: --request-timeout 60 (the default).']);
  }
  return n;
}

/** The Analytics API's rate limit of an organization unless its account team raised it. */
const DEFAULT_REQUESTS_PER_MINUTE = 60;
const MAX_REQUESTS_PER_MINUTE = 100_000;

/** --requests-per-minute: the organization's Analytics rate limit, a whole number of requests. */
function parseRequestsPerMinute(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !(n >= 1 && n <= MAX_REQUESTS_PER_MINUTE)) {
    throw usageError(`--requests-per-minute ${JSON.stringify(text)} is not a whole number of requests from 1 to ${MAX_REQUESTS_PER_MINUTE}.`, [
      `It is your organization's Analytics API rate limit: ${DEFAULT_REQUESTS_PER_MINUTE} (the default) unless your account team raised it. Example: --requests-per-minute ${DEFAULT_REQUESTS_PER_MINUTE}.`,
    ]);
  }
  return n;
}

/**
 * ANTHROPIC_BASE_URL without credentials: a user or password in it would be printed and recorded
 * with the month, so it is refused rather than scrubbed.
 */
export function apiBaseUrl(env: NodeJS.ProcessEnv): string {
  const text = env.ANTHROPIC_BASE_URL || DEFAULT_BASE_URL;
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (url && (url.username !== '' || url.password !== '')) {
    throw usageError(`ANTHROPIC_BASE_URL carries a user name or password (${url.protocol}//…@${url.host}); credentials are never put in a URL, which would be printed and recorded with the month.`, [
      'Remove them from ANTHROPIC_BASE_URL. For a proxy that needs credentials set HTTPS_PROXY instead; the API key goes in ANTHROPIC_ANALYTICS_API_KEY.',
    ]);
  }
  return text;
}

interface RunFlags {
  period?: string;
  provisional: boolean;
  now?: string;
  out: string;
  force: boolean;
  directory: string;
  sandbox: boolean;
  fromRaw?: string;
  template?: string;
  pseudonymize: boolean;
  json: boolean;
  requestTimeout: string;
  requestsPerMinute: string;
  renderWorkers?: string;
}

/** The one JSON document `run --json` prints on stdout: what a scheduler or CI needs to know. */
export function runReport(result: RunResult) {
  return {
    ok: true,
    exitCode: EXIT.ok,
    period: result.period.label,
    status: result.status,
    revision: result.revision,
    unchanged: result.unchanged,
    folder: result.target,
    totals: {
      sourceCents: result.sourceTotalCents.toString(),
      unallocatedCents: result.unallocatedCents.toString(),
      adjustmentCents: result.adjustmentCents.toString(),
      carriedCents: result.carriedCents.toString(),
      orgTotalDifferenceCents: result.reconciliation.orgTotalDifferenceCents === null ? null : String(result.reconciliation.orgTotalDifferenceCents),
    },
    statements: result.statements.length,
    unmappedSpenders: result.unmappedSpenders,
    files: result.unchanged ? [] : result.files,
    warnings: result.warnings,
  };
}

export function buildProgram(io: Io, json: { asked: boolean }): Command {
  const program = new Command('chargeback')
    .description('Month-end chargeback of Claude Enterprise spend: exact per-department statements from the Analytics API.')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run chargeback --help for usage)')
    .addHelpText('after', ENVIRONMENT_AND_EXIT_CODES);

  program
    .command('run')
    .description('pull a month, allocate it and publish statements, summary, ledger and manifest to out/<YYYY-MM>/')
    .option('--period <YYYY-MM>', 'month to charge back (default: the latest month that is final now)')
    .option('--provisional', 'allow a month the provider may still revise; documents are marked PROVISIONAL', false)
    .option('--now <ISO-8601>', 'replace the clock (reproduces a run exactly)')
    .option('--out <dir>', 'output folder', 'out')
    .option('--force', 'replace an existing out/<period> (only once the new one is complete)', false)
    .option('--directory <file>', 'org directory YAML', 'mappings/org.yaml')
    .option('--sandbox', 'run against the built-in sandbox over loopback (no API key needed)', false)
    .option('--from-raw <dir>', 're-run from the raw/ folder of a published month, without any network')
    .option('--template <file>', 'statement template (layout, colours, locale, sections); default templates/standard.yaml, or with --from-raw the one the month was issued with')
    .option('--pseudonymize', `replace people with stable opaque ids in summary, ledger and FOCUS (key from ${PSEUDONYM_KEY_ENV})`, false)
    .option('--request-timeout <seconds>', 'deadline of each API request, from connect to the last byte of the answer', '60')
    .option('--requests-per-minute <n>', `the organization's Analytics API rate limit: ${DEFAULT_REQUESTS_PER_MINUTE} unless the account team raised it (1 to ${MAX_REQUESTS_PER_MINUTE}; with --sandbox, the built-in sandbox's limit too)`, String(DEFAULT_REQUESTS_PER_MINUTE))
    .option('--render-workers <n>', `threads rendering the statements, 0 to ${MAX_RENDER_WORKERS} (0: on the main thread; default ${RENDER_WORKERS_ENV}, else the number of cores up to ${DEFAULT_WORKER_CAP}, none for a month under ${SMALL_MONTH_LINES.toLocaleString('en-US')} lines)`)
    .option('--json', 'print one JSON document on stdout (period, status, revision, totals, files, warnings); progress and warnings stay on stderr', false)
    .addHelpText('after', example('chargeback run --period 2026-09 --json      # the month, once it is final (exit 75 before)', 'chargeback run --sandbox                     # the built-in sandbox, no API key'))
    .action(async (opts: RunFlags) => {
      json.asked = opts.json;
      const now = await parseNow(opts.now);
      const timeoutMs = parseSeconds(opts.requestTimeout) * 1000;
      const requestsPerMinute = parseRequestsPerMinute(opts.requestsPerMinute);
      const workers = renderWorkersFrom(opts.renderWorkers, io.env);
      const log = io.progress ? (m: string) => io.err(m) : () => {};
      const { pseudonymsFromEnv } = await import('../io/pseudonyms.js');
      const pseudonyms = opts.pseudonymize ? pseudonymsFromEnv(io.env, '--pseudonymize') : null;
      const execute = async (api: ApiTarget, fetchImpl?: typeof fetch) => {
        const { runMonth } = await import('../run.js');
        const options = { period: opts.period, provisional: opts.provisional, now, outDir: opts.out, force: opts.force, directoryPath: opts.directory, templatePath: opts.template, pseudonyms, api, log, fromRaw: opts.fromRaw, timeoutMs, requestsPerMinute, renderWorkers: workers, ...(fetchImpl ? { fetchImpl } : {}) };
        const result = await runMonth(options);
        // Always shown on stderr (not only with progress): what the month was published without.
        for (const w of result.warnings) io.err(`warning: ${w}`);
        if (opts.json) {
          io.out(JSON.stringify(runReport(result), null, 2));
          return;
        }
        const { formatUsd } = await import('../core/money.js');
        if (result.unchanged) {
          io.out(`${result.period.label} is already published in ${result.target} with the same figures (${result.status}); nothing was written.`);
          return;
        }
        const revision = result.revision > 1 ? ` revision ${result.revision}` : '';
        io.out(`${result.period.label}${revision} ${result.status}: source total ${formatUsd(result.sourceTotalCents)}, statements add up to it exactly.`);
        io.out(`${result.statements.length} statements (PDF and Excel); unallocated ${formatUsd(result.unallocatedCents)} from ${result.unmappedSpenders} unmapped spender(s).`);
        io.out(`org total without group_by differs by ${result.reconciliation.orgTotalDifferenceCents} cents.`);
        if (result.revision > 1) io.out(`final minus billed: ${formatUsd(result.adjustmentCents)} (adjustments.csv), carried to the next month's statements.`);
        if (result.carriedCents !== 0n) io.out(`carries ${formatUsd(result.carriedCents)} of adjustments of the previous month.`);
        io.out(`written to ${result.target}`);
      };
      if (opts.fromRaw !== undefined) {
        if (opts.sandbox) throw usageError('--from-raw and --sandbox cannot be combined.', ['--from-raw reads pages already pulled; drop --sandbox.']);
        await execute({ baseUrl: 'http://offline.invalid', apiKey: 'offline', label: 'raw' });
        return;
      }
      if (opts.sandbox) {
        const { SANDBOX_API_KEY, startSandbox } = await import('../sandbox/server.js');
        // The built-in sandbox limits at the rate the run keeps to.
        const sandbox = await startSandbox({ now: () => now.getTime(), requestsPerMinute });
        try {
          await execute({ baseUrl: sandbox.url, apiKey: SANDBOX_API_KEY, label: 'sandbox' });
        } finally {
          await sandbox.close();
        }
        return;
      }
      const baseUrl = apiBaseUrl(io.env);
      const apiKey = io.env.ANTHROPIC_ANALYTICS_API_KEY;
      if (!apiKey) {
        throw usageError('ANTHROPIC_ANALYTICS_API_KEY is not set.', [
          'Export an Analytics API key (read:analytics) of your organization, or pass --sandbox to run against the built-in sandbox.',
        ]);
      }
      // Against the real API the clock decides what is final: it may replay the past, never run ahead.
      if (now.getTime() > Date.now() + 5 * 60_000) {
        throw usageError(`--now ${opts.now} is in the future; against the real API that would mark unsettled data final.`, [
          'Use --now only to reproduce a past run, or with --sandbox.',
        ]);
      }
      const { describeBaseUrl } = await import('../api/client.js');
      const { proxiedFetch, proxySettings } = await import('../api/proxy.js');
      const proxy = proxySettings(io.env);
      const proxied = proxy ? await proxiedFetch(proxy, timeoutMs) : null;
      try {
        await execute({ baseUrl, apiKey, label: describeBaseUrl(baseUrl) }, proxied?.fetchImpl);
      } finally {
        await proxied?.close();
      }
    });

  program
    .command('validate')
    .description('check the org directory (and a statement template) and report every problem with file, line and column')
    .option('--directory <file>', 'org directory YAML', 'mappings/org.yaml')
    .option('--template <file>', 'also check this statement template')
    .addHelpText('after', example('chargeback validate --directory mappings/org.yaml --template templates/standard.yaml'))
    .action(async (opts: { directory: string; template?: string }) => {
      if (opts.template !== undefined) {
        const { loadMonthTemplate } = await import('../io/month-template.js');
        const { template } = await loadMonthTemplate(opts.template);
        io.out(`${opts.template}: ok: locale ${template.locale}, ${template.sections.length} sections (${template.sections.join(', ')})${template.logo ? `, logo ${template.logo.file}` : ''}.`);
      }
      const { parseDirectory, formatProblem, readDirectoryFile } = await import('../io/directory-file.js');
      // The same bounded reader as a run: a named pipe, a device or an oversized file is refused.
      const text = (await readDirectoryFile(opts.directory)).toString('utf8');
      const { directory, problems } = parseDirectory(text, opts.directory);
      if (!directory) throw usageError(`${opts.directory}: ${problems.length} problem${problems.length === 1 ? '' : 's'}.`, problems.map(formatProblem));
      io.out(`${opts.directory}: ok: ${directory.costCenters.length} cost centers, ${directory.people.length} people, ${directory.rules.length} rules, ${directory.pools.length} shared-cost pool(s); unmapped spend: ${directory.unmapped}.`);
    });

  program
    .command('close')
    .description('lock a published month: it is never rewritten again (not even with --force), only corrected forward')
    .requiredOption('--period <YYYY-MM>', 'the month to close')
    .option('--out <dir>', 'output folder', 'out')
    .option('--now <ISO-8601>', 'the time recorded as the close')
    .addHelpText('after', example('chargeback close --period 2026-09'))
    .action(async (opts: { period: string; out: string; now?: string }) => {
      const { closeMonth } = await import('../io/close.js');
      const result = await closeMonth(opts.out, opts.period, await parseNow(opts.now));
      io.out(result.alreadyClosed ? `${opts.period} was already closed (${result.marker}).` : `${opts.period} closed at revision ${result.revision}: ${result.marker}. Later corrections are carried forward as adjustments.`);
    });

  program
    .command('diff')
    .description('per cost center, what changed against the previous revision or month, and why')
    .requiredOption('--period <YYYY-MM[.rN]>', 'the issue to explain (a month: its latest issue)')
    .option('--against <YYYY-MM[.rN]>', 'compare with this issue (default: the previous revision, else the previous month)')
    .option('--out <dir>', 'output folder', 'out')
    .addHelpText('after', example('chargeback diff --period 2026-09.r2        # what the final figures changed'))
    .action(async (opts: { period: string; against?: string; out: string }) => {
      const { diffCommand } = await import('../io/diff-command.js');
      for (const line of await diffCommand(opts.out, opts.period, opts.against)) io.out(line);
    });

  program
    .command('verify')
    .description('re-check every hash of a published month and re-derive it offline from raw/ and the recorded directory')
    .argument('<dir>', 'a published month, e.g. out/2026-09')
    .option('--render-workers <n>', `threads re-rendering the statements, 0 to ${MAX_RENDER_WORKERS} (0: on the main thread; default ${RENDER_WORKERS_ENV}, else the number of cores up to ${DEFAULT_WORKER_CAP}, none for a month under ${SMALL_MONTH_LINES.toLocaleString('en-US')} lines)`)
    .addHelpText('after', example('chargeback verify out/2026-09'))
    .action(async (dir: string, opts: { renderWorkers?: string }) => {
      const workers = renderWorkersFrom(opts.renderWorkers, io.env);
      const { verifyMonth } = await import('../verify.js');
      const { dataError } = await import('../errors.js');
      const result = await verifyMonth(dir, io.env, { renderWorkers: workers });
      if (!result.ok) {
        throw dataError(`${dir} does not verify: ${result.problems.filter((p) => !p.startsWith('  ')).length} problem(s).`, result.problems);
      }
      if (result.notes.length > 0) {
        io.out(`${dir}: verified. ${result.filesChecked} files match the manifest, and the figures re-derived from raw/ and the recorded org directory are byte-identical.`);
        for (const note of result.notes) io.out(`  note: ${note}`);
        return;
      }
      io.out(`${dir}: verified. ${result.filesChecked} files match the manifest, and the month re-derived from raw/ and the recorded org directory is byte-identical.`);
    });

  program
    .command('send')
    .description("e-mail each cost-center owner their statements (PDF and Excel): written to the month's outbox/ for review; --confirm sends them over SMTP_URL")
    .requiredOption('--period <YYYY-MM>', 'the month to send (its latest issue, e.g. out/2026-09.r2)')
    .option('--out <dir>', 'output folder', 'out')
    .option('--confirm', 'send over SMTP (SMTP_URL); without it nothing is sent', false)
    .option('--resend', 'also send messages deliveries.json records as already sent', false)
    .option('--from <address>', 'sender (default: SMTP_FROM, else the template e-mail from)')
    .option('--now <ISO-8601>', 'the clock: the Date header and the delivery times')
    .addHelpText('after', example('chargeback send --period 2026-09             # writes outbox/*.eml to review', 'chargeback send --period 2026-09 --confirm   # sends them over SMTP_URL'))
    .action(async (opts: { period: string; out: string; confirm: boolean; resend: boolean; from?: string; now?: string }) => {
      const { publishedTemplate } = await import('../io/month-template.js');
      const { sendMonth, sendSummary } = await import('../delivery/send.js');
      // Subject, body, sender and company come from the template the month was issued with.
      const template = await publishedTemplate(opts.out, opts.period);
      const result = await sendMonth({
        ...(template ? { email: template.email, locale: template.locale, ...(template.company ? { company: template.company } : {}) } : {}),
        outDir: opts.out,
        period: opts.period,
        confirm: opts.confirm,
        resend: opts.resend,
        smtpUrl: io.env.SMTP_URL || undefined,
        from: opts.from ?? (io.env.SMTP_FROM || undefined),
        now: await parseNow(opts.now),
        log: (line) => io.out(line),
      });
      for (const line of sendSummary(result)) io.out(line);
    });

  program
    .command('sandbox')
    .description('serve the synthetic organization on loopback, like the Analytics API cost, usage and user activity endpoints')
    .option('--port <n>', 'port (0: any free port)', '8787')
    .option('--now <ISO-8601>', 'the sandbox clock (data_refreshed_at follows it)')
    .addOption(new Option('--fault <spec...>', 'inject faults by request number: 429@2:5, 500@3, 529@1, 410@4, slow@1:5000, trickle@1:100 (a byte every 100 ms), row-outside@1, long-amount@1:80 (digits), bad-amount@1, refreshed@2'))
    .option('--endless <rows|empty>', 'a cost listing that never ends: new cursors with the rows again, or with none')
    .option('--page-rows <n>', 'serve at most n row groups per page (forces pagination)')
    .option('--drift', 'schema drift: email instead of email_address, extra fields, a renamed product', false)
    .option('--people <n>', 'serve a synthetic organization of n people (at least 10) instead of the 128-person default')
    .option('--cost-centers <n>', 'with --people: cost centers in three levels (default people/100, at least 3)')
    .option('--seed <n>', 'with --people: the seed of the synthetic organization (default 1)')
    .option('--directory-out <file>', 'write the org directory that matches the organization served')
    .option('--requests-per-minute <n>', `the rate limit it enforces, like the organization's Analytics API rate limit: ${DEFAULT_REQUESTS_PER_MINUTE} unless the account team raised it (1 to ${MAX_REQUESTS_PER_MINUTE})`, String(DEFAULT_REQUESTS_PER_MINUTE))
    .addHelpText('after', example('chargeback sandbox --port 8787 --fault 429@2:5   # then point ANTHROPIC_BASE_URL at it', 'chargeback sandbox --people 100000 --cost-centers 1000 --directory-out org-100k.yaml'))
    .action(async (opts: { port: string; now?: string; fault?: string[]; pageRows?: string; drift: boolean; endless?: string; people?: string; costCenters?: string; seed?: string; directoryOut?: string; requestsPerMinute: string }) => {
      const requestsPerMinute = parseRequestsPerMinute(opts.requestsPerMinute);
      if (opts.endless !== undefined && opts.endless !== 'rows' && opts.endless !== 'empty') throw usageError(`--endless ${JSON.stringify(opts.endless)} is not rows or empty.`, ['Use --endless rows or --endless empty.']);
      const scale = opts.people === undefined && opts.costCenters === undefined && opts.seed === undefined ? null : (await import('../sandbox/scaled-org.js')).scaleFromFlags(opts);
      if (scale !== null && opts.endless !== undefined) throw usageError('--endless serves the default organization only; it cannot be combined with --people.', ['Drop --endless or --people.']);
      const fixed = opts.now === undefined ? null : (await parseNow(opts.now)).getTime();
      const clock = fixed === null ? Date.now : () => fixed;
      const byRequest: Record<number, FaultAction> = {};
      for (const f of opts.fault ?? []) parseFault(f, byRequest);
      const faults: SandboxFaults = { byRequest, drift: opts.drift, ...(opts.pageRows ? { pageUnits: parsePort(opts.pageRows) } : {}), ...(opts.endless ? { endless: opts.endless as 'rows' | 'empty' } : {}) };
      if (scale !== null && Object.values(byRequest).some((f) => f.kind === 'duplicate-row')) throw usageError('The duplicate-row fault serves the default organization only.', ['Drop it or --people.']);
      let organization: import('../sandbox/scaled-org.js').ScaledOrganization | undefined;
      if (scale !== null) {
        const { latestFinalPeriod, periodDays } = await import('../core/period.js');
        const { scaledOrganization } = await import('../sandbox/scaled-org.js');
        // The movers change cost center in the middle of the month a run at this clock closes.
        const moveDay = periodDays(latestFinalPeriod(clock()))[14]!;
        organization = scaledOrganization({ ...scale, moveDay });
      }
      if (opts.directoryOut !== undefined) {
        const file = opts.directoryOut;
        try {
          if (organization) {
            const { writeScaledDirectory } = await import('../sandbox/scaled-org.js');
            await writeScaledDirectory(organization, file);
          } else {
            const [{ writeFile }, { sampleDirectoryYaml }] = await Promise.all([import('node:fs/promises'), import('../sandbox/sample-directory.js')]);
            await writeFile(file, sampleDirectoryYaml());
          }
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          throw usageError(`Cannot write the org directory to ${file} (${code ?? 'error'}).`, ['Pass --directory-out a path in a folder that exists and is writable.']);
        }
        io.out(`org directory written to ${file}`);
      }
      const { SANDBOX_API_KEY, startSandbox } = await import('../sandbox/server.js');
      const sandbox = await startSandbox({ port: parsePort(opts.port), now: clock, faults, requestsPerMinute, ...(organization ? { organization } : {}) });
      // Listening for the stop signal before saying where we listen: a supervisor may stop us at once.
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      if (organization) {
        io.out(`synthetic organization: ${organization.people.toLocaleString('en-US')} people, ${organization.costCenterCount.toLocaleString('en-US')} cost centers in three levels, seed ${organization.seed}; movers change cost center on ${organization.moveDay}`);
      }
      io.out(`sandbox listening on ${sandbox.url}`);
      io.out(`  export ANTHROPIC_BASE_URL=${sandbox.url}`);
      io.out(`  export ANTHROPIC_ANALYTICS_API_KEY=${SANDBOX_API_KEY}`);
      io.out('press Ctrl+C to stop');
      await stopped;
      await sandbox.close();
    });

  return program;
}

/** The user and password of a URL (refused for the API, but never echoed if a message quotes it). */
function urlSecrets(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const url = new URL(text);
    let decoded = url.password;
    try {
      decoded = decodeURIComponent(url.password);
    } catch {
      // a stray % stays as written
    }
    return [url.password, decoded, url.username ? `${url.username}:${url.password}` : ''].filter((s) => s !== '');
  } catch {
    return [];
  }
}

/** Every line we print passes through here: the API key (and the pseudonym key) is replaced wherever it would appear. */
export function redacting(io: Io): Io {
  const urls = ['ANTHROPIC_BASE_URL', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].flatMap((name) => urlSecrets(io.env[name]));
  // A key shorter than 8 characters, or a URL password shorter than 4, is not scrubbed: it would
  // match ordinary words and garble every line (the URLs themselves are never printed).
  const keys = [...[io.env.ANTHROPIC_ANALYTICS_API_KEY, io.env[PSEUDONYM_KEY_ENV]].filter((k): k is string => k !== undefined && k.length >= 8), ...urls.filter((k) => k.length >= 4)];
  if (keys.length === 0) return io;
  const scrub = (line: string) => keys.reduce((text, key) => text.split(key).join('[redacted]'), line);
  return { ...io, out: (line) => io.out(scrub(line)), err: (line) => io.err(scrub(line)) };
}

export async function main(argv: readonly string[], rawIo: Io): Promise<number> {
  const io = redacting(rawIo);
  const json = { asked: false };
  const program = buildProgram(io, json);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      // A scheduler asking for --json gets its document even when the flags themselves are wrong.
      if (argv.includes('--json')) io.out(JSON.stringify(failureReport(usageError(error.message.replace(/^error: /, '')), EXIT.usage), null, 2));
      return EXIT.usage;
    }
    const code = printError(io, error);
    // A scheduler reading --json gets one document on failure too: the code and who must act.
    if (json.asked) io.out(JSON.stringify(failureReport(error, code), null, 2));
    return code;
  }
}

function failureReport(error: unknown, code: number) {
  const known = error instanceof ChargebackError;
  return {
    ok: false,
    exitCode: code,
    kind: known ? error.kind : 'internal',
    tryLater: code === EXIT.tempfail,
    message: known ? error.message : 'internal error (a bug in claude-chargeback; please report it)',
    details: known ? error.details : [],
  };
}

const isEntry = process.argv[1] !== undefined && import.meta.url === (await import('node:url')).pathToFileURL((await import('node:fs')).realpathSync(process.argv[1])).href;
if (isEntry) {
  // A reader that stops early (| head) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const code = await main(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    // CHARGEBACK_PROGRESS=1 asks for progress lines where stderr is no terminal (logs, tests).
    progress: process.env.CHARGEBACK_PROGRESS === '1' || (Boolean(process.stderr.isTTY) && !process.env.CI),
  });
  process.exitCode = code;
}
