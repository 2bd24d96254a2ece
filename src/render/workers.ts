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

/**
 * Below this many statement lines a month renders on the main thread when nothing says otherwise:
 * starting threads (each parses the fonts and loads the renderers) costs more than it saves.
 */
export const SMALL_MONTH_LINES = 20_000;

/** The workers for a month of this many statement lines when neither the flag nor the environment says. */
export function automaticRenderWorkers(lines: number, env: NodeJS.ProcessEnv = process.env): number {
  const set = env[RENDER_WORKERS_ENV]?.trim();
  if ((set === undefined || set === '') && lines < SMALL_MONTH_LINES) return 0;
  return renderWorkerCount(env);
}

/**
 * --render-workers when given (it overrides the environment), else CHARGEBACK_RENDER_WORKERS when
 * set; undefined leaves the choice to the month (automaticRenderWorkers). A bad value of either is
 * refused here, before any work.
 */
export function renderWorkersFrom(flag: string | undefined, env: NodeJS.ProcessEnv): number | undefined {
  if (flag === undefined) {
    const fromEnv = renderWorkerCount(env);
    return env[RENDER_WORKERS_ENV]?.trim() ? fromEnv : undefined;
  }
  if (/^[0-9]+$/.test(flag) && Number(flag) <= MAX_RENDER_WORKERS) return Number(flag);
  throw usageError(`--render-workers ${JSON.stringify(flag)} is not a whole number of workers from 0 to ${MAX_RENDER_WORKERS}.`, [
    `0 renders on the main thread; without the flag, ${RENDER_WORKERS_ENV} or else the number of cores up to ${DEFAULT_WORKER_CAP}. Example: --render-workers 4.`,
  ]);
}
