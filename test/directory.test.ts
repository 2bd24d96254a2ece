import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectLocatedProblems } from './helpers/problems.js';
import { describe, expect, it } from 'vitest';
import { formatProblem, parseDirectory } from '../src/io/directory-file.js';
import { sampleDirectoryYaml } from '../src/sandbox/sample-directory.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const BAD = join(ROOT, 'test', 'fixtures', 'bad-directories');
const expected = JSON.parse(readFileSync(join(BAD, 'expected.json'), 'utf8')) as Record<string, Array<[string, string]>>;
const fixtures = readdirSync(BAD).filter((f) => f.endsWith('.yaml')).sort();

describe('org directory', () => {
  it('ships a sample that is valid, large enough and generated from the sandbox organization', () => {
    const text = readFileSync(join(ROOT, 'mappings', 'org.yaml'), 'utf8');
    expect(text).toBe(sampleDirectoryYaml());
    const { directory, problems } = parseDirectory(text, 'mappings/org.yaml');
    expect(problems).toEqual([]);
    expect(directory!.costCenters.length).toBeGreaterThanOrEqual(10);
    expect(directory!.costCenters.filter((c) => c.parent !== null).every((c) => directory!.costCenters.find((p) => p.code === c.parent)!.parent === null)).toBe(true);
    expect(directory!.people.length).toBeGreaterThanOrEqual(100);
    expect(directory!.rules.map((r) => r.matcher)).toEqual(['api_key_id', 'service_account_id', 'workspace_id', 'email_domain', 'product']);
  });

  it('has an expectation for every bad fixture', () => {
    expect(Object.keys(expected).sort()).toEqual(fixtures);
  });

  it.each(fixtures)('%s: every problem located by line and column with the fix', (file) => {
    const path = `test/fixtures/bad-directories/${file}`;
    const { directory, problems } = parseDirectory(readFileSync(join(ROOT, path), 'utf8'), path);
    expect(directory).toBeNull();
    expectLocatedProblems(problems.map(formatProblem), expected[file]!, path);
  });

  it.each(fixtures)('%s: run exits 2 and publishes nothing', async (file) => {
    const out = tempDir();
    const path = `test/fixtures/bad-directories/${file}`;
    const r = await runCli(['run', '--sandbox', '--now', '2026-11-25T09:00:00Z', '--out', out, '--directory', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: The org directory ${path} has ${expected[file]!.length} problem`);
    expect(r.stderr).toContain(`${path}:${expected[file]![0]![0]}: `);
    expect(existsSync(join(out, '2026-09'))).toBe(false);
    expect(readdirSync(out)).toEqual([]);
  });

  it('validate reports ok on the sample and every problem on a bad file', async () => {
    const ok = await runCli(['validate']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('mappings/org.yaml: ok: 14 cost centers, 121 people, 5 rules, 1 shared-cost pool(s); unmapped spend: bucket.\n');
    const bad = await runCli(['validate', '--directory', 'test/fixtures/bad-directories/several-problems.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n').filter((l) => /several-problems\.yaml:\d+:\d+: /.test(l))).toHaveLength(3);
  });
});
