/**
 * The machine's answer to a file operation, in words a user can act on. Node reports these as
 * errno codes (ENOSPC, EROFS …) with a stack; the user needs the cause and what to do.
 */
const CAUSES: Readonly<Record<string, string>> = {
  ENOENT: 'it does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a file or folder is already there',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied (the folder is not writable or the file not readable for this user)',
  EPERM: 'the operation is not permitted (permissions, or a file marked immutable)',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full (no space left on the device)',
  EDQUOT: 'the disk quota of this user is exhausted',
  EMFILE: 'too many files are open in this process',
  ENFILE: 'too many files are open on this machine',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'the path has too many symbolic links (a link loop)',
  EIO: 'the device reported an input/output error',
  EBUSY: 'the file or folder is busy',
  EXDEV: 'the temporary and the final folder are on different file systems',
  ENOTEMPTY: 'the folder is not empty',
};

export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;
}

/** Whether `error` is the operating system's (an errno code), not a bug of ours. */
export function isFsError(error: unknown): error is NodeJS.ErrnoException {
  const code = errnoCode(error);
  return code !== undefined && /^E[A-Z]+$/.test(code);
}

/** What to do about a refused write, by errno code. */
export function writeNextStep(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'Give this user write permission on the folder, or run as a user who has it.';
    case 'EROFS':
      return 'The file system is mounted read-only: remount it writable or work on a copy of the folder elsewhere.';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'Free space on that disk, then run again.';
    case 'ENOTDIR':
    case 'EEXIST':
    case 'EISDIR':
      return 'Move the file or folder that is in the way, then run again.';
    default:
      return 'Check the folder and the disk it is on, then run again.';
  }
}

/** "the disk is full (no space left on the device) [ENOSPC]". */
export function fsCause(error: unknown): string {
  const code = errnoCode(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  return `${CAUSES[code] ?? (error as Error).message ?? 'the operating system refused'} [${code}]`;
}

/** "the disk is full (no space left on the device)": the cause alone, without the errno code. */
export function fsCauseWords(error: unknown): string {
  const code = errnoCode(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  return CAUSES[code] ?? (error as Error).message ?? 'the operating system refused';
}
