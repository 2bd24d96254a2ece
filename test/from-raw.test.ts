import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMonth } from '../src/run.js';
import { ChargebackError } from '../src/errors.js';
import { publishTrueUp, ROOT, runCli, tempDir } from './helpers/cli.js';
import { DIRECTORY_COPY } from '../src/io/layout.js';

const NOW = '2026-11-25T09:00:00Z';
const files = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.')).sort();

describe('re-running a month from its raw pages', () => {
  it('re-renders byte-identical outputs with no network at all', async () => {
    const first = tempDir();
    expect((await runCli(['run', '--sandbox', '--now', NOW, '--out', first])).code).toBe(0);
    const again = tempDir();
    const noNetwork: typeof fetch = () => {
      throw new Error('the network was used');
    };
    const result = await runMonth({ provisional: false, now: new Date(NOW), outDir: again, force: false, directoryPath: 'mappings/org.yaml', templatePath: 'templates/standard.yaml', api: { baseUrl: 'http://offline.invalid', apiKey: 'offline', label: 'raw' }, fetchImpl: noNetwork, fromRaw: join(first, '2026-09', 'raw'), log: () => {} });
    expect(result.period.label).toBe('2026-09');
    const a = join(first, '2026-09');
    const b = join(again, '2026-09');
    expect(files(b)).toEqual(files(a));
    expect(files(a).filter((f) => !readFileSync(join(a, f)).equals(readFileSync(join(b, f))))).toEqual([]);
    // The CLI does the same.
    const viaCli = tempDir();
    const r = await runCli(['run', '--from-raw', join(first, '2026-09', 'raw'), '--now', NOW, '--out', viaCli]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(viaCli, '2026-09', 'statements', 'ENG-APP.pdf')).equals(readFileSync(join(a, 'statements', 'ENG-APP.pdf')))).toBe(true);
  });

  it('refuses raw pages of an unfinished pull or of another month (exit 2), publishing nothing', async () => {
    const first = tempDir();
    expect((await runCli(['run', '--sandbox', '--now', NOW, '--out', first])).code).toBe(0);
    const raw = join(first, '2026-09', 'raw');
    const other = await runCli(['run', '--from-raw', raw, '--period', '2026-08', '--now', NOW, '--out', tempDir()]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds the pages of the month starting 2026-09-01T00:00:00Z, not 2026-08.');
    rmSync(join(raw, 'cost-total-p001.json'));
    const out = tempDir();
    let error: unknown;
    try {
      await runMonth({ provisional: false, now: new Date(NOW), outDir: out, force: false, directoryPath: 'mappings/org.yaml', templatePath: 'templates/standard.yaml', api: { baseUrl: 'http://offline.invalid', apiKey: 'x', label: 'raw' }, fromRaw: raw, log: () => {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChargebackError);
    expect((error as ChargebackError).message).toBe(`${join(raw, 'cost-total-p001.json')} is listed in requests.json but missing.`);
    expect(readdirSync(out)).toEqual([]);
    const missing = await runCli(['run', '--from-raw', join(tempDir(), 'nothing'), '--out', tempDir()]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('has no requests.json');
  });

  it('re-renders with the template and history the month recorded, into an empty folder, from any working folder', async () => {
    const first = tempDir();
    for (const period of ['2026-08', '2026-09']) {
      const r = await runCli(['run', '--sandbox', '--now', NOW, '--period', period, '--out', first, '--template', 'templates/acme-de.yaml']);
      expect(r.code, r.stderr).toBe(0);
    }
    const a = join(first, '2026-09');
    const elsewhere = tempDir();
    const again = tempDir();
    // Another working folder: the directory by path, the template and history from the month itself.
    const r = await runCli(['run', '--from-raw', join(a, 'raw'), '--now', NOW, '--out', again, '--directory', join(ROOT, 'mappings', 'org.yaml')], {}, elsewhere);
    expect(r.code, r.stderr).toBe(0);
    const b = join(again, '2026-09');
    expect(files(b)).toEqual(files(a));
    expect(files(a).filter((f) => f !== DIRECTORY_COPY && !readFileSync(join(a, f)).equals(readFileSync(join(b, f))))).toEqual(['manifest.json']);
    // Only the directory's recorded source path differs (an absolute path here).
    const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { inputs: Array<{ path: string; source?: string }> };
    expect(manifest(b).inputs[0]!.source).toBe(join(ROOT, 'mappings', 'org.yaml'));
    expect(readFileSync(join(b, 'inputs', 'history.json'), 'utf8')).toContain('"period": "2026-08"');
    // A fresh run from another folder finds the shipped standard template.
    const fresh = await runCli(['run', '--sandbox', '--now', NOW, '--out', tempDir(), '--directory', join(ROOT, 'mappings', 'org.yaml')], {}, elsewhere);
    expect(fresh.code, fresh.stderr).toBe(0);
  });

  it('re-renders a month that carried corrections, with what it recorded, into an empty folder', async () => {
    const first = tempDir();
    await publishTrueUp(first);
    const a = join(first, '2026-10');
    expect(files(a)).toContain('inputs/carried-adjustments.json');
    const again = tempDir();
    const r = await runCli(['run', '--from-raw', join(a, 'raw'), '--provisional', '--now', NOW, '--out', again]);
    expect(r.code, r.stderr).toBe(0);
    const b = join(again, '2026-10');
    expect(files(b)).toEqual(files(a));
    expect(files(a).filter((f) => !readFileSync(join(a, f)).equals(readFileSync(join(b, f))))).toEqual([]);
  }, 120_000);
});
