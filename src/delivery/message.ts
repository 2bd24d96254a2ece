import { messagesFor, type Messages } from '../i18n/messages.js';
import { Formatter } from '../render/locale.js';
import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { statementNumber } from '../core/statements.js';
import { statementFile } from '../io/layout.js';
import type { Period } from '../core/period.js';
import type { TemplateEmail } from '../core/template.js';

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The part of a published chargeback.json delivery needs. */
export interface DeliveryCostCenter {
  readonly code: string;
  readonly name: string;
  readonly parent: string | null;
  readonly owner: { readonly name: string; readonly email: string } | null;
  readonly statementNumber: string | null;
  readonly billedCents: bigint;
}

export interface AttachmentFile {
  /** The file name in the e-mail: the statement number, e.g. CB-2026-09-ENG-PLAT.pdf. */
  readonly file: string;
  /** Path inside the issue folder, e.g. statements/ENG-PLAT.pdf. */
  readonly source: string;
}

export interface StatementRef {
  readonly number: string;
  readonly kind: 'direct' | 'rollup';
  readonly code: string;
  readonly name: string;
  readonly cents: bigint;
  /** The statement's budget this month, as chargeback.json records it; absent without one. */
  readonly budget?: BudgetRecord;
}

/** A statement's budget against actual, as chargeback.json's budgets list holds it. */
export interface BudgetRecord {
  readonly budgetCents: bigint;
  readonly actualCents: bigint;
  readonly varianceCents: bigint;
  readonly ytdBudgetCents: bigint;
  readonly ytdActualCents: bigint;
}

/** One message: everything one owner receives. */
export interface PlannedMessage {
  /** As written in the directory (the first of the owner's cost centers). */
  readonly recipient: string;
  readonly ownerName: string;
  readonly costCenters: ReadonlyArray<{ readonly code: string; readonly name: string }>;
  readonly statements: readonly StatementRef[];
  /** Sum of the owner's direct statements (roll-ups bill nothing of their own). */
  readonly totalCents: bigint;
  readonly attachments: readonly AttachmentFile[];
  /** File name in outbox/. */
  readonly outboxFile: string;
  /** 1 for a month's first issue; 2 or more for a revision, which the subject and body say. */
  readonly revision: number;
}

export interface Plan {
  readonly messages: readonly PlannedMessage[];
  /** Statements nobody receives: cost centers without an owner (UNALLOCATED). */
  readonly noOwner: ReadonlyArray<{ readonly code: string; readonly statementNumber: string }>;
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function slug(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[._-]+|[._-]+$/g, '')
      .slice(0, 64) || 'owner'
  );
}

/**
 * One message per owner (e-mail compared case-insensitively), in e-mail order: each direct
 * statement the owner's cost centers have (PDF and workbook), then the roll-up of each parent
 * they own that has one. `hasRollup(code)` says whether statements/rollup/<code>.* were published.
 */
export function planMessages(period: Period, revision: number, costCenters: readonly DeliveryCostCenter[], hasRollup: (code: string) => boolean, budgets: ReadonlyMap<string, BudgetRecord> = new Map()): Plan {
  const children = new Map<string, string[]>();
  for (const cc of costCenters) if (cc.parent) children.set(cc.parent, [...(children.get(cc.parent) ?? []), cc.code]);
  const byCode = new Map(costCenters.map((cc) => [cc.code, cc]));
  const subtreeCents = (code: string): bigint => (byCode.get(code)?.billedCents ?? 0n) + (children.get(code) ?? []).reduce((a, c) => a + subtreeCents(c), 0n);

  const noOwner: Array<{ code: string; statementNumber: string }> = [];
  const groups = new Map<string, { recipient: string; ownerName: string; ccs: DeliveryCostCenter[]; statements: StatementRef[] }>();
  for (const cc of costCenters) {
    const rollup = (children.get(cc.code) ?? []).length > 0 && hasRollup(cc.code);
    if (cc.statementNumber === null && !rollup) continue; // no statement: nothing to send
    if (cc.owner === null) {
      if (cc.statementNumber !== null) noOwner.push({ code: cc.code, statementNumber: cc.statementNumber });
      continue;
    }
    const key = cc.owner.email.trim().toLowerCase();
    const group = groups.get(key) ?? { recipient: cc.owner.email.trim(), ownerName: cc.owner.name, ccs: [], statements: [] };
    groups.set(key, group);
    group.ccs.push(cc);
    const budgeted = (number: string) => (budgets.has(number) ? { budget: budgets.get(number)! } : {});
    if (cc.statementNumber !== null) group.statements.push({ number: cc.statementNumber, kind: 'direct', code: cc.code, name: cc.name, cents: cc.billedCents, ...budgeted(cc.statementNumber) });
    if (rollup) {
      const number = `${statementNumber(period.label, cc.code, revision)}-ROLLUP`;
      group.statements.push({ number, kind: 'rollup', code: cc.code, name: cc.name, cents: subtreeCents(cc.code), ...budgeted(number) });
    }
  }

  const keys = [...groups.keys()].sort();
  // outbox/<local part>.eml; when two owners share a local part, both get <local>-at-<domain>.
  const local = (key: string) => slug(key.split('@')[0] ?? key);
  const count = new Map<string, number>();
  for (const k of keys) count.set(local(k), (count.get(local(k)) ?? 0) + 1);
  const messages = keys.map((key): PlannedMessage => {
    const g = groups.get(key)!;
    // Direct statements first, then roll-ups, each in directory order.
    const statements = [...g.statements.filter((s) => s.kind === 'direct'), ...g.statements.filter((s) => s.kind === 'rollup')];
    const attachments = statements.flatMap((s) => {
      return (['pdf', 'xlsx'] as const).map((ext) => ({ file: `${s.number}.${ext}`, source: statementFile(s.kind, s.code, ext) }));
    });
    const name = count.get(local(key))! > 1 ? slug(key.replace('@', '-at-')) : local(key);
    return {
      recipient: g.recipient,
      ownerName: g.ownerName,
      costCenters: g.ccs.map((cc) => ({ code: cc.code, name: cc.name })),
      statements,
      // What the owner is billed; an owner of a parent alone gets the roll-up's total, for information.
      totalCents: (statements.some((s) => s.kind === 'direct') ? statements.filter((s) => s.kind === 'direct') : statements).reduce((a, s) => a + s.cents, 0n),
      attachments,
      outboxFile: `${name}.eml`,
      revision,
    };
  });
  return { messages, noOwner };
}

export interface ComposeContext {
  readonly period: Period;
  readonly company: string;
  readonly email: TemplateEmail;
  /** The From header; null leaves it out (a draft before a sender is chosen). */
  readonly from: string | null;
  readonly now: Date;
  /** The template's locale for {total}, amounts and {period_title} (default en-GB). */
  readonly locale?: string;
}

export interface ComposedMessage {
  readonly subject: string;
  readonly messageId: string;
  readonly bytes: Buffer;
  /** sha256 of each attachment, in attachment order. */
  readonly attachmentSha256: readonly string[];
}

export function placeholders(message: PlannedMessage, ctx: Pick<ComposeContext, 'period' | 'company' | 'locale'>): Record<string, string> {
  const f = new Formatter(ctx.locale ?? 'en-GB');
  const m = messagesFor(ctx.locale ?? 'en-GB');
  const statements = message.statements.map((s) => (s.kind === 'rollup' ? m.email.rollupStatement(s.number, s.name, f.money(s.cents)) : s.number));
  return {
    company: ctx.company,
    period: ctx.period.label,
    period_title: f.month(ctx.period.label),
    owner: message.ownerName,
    cost_centers: message.costCenters.map((cc) => `${cc.name} (${cc.code})`).join(', '),
    statements: statements.join(', '),
    total: f.money(message.totalCents),
    budget: budgetLines(message, f, m).join('\n'),
  };
}

/** One line per statement with a budget: budget, this month's charges, over or under, year to date. */
export function budgetLines(message: PlannedMessage, f: Formatter, m: Messages): string[] {
  return message.statements.flatMap((s) => {
    const b = s.budget;
    if (!b) return [];
    const standing = b.varianceCents < 0n ? { over: f.money(-b.varianceCents) } : b.varianceCents === 0n ? ('on' as const) : { under: f.money(b.varianceCents) };
    return [m.email.budgetLine({ name: s.name, which: s.kind === 'rollup' ? m.email.rollup : s.code, budget: f.money(b.budgetCents), actual: f.money(b.actualCents), standing, ytdActual: f.money(b.ytdActualCents), ytdBudget: f.money(b.ytdBudgetCents) })];
  });
}

export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{([a-z_]+)\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? values[key]! : whole));
}

/**
 * The message as RFC 5322 bytes. Deterministic: the Date header is the given clock, the
 * Message-ID and the MIME boundary derive from the recipient, statement numbers, attachment
 * hashes and that clock, so the same month, sender and --now give the same bytes.
 */
export async function composeMessage(message: PlannedMessage, contents: readonly Buffer[], ctx: ComposeContext): Promise<ComposedMessage> {
  const values = placeholders(message, ctx);
  const revised = message.revision > 1;
  const filled = fill(ctx.email.subject, values).replace(/[\r\n]+/g, ' ').trim();
  const m = messagesFor(ctx.locale ?? 'en-GB');
  const subject = revised ? m.email.revised(message.revision, filled) : filled;
  // A revision replaces what the owner already holds: said first, before the template's text.
  const notice = revised ? `${m.email.revisedNotice(message.revision, values.period_title!)}\n\n` : '';
  // Budgets follow the template's text, unless it places {budget} itself.
  const budgets = values.budget && !ctx.email.body.includes('{budget}') ? `\n\n${values.budget}` : '';
  const body = `${notice}${fill(ctx.email.body, values).replace(/\n*$/, '')}${budgets}`.replace(/\r\n?/g, '\n').replace(/\n*$/, '\n');
  const attachmentSha256 = contents.map(sha256);
  const seed = sha256(Buffer.from([message.recipient.toLowerCase(), ...message.statements.map((s) => s.number), ...attachmentSha256, ctx.now.toISOString()].join('\n')));
  const domain = (ctx.from ? /@([^\s<>@]+)>?\s*$/.exec(ctx.from)?.[1] : undefined) ?? 'claude-chargeback.invalid';
  const messageId = `<chargeback.${ctx.period.label}.${seed.slice(0, 32)}@${domain}>`;
  const composer = new MailComposer({
    ...(ctx.from ? { from: ctx.from } : {}),
    to: { name: message.ownerName, address: message.recipient },
    subject,
    text: body,
    date: ctx.now,
    messageId,
    baseBoundary: seed.slice(32, 56),
    // CRLF throughout, as it travels over SMTP: the .eml is byte for byte what the server receives.
    newline: 'windows',
    attachments: message.attachments.map((a, i) => ({
      filename: a.file,
      content: contents[i]!,
      contentType: a.file.endsWith('.pdf') ? 'application/pdf' : XLSX_TYPE,
      contentDisposition: 'attachment',
    })),
  });
  const bytes = await composer.compile().build();
  return { subject, messageId, bytes, attachmentSha256 };
}
