import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

describe('chargeback verify', () => {
  let month: string;

  beforeAll(async () => {
    const out = tempDir();
    expect((await runCli(['run', '--sandbox', '--now', '2026-11-25T09:00:00Z', '--out', out])).code).toBe(0);
    month = join(out, '2026-09');
  });

  /** Changes a file, runs verify, and puts the file back. */
  async function verifyWith(path: string, change: (bytes: Buffer) => Buffer) {
    const file = join(month, path);
    const backup = join(tempDir(), 'backup');
    copyFileSync(file, backup);
    try {
      writeFileSync(file, change(readFileSync(file)));
      return await runCli(['verify', month]);
    } finally {
      copyFileSync(backup, file);
      rmSync(backup);
    }
  }

  it('passes on a fresh run, re-deriving every file byte for byte', async () => {
    const r = await runCli(['verify', month]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/verified\. \d+ files match the manifest, and the month re-derived from raw\/ and the recorded org directory is byte-identical\./);
  });

  it('fails with a listing when one byte of a statement changes', async () => {
    const r = await verifyWith('statements/ENG-APP.pdf', (b) => {
      const copy = Buffer.from(b);
      copy[2000] = copy[2000]! ^ 0x01;
      return copy;
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not verify: 2 problem(s).');
    expect(r.stderr).toMatch(/modified: statements\/ENG-APP\.pdf \(sha256 in manifest [0-9a-f]{12}…, on disk [0-9a-f]{12}…\)/);
    expect(r.stderr).toContain('re-derived statements/ENG-APP.pdf differs from the published file');
  });

  it('fails with a listing when one byte of a raw page changes', async () => {
    const r = await verifyWith('raw/cost-grouped-p001.json', (b) => {
      const text = b.toString('utf8');
      const at = text.indexOf('"amount":"') + '"amount":"'.length;
      return Buffer.from(`${text.slice(0, at)}${text[at] === '9' ? '8' : '9'}${text.slice(at + 1)}`);
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('modified: raw/cost-grouped-p001.json');
    expect(r.stderr).toContain('re-derivation failed: 2026-09 does not reconcile');
  });

  it('lists a removed and an added file', async () => {
    const ledger = join(month, 'ledger.csv');
    const saved = readFileSync(ledger);
    rmSync(ledger);
    writeFileSync(join(month, 'notes.txt'), 'added by hand');
    try {
      const r = await runCli(['verify', month]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('missing: ledger.csv (listed in the manifest)');
      expect(r.stderr).toContain('unexpected: notes.txt (not in the manifest)');
    } finally {
      writeFileSync(ledger, saved);
      rmSync(join(month, 'notes.txt'));
    }
    expect((await runCli(['verify', month])).code).toBe(0);
  });

  it('refuses a folder that is not a published month (exit 2)', async () => {
    const r = await runCli(['verify', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no manifest.json: it is not a published month.');
  });
});

describe('verify of a month published by another version', () => {
  it('re-derives and compares the figures, and checks the documents by hash only', async () => {
    const out = tempDir();
    expect((await runCli(['run', '--sandbox', '--now', '2026-11-25T09:00:00Z', '--out', out])).code).toBe(0);
    const month = join(out, '2026-09');
    const manifestPath = join(month, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { tool: { version: string }; outputs: Array<{ path: string; sha256: string; bytes: number }> };
    // As an older version would have laid it out: other PDF bytes, recorded in its manifest.
    manifest.tool.version = '0.6.9';
    const pdf = join(month, 'statements', 'ENG-APP.pdf');
    const relaid = Buffer.concat([readFileSync(pdf), Buffer.from('\n% laid out by 0.1.0\n')]);
    writeFileSync(pdf, relaid);
    const entry = manifest.outputs.find((o) => o.path === 'statements/ENG-APP.pdf')!;
    entry.sha256 = createHash('sha256').update(relaid).digest('hex');
    entry.bytes = relaid.length;
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    const ok = await runCli(['verify', month]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('note: published by version 0.6.9');
    // ledger.csv and FOCUS took their quantity columns in 0.7.0: a month from before is checked by hash there.
    expect(ok.stdout).toContain('the figures (chargeback.json, journal.csv) were re-derived and compared');
    // A changed figure is still caught.
    const ledger = join(month, 'chargeback.json');
    const text = readFileSync(ledger, 'utf8');
    const edited = text.replace(/"sourceTotalCents": ?"(\d+)"/, (whole, d: string) => whole.replace(d, String(BigInt(d) + 1n)));
    expect(edited).not.toBe(text);
    writeFileSync(ledger, edited);
    const l = manifest.outputs.find((o) => o.path === 'chargeback.json')!;
    l.sha256 = createHash('sha256').update(edited).digest('hex');
    l.bytes = Buffer.byteLength(edited);
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    const bad = await runCli(['verify', month]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('re-derived chargeback.json differs from the published file');
  });
});

describe('verify of a month run on a clock with milliseconds', () => {
  it('passes: the documents are dated by the whole second the manifest records', async () => {
    const out = tempDir();
    // Like the live clock (a run without --now), which carries milliseconds.
    const run = await runCli(['run', '--sandbox', '--now', '2026-11-25T09:00:00.734Z', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const r = await runCli(['verify', join(out, '2026-09')]);
    expect(r.code, r.stderr).toBe(0);
  });
});
