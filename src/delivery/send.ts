import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import addressparser from 'nodemailer/lib/addressparser';
import { mailAddress } from './address.js';
import { formatUsd } from '../core/money.js';
import { parsePeriod } from '../core/period.js';
import { DEFAULT_EMAIL, type TemplateEmail } from '../core/template.js';
import { ChargebackError, dataError, upstreamError, usageError } from '../errors.js';
import { latestIssue, type Issue } from '../io/issues.js';
import { CHARGEBACK_FILE, DELIVERIES_FILE, DIRECTORY_COPY, OUTBOX_DIR, readChargeback, readDeliveries, statementFile, type Delivery, type DeliveriesFile } from '../io/layout.js';
import { parseDirectory } from '../io/directory-file.js';
import { readRecordedBytes, RECORDED_MAX_BYTES } from '../io/read-recorded.js';
import { FileRefusal, readRegularFile } from '../io/read-file.js';
import { deliveryKey, lockOutbox, writeAtomically, writeDeliveries } from './deliveries.js';
import { composeMessage, planMessages, type BudgetRecord, type ComposedMessage, type DeliveryCostCenter, type PlannedMessage } from './message.js';
import { describeSmtpError, isMessageError, openSmtp, parseSmtpUrl, scrubberFor, SMTP_URL_EXAMPLE, type SmtpSession, type SmtpTarget } from './smtp.js';

export interface SendOptions {
  readonly outDir: string;
  /** YYYY-MM; the latest issue of the month is sent (out/2026-09.r2 over out/2026-09). */
  readonly period: string;
  /** false: write the messages to outbox/ only; true: send them over SMTP_URL. */
  readonly confirm: boolean;
  /** Send again messages deliveries.json records as sent. */
  readonly resend: boolean;
  readonly smtpUrl: string | undefined;
  /** --from, else SMTP_FROM (the CLI resolves those two); email.from is the last resort. */
  readonly from: string | undefined;
  readonly email?: TemplateEmail;
  /** The template's locale for amounts and the month in the message (default en-GB). */
  readonly locale?: string;
  /** Replaces the directory's company name in {company}. */
  readonly company?: string;
  readonly now: Date;
  readonly log: (line: string) => void;
}

export type MessageStatus = 'drafted' | 'sent' | 'skipped-already-sent' | 'failed';

export interface MessageResult {
  readonly recipient: string;
  readonly ownerName: string;
  readonly costCenters: readonly string[];
  readonly statements: readonly string[];
  readonly attachments: ReadonlyArray<{ readonly file: string; readonly source: string; readonly sha256: string; readonly bytes: number }>;
  readonly totalCents: bigint;
  readonly status: MessageStatus;
  /** The .eml in outbox/ (path under outDir). */
  readonly file: string;
  readonly messageId: string;
  readonly subject: string;
  /** The SMTP server's reply (sent, failed). */
  readonly response: string | null;
  /** When it was sent before (skipped, or a draft of something already sent). */
  readonly alreadySentAt: string | null;
  readonly error: string | null;
}

export interface SendResult {
  readonly period: string;
  /** The issue folder, e.g. out/2026-09.r2. */
  readonly folder: string;
  readonly revision: number;
  readonly confirm: boolean;
  readonly messages: readonly MessageResult[];
  /** Statements not sent to anyone: the cost center has no owner (UNALLOCATED). */
  readonly noOwner: ReadonlyArray<{ readonly code: string; readonly statementNumber: string }>;
  readonly outbox: string;
  /** deliveries.json, when this run recorded anything. */
  readonly deliveries: string | null;
  readonly from: string | null;
}

interface Composed {
  readonly message: PlannedMessage;
  readonly mail: ComposedMessage;
  readonly attachments: MessageResult['attachments'];
  /** deliveryKey of the message. */
  readonly key: string;
}

const EXAMPLE_FROM = 'Finance <finance@example.com>';

/** Checks a sender and returns its bare address (for the SMTP envelope). */
function senderAddress(from: string, where: string): string {
  if (/[\r\n]/.test(from)) throw usageError(`${where} contains a line break.`, [`Example: ${EXAMPLE_FROM}`]);
  const parsed = addressparser(from, { flatten: true });
  const first = parsed[0];
  if (parsed.length !== 1 || !first || !('address' in first) || !/^[^\s@]+@[^\s@]+$/.test(first.address)) {
    throw usageError(`${where} ${JSON.stringify(from)} is not one e-mail address.`, [`Example: ${EXAMPLE_FROM}`]);
  }
  return first.address;
}

async function findIssue(outDir: string, label: string): Promise<Issue> {
  let issue: Issue | null;
  try {
    issue = await latestIssue(outDir, label);
  } catch (error) {
    if (error instanceof ChargebackError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw usageError(`${join(outDir, label)} is not a complete published month (no chargeback.json).`, [`Publish it with chargeback run --period ${label}${outDir === 'out' ? '' : ` --out ${outDir}`}.`]);
    throw error;
  }
  if (issue === null) {
    throw usageError(`${join(outDir, label)} does not exist: ${label} has not been published in ${outDir}.`, [
      `Publish it first with chargeback run --period ${label}${outDir === 'out' ? '' : ` --out ${outDir}`}, or pass --out DIR where it was published.`,
    ]);
  }
  return issue;
}

function costCentersOf(issue: Issue): { revision: number; costCenters: DeliveryCostCenter[]; budgets: Map<string, BudgetRecord> } {
  const where = join(issue.folder, CHARGEBACK_FILE);
  const published = readChargeback(issue.bytes, where);
  // readChargeback keeps unknown fields; parent is read here, loosely.
  const costCenters = published.costCenters.map((cc): DeliveryCostCenter => {
    const parent = (cc as { parent?: unknown }).parent;
    return {
      code: cc.code,
      name: cc.name,
      parent: typeof parent === 'string' ? parent : null,
      owner: cc.owner ? { name: cc.owner.name, email: cc.owner.email } : null,
      statementNumber: cc.statementNumber,
      billedCents: cc.billedCents,
    };
  });
  for (const cc of costCenters) {
    if (cc.owner && !mailAddress(cc.owner.email).ok) {
      throw dataError(`${where}: the owner of ${cc.code} has the e-mail ${JSON.stringify(cc.owner.email)}, which is not one address.`, ['Correct the owner in the org directory and re-issue the month.']);
    }
  }
  // Budgets by statement number (months issued before budgets existed have none).
  const listed = (published as { budgets?: unknown }).budgets;
  const budgets = new Map<string, BudgetRecord>();
  for (const b of Array.isArray(listed) ? (listed as Array<Record<string, unknown>>) : []) {
    const cents = (k: string) => BigInt(String(b[k]));
    if (typeof b.statement === 'string') budgets.set(b.statement, { budgetCents: cents('budgetCents'), actualCents: cents('actualCents'), varianceCents: cents('varianceCents'), ytdBudgetCents: cents('ytdBudgetCents'), ytdActualCents: cents('ytdActualCents') });
  }
  return { revision: published.revision ?? 1, costCenters, budgets };
}

/** The company of the org directory the month was issued with (inputs/), read by the directory loader. */
async function companyOf(folder: string): Promise<string | null> {
  // Through the recorded-file reader (a regular file, bounded, never waiting on a named pipe).
  const text = await readRecordedBytes(join(folder, DIRECTORY_COPY), 'the org directory the month was issued with').then((b) => b.toString('utf8'), () => null);
  return text === null ? null : (parseDirectory(text, DIRECTORY_COPY).directory?.company ?? null);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * `chargeback send`: one message per cost-center owner with their statements attached.
 * Without confirm, the messages are written to <issue>/outbox/ for review and nothing is sent.
 * With confirm, each is sent over SMTP and recorded in <issue>/deliveries.json as it goes, so a
 * re-run sends only what is not recorded yet (unless resend).
 */
export async function sendMonth(options: SendOptions): Promise<SendResult> {
  const target: SmtpTarget | null = options.confirm && options.smtpUrl ? safeParse(options.smtpUrl) : null;
  const scrub = scrubberFor(options.smtpUrl, target);
  const log = (line: string) => options.log(scrub(line));
  try {
    return await run(options, target, scrub, log);
  } catch (error) {
    if (error instanceof ChargebackError) {
      const clean = new ChargebackError(error.kind, scrub(error.message), error.details.map(scrub));
      clean.stack = undefined;
      throw clean;
    }
    // Whatever else went wrong, never let the password out in a stack or message.
    if (error instanceof Error) {
      error.message = scrub(error.message);
      error.stack = error.stack === undefined ? undefined : scrub(error.stack);
    }
    throw error;
  }
}

function safeParse(url: string): SmtpTarget {
  try {
    return parseSmtpUrl(url);
  } catch (error) {
    if (error instanceof ChargebackError) throw error;
    throw usageError('SMTP_URL cannot be read.', [`Expected ${SMTP_URL_EXAMPLE}.`]);
  }
}

async function run(options: SendOptions, target: SmtpTarget | null, scrub: (text: string) => string, log: (line: string) => void): Promise<SendResult> {
  const period = parsePeriod(options.period);
  if (period === null || period.label !== options.period.trim()) throw usageError(`--period ${JSON.stringify(options.period)} is not a month.`, ['Example: --period 2026-09']);
  const email = options.email ?? DEFAULT_EMAIL;

  // Configuration first: a send must not stop half-way for a missing setting.
  if (options.confirm && !options.smtpUrl) {
    throw usageError('SMTP_URL is not set; --confirm sends over SMTP.', [`Export the server, e.g. ${SMTP_URL_EXAMPLE}, or drop --confirm to write the messages to the outbox only.`]);
  }
  const fromSource = options.from !== undefined && options.from.trim() !== '' ? { value: options.from.trim(), where: '--from (or SMTP_FROM)' } : email.from ? { value: email.from.trim(), where: 'the template e-mail from' } : null;
  if (options.confirm && fromSource === null) {
    throw usageError('No sender: pass --from ADDRESS, set SMTP_FROM, or set email.from in the template.', [`Example: --from "${EXAMPLE_FROM}"`]);
  }
  const envelopeFrom = fromSource ? senderAddress(fromSource.value, fromSource.where) : null;
  const from = fromSource?.value ?? null;

  const issue = await findIssue(options.outDir, period.label);
  const folder = issue.folder;
  const folderName = basename(folder);
  const { revision, costCenters, budgets } = costCentersOf(issue);
  const rollupFiles = new Set<string>();
  for (const cc of costCenters) {
    if ((await isFile(join(folder, statementFile('rollup', cc.code, 'pdf')))) && (await isFile(join(folder, statementFile('rollup', cc.code, 'xlsx'))))) rollupFiles.add(cc.code);
  }
  const plan = planMessages(period, revision, costCenters, (code) => rollupFiles.has(code), budgets);
  const company = options.company ?? (await companyOf(folder)) ?? 'Claude Enterprise';
  const outbox = join(folder, OUTBOX_DIR);
  const deliveriesPath = join(folder, DELIVERIES_FILE);

  const release = await lockOutbox(folder);
  try {
    const record: DeliveriesFile = await readDeliveries(folder, period.label, folderName);
    const sentAt = new Map<string, string>();
    for (const d of record.deliveries) if (d.status === 'sent') sentAt.set(deliveryKey(d), d.at);

    // Compose every message before anything is sent: a missing statement stops the run up front.
    const composed: Composed[] = [];
    for (const message of plan.messages) {
      const contents: Buffer[] = [];
      for (const a of message.attachments) {
        try {
          // A regular file of at most 256 MiB, read without waiting on a named pipe or device in its place.
          contents.push(readRegularFile(join(folder, a.source), { maxBytes: RECORDED_MAX_BYTES, what: 'a statement of the month' }));
        } catch (error) {
          if (error instanceof FileRefusal) throw dataError(`${error.message} ${folderName} is not complete; nothing was sent.`, [`Check the month with chargeback verify ${folder}.`]);
          throw dataError(`${join(folder, a.source)} is missing: ${folderName} is not complete; nothing was sent.`, [`Check the month with chargeback verify ${folder}.`]);
        }
      }
      const mail = await composeMessage(message, contents, { period, company, email, from, now: options.now, locale: options.locale });
      const attachments = message.attachments.map((a, i) => ({ file: a.file, source: a.source, sha256: mail.attachmentSha256[i]!, bytes: contents[i]!.length }));
      const key = deliveryKey({ recipient: message.recipient, statements: message.statements.map((s) => s.number), attachments });
      composed.push({ message, mail, attachments, key });
    }

    const results: MessageResult[] = [];
    const result = (m: Composed, status: MessageStatus, extra: { response?: string | null; error?: string | null } = {}): MessageResult => ({
      recipient: m.message.recipient,
      ownerName: m.message.ownerName,
      costCenters: m.message.costCenters.map((c) => c.code),
      statements: m.message.statements.map((s) => s.number),
      attachments: m.attachments,
      totalCents: m.message.totalCents,
      status,
      file: join(outbox, m.message.outboxFile),
      messageId: m.mail.messageId,
      subject: m.mail.subject,
      response: extra.response ?? null,
      alreadySentAt: sentAt.get(m.key) ?? null,
      error: extra.error ?? null,
    });
    const describe = (m: Composed) => `${m.message.recipient}: ${m.message.statements.map((s) => s.number).join(', ')} (${m.attachments.length} attachments, ${formatUsd(m.message.totalCents)})`;

    if (!options.confirm) {
      for (const m of composed) {
        await writeAtomically(folder, join(outbox, m.message.outboxFile), m.mail.bytes);
        const r = result(m, 'drafted');
        results.push(r);
        log(`drafted ${describe(m)} → ${r.file}${r.alreadySentAt ? ` (already sent ${r.alreadySentAt}; --confirm skips it)` : ''}`);
      }
      for (const n of plan.noOwner) log(`not sent: no owner: ${n.code} (${n.statementNumber})`);
      return { period: period.label, folder, revision, confirm: false, messages: results, noOwner: plan.noOwner, outbox, deliveries: null, from };
    }

    let session: SmtpSession | null = null;
    let recorded = false;
    const failures: string[] = [];
    try {
      for (let i = 0; i < composed.length; i++) {
        const m = composed[i]!;
        const previously = sentAt.get(m.key);
        if (previously !== undefined && !options.resend) {
          results.push(result(m, 'skipped-already-sent'));
          log(`already sent ${describe(m)} on ${previously}; skipped (--resend sends it again)`);
          continue;
        }
        session ??= await openSmtp(target!, scrub);
        // The file in outbox/ is the exact message sent.
        await writeAtomically(folder, join(outbox, m.message.outboxFile), m.mail.bytes);
        const entry = (status: Delivery['status'], response: string | null, error: string | null): Delivery => ({
          status,
          recipient: m.message.recipient,
          ownerName: m.message.ownerName,
          costCenters: m.message.costCenters.map((c) => c.code),
          statements: m.message.statements.map((s) => s.number),
          attachments: m.attachments.map((a) => ({ ...a })),
          from: from!,
          messageId: m.mail.messageId,
          subject: m.mail.subject,
          outboxFile: `${OUTBOX_DIR}/${m.message.outboxFile}`,
          response,
          error,
          resend: previously !== undefined,
          at: options.now.toISOString(),
        });
        try {
          const response = await session.send(envelopeFrom!, m.message.recipient.trim(), m.mail.bytes);
          record.deliveries.push(entry('sent', response, null));
          await writeDeliveries(folder, record);
          recorded = true;
          sentAt.set(m.key, options.now.toISOString());
          results.push(result(m, 'sent', { response }));
          log(`sent ${describe(m)}: ${response || 'accepted'}`);
        } catch (error) {
          const text = describeSmtpError(error, scrub);
          const response = (error as { response?: unknown }).response;
          record.deliveries.push(entry('failed', typeof response === 'string' ? scrub(response) : null, text));
          await writeDeliveries(folder, record);
          recorded = true;
          results.push(result(m, 'failed', { error: text }));
          log(`FAILED ${describe(m)}: ${text}`);
          failures.push(`${m.message.recipient}: ${text}`);
          if (!isMessageError(error)) {
            // The connection is gone: stop here; what was sent is recorded, a re-run sends the rest.
            const rest = composed.slice(i + 1).map((x) => x.message.recipient);
            throw upstreamError(`The SMTP server ${target!.where} failed during the send; ${results.filter((r) => r.status === 'sent').length} message(s) were sent and recorded in ${deliveriesPath}.`, [
              ...failures,
              ...(rest.length > 0 ? [`not attempted: ${rest.join(', ')}`] : []),
              `Run the same chargeback send --period ${period.label} --confirm again: it sends only what is not recorded as sent.`,
            ]);
          }
        }
      }
    } finally {
      session?.close();
    }
    for (const n of plan.noOwner) log(`not sent: no owner: ${n.code} (${n.statementNumber})`);
    if (failures.length > 0) {
      throw upstreamError(`The SMTP server ${target!.where} refused ${failures.length} message(s); the others were sent and recorded in ${deliveriesPath}.`, [
        ...failures,
        `Fix the address or the server's complaint and run chargeback send --period ${period.label} --confirm again: it sends only what is not recorded as sent.`,
      ]);
    }
    return { period: period.label, folder, revision, confirm: true, messages: results, noOwner: plan.noOwner, outbox, deliveries: recorded ? deliveriesPath : null, from };
  } finally {
    await release();
  }
}

/** The closing line(s) the CLI prints. */
export function sendSummary(result: SendResult): string[] {
  const count = (s: MessageStatus) => result.messages.filter((m) => m.status === s).length;
  const noOwner = result.noOwner.length > 0 ? `; ${result.noOwner.length} statement(s) not sent: no owner (${result.noOwner.map((n) => n.code).join(', ')})` : '';
  if (!result.confirm) {
    return [
      `${result.period}: ${count('drafted')} message(s) written to ${result.outbox} for review${noOwner}. Nothing was sent.`,
      `Review them, then send with: chargeback send --period ${result.period} --confirm${result.from ? '' : ' --from ADDRESS (or SMTP_FROM)'}`,
    ];
  }
  const where = result.deliveries ?? join(result.folder, DELIVERIES_FILE);
  return [`${result.period}: ${count('sent')} sent, ${count('skipped-already-sent')} already sent (skipped)${noOwner}; recorded in ${where}.`];
}

