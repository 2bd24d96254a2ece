import { ChargebackError } from '../../src/errors.js';

/** The ChargebackError a call ends in; anything else (or no error) fails the test. */
export async function caught(promise: Promise<unknown>): Promise<ChargebackError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ChargebackError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

export function caughtSync(fn: () => unknown): ChargebackError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChargebackError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
