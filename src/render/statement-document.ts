import type { AdoptionView } from '../core/adoption.js';
import type { BudgetView } from '../core/budget.js';
import { sumCounts, type EngagementLine, type StatementInsights } from '../core/insights.js';
import { perUnitCents } from '../core/money.js';
import { changedSentence, CHARGES_TITLE, differenceSentence, revisionOpening, whatChanged, type Breakdown, type Statement } from '../core/statements.js';
import type { Section, Template } from '../core/template.js';
import { drawBarChart, drawTrendChart, type Bar, type ChartColours } from './charts.js';
import { statementFile } from '../io/layout.js';
import { Formatter } from './locale.js';
import { lastDay, parsePeriod } from '../core/period.js';
import { plainName, type Dimension } from '../core/catalog.js';
import { pricePerMillion, sumModelQuantities, type ModelQuantity } from '../core/usage.js';
import { Money } from '../core/money.js';
import { drawTable, ensureSpace, type Column, finishDocument, heading, MARGIN, newDocument, pageBottom, tableHeading, themeOf } from './statement-pdf.js';

type Doc = PDFKit.PDFDocument;

interface Ctx {
  readonly doc: Doc;
  readonly s: Statement;
  readonly t: Template;
  readonly f: Formatter;
  readonly width: number;
  readonly company: string;
}

const DASH = '\u2014';
/** Bars in a chart before the rest are summed as "Other". */
const MAX_BARS = 6;
/**
 * Rows per person in the engagement and long-context tables before the rest are summed as
 * "Other": about a page. The people table (what is charged) always lists everyone; every person's
 * activity and every line are in the workbook.
 */
const MAX_PEOPLE_ROWS = 40;

/** The workbook that goes with a statement, as it is attached and as it is filed in the month's folder. */
function workbookName(s: Statement): string {
  return `${s.number}.xlsx (${statementFile(s.kind, s.code, 'xlsx')} in the month\u2019s folder)`;
}

function chartColours(ctx: Ctx): ChartColours {
  const c = ctx.t.colours;
  return { bar: c.accent, negative: '#C0392B', text: '#1A1A1A', muted: c.muted, grid: c.rule };
}

function paragraph(ctx: Ctx, text: string, options: { size?: number; colour?: string } = {}): void {
  const { doc } = ctx;
  doc.font('regular').fontSize(options.size ?? 8.5).fillColor(options.colour ?? 'black');
  const height = doc.heightOfString(text, { width: ctx.width });
  ensureSpace(doc, height + 4);
  doc.text(text, MARGIN, doc.y, { width: ctx.width });
  doc.fillColor('black');
  doc.moveDown(0.4);
}

/** Reserves the height of a chart on the page (a new page when it does not fit) and draws it there. */
function chart(ctx: Ctx, height: number, draw: (box: { x: number; y: number; width: number; height: number }) => number): void {
  const { doc } = ctx;
  if (doc.y + height > pageBottom(doc)) doc.addPage();
  const top = doc.y;
  const used = draw({ x: MARGIN, y: top, width: ctx.width, height });
  doc.x = MARGIN;
  doc.y = top + Math.max(used, 0);
  doc.moveDown(0.6);
}

function header(ctx: Ctx): void {
  const { doc, s, t, f, width } = ctx;
  const theme = themeOf(doc);
  let left = MARGIN;
  if (t.logo) {
    doc.image(Buffer.from(t.logo.bytes), MARGIN, MARGIN, { width: t.logo.widthPt });
    left += t.logo.widthPt + 12;
  }
  doc.font('bold').fontSize(16).fillColor(theme.primary).text(ctx.company, left, MARGIN, { width: MARGIN + width - 170 - left });
  const right = MARGIN + width - 170;
  doc.font('bold').fontSize(11).fillColor('black').text(s.kind === 'rollup' ? 'Roll-up statement' : 'Chargeback statement', right, MARGIN, { width: 170, align: 'right' });
  doc.font('regular').fontSize(9).fillColor(theme.muted).text(s.number, right, MARGIN + 16, { width: 170, align: 'right' });
  doc.font('bold').fontSize(10).fillColor(s.status === 'FINAL' ? '#1E7B34' : '#C0392B').text(s.status, right, MARGIN + 30, { width: 170, align: 'right' });
  doc.fillColor('black');
  const logoBottom = t.logo ? MARGIN + 40 : 0;
  doc.y = Math.max(doc.y, MARGIN + 52, logoBottom);
  doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + width, doc.y).lineWidth(1).strokeColor(theme.primary).stroke();
  doc.moveDown(0.8);

  const facts: Array<[string, string]> = [
    ['Cost center', `${s.code} ${DASH} ${s.name}`],
    ['Parent', s.parent ?? DASH],
    ['Owner', s.owner ? `${s.owner.name} <${s.owner.email}>` : 'Finance (unallocated spend)'],
    // The last day itself, as a reader counts a month (the API's end is the next day at 00:00).
    ['Period (UTC)', `${f.month(s.periodLabel)} (${f.date(s.periodStartIso.slice(0, 10))} to ${f.date(lastDay(parsePeriod(s.periodLabel)!))})`],
    ['Statement number', s.number],
    ['Status', s.status],
    ...(s.finalDueOn ? [['Final statement', `due on or after ${f.date(s.finalDueOn)} (the provider's revision window)`] as [string, string]] : []),
    ['Data as of', s.dataAsOf ? f.dateTime(s.dataAsOf) : 'unknown'],
    ['Issued', f.dateTime(s.issuedAt)],
  ];
  for (const [k, v] of facts) {
    const y = doc.y;
    doc.font('bold').fontSize(9).text(k, MARGIN, y, { width: 110 });
    doc.font('regular').fontSize(9).text(v, MARGIN + 110, y, { width: width - 110 });
    doc.moveDown(0.15);
  }
  doc.moveDown(0.6);
  const boxY = doc.y;
  doc.rect(MARGIN, boxY, width, 34).fill(theme.panel);
  const boxLabel = s.kind === 'rollup' ? 'For information, not charged' : s.revision ? 'Revised total for the period' : 'Total for the period';
  doc.font('bold').fontSize(12).fillColor(theme.primary).text(boxLabel, MARGIN + 10, boxY + 10, { width: 250, lineBreak: false });
  doc.fontSize(14).text(`Total ${f.money(s.totalCents)}`, MARGIN + width - 260, boxY + 9, { width: 250, align: 'right', lineBreak: false });
  doc.fillColor('black');
  doc.y = boxY + 42;
  doc.x = MARGIN;
  // What this document does with the total: the template's payment text says it is charged, which
  // is true of a first issue only. A revision charges its difference on a later statement; a
  // roll-up charges nothing.
  const what = chargeSentence(ctx);
  if (what) paragraph(ctx, what, { size: 9, colour: theme.primary });
  else if (t.payment) paragraph(ctx, t.payment, { size: 8.5, colour: theme.muted });
  const budget = s.insights?.budget;
  if (budget) paragraph(ctx, budgetSentence(ctx, budget), { size: 9, colour: budget.varianceCents < 0n ? '#C0392B' : theme.primary });
  doc.moveDown(0.4);
}

/** "Budget for October 2026: $5,000.00; this month's charges $5,284.12, over budget by $284.12 (5.7%). Year to date …" */
export function budgetSentence(ctx: Pick<Ctx, 's' | 'f'>, b: BudgetView): string {
  const { s, f } = ctx;
  const whose = b.fromChildren ? ' (the sum of its cost centers\u2019 budgets)' : '';
  const standing = b.varianceCents < 0n
    ? `over budget by ${f.money(-b.varianceCents)} (${f.percent(-b.varianceCents, b.budgetCents, 1)})`
    : b.varianceCents === 0n ? 'exactly on budget' : `under budget by ${f.money(b.varianceCents)}`;
  const carried = s.insights && s.insights.trend.carriedCents !== 0n ? ' (corrections of earlier months it carries count in those months)' : '';
  const months = b.ytdMonths === 1 ? `${f.month(s.periodLabel)}, the first month issued this year` : `${b.ytdMonths} months issued, ${f.month(b.ytdFrom)} to ${f.month(s.periodLabel)}`;
  const ytd = `Year to date (${months}): ${f.money(b.ytdActualCents)} of ${f.money(b.ytdBudgetCents)} budgeted (${f.percent(b.ytdActualCents, b.ytdBudgetCents, 1)}).`;
  return `Budget for ${f.month(s.periodLabel)}: ${f.money(b.budgetCents)}${whose}. This month\u2019s charges${carried}: ${f.money(b.actualCents)}, ${standing}. ${ytd}`;
}

/** Page 1's sentence for a revision or a roll-up (null for a first issue's direct statement). */
function chargeSentence(ctx: Ctx): string | null {
  const { s, f } = ctx;
  if (s.kind === 'rollup') {
    return `For information, not charged: this roll-up adds up the statements of ${s.code} and the cost centers below it, which charge these amounts to each cost center.`;
  }
  const r = s.revision;
  if (!r) return null;
  const money = (cents: bigint) => f.money(cents);
  return `${revisionOpening(r, f.month(s.periodLabel), money, (iso) => f.date(iso.slice(0, 10)))} ${differenceSentence(r, money)}${changedSentence(r)}`;
}

/** Which catalog names the rows of a view (their labels are the provider's codes). */
const NAMED_BY: Readonly<Record<string, Dimension>> = {
  'Direct usage by product': 'product',
  'Direct usage by cost type': 'costType',
  'Direct usage by context window tier': 'contextWindow',
  'Direct usage by speed': 'speed',
  'Direct usage by inference region': 'region',
};

/** A view's rows with plain names for the provider's codes (the workbook's lines and the ledgers keep the codes). */
function named<R extends { readonly label: string }>(title: string, rows: readonly R[]): R[] {
  const dimension = NAMED_BY[title];
  return dimension ? rows.map((r) => ({ ...r, label: plainName(dimension, r.label) })) : [...rows];
}

function breakdownTable(ctx: Ctx, b: Breakdown): void {
  const { doc, s, f } = ctx;
  tableHeading(doc, b.title, b.rows.length + 1);
  const whole = b.of === 'total' ? s.totalCents : s.directCents;
  const rows = named(b.title, b.rows).map((r) => [r.label, f.money(r.cents), f.percent(r.cents, whole, 2)]);
  rows.push([b.of === 'total' ? 'Total' : 'Direct usage total', f.money(b.rows.reduce((a, r) => a + r.cents, 0n)), f.percent(whole, whole, 2)]);
  drawTable(doc, [{ title: b.title.replace(/^(Direct usage )?[Bb]y /, '').replace(/^./, (c) => c.toUpperCase()), width: 335 }, { title: 'Amount', width: 95, align: 'right' }, { title: 'Share', width: 65, align: 'right' }], rows, { boldLast: true });
}

/** The views "Where the money goes" draws as bar charts. */
const CHARTED: ReadonlySet<string> = new Set(['Direct usage by model', 'Direct usage by cost type']);

/**
 * Whether a view is shown as a chart rather than a table, so no figure appears twice: a chart when
 * every row fits as a bar (and the template has "Where the money goes"), else the table, which
 * lists every row (and the chart is left out).
 */
function chartedHere(ctx: Ctx, b: Breakdown): boolean {
  if (!CHARTED.has(b.title) || !ctx.s.insights) return false;
  const sections = ctx.t.sections;
  if (!sections.includes('breakdowns')) return true;
  return sections.includes('spend-mix') && b.rows.length <= MAX_BARS;
}

/** Top bars plus "Other (n more)", each showing the same text as the table row it comes from. */
function bars(ctx: Ctx, rows: ReadonlyArray<{ label: string; cents: bigint }>): Bar[] {
  const top = rows.slice(0, MAX_BARS).map((r) => ({ label: r.label, cents: r.cents, display: ctx.f.money(r.cents) }));
  const rest = rows.slice(MAX_BARS);
  if (rest.length === 0) return top;
  const cents = rest.reduce((a, r) => a + r.cents, 0n);
  return [...top, { label: `Other (${rest.length} more)`, cents, display: ctx.f.money(cents) }];
}

function barChart(ctx: Ctx, title: string, rows: ReadonlyArray<{ label: string; cents: bigint }>): void {
  const list = bars(ctx, rows);
  if (list.length === 0) return;
  chart(ctx, 26 + list.length * 16, (box) => drawBarChart(ctx.doc, box, title, list, chartColours(ctx)));
}

function trendSection(ctx: Ctx, insight: StatementInsights): void {
  const { doc, s, f } = ctx;
  const tr = insight.trend;
  const last = tr.points[tr.points.length - 2]!;
  // A first month has nothing to trend: one sentence, not a chart and a table of empty months.
  const published = tr.points.filter((p) => p.cents !== null);
  if (published.length <= 1 && tr.carriedCents === 0n) {
    heading(doc, 'Trend', 40);
    paragraph(ctx, `This is the first month with a statement for this cost center in the six months to ${f.month(s.periodLabel)}; the trend starts here.`);
    return;
  }
  heading(doc, 'Trend', 200);
  paragraph(
    ctx,
    tr.changeCents === null || tr.previousCents === null
      ? `No statement was published for ${f.month(last.period)}, so there is no month-over-month change.`
      : `Compared with ${f.month(last.period)} (${f.money(tr.previousCents)}): ${f.signedMoney(tr.changeCents)}${tr.previousCents === 0n ? '' : ` (${f.signedPercent(tr.changeCents, tr.previousCents, 1)})`}.`,
  );
  if (tr.carriedCents !== 0n) {
    paragraph(ctx, `This month\u2019s own charges are ${f.money(tr.currentCents)}; the total of ${f.money(s.totalCents)} also carries ${f.signedMoney(tr.carriedCents)} of corrections to earlier months, which the trend counts in the months they correct.`);
  }
  chart(ctx, 150, (box) =>
    drawTrendChart(
      doc,
      box,
      `Charges per month, ${f.shortMonth(tr.points[0]!.period)} to ${f.shortMonth(s.periodLabel)}`,
      tr.points.map((p) => ({ label: f.shortMonth(p.period), cents: p.cents, display: p.cents === null ? 'no data' : f.money(p.cents), highlight: p.period === s.periodLabel })),
      chartColours(ctx),
      { formatAxis: (c) => f.money(c) },
    ),
  );
  // The table lists the months with a statement; the months without one are named once below it.
  const rows = tr.points.flatMap((p, i) => {
    if (p.cents === null) return [];
    const before = i > 0 ? tr.points[i - 1]!.cents : null;
    return [[f.month(p.period), f.money(p.cents), before !== null ? f.signedMoney(p.cents - before) : DASH, before !== null && before !== 0n ? f.signedPercent(p.cents - before, before, 1) : DASH]];
  });
  drawTable(doc, [{ title: 'Month', width: 185 }, { title: 'Charges', width: 110, align: 'right' }, { title: 'Change', width: 110, align: 'right' }, { title: 'Change %', width: 90, align: 'right' }], rows);
  const missing = tr.points.filter((p) => p.cents === null).map((p) => f.month(p.period));
  if (missing.length > 0) paragraph(ctx, `No statement was published for ${missing.join(', ')}.`, { colour: themeOf(doc).muted });
  if (tr.increases.length + tr.decreases.length > 0) {
    tableHeading(doc, `Biggest movers since ${f.month(last.period)}`, tr.increases.length + tr.decreases.length);
    const movers = [...tr.increases, ...tr.decreases].map((m) => [m.label, f.money(m.previousCents), f.money(m.currentCents), f.signedMoney(m.changeCents), m.previousCents === 0n ? 'new' : f.signedPercent(m.changeCents, m.previousCents, 1)]);
    drawTable(doc, [{ title: 'Person or spender', width: 175 }, { title: f.shortMonth(last.period), width: 80, align: 'right' }, { title: f.shortMonth(s.periodLabel), width: 80, align: 'right' }, { title: 'Change', width: 90, align: 'right' }, { title: 'Change %', width: 70, align: 'right' }], movers);
  }
}

function engagementSection(ctx: Ctx, insight: StatementInsights): void {
  const { doc, f } = ctx;
  heading(doc, 'Value: Claude Code and chat activity', 120);
  const e = insight.engagement;
  if (!e) {
    paragraph(ctx, 'No engagement is shown: the provider\u2019s user activity report was not available when this month was pulled.');
    return;
  }
  if (e.lines.length === 0) {
    paragraph(ctx, 'No activity of people attributed to this cost center was reported for the month.');
    return;
  }
  const t = e.total;
  const rate = (cents: bigint | null) => (cents === null ? DASH : f.money(cents));
  const count = (n: number | null) => (n === null ? DASH : f.integer(n));
  const people = new Set(e.lines.map((l) => l.actorKey)).size;
  const covered = e.range ? `Activity from ${f.date(e.range.from)} to ${f.date(e.range.to)}${e.range.partial ? ', not the whole month: the provider\u2019s report did not reach its end yet, so cost per unit divides the month\u2019s usage by part of its activity' : ''}. ` : '';
  paragraph(
    ctx,
    `${covered}${f.integer(people)} people: ${count(t.sessions)} Claude Code sessions, ${f.integer(t.commits)} commits, ${f.integer(t.pullRequests)} pull requests, +${f.integer(t.linesAdded)} / \u2212${f.integer(t.linesRemoved)} lines, ${count(t.conversations)} chat conversations. ` +
      `Their usage ${f.money(t.costCents)}: ${rate(t.perSessionCents)} per session, ${rate(t.perCommitCents)} per commit, ${rate(t.perPullRequestCents)} per pull request.`,
  );
  const rollup = ctx.s.kind === 'rollup';
  const figures = (l: typeof t) => [count(l.sessions), f.integer(l.commits), f.integer(l.pullRequests), f.integer(l.linesAdded), f.integer(l.linesRemoved), count(l.conversations), f.money(l.costCents), rate(l.perSessionCents), rate(l.perCommitCents), rate(l.perPullRequestCents)];
  // A roll-up names the cost center of each line: a person billed to two appears in both.
  const head: Column[] = rollup ? [{ title: 'Person', width: 70 }, { title: 'Cost center', width: 46 }] : [{ title: 'Person', width: 80 }];
  const widths = rollup ? [40, 42, 24, 36, 36, 30, 52, 40, 40, 40] : [46, 48, 26, 40, 40, 32, 52, 44, 44, 43];
  const titles = ['Sessions', 'Commits', 'PRs', 'Lines +', 'Lines \u2212', 'Chats', 'Usage', 'Per session', 'Per commit', 'Per PR'];
  const shown = e.lines.slice(0, MAX_PEOPLE_ROWS);
  const rest = e.lines.slice(MAX_PEOPLE_ROWS);
  const rows = shown.map((l) => [l.label, ...(rollup ? [l.costCenter] : []), ...figures(l)]);
  if (rest.length > 0) rows.push([`Other (${f.integer(rest.length)} more)`, ...(rollup ? [''] : []), ...figures(otherEngagement(rest))]);
  rows.push(['Total', ...(rollup ? [''] : []), ...figures(t)]);
  drawTable(doc, [...head, ...titles.map((title, i): Column => ({ title, width: widths[i]!, align: 'right' }))], rows, { boldLast: true, fontSize: 7.5 });
  if (rest.length > 0) {
    paragraph(ctx, `The ${f.integer(shown.length)} ${rollup ? 'lines' : 'people'} with the highest usage are shown, the other ${f.integer(rest.length)} summed as Other; every one is in the workbook ${workbookName(ctx.s)}, sheet Engagement.`, { colour: themeOf(doc).muted });
  }
}

/** The rows left out of the engagement table, summed like its total: counts added, cost per unit from the sums. */
function otherEngagement(rest: readonly EngagementLine[]): EngagementLine {
  const counts = sumCounts(rest);
  const costCents = rest.reduce((a, l) => a + l.costCents, 0n);
  return {
    ...counts,
    actorKey: '',
    label: '',
    email: null,
    costCenter: '',
    costCents,
    perSessionCents: counts.sessions === null ? null : perUnitCents(costCents, counts.sessions),
    perCommitCents: perUnitCents(costCents, counts.commits),
    perPullRequestCents: perUnitCents(costCents, counts.pullRequests),
  };
}

function spendMixSection(ctx: Ctx, insight: StatementInsights): void {
  const { doc, s, f } = ctx;
  const m = insight.mix;
  heading(doc, 'Where the money goes', 160);
  paragraph(ctx, `Long context (200k\u20131M tokens): ${f.money(m.longContextCents)} of ${f.money(m.directCents)} direct usage, ${f.percent(m.longContextCents, m.directCents, 1)}. Long-context requests are billed at a higher rate per token.`);
  for (const b of s.breakdowns.filter((x) => chartedHere(ctx, x))) barChart(ctx, b.title, named(b.title, b.rows));
  barChart(ctx, 'Biggest spenders', m.biggestUsers);
  // The biggest spenders' usage on Opus models and in the long-context tier, as shares of their own usage: facts, not advice.
  const top = m.topSpenders.filter((u) => u.cents > 0n);
  if (top.length > 0 && top.some((u) => u.opusCents !== 0n || u.longContextCents !== 0n)) {
    const rows = top.map((u) => [u.label, f.money(u.opusCents), f.percent(u.opusCents, u.cents, 1), f.money(u.longContextCents), f.percent(u.longContextCents, u.cents, 1)]);
    tableHeading(doc, 'Biggest spenders: Opus models and long context', rows.length);
    paragraph(ctx, `The ${f.integer(top.length)} biggest spenders' usage on Opus models and in the 200k\u20131M token context tier, each as a share of their own usage; every line, with its model and context window tier, is in the workbook ${workbookName(s)}, sheet Lines.`, { size: 8.5, colour: themeOf(doc).muted });
    drawTable(doc, [{ title: 'Person or spender', width: 175 }, { title: 'Opus', width: 80, align: 'right' }, { title: 'Opus share', width: 70, align: 'right' }, { title: 'Long context', width: 90, align: 'right' }, { title: 'Share', width: 80, align: 'right' }], rows);
  }
  if (m.premium) {
    for (const [title, rows] of [['Direct usage by speed', m.premium.speed], ['Direct usage by inference region', m.premium.region]] as const) {
      breakdownTable(ctx, { title, of: 'direct', rows: rows.map((r) => ({ ...r, share: '' })) });
    }
  }
}

/** Highest spend first; equal amounts by name, then cost center and spender, so the order never depends on the input. */
const bySpend = (a: Statement['users'][number], b: Statement['users'][number]) =>
  a.cents !== b.cents ? (a.cents > b.cents ? -1 : 1) : a.label !== b.label ? (a.label < b.label ? -1 : 1) : a.costCenter !== b.costCenter ? (a.costCenter < b.costCenter ? -1 : 1) : a.actorKey < b.actorKey ? -1 : a.actorKey > b.actorKey ? 1 : 0;

/** A roll-up's people table shows this many rows, the rest summed as "Other" (its workbook lists every row). */
export const ROLLUP_PEOPLE_ROWS = 100;

/**
 * Everyone charged, one row each, highest spend first; their lines are in the workbook. A roll-up
 * (for information, a whole division at enterprise size) shows its top spenders and sums the rest,
 * so its PDF stays readable; its workbook's Users sheet has every row.
 */
function peopleSection(ctx: Ctx): void {
  const { doc, s, f } = ctx;
  const n = f.integer(s.users.length);
  const sorted = [...s.users].sort(bySpend);
  const shown = s.kind === 'rollup' ? sorted.slice(0, ROLLUP_PEOPLE_ROWS) : sorted;
  const rest = sorted.slice(shown.length);
  const who = s.kind === 'rollup' ? `${n} ${s.users.length === 1 ? 'row' : 'rows'}, one per person or spender and cost center` : `${n} ${s.users.length === 1 ? 'person or spender' : 'people and spenders'}`;
  const top = rest.length > 0 ? ` The ${f.integer(shown.length)} highest are shown and the other ${f.integer(rest.length)} summed; every row is in the workbook ${workbookName(s)}, sheet Users.` : '';
  const lines = `${f.integer(s.lineCount)} by product, model, context window and cost type`;
  const where = s.kind === 'rollup' ? `the workbooks of the direct statements it sums (sheet Lines) and in ledger.csv` : `the workbook ${workbookName(s)}, sheet Lines`;
  const about = `${who}, highest spend first.${top} Every line behind these amounts (${lines}) is in ${where}.`;
  doc.font('regular').fontSize(8.5);
  tableHeading(doc, 'Direct usage by person and spender', shown.length + 1, doc.heightOfString(about, { width: ctx.width }) + 8);
  paragraph(ctx, about, { colour: themeOf(doc).muted });
  const userRows = shown.map((u) => [s.kind === 'rollup' ? `${u.label} (${u.costCenter})` : u.label, u.email ?? (u.actorType === 'user_actor' ? '(no e-mail)' : u.actorId), f.money(u.cents), f.percent(u.cents, s.directCents, 2)]);
  if (rest.length > 0) {
    const cents = rest.reduce((t, u) => t + u.cents, 0n);
    userRows.push([`Other (${f.integer(rest.length)} more)`, '', f.money(cents), f.percent(cents, s.directCents, 2)]);
  }
  userRows.push(['Direct usage total', '', f.money(s.directCents), f.percent(s.directCents, s.directCents, 2)]);
  drawTable(doc, [{ title: 'Name', width: 165 }, { title: 'E-mail or id', width: 185 }, { title: 'Amount', width: 85, align: 'right' }, { title: 'Share', width: 60, align: 'right' }], userRows, { boldLast: true });
}

/** Seats are paid whether used or not: who has one here, who used Claude, and what the unused seats cost. */
function adoptionSection(ctx: Ctx, a: AdoptionView): void {
  const { doc, s, f } = ctx;
  heading(doc, 'Seats and activity', 60);
  if (a.seated === 0) {
    paragraph(ctx, `The org directory gives no one a seat in ${s.kind === 'rollup' ? `${s.code} or below it` : s.code} this month.`, { colour: themeOf(doc).muted });
    return;
  }
  const where = s.kind === 'rollup' ? `${s.code} and the cost centers below it` : s.code;
  const idle = a.seated - a.active;
  const cost = a.idleSeatCents === null ? ' The directory sets no seat price, so no seat charge is made.' : idle === 0 ? '' : ` Their part of this statement's seat charge (by their seat-days) is ${f.money(a.idleSeatCents)}.`;
  paragraph(ctx, `${f.integer(a.seated)} ${a.seated === 1 ? 'person has' : 'people have'} a seat in ${where} this month (by the org directory). ${f.integer(a.active)} of them (${f.percent(BigInt(a.active), BigInt(a.seated), 1)}) were active: ${f.integer(a.claude)} on Claude, ${f.integer(a.code)} on Claude Code, ${f.integer(a.cowork)} on Cowork. ${f.integer(idle)} had no activity at all.${cost}`);
  drawTable(doc, [{ title: 'Seats', width: 80, align: 'right' }, { title: 'Active', width: 80, align: 'right' }, { title: 'Utilization', width: 80, align: 'right' }, { title: 'Claude', width: 60, align: 'right' }, { title: 'Claude Code', width: 70, align: 'right' }, { title: 'Cowork', width: 60, align: 'right' }, { title: 'Idle seats', width: 65, align: 'right' }],
    [[f.integer(a.seated), f.integer(a.active), f.percent(BigInt(a.active), BigInt(a.seated), 1), f.integer(a.claude), f.integer(a.code), f.integer(a.cowork), f.integer(idle)]]);
}

/**
 * Quantity × unit price: per model, the tokens by kind and the requests behind the direct token
 * cost, and what a million tokens cost on this statement (its token cents over its tokens, exact,
 * rounded once to the cent here).
 */
function quantitiesSection(ctx: Ctx): void {
  const { doc, s, f } = ctx;
  const q = s.quantities;
  heading(doc, 'Tokens and price per million tokens', 80);
  if (q === null) {
    paragraph(ctx, 'This month was published without quantities: the provider\u2019s usage report was not available when it was pulled. Amounts are unaffected.', { colour: themeOf(doc).muted });
    return;
  }
  if (q.length === 0) {
    paragraph(ctx, 'No token usage is charged directly on this statement.', { colour: themeOf(doc).muted });
    return;
  }
  // Exact cost of the measured lines over their tokens, rounded once to the cent here; a model with
  // token lines the usage listing has no quantity for is marked, and those lines are left out of its price.
  const price = (m: ModelQuantity) => {
    const p = pricePerMillion(m);
    return p === null ? '\u2014' : `${f.money(BigInt(p.times(100).toDecimalPlaces(0, Money.ROUND_HALF_UP).toFixed(0)))}${m.unmeasuredLines > 0 ? '*' : ''}`;
  };
  const total = sumModelQuantities(q.map((m) => ({ ...m, model: 'Total' })))[0]!;
  const rows = [...q, total].map((m) => [m === total ? 'Total' : m.model || '(no model)', f.integer(m.uncachedInput), f.integer(m.cacheWrite), f.integer(m.cacheRead), f.integer(m.output), f.integer(m.requests), f.money(m.tokenCents), price(m)]);
  const whose = s.kind === 'rollup' ? 'Token usage of the statements this roll-up adds up, by model' : 'Direct token usage by model';
  paragraph(ctx, `${whose}: tokens as the provider's usage report counts them, and what a million tokens cost (the exact token cost over all tokens, every kind together, rounded once). Input is uncached input; cache write and read are prompt-cache tokens. Token cost is the statement's token amount split over the models.`, { size: 8.5, colour: themeOf(doc).muted });
  tableHeading(doc, 'Tokens by model', rows.length + (total.unmeasuredLines > 0 ? 1 : 0));
  drawTable(doc, [
    { title: 'Model', width: 88 }, { title: 'Input', width: 62, align: 'right' }, { title: 'Cache write', width: 60, align: 'right' }, { title: 'Cache read', width: 64, align: 'right' },
    { title: 'Output', width: 58, align: 'right' }, { title: 'Requests', width: 50, align: 'right' }, { title: 'Token cost', width: 60, align: 'right' }, { title: 'Per 1M', width: 53, align: 'right' },
  ], rows, { boldLast: true });
  if (total.unmeasuredLines > 0) paragraph(ctx, `* ${f.integer(total.unmeasuredLines)} token ${total.unmeasuredLines === 1 ? 'line has' : 'lines have'} no quantity in the provider's usage report; ${total.unmeasuredLines === 1 ? 'its' : 'their'} cost is in Token cost but not in the price per million tokens.`, { size: 8, colour: themeOf(doc).muted });
}

function notesSection(ctx: Ctx): void {
  const { doc, s, width } = ctx;
  heading(doc, 'Notes on method');
  doc.font('regular').fontSize(8.5).fillColor(themeOf(doc).muted);
  const notes = [
    ...s.notes,
    'Engagement comes from the provider\u2019s user activity report for the month (GET /v1/organizations/analytics/users, rollup). A person\u2019s activity is shown with the usage billed to this cost center; someone billed to several (a move during the month) appears in each, their counts split in proportion to the usage billed there (largest remainder), and someone with activity but no usage where the directory puts them on the month\u2019s last day. Cost per session, commit and pull request divides that usage by those counts, rounded half up to the cent; counts the provider does not report are shown as \u2014.',
    'Trend and movers compare with the latest published issue of each earlier month, as recorded in this month\u2019s inputs/history.json.',
  ];
  for (const note of notes) {
    ensureSpace(doc, 30);
    doc.text(`\u2022 ${note}`, MARGIN, doc.y, { width });
    doc.moveDown(0.3);
  }
  doc.fillColor('black');
}

function section(ctx: Ctx, name: Section): void {
  const insight = ctx.s.insights;
  switch (name) {
    case 'summary':
      return header(ctx);
    case 'charges': {
      const charges = ctx.s.breakdowns.find((b) => b.title === CHARGES_TITLE);
      if (charges) breakdownTable(ctx, charges);
      // Each adjustment of an earlier month, and why its revision differs from what was billed.
      for (const a of ctx.s.carried) {
        paragraph(ctx, `${a.reference}: ${a.cents > 0n ? '+' : ''}${ctx.f.money(a.cents)}, the change in an earlier month's figures not charged before.${whatChanged(a.reasons)}`, { size: 8.5 });
      }
      // A roll-up's subtotals per cost center belong with its charges.
      for (const b of ctx.s.breakdowns.filter((x) => x.title === 'By cost center')) breakdownTable(ctx, b);
      return;
    }
    case 'trend':
      return insight ? trendSection(ctx, insight) : undefined;
    case 'engagement':
      return insight ? engagementSection(ctx, insight) : undefined;
    case 'spend-mix':
      return insight ? spendMixSection(ctx, insight) : undefined;
    case 'quantities':
      return quantitiesSection(ctx);
    case 'adoption':
      return insight ? adoptionSection(ctx, insight.adoption) : undefined;
    case 'breakdowns':
      for (const b of ctx.s.breakdowns.filter((x) => x.title !== CHARGES_TITLE && x.title !== 'By cost center' && !chartedHere(ctx, x))) breakdownTable(ctx, b);
      return;
    case 'people':
      return peopleSection(ctx);
    case 'notes':
      return notesSection(ctx);
  }
}

/** A department's statement as the template lays it out: sections in order, locale-formatted. */
export async function renderStatementPdf(s: Statement, clock: Date, template: Template): Promise<Buffer> {
  const company = template.company ?? s.company;
  const doc = newDocument(`${s.kind === 'rollup' ? 'Roll-up statement' : 'Chargeback statement'} ${s.number}`, company, clock, template.colours);
  const ctx: Ctx = { doc, s, t: template, f: new Formatter(template.locale), width: doc.page.width - 2 * MARGIN, company };
  for (const name of template.sections) section(ctx, name);
  return finishDocument(doc, `${company} \u00b7 ${s.number} \u00b7 ${s.status}`, s.status === 'PROVISIONAL', undefined, template.footer);
}
