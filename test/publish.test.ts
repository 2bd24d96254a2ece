import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishAtomically } from '../src/io/publish.js';
import { ChargebackError } from '../src/errors.js';
import { tempDir } from './helpers/cli.js';

const files = (text: string) => new Map([['manifest.json', Buffer.from(text)], ['statements/ENG.pdf', Buffer.from('%PDF')]]);
const DEAD_PID = 2 ** 22 + 12345; // above Linux's pid_max default ceiling: never a live process

describe('atomic publishing', () => {
  it('writes owner-only files into place and refuses to overwrite without force', async () => {
    const out = tempDir();
    const target = await publishAtomically(out, '2026-09', files('one'), false);
    expect(readFileSync(join(target, 'manifest.json'), 'utf8')).toBe('one');
    expect(statSync(join(target, 'manifest.json')).mode & 0o777).toBe(0o600);
    await expect(publishAtomically(out, '2026-09', files('two'), false)).rejects.toBeInstanceOf(ChargebackError);
    expect(readFileSync(join(target, 'manifest.json'), 'utf8')).toBe('one');
    await publishAtomically(out, '2026-09', files('two'), true);
    expect(readFileSync(join(target, 'manifest.json'), 'utf8')).toBe('two');
    expect(readdirSync(out)).toEqual(['2026-09']);
  });

  it('rejects paths that would leave the month folder, writing nothing', async () => {
    const out = tempDir();
    for (const bad of ['../escape.txt', 'statements/../../x', '/etc/passwd', 'a//b', '.hidden']) {
      await expect(publishAtomically(out, '2026-09', new Map([[bad, Buffer.from('x')]]), false)).rejects.toThrow(/unsafe output path/);
    }
    await expect(publishAtomically(out, '../2026-09', files('x'), false)).rejects.toThrow(/unsafe output folder/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('cleans up after an interrupted run: drops its partial folder, restores a month it had moved aside', async () => {
    const out = tempDir();
    mkdirSync(join(out, `.2026-09.partial-${DEAD_PID}-abcd1234`));
    writeFileSync(join(out, `.2026-09.partial-${DEAD_PID}-abcd1234`, 'half.pdf'), 'half');
    mkdirSync(join(out, `.2026-09.replaced-${DEAD_PID}-abcd1234`));
    writeFileSync(join(out, `.2026-09.replaced-${DEAD_PID}-abcd1234`, 'manifest.json'), 'published before');
    // The month that was moved aside comes back, so without --force it is not overwritten.
    await expect(publishAtomically(out, '2026-09', files('new'), false)).rejects.toBeInstanceOf(ChargebackError);
    expect(readdirSync(out)).toEqual(['2026-09']);
    expect(readFileSync(join(out, '2026-09', 'manifest.json'), 'utf8')).toBe('published before');
    expect(existsSync(join(out, `.2026-09.partial-${DEAD_PID}-abcd1234`))).toBe(false);
  });

  it('turns a refusal of the file system into exit 2 naming the path and the cause; the published month stays, no staging folder', async () => {
    const out = tempDir();
    await publishAtomically(out, '2026-09', files('old'), false);
    // statements as a file, then a file below it: the operating system refuses the folder.
    const clash = new Map([['manifest.json', Buffer.from('new')], ['statements', Buffer.from('x')], ['statements/ENG.pdf', Buffer.from('%PDF')]]);
    const error = (await publishAtomically(out, '2026-09', clash, true).catch((e: unknown) => e)) as ChargebackError;
    expect(error).toBeInstanceOf(ChargebackError);
    expect(error.kind).toBe('usage');
    expect(error.message).toMatch(new RegExp(`^Cannot publish 2026-09 to ${out}: ${join(out, '2026-09', 'statements')}\\S*: (a part of the path is a file, not a folder \\[ENOTDIR\\]|a file or folder is already there \\[EEXIST\\])\\.$`));
    expect(error.details[0]).toContain('Nothing was published');
    expect(readdirSync(out)).toEqual(['2026-09']);
    expect(readFileSync(join(out, '2026-09', 'manifest.json'), 'utf8')).toBe('old');
  });

  it('refuses an empty output folder rather than writing into the working folder', async () => {
    await expect(publishAtomically('', '2026-09', files('x'), false)).rejects.toThrow(/--out is empty/);
  });
});
