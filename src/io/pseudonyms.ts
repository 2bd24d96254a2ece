import { createHmac } from 'node:crypto';
import { usageError } from '../errors.js';

/**
 * Stable opaque ids for people in the organization-wide outputs (summary, ledger, FOCUS): an
 * HMAC of the spender's identity under a key the organization keeps, so the same person has the
 * same id every month, and nobody without the key can confirm a guess by hashing an e-mail.
 */
export const PSEUDONYM_KEY_ENV = 'CHARGEBACK_PSEUDONYM_KEY';
const MIN_KEY_LENGTH = 16;

export interface Pseudonyms {
  /** "person-3J7K…" for a person's actor key (user:…); other spenders keep their names. */
  readonly of: (actorKey: string) => string;
  /** Identifies the key without revealing it: recorded in the manifest so verify can tell a wrong key. */
  readonly fingerprint: string;
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function pseudonyms(key: string): Pseudonyms {
  const mac = (text: string) => createHmac('sha256', key).update(text).digest();
  const of = (actorKey: string) => {
    const bytes = mac(`person\u0000${actorKey}`);
    let id = '';
    for (let i = 0; i < 12; i++) id += ALPHABET[bytes[i]! % 32];
    return `person-${id}`;
  };
  return { of, fingerprint: mac('fingerprint').toString('hex').slice(0, 16) };
}

/** The key from the environment, or a usage error that says how to set one. */
export function pseudonymsFromEnv(env: NodeJS.ProcessEnv, purpose: string): Pseudonyms {
  const key = env[PSEUDONYM_KEY_ENV];
  if (!key || key.length < MIN_KEY_LENGTH) {
    throw usageError(`${purpose} needs ${PSEUDONYM_KEY_ENV}: ${key ? `the key has ${key.length} characters, expected at least ${MIN_KEY_LENGTH}` : 'it is not set'}.`, [
      `Set ${PSEUDONYM_KEY_ENV} to a secret of at least ${MIN_KEY_LENGTH} characters (e.g. from your secret store) and keep it: the same key gives the same ids every month.`,
    ]);
  }
  return pseudonyms(key);
}
