// Preloaded into the CLI under test (node --import): makes the file system fail under one folder
// the way a full, read-only or unwritable disk does, without root tricks or a real small disk.
//   FS_FAULT=ENOSPC:write  the FS_FAULT_AFTER+1-th file written under FS_FAULT_UNDER gets half its bytes, then ENOSPC
//   FS_FAULT=EROFS:mkdir   creating a folder under FS_FAULT_UNDER fails with EROFS
//   FS_FAULT=EACCES:access asking whether FS_FAULT_UNDER is writable answers EACCES
//   FS_TRACE=FILE          every path opened (fs.promises open/readFile, fs.openSync/readFileSync) is listed in FILE at exit
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve, sep } from 'node:path';

const [code, op] = (process.env.FS_FAULT ?? '').split(':');
const under = resolve(process.env.FS_FAULT_UNDER ?? '/nonexistent');
let after = Number(process.env.FS_FAULT_AFTER ?? '0');
const inside = (path) => {
  const p = resolve(String(path));
  return p === under || p.startsWith(under + sep);
};
const WORDS = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EACCES: 'permission denied', EDQUOT: 'disk quota exceeded' };
const fail = (syscall, path) => Object.assign(new Error(`${code}: ${WORDS[code] ?? 'simulated'}, ${syscall} '${path}'`), { code, syscall, path: String(path) });

const fsp = fs.promises;
if (op === 'write') {
  const realOpen = fsp.open;
  fsp.open = async (path, flags, mode) => {
    const handle = await realOpen(path, flags, mode);
    if (inside(path) && /[wa]/.test(String(flags ?? 'r')) && after-- <= 0) {
      const realWrite = handle.writeFile.bind(handle);
      handle.writeFile = async (data) => {
        await realWrite(Buffer.from(data).subarray(0, Math.floor(data.length / 2)));
        throw fail('write', path);
      };
      // Files written in pieces (the month's sink) fail the same way on their first piece.
      const realPiece = handle.write.bind(handle);
      handle.write = async (data) => {
        await realPiece(Buffer.from(data).subarray(0, Math.floor(data.length / 2)));
        throw fail('write', path);
      };
    }
    return handle;
  };
  const realWriteFile = fsp.writeFile;
  fsp.writeFile = async (path, data, options) => {
    if (typeof path === 'string' && inside(path) && after-- <= 0) throw fail('write', path);
    return realWriteFile(path, data, options);
  };
}
if (op === 'mkdir') {
  const realMkdir = fsp.mkdir;
  fsp.mkdir = async (path, options) => {
    if (inside(path)) throw fail('mkdir', path);
    return realMkdir(path, options);
  };
}
if (op === 'access') {
  const realAccess = fsp.access;
  fsp.access = async (path, mode) => {
    if (inside(path)) throw fail('access', path);
    return realAccess(path, mode);
  };
}
if (process.env.FS_TRACE) {
  const opened = [];
  for (const name of ['open', 'readFile']) {
    const real = fsp[name];
    fsp[name] = (path, ...rest) => {
      if (typeof path === 'string' || path instanceof URL || Buffer.isBuffer(path)) opened.push(resolve(String(path)));
      return real(path, ...rest);
    };
  }
  // The bounded reader of input files opens synchronously (non-blocking, then fstat).
  for (const name of ['openSync', 'readFileSync']) {
    const real = fs[name];
    fs[name] = (path, ...rest) => {
      if (typeof path === 'string' || path instanceof URL || Buffer.isBuffer(path)) opened.push(resolve(String(path)));
      return real(path, ...rest);
    };
  }
  process.on('exit', () => fs.writeFileSync(process.env.FS_TRACE, opened.join('\n')));
}
syncBuiltinESMExports();
