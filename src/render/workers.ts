import { availableParallelism } from 'node:os';
import { usageError } from '../errors.js';

/**
 * How many threads render statements: the --render-workers flag, else CHARGEBACK_RENDER_WORKERS,
 * else one per core up to 8; 0 renders on the main thread. Kept apart from the pool so the
 * command line reads it without loading the renderers.
 */
export const RENDER_WORKERS_ENV = 'CHARGEBACK_RENDER_WORKERS';
export const MAX_RENDER_WORKERS = 64;
/** Beyond this many threads a month renders no faster: the main thread's own work and memory bound it. */
export const DEFAULT_WORKER_CAP = 8;

/** CHARGEBACK_RENDER_WORKERS, else one per core the process may use, at most 8. Unset or empty means the default. */
export function renderWorkerCount(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[RENDER_WORKERS_ENV]?.trim();
  if (text === undefined || text === '') return Math.min(availableParallelism(), DEFAULT_WORKER_CAP);
  if (!/^[0-9]+$/.test(text) || Number(text) > MAX_RENDER_WORKERS) {
    throw usageError(`${RENDER_WORKERS_ENV} is ${JSON.stringify(env[RENDER_WORKERS_ENV])}, expected a whole number of render worker threads from 0 to ${MAX_RENDER_WORKERS}.`, [
      `Set ${RENDER_WORKERS_ENV} to e.g. 2 (one per core), to 0 to render on the main thread, or unset it to use one per core (at most ${DEFAULT_WORKER_CAP}); --render-workers overrides it.`,
    ]);
  }
  return Number(text);
}

/** --render-workers when given (it overrides the environment), else renderWorkerCount. */
export function renderWorkersFrom(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  if (flag === undefined) return renderWorkerCount(env);
  if (/^[0-9]+$/.test(flag) && Number(flag) <= MAX_RENDER_WORKERS) return Number(flag);
  throw usageError(`--render-workers ${JSON.stringify(flag)} is not a whole number of workers from 0 to ${MAX_RENDER_WORKERS}.`, [
    `0 renders on the main thread; without the flag, ${RENDER_WORKERS_ENV} or else the number of cores up to ${DEFAULT_WORKER_CAP}. Example: --render-workers 4.`,
  ]);
}
