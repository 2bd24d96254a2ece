import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodOf } from '../src/core/period.js';
import { composeMessage, planMessages, type DeliveryCostCenter } from '../src/delivery/message.js';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';

const NOW = '2026-11-25T09:00:00Z';
const SEND_NOW = '2026-12-01T08:30:00Z';
const USER = 'chargeback';
const PASSWORD = 'Pa55-w0rd_not-to-be-seen';
const FROM = 'Finance <finance@acme.example>';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Received {
  readonly mailFrom: string;
  readonly rcptTo: string[];
  readonly raw: Buffer;
}

interface PublishedCostCenter {
  code: string;
  name: string;
  parent: string | null;
  owner: { name: string; email: string } | null;
  statementNumber: string | null;
  billedCents: string;
}

/** A real SMTP server on loopback (no TLS), with one user; it keeps every message it accepts. */
async function startSmtp() {
  const received: Received[] = [];
  const state = { reject: null as string | null };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (state.reject !== null && address.address.toLowerCase() === state.reject) {
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        received.push({ mailFrom: mailFrom ? mailFrom.address : '', rcptTo: session.envelope.rcptTo.map((a) => a.address), raw: Buffer.concat(chunks) });
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return {
    received,
    state,
    port,
    url: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function costCenters(month: string): PublishedCostCenter[] {
  return (JSON.parse(readFileSync(join(month, 'chargeback.json'), 'utf8')) as { costCenters: PublishedCostCenter[] }).costCenters;
}

/**
 * What each owner should receive, worked out here from chargeback.json and the files on disk:
 * owner e-mail (lower case) → attachment name → the published file it must equal.
 */
function expectedByOwner(month: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const cc of costCenters(month)) {
    if (cc.owner === null) continue;
    const files = new Map<string, string>();
    if (cc.statementNumber !== null) for (const ext of ['pdf', 'xlsx']) files.set(`${cc.statementNumber}.${ext}`, join(month, 'statements', `${cc.code}.${ext}`));
    if (existsSync(join(month, 'statements', 'rollup', `${cc.code}.pdf`))) for (const ext of ['pdf', 'xlsx']) files.set(`CB-2026-09-${cc.code}-ROLLUP.${ext}`, join(month, 'statements', 'rollup', `${cc.code}.${ext}`));
    if (files.size === 0) continue;
    const key = cc.owner.email.toLowerCase();
    out.set(key, new Map([...(out.get(key) ?? []), ...files]));
  }
  return out;
}

const toAddress = (mail: ParsedMail): string => {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase())).join(',');
};

interface DeliveriesJson {
  schema: string;
  deliveries: Array<{ status: string; recipient: string; statements: string[]; costCenters: string[]; attachments: Array<{ file: string; sha256: string }>; messageId: string; response: string | null; at: string; resend: boolean }>;
}
const readDeliveries = (month: string) => JSON.parse(readFileSync(join(month, 'deliveries.json'), 'utf8')) as DeliveriesJson;

describe('chargeback send: statements by e-mail to each owner, over a real SMTP server', () => {
  let base: string;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  /** A fresh copy of the published sandbox month, for one scenario. */
  const made: string[] = [];
  const freshCopy = () => {
    const out = tempDir('chargeback-send-');
    made.push(out);
    cpSync(base, out, { recursive: true });
    return { out, month: join(out, '2026-09') };
  };
  /** verify's verdict on the month before any send: sending must not change it (outbox/ and deliveries.json are not part of the month). */
  let baseline: { code: number; stdout: string; stderr: string };
  const verifyUnchanged = async (out: string) => {
    const verified = await runCli(['verify', join(out, '2026-09')]);
    const norm = (r: CliResult, dir: string) => ({ code: r.code, stdout: r.stdout.split(dir).join('<out>'), stderr: r.stderr.split(dir).join('<out>') });
    expect(`${verified.stdout}${verified.stderr}`).not.toMatch(/outbox|deliveries\.json/);
    expect(norm(verified, out)).toEqual(baseline);
  };
  const send = (out: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => runCli(['send', '--period', '2026-09', '--out', out, '--now', SEND_NOW, ...extra], env);

  beforeAll(async () => {
    base = tempDir('chargeback-send-base-');
    const published = await runCli(['run', '--sandbox', '--now', NOW, '--out', base]);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    baseline = await runCli(['verify', join(base, '2026-09')]).then((r) => ({ code: r.code, stdout: r.stdout.split(base).join('<out>'), stderr: r.stderr.split(base).join('<out>') }));
    // The published month verifies; send must leave it that way.
    expect(baseline.code).toBe(0);
    smtp = await startSmtp();
  });

  afterAll(async () => {
    await smtp?.close();
    for (const dir of [base, ...made]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('without --confirm writes one .eml per owner to outbox/, sends nothing, and the month still verifies', async () => {
    const { out, month } = freshCopy();
    const before = smtp.received.length;
    const expected = expectedByOwner(month);
    const result = await send(out, [], { SMTP_URL: smtp.url, SMTP_FROM: FROM });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(smtp.received.length).toBe(before);
    expect(existsSync(join(month, 'deliveries.json'))).toBe(false);
    expect(result.stdout).toMatch(/Nothing was sent\./);
    expect(result.stdout).toMatch(/^not sent: no owner: UNALLOCATED \(CB-2026-09-UNALLOCATED\)$/m);
    expect(result.stdout).toContain('chargeback send --period 2026-09 --confirm');

    const emls = readdirSync(join(month, 'outbox')).filter((f) => f.endsWith('.eml')).sort();
    expect(emls.length).toBe(expected.size);
    expect(readdirSync(join(month, 'outbox')).filter((f) => !f.endsWith('.eml'))).toEqual([]); // no lock or temp file left
    const seen = new Set<string>();
    for (const f of emls) {
      const path = join(month, 'outbox', f);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const mail = await simpleParser(readFileSync(path));
      const to = toAddress(mail);
      seen.add(to);
      expect(f).toBe(`${to.split('@')[0]}.eml`);
      expect(mail.date?.toISOString()).toBe('2026-12-01T08:30:00.000Z');
      expect(mail.subject).toContain('2026-09');
      expect(mail.messageId).toMatch(/^<chargeback\.2026-09\.[0-9a-f]{32}@acme\.example>$/);
      expect(new Set(mail.attachments.map((a) => a.filename))).toEqual(new Set(expected.get(to)!.keys()));
      expect(result.stdout).toContain(`→ ${path}`);
    }
    expect(seen).toEqual(new Set(expected.keys()));

    // Deterministic: the same month, sender and --now give the same bytes.
    const first = new Map(emls.map((f) => [f, readFileSync(join(month, 'outbox', f))]));
    expect((await send(out, [], { SMTP_FROM: FROM })).code).toBe(0);
    for (const [f, bytes] of first) expect(readFileSync(join(month, 'outbox', f)).equals(bytes)).toBe(true);

    await verifyUnchanged(out);
  });

  it('--confirm sends one message per owner with their statements; a second run sends nothing; --resend sends again', async () => {
    const { out, month } = freshCopy();
    const expected = expectedByOwner(month);
    const start = smtp.received.length;
    const env = { SMTP_URL: smtp.url, SMTP_FROM: FROM };

    const result = await send(out, ['--confirm'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const batch = smtp.received.slice(start);
    expect(batch.length).toBe(expected.size);
    expect(result.stdout).toMatch(new RegExp(`^2026-09: ${expected.size} sent, 0 already sent \\(skipped\\); 1 statement\\(s\\) not sent: no owner \\(UNALLOCATED\\); recorded in .*deliveries\\.json\\.$`, 'm'));
    expect(result.stdout).not.toContain(PASSWORD);

    const recipients = new Set<string>();
    for (const message of batch) {
      expect(message.mailFrom).toBe('finance@acme.example');
      expect(message.rcptTo.length).toBe(1);
      const mail = await simpleParser(message.raw);
      const to = toAddress(mail);
      expect(message.rcptTo[0]!.toLowerCase()).toBe(to);
      recipients.add(to);
      expect(mail.from?.value[0]?.address).toBe('finance@acme.example');
      expect(mail.subject).toMatch(/Claude chargeback statement 2026-09 for /);
      expect(mail.text).toContain('September 2026');
      expect(mail.text).toMatch(/total \$[\d,]+\.\d\d\./);
      const files = expected.get(to)!;
      expect(mail.attachments.length).toBe(files.size);
      for (const a of mail.attachments) {
        expect(files.has(a.filename!)).toBe(true);
        expect(sha256(a.content)).toBe(sha256(readFileSync(files.get(a.filename!)!)));
        expect(a.contentType).toBe(a.filename!.endsWith('.pdf') ? 'application/pdf' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      }
      // The outbox holds exactly what was sent.
      expect(readFileSync(join(month, 'outbox', `${to.split('@')[0]}.eml`)).equals(message.raw)).toBe(true);
    }
    expect(recipients).toEqual(new Set(expected.keys()));

    // The owner of a parent receives its roll-up; each direct owner's total is their statement's.
    const ccs = costCenters(month);
    const platOwner = ccs.find((c) => c.code === 'ENG-PLAT')!.owner!.email;
    const plat = await simpleParser(batch.find((m) => m.rcptTo[0] === platOwner)!.raw);
    const cents = BigInt(ccs.find((c) => c.code === 'ENG-PLAT')!.billedCents);
    const dollars = `$${(cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${(cents % 100n).toString().padStart(2, '0')}`;
    expect(plat.text).toContain(`total ${dollars}.`);

    const record = readDeliveries(month);
    expect(statSync(join(month, 'deliveries.json')).mode & 0o777).toBe(0o600);
    expect(record.deliveries.length).toBe(expected.size);
    for (const d of record.deliveries) {
      expect(d.status).toBe('sent');
      expect(d.at).toBe('2026-12-01T08:30:00.000Z');
      expect(d.response).toMatch(/^250 /);
      expect(d.messageId).toMatch(/^<chargeback\.2026-09\./);
      const files = expected.get(d.recipient.toLowerCase())!;
      expect(new Set(d.attachments.map((a) => a.file))).toEqual(new Set(files.keys()));
      for (const a of d.attachments) expect(a.sha256).toBe(sha256(readFileSync(files.get(a.file)!)));
      expect(d.statements.length * 2).toBe(d.attachments.length);
    }
    expect(JSON.stringify(record)).not.toContain(PASSWORD);

    // Idempotent: nothing is sent twice.
    const again = await send(out, ['--confirm'], env);
    expect(again.code).toBe(0);
    expect(smtp.received.length).toBe(start + expected.size);
    expect(again.stdout.match(/^already sent /gm)?.length).toBe(expected.size);
    expect(again.stdout).toMatch(new RegExp(`^2026-09: 0 sent, ${expected.size} already sent \\(skipped\\)`, 'm'));
    expect(readDeliveries(month).deliveries.length).toBe(expected.size);

    // --resend sends them again and records it.
    const resent = await send(out, ['--confirm', '--resend'], env);
    expect(resent.code).toBe(0);
    expect(smtp.received.length).toBe(start + 2 * expected.size);
    const after = readDeliveries(month).deliveries;
    expect(after.length).toBe(2 * expected.size);
    expect(after.slice(expected.size).every((d) => d.resend && d.status === 'sent')).toBe(true);

    await verifyUnchanged(out);

    // A month that was e-mailed is never replaced with --force: owners hold those statements.
    const forced = await runCli(['run', '--sandbox', '--now', NOW, '--out', out, '--force']);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain(`was e-mailed to ${expected.size} owner(s)`);
    expect(readDeliveries(month).deliveries.length).toBe(2 * expected.size);
  });

  it('a refused recipient fails the run (exit 3) but the others stay recorded; a re-run sends only the rest', async () => {
    const { out, month } = freshCopy();
    const expected = expectedByOwner(month);
    const victim = [...expected.keys()].sort()[1]!;
    const start = smtp.received.length;
    smtp.state.reject = victim;
    try {
      const failed = await send(out, ['--confirm'], { SMTP_URL: smtp.url, SMTP_FROM: FROM });
      expect(failed.code).toBe(3);
      expect(failed.stderr).toContain(victim);
      expect(failed.stderr).toContain(`127.0.0.1:${smtp.port}`);
      expect(`${failed.stdout}${failed.stderr}`).not.toContain(PASSWORD);
    } finally {
      smtp.state.reject = null;
    }
    expect(smtp.received.length).toBe(start + expected.size - 1);
    const record = readDeliveries(month).deliveries;
    expect(record.filter((d) => d.status === 'sent').length).toBe(expected.size - 1);
    expect(record.filter((d) => d.status === 'failed').map((d) => d.recipient.toLowerCase())).toEqual([victim]);

    const rerun = await send(out, ['--confirm'], { SMTP_URL: smtp.url, SMTP_FROM: FROM });
    expect(rerun.code).toBe(0);
    expect(smtp.received.length).toBe(start + expected.size);
    expect(smtp.received.at(-1)!.rcptTo[0]!.toLowerCase()).toBe(victim);
    expect(rerun.stdout).toMatch(new RegExp(`^2026-09: 1 sent, ${expected.size - 1} already sent`, 'm'));
  });

  it('an SMTP server that is down: exit 3 naming host:port, never the password, nothing recorded as sent', async () => {
    const { out, month } = freshCopy();
    const port = await closedPort();
    const result = await send(out, ['--confirm'], { SMTP_URL: `smtp://${USER}:${PASSWORD}@127.0.0.1:${port}`, SMTP_FROM: FROM });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
    expect(result.stderr).toContain('nothing was sent');
    expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
    expect(existsSync(join(month, 'deliveries.json'))).toBe(false);
  });

  it('a wrong password: exit 3, the password appears nowhere', async () => {
    const { out, month } = freshCopy();
    const wrong = 'Wr0ng-secret-value';
    const result = await send(out, ['--confirm'], { SMTP_URL: `smtp://${USER}:${wrong}@127.0.0.1:${smtp.port}`, SMTP_FROM: FROM });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`127.0.0.1:${smtp.port}`);
    expect(result.stderr).toContain('refused the login');
    expect(`${result.stdout}${result.stderr}`).not.toContain(wrong);
    expect(existsSync(join(month, 'deliveries.json'))).toBe(false);
  });

  it('usage errors (exit 2): no SMTP_URL with --confirm, no sender, an unpublished period', async () => {
    const { out, month } = freshCopy();
    const noUrl = await send(out, ['--confirm'], { SMTP_FROM: FROM });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('SMTP_URL');
    expect(noUrl.stderr).toMatch(/smtp:\/\/user:password@/);

    const noFrom = await send(out, ['--confirm'], { SMTP_URL: smtp.url });
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toContain('--from');
    expect(noFrom.stderr).not.toContain(PASSWORD);

    const unknown = await runCli(['send', '--period', '2026-08', '--out', out]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(join(out, '2026-08'));
    expect(unknown.stderr).toContain('chargeback run --period 2026-08');

    const badPeriod = await runCli(['send', '--period', 'September', '--out', out]);
    expect(badPeriod.code).toBe(2);
    expect(existsSync(join(month, 'deliveries.json'))).toBe(false);
  });
});

describe('planMessages', () => {
  const cc = (code: string, email: string | null, statement: boolean, parent: string | null = null): DeliveryCostCenter => ({
    code,
    name: `Name of ${code}`,
    parent,
    owner: email === null ? null : { name: `Owner of ${code}`, email },
    statementNumber: statement ? `CB-2026-09-${code}` : null,
    billedCents: statement ? 12_345n : 0n,
  });

  it('groups by owner e-mail case-insensitively, adds roll-ups, reports ownerless statements, and keeps outbox names apart', () => {
    const plan = planMessages(periodOf(2026, 9), 1, [
      cc('ENG', 'boss@acme.example', false),
      cc('ENG-A', 'Ana@Acme.example', true, 'ENG'),
      cc('ENG-B', 'ana@acme.example', true, 'ENG'),
      cc('OPS', 'ana@other.example', true),
      cc('IDLE', 'idle@acme.example', false),
      cc('UNALLOCATED', null, true),
    ], (code) => code === 'ENG');
    expect(plan.noOwner).toEqual([{ code: 'UNALLOCATED', statementNumber: 'CB-2026-09-UNALLOCATED' }]);
    expect(plan.messages.map((m) => [m.recipient, m.outboxFile, m.statements.map((s) => s.number), m.totalCents])).toEqual([
      ['Ana@Acme.example', 'ana-at-acme.example.eml', ['CB-2026-09-ENG-A', 'CB-2026-09-ENG-B'], 24_690n],
      ['ana@other.example', 'ana-at-other.example.eml', ['CB-2026-09-OPS'], 12_345n],
      ['boss@acme.example', 'boss.eml', ['CB-2026-09-ENG-ROLLUP'], 24_690n],
    ]);
    expect(plan.messages[2]!.attachments).toEqual([
      { file: 'CB-2026-09-ENG-ROLLUP.pdf', source: 'statements/rollup/ENG.pdf' },
      { file: 'CB-2026-09-ENG-ROLLUP.xlsx', source: 'statements/rollup/ENG.xlsx' },
    ]);
  });

  it('a revision says "Revised" in the subject and first in the body; a first issue does not', async () => {
    const email = { from: null, subject: '{company}: Claude chargeback statement {period} for {cost_centers}', body: 'Dear {owner},\n\nattached: {statements}, total {total}.\n' };
    const ctx = { period: periodOf(2026, 9), company: 'Acme', email, from: 'finance@acme.example', now: new Date('2026-12-01T08:30:00Z') };
    const contents = [Buffer.from('%PDF-1.3'), Buffer.from('PK')];
    const messageOf = async (revision: number) => {
      const planned = planMessages(periodOf(2026, 9), revision, [cc('OPS', 'ops@acme.example', true)], () => false).messages[0]!;
      const composed = await composeMessage(planned, contents, ctx);
      return { subject: composed.subject, mail: await simpleParser(composed.bytes) };
    };
    const first = await messageOf(1);
    const revised = await messageOf(2);
    expect(first.subject).toBe('Acme: Claude chargeback statement 2026-09 for Name of OPS (OPS)');
    expect(first.mail.text).toBe('Dear Owner of OPS,\n\nattached: CB-2026-09-OPS, total $123.45.\n');
    expect(revised.subject).toBe('Revised (revision 2): Acme: Claude chargeback statement 2026-09 for Name of OPS (OPS)');
    expect(revised.mail.subject).toBe(revised.subject);
    expect(revised.mail.text).toBe(
      "Revised statement: revision 2 of September 2026. It replaces the statement sent earlier for the same month; only the difference is charged, on a later month's statement. Page 1 of each statement says what it replaces, the difference and the statement that charges it.\n\nDear Owner of OPS,\n\nattached: CB-2026-09-OPS, total $123.45.\n",
    );
  });
});
