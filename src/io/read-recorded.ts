import type { z } from 'zod';
import { usageError } from '../errors.js';
import { errnoCode, fsCause } from './fs-cause.js';
import { FileRefusal, MiB, readRegularFile, hashRegularFile } from './read-file.js';

/**
 * The one way the tool reads back a file it wrote into a published month (manifest.json,
 * raw/requests.json, the closed marker, inputs/*, deliveries.json …). A file that is missing,
 * unreadable, not JSON or not of the expected shape is the user's folder, not our bug: it becomes
 * a usage error (exit 2) that names the file, what is wrong (for a shape problem, the field) and
 * what to do, never a stack trace.
 */

const RESTORE = 'Restore the file from a backup or copy of the published month, or publish the month again; then try again.';

/** What to tell the user besides the file's name: the next step, and a message for a file that is absent. */
export interface RecordedHints {
  /** The next step (default: restore the file from a copy of the month). */
  readonly next?: string;
  /** The message when the file does not exist (default: "<path> is missing: expected <what> there."). */
  readonly missing?: string;
}

/** How many shape problems are listed before "… and N more". */
const MAX_ISSUES = 8;

/** "inputs[3].path" from zod's issue path; "(the whole file)" for the root. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(the whole file)' : out;
}

/**
 * The largest recorded file read back: 256 MiB, the most an org directory may be (its copy is the
 * largest file a month records; a page of the API is a few MB at most).
 */
export const RECORDED_MAX_BYTES = 256 * MiB;

/**
 * A published month holds no symbolic links; one in its place could lead a read outside the month
 * folder, so the last part of the path is never followed (O_NOFOLLOW: a link answers ELOOP). Nor
 * does it hold named pipes or devices: each is refused by its type without waiting on it.
 */
const read = async (path: string, what: string) => readRegularFile(path, { maxBytes: RECORDED_MAX_BYTES, what, followLinks: false });

function unreadable(path: string, what: string, error: unknown, hints: RecordedHints): Error {
  const next = hints.next ?? RESTORE;
  if (error instanceof FileRefusal) return error.withNext(next);
  if (errnoCode(error) === 'ENOENT') return usageError(hints.missing ?? `${path} is missing: expected ${what} there.`, [next]);
  if (errnoCode(error) === 'ELOOP') return usageError(`${path} is a symbolic link, which a published month never holds; it is not followed. Expected ${what}.`, [next]);
  return usageError(`${path} cannot be read (${fsCause(error)}): expected ${what}.`, [next]);
}

/** The bytes of a recorded file; missing or unreadable is a usage error naming it. */
export async function readRecordedBytes(path: string, what: string, hints: RecordedHints = {}): Promise<Buffer> {
  try {
    return await read(path, what);
  } catch (error) {
    throw unreadable(path, what, error, hints);
  }
}

/** sha256 and size of a recorded file of any size, read a piece at a time; missing or unreadable is a usage error naming it. */
export function hashRecordedFile(path: string, what: string, hints: RecordedHints = {}): { sha256: string; bytes: number } {
  try {
    return hashRegularFile(path, { what, followLinks: false });
  } catch (error) {
    throw unreadable(path, what, error, hints);
  }
}

/** As readRecordedBytes, but a file that does not exist is null (an optional record). */
export async function readRecordedBytesIfPresent(path: string, what: string, hints: RecordedHints = {}): Promise<Buffer | null> {
  try {
    return await read(path, what);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw unreadable(path, what, error, hints);
  }
}

/**
 * Recorded JSON already in memory, checked against its schema. The message is
 * "<path> is not <what>."; the lines under it say what was found (the JSON error, or each field
 * that does not fit and what it expected) and the next step.
 */
export function parseRecordedJson<S extends z.ZodType>(bytes: Uint8Array | string, path: string, schema: S, what: string, hints: RecordedHints = {}): z.output<S> {
  const next = hints.next ?? RESTORE;
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const found = text.trim() === '' ? 'The file is empty.' : `It is not valid JSON: ${(error as Error).message}.`;
    throw usageError(`${path} is not ${what}.`, [found, next]);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const listed = issues.slice(0, MAX_ISSUES).map((i) => `in ${fieldPath(i.path)}: ${i.message}`);
  if (issues.length > MAX_ISSUES) listed.push(`… and ${issues.length - MAX_ISSUES} more`);
  throw usageError(`${path} is not ${what}.`, [...listed, next]);
}

/** Reads and checks a recorded JSON file: missing, unreadable, unparsable or of the wrong shape is exit 2. */
export async function readRecordedJson<S extends z.ZodType>(path: string, schema: S, what: string, hints: RecordedHints = {}): Promise<z.output<S>> {
  return parseRecordedJson(await readRecordedBytes(path, what, hints), path, schema, what, hints);
}

/** As readRecordedJson, but a file that does not exist is null (an optional record). */
export async function readRecordedJsonIfPresent<S extends z.ZodType>(path: string, schema: S, what: string, hints: RecordedHints = {}): Promise<z.output<S> | null> {
  const bytes = await readRecordedBytesIfPresent(path, what, hints);
  return bytes === null ? null : parseRecordedJson(bytes, path, schema, what, hints);
}
