import { Worker } from 'node:worker_threads';
import type { Statement } from '../core/statements.js';
import type { Template } from '../core/template.js';
import { ChargebackError, type ErrorKind } from '../errors.js';
import { MAX_RENDER_WORKERS } from './workers.js';
import { renderStatementPdf } from './statement-document.js';
import { renderStatementXlsx } from './statement-xlsx.js';

/**
 * Statements rendered on worker threads, so both cores of the machine we design for draw PDFs and
 * zip workbooks. A document depends only on its statement, the clock and the template (the fonts
 * each thread parses once do not change the bytes), so the outputs are byte-identical whatever the
 * number of workers, and the same as rendering on the main thread.
 */

/** One statement to render: the statement with its insights attached, the run's clock, the layout. */
export interface RenderJob {
  /** Plain data (strings, bigints, arrays, plain objects) with `insights` attached; see encodeJob. */
  readonly statement: Statement;
  readonly clock: Date;
  readonly template: Template;
}

/** A statement's two documents. Buffers over the memory the worker transferred (no copy). */
export interface RenderedStatement {
  readonly pdf: Buffer;
  readonly xlsx: Buffer;
}

export interface RenderPool {
  /** Renders one statement; jobs start in the order they were given (FIFO). */
  render(job: RenderJob): Promise<RenderedStatement>;
  /** Stops the workers; jobs not finished yet are rejected. */
  close(): Promise<void>;
}

export { MAX_RENDER_WORKERS, RENDER_WORKERS_ENV, renderWorkerCount } from './workers.js';

/** Both documents of a statement, on this thread: the in-process pool and every worker call this. */
export async function renderStatement(job: RenderJob): Promise<RenderedStatement> {
  return {
    pdf: await renderStatementPdf(job.statement, job.clock, job.template),
    xlsx: await renderStatementXlsx(job.statement, job.clock, job.template.locale),
  };
}

// The messages between the pool and a worker (render-worker.ts).

/** A job as posted to a worker: structured clone keeps strings, numbers, bigints, arrays and plain objects as they are. */
export interface WireJob {
  readonly statement: Statement;
  /** The clock as epoch milliseconds: a Date's value is all a document uses. */
  readonly clockMs: number;
  readonly template: Template;
}
export interface WorkerRequest {
  readonly id: number;
  readonly job: WireJob;
}
/** An exception thrown while rendering, as plain data (a ChargebackError keeps its kind and details). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | null;
  readonly kind: ErrorKind | null;
  readonly details: readonly string[];
}
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'rendered'; readonly id: number; readonly pdf: ArrayBuffer; readonly xlsx: ArrayBuffer }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError };

/**
 * A template as posted: its logo bytes copied into a Uint8Array of their own. A logo read from disk
 * is a Buffer, which structured clone turns into a plain Uint8Array and whose memory may be a slice
 * of Node's shared pool (cloned whole); the copy is made once per template, not per job.
 */
const wireTemplates = new WeakMap<Template, Template>();
function wireTemplate(template: Template): Template {
  let wire = wireTemplates.get(template);
  if (!wire) {
    wire = template.logo ? { ...template, logo: { ...template.logo, bytes: new Uint8Array(template.logo.bytes) } } : template;
    wireTemplates.set(template, wire);
  }
  return wire;
}

/**
 * The job as posted to a worker. The statement needs no conversion: it is strings, numbers,
 * bigints, nulls, arrays and plain objects (no Decimal, no Map, no function), which structured clone
 * copies unchanged; the clock goes as milliseconds and the logo as a Uint8Array of its own.
 */
export function encodeJob(job: RenderJob): WireJob {
  return { statement: job.statement, clockMs: job.clock.getTime(), template: wireTemplate(job.template) };
}

export function decodeJob(wire: WireJob): RenderJob {
  return { statement: wire.statement, clock: new Date(wire.clockMs), template: wire.template };
}

export function encodeError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), stack: null, kind: null, details: [] };
  const known = error instanceof ChargebackError;
  return { name: error.name, message: error.message, stack: error.stack ?? null, kind: known ? error.kind : null, details: known ? [...error.details] : [] };
}

const ERROR_TYPES: Readonly<Record<string, ErrorConstructor>> = { Error, RangeError, TypeError, SyntaxError, ReferenceError, EvalError, URIError };

/**
 * The worker's exception on this thread: same class (ChargebackError with its kind, or the built-in
 * type), same message, and the worker's stack, so `exitCodeFor` and the exit-70 bug report read it
 * as if the statement had been rendered here.
 */
function decodeError(wire: WireError): Error {
  const error = wire.kind ? new ChargebackError(wire.kind, wire.message, wire.details) : new (ERROR_TYPES[wire.name] ?? Error)(wire.message);
  if (!wire.kind && !(wire.name in ERROR_TYPES)) error.name = wire.name;
  if (wire.stack) error.stack = `${wire.stack}\n    (in a render worker thread)`;
  return error;
}

/**
 * The worker's script. Built, pool.js and render-worker.js sit side by side in dist/render. Under
 * vitest this module is the TypeScript source (import.meta.url ends in .ts), and Node 20 cannot run
 * a .ts file as a worker: the compiled dist/render/render-worker.js is used instead (`npm test`
 * runs tsc before vitest, so it exists and matches the source).
 */
function workerScript(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../../dist/render/render-worker.js', import.meta.url) : new URL('./render-worker.js', import.meta.url);
}

/**
 * The main thread's Node options a worker may take. --input-type applies to a script given as text
 * (node -e) and stops a worker that loads a file; process-wide and V8 options such as
 * --max-old-space-size are refused by the Worker constructor (the heap limit applies per process).
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const all = process.execArgv;
  for (let i = 0; i < all.length; i++) {
    const arg = all[i]!;
    const name = arg.split('=')[0]!;
    const takesNext = !arg.includes('=') && i + 1 < all.length && !all[i + 1]!.startsWith('-');
    const allowed = name !== '--input-type' && process.allowedNodeEnvironmentFlags.has(name) && !V8_OR_PROCESS_WIDE.test(name);
    if (allowed) out.push(arg, ...(takesNext ? [all[i + 1]!] : []));
    if (takesNext) i += 1;
  }
  return out;
}
const V8_OR_PROCESS_WIDE = /^--(max-old-space-size|max-semi-space-size|stack-size|title|expose-gc|heapsnapshot-|cpu-prof|heap-prof|diagnostic-dir|report-)/;

/**
 * A pool of `workers` render threads; 0 renders on the calling thread with the same functions.
 *
 * Workers start lazily, as jobs arrive, and render one job at a time; jobs wait in a FIFO queue of
 * their descriptions (the statements the caller already holds), so however many render() calls are
 * made at once, at most `workers` documents are being drawn and held by the pool. Results come
 * back as transferred ArrayBuffers.
 *
 * Failures: an exception inside rendering rejects that job only (see decodeError) and the worker
 * takes the next one. A worker that dies (uncaught error, out of memory, exit) rejects its
 * in-flight job and is replaced for the jobs behind it, unless it died before it was ever ready:
 * then no worker can start (a missing script, a broken install), and every queued and later job
 * is rejected with that reason rather than starting a thread per job.
 *
 * An idle worker is unref'd, so a forgotten close() does not keep the process alive; close() still
 * terminates them and rejects what was not finished.
 */
export function createRenderPool(workers: number, options: { readonly script?: URL } = {}): RenderPool {
  if (!Number.isInteger(workers) || workers < 0 || workers > MAX_RENDER_WORKERS) throw new RangeError(`render workers must be an integer from 0 to ${MAX_RENDER_WORKERS}, got ${workers}`);
  return workers === 0 ? new InProcessPool() : new WorkerPool(workers, options.script ?? workerScript());
}

const closedError = () => new Error('the render pool is closed: no statement can be rendered after close()');

interface Pending {
  readonly id: number;
  readonly job: RenderJob;
  readonly promise: Promise<RenderedStatement>;
  readonly resolve: (rendered: RenderedStatement) => void;
  readonly reject: (error: Error) => void;
}

/** The jobs waiting for a thread, first in first out; a queue of thousands is not shifted one by one. */
class JobQueue {
  private items: Array<Pending | undefined> = [];
  private head = 0;
  private nextId = 1;

  add(job: RenderJob): Promise<RenderedStatement> {
    let resolve!: Pending['resolve'];
    let reject!: Pending['reject'];
    const promise = new Promise<RenderedStatement>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.items.push({ id: this.nextId++, job, promise, resolve, reject });
    return promise;
  }

  get empty(): boolean {
    return this.head === this.items.length;
  }

  next(): Pending | null {
    if (this.head === this.items.length) return null;
    const p = this.items[this.head]!;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return p;
  }

  /** Empties the queue, returning what was waiting. */
  drain(): Pending[] {
    const rest = this.items.slice(this.head) as Pending[];
    this.items = [];
    this.head = 0;
    return rest;
  }
}

/**
 * Rejects jobs that close() or a broken pool leaves unrendered. A caller that stopped waiting (one
 * job failed, the run is ending) must not get an unhandled rejection; one still awaiting the job
 * gets the error all the same.
 */
function abandon(jobs: readonly Pending[], error: Error): void {
  for (const p of jobs) {
    p.promise.catch(() => {});
    p.reject(error);
  }
}

/** Workers 0: the same rendering on the calling thread, one statement at a time as before. */
class InProcessPool implements RenderPool {
  private readonly queue = new JobQueue();
  private running: Promise<void> | null = null;
  private closed = false;

  render(job: RenderJob): Promise<RenderedStatement> {
    if (this.closed) return Promise.reject(closedError());
    const promise = this.queue.add(job);
    this.dispatch();
    return promise;
  }

  async close(): Promise<void> {
    this.closed = true;
    abandon(this.queue.drain(), closedError());
    await this.running;
  }

  private dispatch(): void {
    if (this.running) return;
    const p = this.queue.next();
    if (!p) return;
    this.running = renderStatement(p.job)
      .then(p.resolve, (error: unknown) => p.reject(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        this.running = null;
        this.dispatch();
      });
  }
}

interface Slot {
  readonly worker: Worker;
  /** The job being rendered; null while idle. */
  current: Pending | null;
  /** Set by the first message: the worker loaded its script and the render code. */
  ready: boolean;
  /** The uncaught error the worker reported before exiting, if any. */
  crash: Error | null;
}

class WorkerPool implements RenderPool {
  private readonly slots = new Set<Slot>();
  private readonly queue = new JobQueue();
  private closed = false;
  /** Why no worker can run; every job is refused with it. */
  private broken: Error | null = null;

  constructor(
    private readonly size: number,
    /** The worker's script: render-worker.js, or a stand-in a test gives. */
    private readonly script: URL,
  ) {}

  render(job: RenderJob): Promise<RenderedStatement> {
    if (this.closed) return Promise.reject(closedError());
    if (this.broken) return Promise.reject(this.broken);
    const promise = this.queue.add(job);
    this.dispatch();
    return promise;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const inFlight = [...this.slots].flatMap((s) => (s.current ? [s.current] : []));
    for (const slot of this.slots) slot.current = null;
    abandon([...inFlight, ...this.queue.drain()], closedError());
    await Promise.all([...this.slots].map((s) => s.worker.terminate()));
    this.slots.clear();
  }

  /** Hands queued jobs to idle workers, starting workers up to the pool's size. */
  private dispatch(): void {
    while (!this.queue.empty) {
      const slot = this.idleSlot() ?? (this.slots.size < this.size ? this.startWorker() : null);
      if (!slot) return;
      const next = this.queue.next()!;
      slot.current = next;
      slot.worker.ref();
      try {
        slot.worker.postMessage({ id: next.id, job: encodeJob(next.job) } satisfies WorkerRequest);
      } catch (error) {
        // Not cloneable (e.g. a function in the statement): that job's fault; the worker stays.
        slot.current = null;
        slot.worker.unref();
        next.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  private idleSlot(): Slot | null {
    for (const slot of this.slots) if (!slot.current) return slot;
    return null;
  }

  private startWorker(): Slot {
    const worker = new Worker(this.script, { execArgv: workerExecArgv() });
    const slot: Slot = { worker, current: null, ready: false, crash: null };
    this.slots.add(slot);
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    worker.on('messageerror', (error: Error) => this.finish(slot, (p) => p.reject(error)));
    worker.on('error', (error: Error) => {
      slot.crash = error;
    });
    worker.on('exit', (code: number) => this.onExit(slot, code));
    return slot;
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    slot.ready = true;
    if (reply.type === 'ready') return;
    if (slot.current?.id !== reply.id) return; // abandoned by close()
    if (reply.type === 'rendered') this.finish(slot, (p) => p.resolve({ pdf: Buffer.from(reply.pdf), xlsx: Buffer.from(reply.xlsx) }));
    else this.finish(slot, (p) => p.reject(decodeError(reply.error)));
  }

  /** Settles the worker's current job, leaves it idle (unref'd) and gives it the next one. */
  private finish(slot: Slot, settle: (p: Pending) => void): void {
    const done = slot.current;
    slot.current = null;
    slot.worker.unref();
    if (done) settle(done);
    this.dispatch();
  }

  private onExit(slot: Slot, code: number): void {
    this.slots.delete(slot);
    if (this.closed) return;
    const reason = slot.crash ? `: ${slot.crash.message}` : '';
    const died = (what: string) => {
      const error = new Error(`a render worker thread stopped (exit code ${code}) ${what}${reason}`);
      if (slot.crash?.stack) error.stack = `${error.name}: ${error.message}\n${slot.crash.stack}`;
      return error;
    };
    const lost = slot.current;
    slot.current = null;
    if (lost) lost.reject(died(`while rendering ${lost.job.statement.number}`));
    if (!slot.ready) {
      // It never loaded: another would fail the same way.
      this.broken = died('before it was ready; no statement can be rendered on worker threads');
      abandon(this.queue.drain(), this.broken);
      return;
    }
    this.dispatch();
  }
}
