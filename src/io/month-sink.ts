import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';

/** A relative path inside a month folder: no "..", no ".", no leading dot, no absolute path. */
export const SAFE_PATH = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** A file of a month as written: its path under out/<period>/, sha256 and size. */
export interface FileRecord {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** A file written piece by piece (a ledger or FOCUS export too large to hold as one string). */
export interface PieceWriter {
  write(chunk: string | Uint8Array): Promise<void>;
  /** Flushes, hashes and closes the file; its record. */
  close(): Promise<FileRecord>;
}

/**
 * Where a month's files go as they are made: the staging folder of a run (each file written,
 * hashed and flushed once, never held after), or, for verify, a sink that only hashes. Either way
 * the manifest is built from the records, so a month's bytes are never all in memory.
 */
export interface MonthSink {
  write(path: string, data: Uint8Array | string): Promise<FileRecord>;
  open(path: string): Promise<PieceWriter>;
  /** Reads back and removes a file written earlier (a page of a listing that had to restart). */
  take(path: string): Promise<Buffer>;
  /** Every file written so far, by path. */
  readonly records: ReadonlyMap<string, FileRecord>;
  /** The bytes of a file this sink was asked to keep (verify keeps the manifest); null otherwise. */
  kept(path: string): Buffer | null;
}

const sha256Of = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const byteLength = (data: Uint8Array | string) => (typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);

function checkedPath(rel: string): string {
  if (!SAFE_PATH.test(rel) || rel.split('/').some((part) => part === '..' || part === '.')) throw new Error(`unsafe output path ${JSON.stringify(rel)}`);
  return rel;
}

/** Pieces are gathered up to this size before a write, so a CSV line is not a system call. */
const PIECE_BUFFER_BYTES = 1 << 20;

/** A sink writing into a folder (the staging folder of a run): new files only, owner-only, flushed to disk. */
export class FolderSink implements MonthSink {
  private readonly written = new Map<string, FileRecord>();
  private readonly folders = new Set<string>();

  constructor(readonly folder: string) {}

  get records(): ReadonlyMap<string, FileRecord> {
    return this.written;
  }

  kept(): Buffer | null {
    return null;
  }

  private async target(rel: string): Promise<string> {
    const path = join(this.folder, checkedPath(rel));
    if (!path.startsWith(this.folder + sep)) throw new Error(`output path escapes the output folder: ${rel}`);
    if (this.written.has(rel)) throw new Error(`${rel} written twice`);
    const parent = dirname(path);
    if (!this.folders.has(parent)) {
      await mkdir(parent, { recursive: true, mode: 0o700 });
      this.folders.add(parent);
    }
    return path;
  }

  async write(rel: string, data: Uint8Array | string): Promise<FileRecord> {
    const writer = await this.open(rel);
    await writer.write(data);
    return writer.close();
  }

  async open(rel: string): Promise<PieceWriter> {
    const path = await this.target(rel);
    const handle = await open(path, 'wx', 0o600);
    return pieceWriter(rel, path, handle, (record) => this.written.set(rel, record));
  }

  async take(rel: string): Promise<Buffer> {
    const path = join(this.folder, checkedPath(rel));
    const bytes = await readFile(path);
    await rm(path);
    this.written.delete(rel);
    return bytes;
  }
}

function pieceWriter(rel: string, path: string, handle: FileHandle, done: (record: FileRecord) => void): PieceWriter {
  const hash: Hash = createHash('sha256');
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let closed = false;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    try {
      await handle.write(chunk);
    } catch (error) {
      // A refused write (a full disk) closes the file; the error names it.
      closed = true;
      await handle.close().catch(() => undefined);
      if (error instanceof Error && (error as NodeJS.ErrnoException).code && !(error as NodeJS.ErrnoException).path) (error as NodeJS.ErrnoException).path = path;
      throw error;
    }
  };
  return {
    async write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      hash.update(bytes);
      size += bytes.byteLength;
      pending.push(bytes);
      pendingBytes += bytes.byteLength;
      if (pendingBytes >= PIECE_BUFFER_BYTES) await flush();
    },
    async close() {
      if (closed) throw new Error(`${rel} closed twice`);
      closed = true;
      try {
        await flush();
        await handle.sync();
      } catch (error) {
        if (error instanceof Error && (error as NodeJS.ErrnoException).code && !(error as NodeJS.ErrnoException).path) (error as NodeJS.ErrnoException).path = path;
        throw error;
      } finally {
        await handle.close().catch(() => undefined);
      }
      const record = { path: rel, sha256: hash.digest('hex'), bytes: size };
      done(record);
      return record;
    },
  };
}

/** A sink that writes nothing: it hashes (verify re-derives a month and compares hashes), keeping only the files asked for. */
export class HashingSink implements MonthSink {
  private readonly written = new Map<string, FileRecord>();
  private readonly bytes = new Map<string, Buffer>();

  constructor(private readonly keep: ReadonlySet<string> = new Set()) {}

  get records(): ReadonlyMap<string, FileRecord> {
    return this.written;
  }

  kept(path: string): Buffer | null {
    return this.bytes.get(path) ?? null;
  }

  async write(rel: string, data: Uint8Array | string): Promise<FileRecord> {
    checkedPath(rel);
    const record = { path: rel, sha256: sha256Of(data), bytes: byteLength(data) };
    this.written.set(rel, record);
    if (this.keep.has(rel)) this.bytes.set(rel, typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
    return record;
  }

  async open(rel: string): Promise<PieceWriter> {
    checkedPath(rel);
    const hash = createHash('sha256');
    const keep = this.keep.has(rel) ? ([] as Buffer[]) : null;
    let size = 0;
    return {
      write: async (chunk) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
        hash.update(bytes);
        size += bytes.byteLength;
        keep?.push(bytes);
      },
      close: async () => {
        const record = { path: rel, sha256: hash.digest('hex'), bytes: size };
        this.written.set(rel, record);
        if (keep) this.bytes.set(rel, Buffer.concat(keep));
        return record;
      },
    };
  }

  async take(rel: string): Promise<Buffer> {
    throw new Error(`a hashing sink cannot give back ${rel}`);
  }
}

/** sha256 and size of bytes not written through a sink. */
export function recordOf(path: string, data: Uint8Array | string): FileRecord {
  return { path, sha256: sha256Of(data), bytes: byteLength(data) };
}
