import nodemailer from 'nodemailer';
import { upstreamError, usageError } from '../errors.js';

/** Where `chargeback send --confirm` delivers, from SMTP_URL. The password never leaves this module unscrubbed. */
export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  /** smtps:// (TLS from the first byte); smtp:// upgrades with STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly user: string | null;
  readonly pass: string | null;
  /** "host:port", for messages. */
  readonly where: string;
}

export const SMTP_URL_EXAMPLE = 'SMTP_URL=smtp://user:password@smtp.example.com:587 (STARTTLS when offered) or smtps://user:password@smtp.example.com:465';

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Parses SMTP_URL. The error never repeats the URL: it may hold the password. */
export function parseSmtpUrl(text: string): SmtpTarget {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw usageError('SMTP_URL is not a URL.', [`Expected ${SMTP_URL_EXAMPLE}.`]);
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'smtp' && scheme !== 'smtps') throw usageError(`SMTP_URL has the scheme ${JSON.stringify(scheme)}; expected smtp or smtps.`, [`Expected ${SMTP_URL_EXAMPLE}.`]);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw usageError('SMTP_URL names no host.', [`Expected ${SMTP_URL_EXAMPLE}.`]);
  const secure = scheme === 'smtps';
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  const user = url.username === '' ? null : decode(url.username);
  const pass = url.password === '' ? null : decode(url.password);
  return { host, port, secure, user, pass, where: `${url.hostname}:${port}` };
}

/**
 * Replaces every form of the SMTP password that could show up in a message (as given, as
 * percent-encoded in the URL, base64 as AUTH LOGIN/PLAIN carry it) with [redacted].
 */
export function scrubberFor(rawUrl: string | undefined, target: SmtpTarget | null): (text: string) => string {
  const secrets = new Set<string>();
  const add = (s: string | null | undefined) => {
    if (s) secrets.add(s);
  };
  if (target?.pass) {
    add(target.pass);
    add(encodeURIComponent(target.pass));
    add(Buffer.from(target.pass).toString('base64'));
    add(Buffer.from(`\u0000${target.user ?? ''}\u0000${target.pass}`).toString('base64'));
  }
  if (rawUrl) {
    // Also what the URL itself holds between "user:" and "@", whatever its encoding.
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:([^@/?#]*)@/i.exec(rawUrl.trim());
    if (m?.[1]) {
      add(m[1]);
      add(decode(m[1]));
    }
  }
  const list = [...secrets].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => list.reduce((t, s) => t.split(s).join('[redacted]'), text);
}

interface NodemailerError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  command?: string;
}

/** Errors about one message (a refused recipient, a refused message); the connection is still usable. */
export function isMessageError(error: unknown): boolean {
  const e = error as NodemailerError;
  return e?.code === 'EENVELOPE' || e?.code === 'EMESSAGE';
}

export function describeSmtpError(error: unknown, scrub: (text: string) => string): string {
  const e = error as NodemailerError;
  const parts = [e?.code, e?.response ?? e?.message].filter((p): p is string => typeof p === 'string' && p !== '');
  return scrub(parts.join(': ') || String(error)).replace(/\s+/g, ' ').trim();
}

export interface SmtpSession {
  /** Sends the message bytes as they are; resolves with the server's reply to the message. */
  send(from: string, to: string, raw: Buffer): Promise<string>;
  close(): void;
}

/** Connects and logs in once (so a wrong host or password fails before any message), then sends over one connection. */
export async function openSmtp(target: SmtpTarget, scrub: (text: string) => string): Promise<SmtpSession> {
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 1,
    host: target.host,
    port: target.port,
    secure: target.secure,
    ...(target.user !== null ? { auth: { user: target.user, pass: target.pass ?? '' } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    logger: false,
    debug: false,
  });
  try {
    await transport.verify();
  } catch (error) {
    transport.close();
    const e = error as NodemailerError;
    const login = e?.code === 'EAUTH' ? ` refused the login${target.user ? ` of ${scrub(target.user)}` : ''}` : ' could not be reached';
    throw upstreamError(`The SMTP server ${target.where}${login}; nothing was sent.`, [
      describeSmtpError(error, scrub),
      `Check the host, port and credentials in SMTP_URL, e.g. ${SMTP_URL_EXAMPLE}.`,
    ]);
  }
  return {
    async send(from, to, raw) {
      const info = await transport.sendMail({ envelope: { from, to: [to] }, raw });
      return scrub(String(info.response ?? '')).trim();
    },
    close() {
      transport.close();
    },
  };
}
