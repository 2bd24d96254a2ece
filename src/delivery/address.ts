import addressparser from 'nodemailer/lib/addressparser';

/** What the mailer makes of a recipient written as text: one bare address, or why not. */
export type MailAddress = { readonly ok: true; readonly address: string } | { readonly ok: false; readonly reason: string };

/**
 * Reads `text` as one recipient with the parser the mailer itself uses (nodemailer's
 * addressparser), so the org directory accepts exactly the owner and people addresses `send`
 * can deliver to. Surrounding blanks are ignored; a list ("a,b@x"), a display name or comment
 * ("Ana <a@x>", "a@x (Ana)"), a line break or anything that is not local@domain is refused.
 */
export function mailAddress(text: string): MailAddress {
  if (/[\r\n]/.test(text)) return { ok: false, reason: 'it contains a line break' };
  const trimmed = text.trim();
  const parsed = addressparser(trimmed, { flatten: true });
  if (parsed.length > 1) return { ok: false, reason: `the mailer reads it as ${parsed.length} addresses` };
  const first = parsed[0];
  if (!first || first.address === '') return { ok: false, reason: 'the mailer finds no address in it' };
  if (first.address !== trimmed || first.name !== '') return { ok: false, reason: `the mailer reads it as ${JSON.stringify(first.address)}${first.name === '' ? '' : ` named ${JSON.stringify(first.name)}`}` };
  if (!/^[^\s@<>,;"()]+@[^\s@<>,;"()]+$/.test(first.address)) return { ok: false, reason: 'it is not one local@domain address' };
  return { ok: true, address: first.address };
}
