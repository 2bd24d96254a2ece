import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from './cli.js';

/**
 * LibreOffice's profile setting that recalculates every formula of an OOXML workbook on load
 * (Tools › Options › Calc › Formula › "Recalculation on file load": Always). Without it,
 * headless LibreOffice keeps the cached values and proves nothing.
 */
const ALWAYS_RECALCULATE = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
`;

/**
 * Opens each workbook in headless LibreOffice Calc (a fresh profile that recalculates on load)
 * and saves it again as .xlsx, in one LibreOffice start: what comes back holds the values
 * LibreOffice computed. Returns the saved copies, in the order given.
 */
export function recalculatedByLibreOffice(files: readonly string[]): string[] {
  const work = tempDir('chargeback-libreoffice-');
  const profile = join(work, 'profile');
  mkdirSync(join(profile, 'user'), { recursive: true });
  writeFileSync(join(profile, 'user', 'registrymodifications.xcu'), ALWAYS_RECALCULATE);
  // Distinct names: a statement and a roll-up of the same code share a file name.
  const inputs = files.map((f, i) => {
    const copy = join(work, `w${i}.xlsx`);
    copyFileSync(f, copy);
    return copy;
  });
  const out = join(work, 'out');
  execFileSync('soffice', ['--headless', '--norestore', '--nolockcheck', `-env:UserInstallation=${pathToFileURL(profile).href}`, '--convert-to', 'xlsx:Calc MS Excel 2007 XML', '--outdir', out, ...inputs], {
    stdio: 'pipe',
    timeout: 300_000,
    env: { ...process.env, HOME: work },
  });
  return inputs.map((_, i) => join(out, `w${i}.xlsx`));
}
