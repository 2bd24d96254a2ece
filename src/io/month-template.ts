import { DEFAULT_TEMPLATE } from '../core/template.js';
import { TEMPLATE_COPY, type MonthTemplate } from '../month.js';

/** The statement template of a run: the file given, or the built-in default. */
export async function loadMonthTemplate(path: string | undefined): Promise<MonthTemplate> {
  if (path === undefined) return { template: DEFAULT_TEMPLATE, bytes: null, logo: null };
  throw new Error('templates: not wired yet');
}

/** The template a published month recorded in inputs/ (the default when it recorded none). */
export async function templateFromCopy(dir: string, listedInputs: ReadonlySet<string>): Promise<MonthTemplate> {
  if (!listedInputs.has(TEMPLATE_COPY)) return { template: DEFAULT_TEMPLATE, bytes: null, logo: null };
  throw new Error(`templates: not wired yet (${dir})`);
}
