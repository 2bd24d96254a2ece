import { isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exists } from './publish.js';
import { DEFAULT_TEMPLATE, type Template } from '../core/template.js';
import { latestIssue } from './issues.js';
import { recordedTemplate } from './recorded.js';
import { assetClashesWithInputs, INPUTS_DIR, readRecordedManifest, TEMPLATE_COPY } from './layout.js';
import { usageError } from '../errors.js';
import type { MonthTemplate } from '../month.js';
import { formatProblem } from './directory-file.js';
import { loadTemplate, parseTemplate } from './template-file.js';
import { readRecordedBytes } from './read-recorded.js';

/**
 * The logo is recorded with the month under the same relative path (inputs/<path>), so verify can
 * read the template back from inputs/ alone; a path that leaves the template's folder cannot be.
 */
function recordablePath(templateFile: string, logo: string): string {
  const path = normalize(logo).split('\\').join('/');
  if (isAbsolute(logo) || path.startsWith('../') || path === '..' || assetClashesWithInputs(path)) {
    throw usageError(`The template ${templateFile} names the logo "${logo}" outside its own folder.`, ['Put the logo beside the template (or in a folder below it) and name it relative to the template.']);
  }
  return path;
}

/**
 * The standard template: templates/standard.yaml of the folder the run starts in (the customer's
 * copy), else the one shipped with the tool, so a run from any folder has one.
 */
export async function standardTemplatePath(): Promise<string> {
  const local = 'templates/standard.yaml';
  if (await exists(local)) return local;
  return fileURLToPath(new URL('../../templates/standard.yaml', import.meta.url));
}

/** The layout of a month issued before templates existed: the built-in default, no file. */
export const DEFAULT_MONTH_TEMPLATE: MonthTemplate = { template: DEFAULT_TEMPLATE, bytes: null, logo: null };

/** The statement template of a run, read and checked from its file. */
export async function loadMonthTemplate(path: string): Promise<MonthTemplate> {
  const { template, bytes, logoBytes } = await loadTemplate(path);
  return { template, bytes, logo: template.logo && logoBytes ? { path: recordablePath(path, template.logo.file), bytes: logoBytes } : null };
}

/** The template a published month recorded in inputs/ (the default when it recorded none). */
export async function templateFromCopy(dir: string, listedInputs: ReadonlySet<string>, name: string | undefined): Promise<MonthTemplate> {
  if (!listedInputs.has(TEMPLATE_COPY)) return DEFAULT_MONTH_TEMPLATE;
  // Through the recorded-file reader: regular files only, never a link, bounded, a refusal named (exit 2).
  const bytes = await readRecordedBytes(join(dir, TEMPLATE_COPY), 'the statement template the month recorded');
  const assets = new Map<string, Buffer>();
  const inputs = `${INPUTS_DIR}/`;
  for (const p of listedInputs) if (p.startsWith(inputs)) assets.set(p.slice(inputs.length), await readRecordedBytes(join(dir, p), "a copy of the month's inputs"));
  const { template, problems } = parseTemplate(bytes.toString('utf8'), TEMPLATE_COPY, (rel) => assets.get(normalize(rel).split('\\').join('/')) ?? null, { recorded: true });
  // Its problems name inputs/…, relative to the month folder; the message names the folder.
  if (!template) throw usageError(`The recorded statement template no longer validates (month folder ${dir}).`, problems.map(formatProblem));
  // The copy is always inputs/template.yaml; the manifest keeps the name it was run with.
  return { template: { ...template, name: name ?? template.name }, bytes, logo: template.logo ? { path: recordablePath(TEMPLATE_COPY, template.logo.file), bytes: template.logo.bytes } : null };
}

/** The template a published month was issued with (its latest issue), for delivery; null if unpublished. */
export async function publishedTemplate(outDir: string, label: string): Promise<Template | null> {
  const issue = await latestIssue(outDir, label);
  if (!issue) return null;
  const recorded = await readRecordedManifest(issue.folder);
  // Through the recorded-file reader: a missing or unreadable copy is named (exit 2), not a crash.
  return (recorded ? await recordedTemplate(issue.folder, recorded) : DEFAULT_MONTH_TEMPLATE).template;
}
