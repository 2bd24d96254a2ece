import { parentPort } from 'node:worker_threads';
import { decodeJob, encodeError, renderStatement, type WorkerReply, type WorkerRequest } from './pool.js';

/**
 * A render worker thread of the pool (pool.ts): renders one statement at a time with the same
 * functions as the main thread. The fonts are parsed once per thread, on its first document
 * (statement-pdf.ts keeps them per module instance), and reused for every later one.
 */

if (!parentPort) throw new Error('render-worker.js runs as a worker thread of the render pool (pool.ts), not on its own');
const port = parentPort;

/**
 * The document's own memory, to transfer without a copy. A small Buffer may be a slice of Node's
 * shared allocation pool, which must not be transferred (it would be taken from under other
 * Buffers): that one is copied out.
 */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole ? (bytes.buffer as ArrayBuffer) : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

port.on('message', async (request: WorkerRequest) => {
  // Every failure of a job is that job's answer; nothing escapes to stop the thread.
  try {
    const rendered = await renderStatement(decodeJob(request.job));
    const pdf = ownBuffer(rendered.pdf);
    const xlsx = ownBuffer(rendered.xlsx);
    port.postMessage({ type: 'rendered', id: request.id, pdf, xlsx } satisfies WorkerReply, [pdf, xlsx]);
  } catch (error) {
    port.postMessage({ type: 'failed', id: request.id, error: encodeError(error) } satisfies WorkerReply);
  }
});

// Loaded: the pool tells a worker that cannot start from one that failed on a statement.
port.postMessage({ type: 'ready' } satisfies WorkerReply);
