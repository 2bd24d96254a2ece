import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { ChargebackError } from '../errors.js';

/**
 * The one way the tool reads a file it takes as input (the org directory, a template and its logo,
 * the files of a published month). Whatever sits at the path, the read is bounded: the file is
 * opened without blocking (a named pipe with no writer, a device, would otherwise wait for ever),
 * the open file is checked to be a regular file, and its size is checked against a limit before a
 * byte is read, so a huge or endless file is refused by name instead of exhausting memory.
 */

export const MiB = 1024 * 1024;

export interface ReadRegularFileOptions {
  /** The largest file accepted, in bytes. */
  readonly maxBytes: number;
  /** What the file should be, for the message: "an org directory YAML file". */
  readonly what: string;
  /** Whether a symbolic link at the path is followed (default true); false: a link answers ELOOP. */
  readonly followLinks?: boolean;
}

export type FileRefusalReason =
  | { readonly kind: 'not-regular'; readonly type: string }
  | { readonly kind: 'too-big'; readonly size: number; readonly limit: number; readonly atLeast: boolean };

/** "300 MiB (314572800 bytes)"; below 1 MiB, "512 KiB (524288 bytes)" or "12 bytes". */
export function sizeText(bytes: number): string {
  if (bytes >= MiB) return `${Number((bytes / MiB).toFixed(1))} MiB (${bytes} bytes)`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB (${bytes} bytes)`;
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

/** What a file that is not a regular file is, in words: "a named pipe", "a device", "a folder" … */
export function fileType(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}

/** "is not a regular file (a named pipe)", "is 300 MiB (… bytes), more than the limit of 256 MiB (… bytes)". */
export function refusalWords(reason: FileRefusalReason): string {
  if (reason.kind === 'not-regular') return `is not a regular file (${reason.type})`;
  if (reason.atLeast) return `grew past the limit of ${sizeText(reason.limit)} while it was read`;
  return `is ${sizeText(reason.size)}, more than the limit of ${sizeText(reason.limit)}`;
}

/**
 * A file refused unread: not a regular file, or larger than its limit. A usage error (exit 2)
 * naming the path, what was found and what was expected; callers add the next step.
 */
export class FileRefusal extends ChargebackError {
  constructor(
    readonly path: string,
    readonly reason: FileRefusalReason,
    readonly what: string,
    details: readonly string[] = [],
  ) {
    super('usage', `${path} ${refusalWords(reason)}; expected ${what}.`, details);
  }

  /** The same refusal with the next step under it. */
  withNext(...details: string[]): FileRefusal {
    return new FileRefusal(this.path, this.reason, this.what, details);
  }
}

/** The error reading a folder gives (EISDIR), so callers that name the errno keep doing so. */
function isDirectoryError(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR', errno: -21, syscall: 'read', path });
}

/**
 * The bytes of the regular file at `path`, at most `maxBytes`. Throws the operating system's error
 * (ENOENT, EACCES, ELOOP for a link when links are not followed, EISDIR for a folder) for the
 * caller to put in words, or a FileRefusal for a named pipe, a device, a socket or a file too
 * large. Never blocks on a special file: it is opened non-blocking and refused by its type.
 */
export function readRegularFile(path: string, options: ReadRegularFileOptions): Buffer {
  const { maxBytes, what } = options;
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.followLinks === false ? (constants.O_NOFOLLOW ?? 0) : 0);
  const fd = openSync(path, flags);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw isDirectoryError(path);
    if (!stat.isFile()) throw new FileRefusal(path, { kind: 'not-regular', type: fileType(stat) }, what);
    if (stat.size > maxBytes) throw new FileRefusal(path, { kind: 'too-big', size: stat.size, limit: maxBytes, atLeast: false }, what);
    // Read to the end, not just the size found (a file may grow meanwhile), but never past the limit.
    let buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw new FileRefusal(path, { kind: 'too-big', size: maxBytes, limit: maxBytes, atLeast: true }, what);
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * sha256 and size of a regular file, read a megabyte at a time (no size limit: a month's ledger
 * may be larger than any file worth holding). Opened like readRegularFile: non-blocking, so a
 * named pipe is refused by its type without waiting on it.
 */
export function hashRegularFile(path: string, options: Omit<ReadRegularFileOptions, 'maxBytes'>): { sha256: string; bytes: number } {
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.followLinks === false ? (constants.O_NOFOLLOW ?? 0) : 0);
  const fd = openSync(path, flags);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw isDirectoryError(path);
    if (!stat.isFile()) throw new FileRefusal(path, { kind: 'not-regular', type: fileType(stat) }, options.what);
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(MiB);
    let bytes = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      bytes += n;
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    closeSync(fd);
  }
}
