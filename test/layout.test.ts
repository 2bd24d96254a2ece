import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { closeMonth } from '../src/io/close.js';
import {
  ADJUSTMENTS_FILE, CARRIED_COPY, carriedJson, CHARGEBACK_FILE, closedRecord, DELIVERIES_FILE, deliveriesJson, DELIVERIES_SCHEMA, DIRECTORY_COPY, FOCUS_FILE, HISTORY_COPY, historyJson, isRawFileName, issueFolder,
  JOURNAL_FILE, LEDGER_FILE, MANIFEST_FILE, FOCUS_PARQUET_FILE, PREVIOUS_JOURNAL_COPY, ACCRUED_COPY, parseCarriedCopy, parseHistory, parseIssueFolder, PREVIOUS_COPY, rawPath, readChargebackFile, readClosed, readDeliveries, readManifest, readRecordedManifest,
  readRequests, REQUESTS_FILE, requestsJson, statementFile, SUMMARY_FILE, TEMPLATE_COPY, templateAssetCopy, type DeliveriesFile, type RequestRecord,
} from '../src/io/layout.js';
import { recordedTemplate } from '../src/io/recorded.js';
import { publishTrueUp, ROOT, tempDir } from './helpers/cli.js';

/**
 * One module owns the published month's layout (src/io/layout.ts): every other module names the
 * month's files through it, every file of a published month is one it names, and each recorded
 * file reads back through it as what was written.
 */

const files = (dir: string, root = dir): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name), root) : [relative(root, join(dir, e.name)).split('\\').join('/')]));

describe('the published month layout', () => {
  let out: string;
  beforeAll(async () => {
    out = tempDir('chargeback-layout-');
    // September provisional, its final revision, October carrying the difference.
    await publishTrueUp(out);
  });

  it('names every file of every issue, and the manifest lists each of them', async () => {
    for (const folder of ['2026-09', '2026-09.r2', '2026-10']) {
      const dir = join(out, folder);
      const { data } = await readChargebackFile(dir);
      const { manifest } = await readManifest(dir);
      const statements = new Set(
        data.costCenters.flatMap((cc) => (['direct', 'rollup'] as const).flatMap((kind) => (['pdf', 'xlsx'] as const).map((ext) => statementFile(kind, cc.code, ext)))),
      );
      const { logo } = await recordedTemplate(dir, (await readRecordedManifest(dir))!);
      const named = new Set([...(logo ? [templateAssetCopy(logo.path)] : []), MANIFEST_FILE, CHARGEBACK_FILE, LEDGER_FILE, JOURNAL_FILE, FOCUS_FILE, FOCUS_PARQUET_FILE, ADJUSTMENTS_FILE, SUMMARY_FILE, DIRECTORY_COPY, TEMPLATE_COPY, HISTORY_COPY, PREVIOUS_COPY, PREVIOUS_JOURNAL_COPY, CARRIED_COPY, ACCRUED_COPY, rawPath(REQUESTS_FILE)]);
      const unnamed = files(dir).filter((f) => !named.has(f) && !statements.has(f) && !(f.startsWith('raw/') && isRawFileName(f.slice(4))));
      expect(unnamed, folder).toEqual([]);
      const listed = [...manifest.inputs, ...manifest.outputs].map((e) => e.path).sort();
      expect(listed, folder).toEqual(files(dir).filter((f) => f !== MANIFEST_FILE).sort());
      // The statements are where the layout says, one pair per statement number.
      const numbered = data.costCenters.filter((cc) => cc.statementNumber !== null);
      expect(numbered.length).toBeGreaterThan(3);
      for (const cc of numbered) for (const ext of ['pdf', 'xlsx'] as const) expect(listed, `${folder} ${cc.code}`).toContain(statementFile('direct', cc.code, ext));
    }
    // A revision keeps the issue it replaces; a first issue does not. October carries September's difference.
    expect(files(join(out, '2026-09.r2'))).toContain(PREVIOUS_COPY);
    expect(files(join(out, '2026-09'))).not.toContain(PREVIOUS_COPY);
    expect(files(join(out, '2026-10'))).toContain(CARRIED_COPY);
  });

  it('reads each recorded file back as what was written, byte for byte when written again', async () => {
    const october = join(out, '2026-10');
    const history = readFileSync(join(october, HISTORY_COPY));
    const months = parseHistory(history, HISTORY_COPY);
    expect(months.map((m) => `${m.period} r${m.revision}`)).toEqual(['2026-09 r2']);
    expect(historyJson(months).equals(history)).toBe(true);

    const carried = readFileSync(join(october, CARRIED_COPY));
    const parsed = parseCarriedCopy(carried, CARRIED_COPY);
    expect(parsed.source).toBe('2026-09.r2');
    expect(parsed.adjustments.length).toBeGreaterThan(0);
    expect(carriedJson(parsed)).toBe(carried.toString('utf8'));

    // The request log: every kept page it names is under raw/ and listed by the manifest with the same digest.
    const requests = await readRequests(join(october, 'raw'));
    expect(requestsJson(requests as unknown as RequestRecord[])).toBe(readFileSync(join(october, rawPath(REQUESTS_FILE)), 'utf8'));
    const { manifest } = await readManifest(october);
    const inputs = new Map(manifest.inputs.map((e) => [e.path, e.sha256]));
    const kept = requests.filter((r) => r.used && r.file !== null);
    expect(kept.length).toBeGreaterThan(2);
    for (const r of kept) expect(inputs.get(rawPath(r.file!)), r.file!).toMatch(/^[0-9a-f]{64}$/);

    const recorded = await readRecordedManifest(october);
    expect(recorded?.api).toBe('sandbox');
    expect(recorded?.listed.has(DIRECTORY_COPY)).toBe(true);
  });

  it('closes through the layout: the marker read back names the issue and its manifest', async () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const closed = await closeMonth(out, '2026-09', now);
    expect(closed.revision).toBe(2);
    const marker = await readClosed(out, '2026-09');
    const { bytes } = await readManifest(join(out, issueFolder('2026-09', 2)));
    expect(marker).toEqual({ ...closedRecord('2026-09', 2, bytes, now) });
    expect(await readClosed(out, '2026-10')).toBeNull();
  });

  it('writes and reads the deliveries record one way', async () => {
    const dir = tempDir('chargeback-layout-deliveries-');
    expect(await readDeliveries(dir, '2026-09', '2026-09')).toEqual({ schema: DELIVERIES_SCHEMA, period: '2026-09', folder: '2026-09', deliveries: [] });
    const record: DeliveriesFile = {
      schema: DELIVERIES_SCHEMA,
      period: '2026-09',
      folder: '2026-09.r2',
      deliveries: [{ status: 'sent', recipient: 'a@example.com', ownerName: 'A', costCenters: ['ENG'], statements: ['CB-2026-09-ENG-R2'], attachments: [{ file: 'CB-2026-09-ENG-R2.pdf', source: statementFile('direct', 'ENG', 'pdf'), sha256: 'a'.repeat(64), bytes: 10 }], from: 'f@example.com', messageId: '<m@x>', subject: 's', outboxFile: 'outbox/1.eml', response: '250 ok', error: null, resend: false, at: '2026-12-01T10:00:00Z' }],
    };
    writeFileSync(join(dir, DELIVERIES_FILE), deliveriesJson(record));
    expect(await readDeliveries(dir, '2026-09', 'ignored')).toEqual(record);
  });

  it('names issue folders one way: a revision number reads back as itself, nothing else is an issue', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 10_000 }), (year, month, revision) => {
        const label = `${year}-${String(month).padStart(2, '0')}`;
        expect(parseIssueFolder(issueFolder(label, revision))).toEqual({ label, revision });
      }),
      { numRuns: 200 },
    );
    for (const name of ['2026-09.r1', '2026-09.r02', '2026-09.r0', '2026-9', '2026-09.r', '2026-09.closed.json', '.2026-09.partial-1-ab']) expect(parseIssueFolder(name), name).toBeNull();
  });
});

describe('no module but the layout names the month\u2019s files', () => {
  const NAMES = [MANIFEST_FILE, CHARGEBACK_FILE, LEDGER_FILE, JOURNAL_FILE, FOCUS_FILE, ADJUSTMENTS_FILE, SUMMARY_FILE, REQUESTS_FILE, DELIVERIES_FILE];
  const FOLDERS = 'raw|inputs|statements|outbox';
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** A file name as a whole literal, a literal path starting with one of the month's folders, or a folder given to join. */
  const literal = new RegExp(`(['"\`])(${NAMES.map(escape).join('|')})\\1|['"\`](${FOLDERS})/|join\\([^)]*['"\`](${FOLDERS})['"\`]|\\.closed\\.json['"\`]|\\.(partial|replaced)-|-p\\$\\{`);

  it('finds no file name or folder of a published month spelled out in src/ outside src/io/layout.ts', () => {
    const src = join(ROOT, 'src');
    const offenders: string[] = [];
    for (const file of files(src).filter((f) => f.endsWith('.ts') && f !== 'io/layout.ts')) {
      readFileSync(join(src, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (!/^\s*(\*|\/\/)/.test(line) && literal.test(line)) offenders.push(`src/${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('would find one: the check is not blind', () => {
    for (const line of [`await sink.write('chargeback.json', x);`, 'join(dir, `raw/${f}`)', `join(out, '2026-09.closed.json')`, `const p = \`.\${name}.partial-\${n}\`;`, `readFileSync(join(dir, "statements/ENG.pdf"))`, `readRawListings(join(dir, 'raw'), sink)`]) expect(literal.test(line), line).toBe(true);
    expect(literal.test(`throw usageError(\`\${dir} has no manifest.json: it is not a published month.\`);`)).toBe(false);
    expect(literal.test(`const apiLabel = recorded?.api ?? 'raw';`)).toBe(false);
  });
});
