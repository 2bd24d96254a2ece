import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../src/render/csv.js';
import { runCli, tempDir } from './helpers/cli.js';
import { readXlsx } from './helpers/readers.js';

describe('spreadsheet formula injection', () => {
  it('CSV: text that starts like a formula gets an apostrophe; numbers, negative ones too, stay numbers', () => {
    const csv = toCsv(['a', 'b', 'c', 'd', 'e', 'f'], [['=1+1', '+SUM(A1)', '-cmd', '@x', '-5', '-12.34'], ['\tTAB', '\rCR', 'plain', '', '0', 'a=b']]).toString('utf8');
    expect(csv.split('\r\n')[1]).toBe("'=1+1,'+SUM(A1),'-cmd,'@x,-5,-12.34");
    expect(csv.split('\r\n')[2]).toBe(`'\tTAB,"'\rCR",plain,,0,a=b`);
  });

  it('a hostile name in the directory reaches no output as a formula (ledger, statement workbook, summary)', async () => {
    const hostile = '=HYPERLINK("http://evil.example","click")';
    const text = readFileSync('mappings/org.yaml', 'utf8').replace('    name: "Tomás Lindqvist"', `    name: ${JSON.stringify(hostile)}`).replace('name: "Application Engineering"', 'name: "+SUM(1;2)"');
    expect(text).toContain(hostile.replace(/"/g, '\\"'));
    const dir = join(tempDir(), 'org.yaml');
    writeFileSync(dir, text);
    const out = tempDir();
    const r = await runCli(['run', '--sandbox', '--now', '2026-11-25T09:00:00Z', '--out', out, '--directory', dir]);
    expect(r.code).toBe(0);
    const month = join(out, '2026-09');
    const ledger = readFileSync(join(month, 'ledger.csv'), 'utf8');
    expect(ledger).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(ledger).not.toMatch(/(^|,)"?=HYPERLINK/m);
    for (const file of ['statements/ENG-APP.xlsx', 'summary.xlsx']) {
      const cells = readXlsx(join(month, file)).flatMap((s) => s.cells);
      const formulas = cells.filter((c) => c.formula !== null).map((c) => c.formula!);
      expect(formulas.every((f) => /^=(SUM\(|SUBTOTAL\(109,|IF\(|B\d+$|Users!|'Cost centers'!)/.test(f)), file).toBe(true);
      const strings = cells.filter((c) => typeof c.value === 'string').map((c) => c.value as string);
      expect(strings.some((v) => v.includes('HYPERLINK') || v.includes('+SUM(1;2)'))).toBe(true);
      expect(strings.filter((v) => /^[=+\-@]/.test(v))).toEqual([]);
    }
  });
});
