import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const CORE = join(ROOT, 'src', 'core');

describe('the pure core', () => {
  const files = readdirSync(CORE).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports no I/O, rendering or CLI library and reads no clock or environment', (file) => {
    const text = readFileSync(join(CORE, file), 'utf8');
    const imports = [...text.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    for (const spec of imports) {
      expect(spec, `${file} imports ${spec}`).toMatch(/^(\.\.?\/|decimal\.js$|luxon$)/);
      expect(spec).not.toMatch(/^\.\.\/(io|render|api|cli|sandbox)\//);
    }
    expect(text).not.toMatch(/Date\.now\(|new Date\(\)|process\.|performance\.now|Math\.random/);
  });

  it('has files to check', () => {
    expect(files).toEqual(expect.arrayContaining(['allocate.ts', 'money.ts', 'period.ts', 'reconcile.ts', 'statements.ts', 'directory.ts']));
  });
});
