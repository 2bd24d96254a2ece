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
  /** sysexits' EX_TEMPFAIL: not yet, try later (month not final, export behind, a long retry-after). */
  tempfail: 75,
} as const;

export type ErrorKind = 'data' | 'usage' | 'upstream' | 'tempfail';

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

/** Not a failure: the month cannot be done yet; a scheduler should try again later (exit 75). */
export const tempfailError = (message: string, details: readonly string[] = []) =>
  new ChargebackError('tempfail', message, details);

export function exitCodeFor(error: unknown): number {
  if (error instanceof ChargebackError) return EXIT[error.kind];
  return EXIT.internal;
}
