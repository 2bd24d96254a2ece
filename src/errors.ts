/**
 * Errors are named by who must act. The CLI turns them into exit codes in one place
 * (`exitCodeFor`), so no other module calls process.exit.
 */
export const EXIT = {
  ok: 0,
  data: 1,
  usage: 2,
  upstream: 3,
  internal: 70,
} as const;

export type ErrorKind = 'data' | 'usage' | 'upstream';

export class ChargebackError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Further lines (one problem each), printed under the message. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ChargebackError';
  }
}

/** The user's data (unmapped spend, reconciliation, a month that is not final, a bad API value). */
export const dataError = (message: string, details: readonly string[] = []) =>
  new ChargebackError('data', message, details);
/** The user's flags or configuration (directory, period, existing output). */
export const usageError = (message: string, details: readonly string[] = []) =>
  new ChargebackError('usage', message, details);
/** The provider's API could not give us what we need. */
export const upstreamError = (message: string, details: readonly string[] = []) =>
  new ChargebackError('upstream', message, details);

export function exitCodeFor(error: unknown): number {
  if (error instanceof ChargebackError) return EXIT[error.kind];
  return EXIT.internal;
}
