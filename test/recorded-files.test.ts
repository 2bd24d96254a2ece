import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChargebackError } from '../src/errors.js';
import { parseCarriedCopy, parseHistory } from '../src/io/layout.js';
import { readRecordedJson } from '../src/io/read-recorded.js';
import { z } from 'zod';
import { runCli, tempDir } from './helpers/cli.js';
import { fault, runCliWithFs } from './helpers/fs-faults.js';

/**
 * A published month whose recorded files are damaged: every read-back answers exit 2 (or, for
 * verify, "does not verify") naming the file and what is wrong, never a stack trace, and never
 * opens a path outside the month folder.
 */
const NOW = ['--now', '2026-11-25T09:00:00Z'];
let base: string;

beforeAll(async () => {
  base = tempDir('recorded-base-');
  const r = await runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', base]);
  if (r.code !== 0) throw new Error(`publishing the month failed (${r.code}): ${r.stderr}`);
});

/** A fresh copy of the published month: out/2026-09 under a folder of its own. */
function copyMonth(): { out: string; month: string } {
  const out = tempDir('recorded-');
  cpSync(join(base, '2026-09'), join(out, '2026-09'), { recursive: true });
  return { out, month: join(out, '2026-09') };
}

function expectNoStack(r: { stderr: string }): void {
  expect(r.stderr).not.toMatch(/internal error/i);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
}

const editJson = (path: string, edit: (json: any) => void) => {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json, null, 2));
};

const verify = (month: string) => runCli(['verify', month]);
const fromRaw = (month: string, out: string) => runCli(['run', '--from-raw', join(month, 'raw'), ...NOW, '--out', join(out, 'again')]);

describe('a damaged manifest.json', () => {
  it('that is not JSON: verify and --from-raw exit 2 naming the file, the JSON error and what to do', async () => {
    const { out, month } = copyMonth();
    writeFileSync(join(month, 'manifest.json'), '{"tool": {"version": "0.2.0"}, "period": ');
    for (const r of [await verify(month), await fromRaw(month, out)]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${join(month, 'manifest.json')} is not a claude-chargeback manifest.`);
      expect(r.stderr).toContain('It is not valid JSON');
      expect(r.stderr).toContain('restore its manifest.json from a backup or copy of the month');
      expectNoStack(r);
    }
  });

  it('that is empty: says so', async () => {
    const { month } = copyMonth();
    writeFileSync(join(month, 'manifest.json'), '');
    const r = await verify(month);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The file is empty.');
    expectNoStack(r);
  });

  it('of the wrong shape: names each field, what it expected and what it found', async () => {
    const { out, month } = copyMonth();
    editJson(join(month, 'manifest.json'), (m) => {
      delete m.status;
      m.clock = 'yesterday';
      m.inputs[0].path = '../../../etc/passwd';
    });
    const r = await verify(month);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(month, 'manifest.json')} is not a claude-chargeback manifest.`);
    expect(r.stderr).toMatch(/in status: .*expected one of "FINAL"\|"PROVISIONAL"/);
    expect(r.stderr).toContain('in clock: expected an instant such as 2026-11-25T09:00:00Z');
    expect(r.stderr).toContain('in inputs[0].path: expected a relative path inside the month folder');
    expectNoStack(r);
    // --from-raw reads only what it needs (inputs, template, source) and refuses the path too.
    const again = await fromRaw(month, out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('in inputs[0].path');
    expectNoStack(again);
  });

  it('that is a folder: says it cannot be read and why', async () => {
    const { month } = copyMonth();
    rmSync(join(month, 'manifest.json'));
    mkdirSync(join(month, 'manifest.json'));
    const r = await verify(month);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(month, 'manifest.json')} cannot be read (it is a folder, not a file [EISDIR])`);
    expectNoStack(r);
  });

  it('that is not a manifest: close refuses to seal it (exit 2)', async () => {
    const { out, month } = copyMonth();
    writeFileSync(join(month, 'manifest.json'), '[]');
    const r = await runCli(['close', '--period', '2026-09', ...NOW, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(month, 'manifest.json')} is not a claude-chargeback manifest.`);
    expect(existsSync(join(out, '2026-09.closed.json'))).toBe(false);
    expectNoStack(r);
  });
});

describe('a damaged raw/requests.json', () => {
  it('that is not JSON: --from-raw exits 2 naming it; verify reports the month does not verify (exit 1)', async () => {
    const { out, month } = copyMonth();
    const requests = join(month, 'raw', 'requests.json');
    writeFileSync(requests, readFileSync(requests, 'utf8').slice(0, 200));
    const again = await fromRaw(month, out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${requests} is not a claude-chargeback request log.`);
    expect(again.stderr).toContain('It is not valid JSON');
    expectNoStack(again);
    // verify's finding: the file was modified and the month cannot be re-derived from it.
    const checked = await verify(month);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain('modified: raw/requests.json');
    expect(checked.stderr).toContain(`re-derivation failed: ${requests} is not a claude-chargeback request log.`);
    expectNoStack(checked);
  });

  it('that lists one page as used twice: --from-raw exits 2 naming the log, and nothing is published', async () => {
    const { out, month } = copyMonth();
    const requests = join(month, 'raw', 'requests.json');
    editJson(requests, (log) => {
      log[1].file = log[0].file;
    });
    const again = await fromRaw(month, out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${requests} lists cost-grouped-p001.json as used twice; a page is kept once.`);
    expectNoStack(again);
    expect(existsSync(join(out, 'again')) ? readdirSync(join(out, 'again')) : []).toEqual([]);
  });

  it('that names a page outside raw/ (../../..): refused before any file is opened, by --from-raw and verify', async () => {
    const { out, month } = copyMonth();
    // A page-shaped file beside the month folder: were it opened, the run would go on with it.
    const outside = join(out, 'outside.json');
    cpSync(join(month, 'raw', 'cost-total-p001.json'), outside);
    editJson(join(month, 'raw', 'requests.json'), (log) => {
      log[1].file = '../../outside.json';
    });
    expect(resolve(month, 'raw', '../../outside.json')).toBe(outside);
    // A child process with every opened path traced (test/helpers/fs-faults.mjs).
    for (const [args, code] of [[['run', '--from-raw', join(month, 'raw'), ...NOW, '--out', join(out, 'again')], 2], [['verify', month], 1]] as const) {
      const trace = join(tempDir('trace-'), 'opened.txt');
      const r = await runCliWithFs(args, { FS_TRACE: trace });
      expect(r.code).toBe(code);
      expect(r.stderr).toContain('in [1].file: expected a file name under raw/ such as cost-grouped-p001.json');
      expectNoStack(r);
      const opened = readFileSync(trace, 'utf8').split('\n');
      expect(opened).toContain(join(month, 'raw', 'requests.json'));
      expect(opened).not.toContain(outside);
      // Nothing else outside the month either, but the closed marker beside it (verify reads it).
      expect(opened.filter((p) => p.startsWith(out) && !p.startsWith(month + '/') && p !== join(out, '2026-09.closed.json'))).toEqual([]);
    }
  });

  it('with a page replaced by a symbolic link out of the month: the link is not followed', async () => {
    const { out, month } = copyMonth();
    const page = join(month, 'raw', 'cost-total-p001.json');
    cpSync(page, join(out, 'outside.json'));
    rmSync(page);
    symlinkSync(join(out, 'outside.json'), page);
    const again = await fromRaw(month, out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${page} is a symbolic link, which a published month never holds; it is not followed.`);
    expectNoStack(again);
    const checked = await verify(month);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain('unreadable: raw/cost-total-p001.json');
    expectNoStack(checked);
  });

  it('that lists a page that is gone: names the page (exit 2)', async () => {
    const { out, month } = copyMonth();
    rmSync(join(month, 'raw', 'cost-premium-p001.json'));
    const r = await fromRaw(month, out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(month, 'raw', 'cost-premium-p001.json')} is listed in requests.json but missing.`);
    expectNoStack(r);
  });
});

describe('the other recorded files', () => {
  it('a closed marker that is not JSON: verify exits 2 naming it', async () => {
    const { out, month } = copyMonth();
    writeFileSync(join(out, '2026-09.closed.json'), 'closed by hand');
    const r = await verify(month);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(out, '2026-09.closed.json')} is not the record of closing 2026-09 (written by chargeback close).`);
    expectNoStack(r);
  });

  it('inputs/history.json of the wrong shape: --from-raw exits 2 naming the file and the field', async () => {
    const { out, month } = copyMonth();
    writeFileSync(join(month, 'inputs', 'history.json'), JSON.stringify({ schema: 'claude-chargeback/history@1', months: [{ period: '2026-08', revision: 'one' }] }));
    const r = await fromRaw(month, out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(month, 'inputs', 'history.json')} is not a history file this version can read.`);
    expect(r.stderr).toContain('in months[0].revision');
    expectNoStack(r);
  });

  it('a recorded input that is gone (inputs/template.yaml): --from-raw exits 2 naming it', async () => {
    const { out, month } = copyMonth();
    rmSync(join(month, 'inputs', 'template.yaml'));
    const r = await fromRaw(month, out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(month, 'inputs', 'template.yaml')} is missing`);
    expectNoStack(r);
  });

  it('the recorded org directory gone: verify reports it missing and the month not re-derivable (exit 1)', async () => {
    const { month } = copyMonth();
    rmSync(join(month, 'inputs', 'org-directory.yaml'));
    const r = await verify(month);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing: inputs/org-directory.yaml');
    expect(r.stderr).toContain(`${join(month, 'inputs', 'org-directory.yaml')} is missing`);
    expectNoStack(r);
  });

  it('chargeback.json of the published month damaged: a new run of the month exits 2 naming it, before any request', async () => {
    const { out, month } = copyMonth();
    writeFileSync(join(month, 'chargeback.json'), '{"period": "2026-09"}');
    const r = await runCli(['run', '--sandbox', '--period', '2026-09', ...NOW, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(month, 'chargeback.json')} is not a chargeback.json this version can read.`);
    expect(r.stderr).toContain('in costCenters');
    expectNoStack(r);
  });

  it('deliveries.json that is not JSON, or a folder: send exits 2 naming it and sends nothing', async () => {
    const { out, month } = copyMonth();
    writeFileSync(join(month, 'deliveries.json'), '{');
    const broken = await runCli(['send', '--period', '2026-09', ...NOW, '--out', out]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${join(month, 'deliveries.json')} is not a deliveries record this version can read; nothing was sent.`);
    expectNoStack(broken);
    rmSync(join(month, 'deliveries.json'));
    mkdirSync(join(month, 'deliveries.json'));
    const folder = await runCli(['send', '--period', '2026-09', ...NOW, '--out', out]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`${join(month, 'deliveries.json')} cannot be read (it is a folder, not a file [EISDIR])`);
    expectNoStack(folder);
  });

  it('a month older than the API look-back re-runs from its raw pages: --from-raw needs no API', async () => {
    const { out, month } = copyMonth();
    const r = await runCli(['run', '--from-raw', join(month, 'raw'), '--now', '2027-11-25T09:00:00Z', '--out', join(out, 'again')]);
    expect(r.stderr).not.toContain('look-back');
    expect(r.code).toBe(0);
  });
});

describe('writing beside a published month on a disk that refuses it', () => {
  it('close on a read-only file system: exit 2 naming the marker and the cause, the month not closed', async () => {
    const { out } = copyMonth();
    const r = await runCliWithFs(['close', '--period', '2026-09', ...NOW, '--out', out], fault('EROFS:write', out));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Cannot close 2026-09: writing ${join(out, '2026-09.closed.json')}: the file system is read-only [EROFS].`);
    expect(r.stderr).toContain('2026-09 is not closed.');
    expectNoStack(r);
    expect(existsSync(join(out, '2026-09.closed.json'))).toBe(false);
  });

  it('send when the outbox cannot be created: exit 2, nothing sent', async () => {
    const { out, month } = copyMonth();
    const r = await runCliWithFs(['send', '--period', '2026-09', ...NOW, '--out', out], fault('EACCES:mkdir', join(month, 'outbox')));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Cannot create ${join(month, 'outbox')}: permission denied`);
    expectNoStack(r);
  });
});

describe('the reader itself', () => {
  const usage = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ChargebackError);
      expect((error as ChargebackError).kind).toBe('usage');
      return error as ChargebackError;
    }
    throw new Error('expected a usage error');
  };

  it('names the field of carried adjustments and history that does not fit', () => {
    const carried = usage(() => parseCarriedCopy(Buffer.from(JSON.stringify({ source: null, adjustments: [{ costCenter: 'ENG', reference: 'x', cents: '12.5' }] })), 'out/2026-10/inputs/carried-adjustments.json'));
    expect(carried.message).toBe('out/2026-10/inputs/carried-adjustments.json is not a carried-adjustments file this version can read.');
    expect(carried.details).toEqual(expect.arrayContaining([expect.stringMatching(/^in adjustments\[0\]\.fromPeriod: /), expect.stringMatching(/^in adjustments\[0\]\.cents: /)]));
    const history = usage(() => parseHistory(Buffer.from('nope'), 'inputs/history.json'));
    expect(history.details[0]).toMatch(/^It is not valid JSON: /);
  });

  it('turns a missing file into exit 2 with the file and the next step', async () => {
    const dir = tempDir();
    const error = await readRecordedJson(join(dir, 'absent.json'), z.object({}), 'a test record').catch((e: unknown) => e as ChargebackError);
    expect(error).toBeInstanceOf(ChargebackError);
    expect((error as ChargebackError).message).toBe(`${join(dir, 'absent.json')} is missing: expected a test record there.`);
    expect((error as ChargebackError).details[0]).toMatch(/^Restore the file/);
  });
});
