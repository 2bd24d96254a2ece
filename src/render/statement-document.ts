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
import type { Dimension } from '../core/catalog.js';
import { messagesFor, nameOf, type Messages } from '../i18n/messages.js';
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
  /** The message catalog of the template's locale. */
  readonly m: Messages;
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
function workbookName(s: Statement, m: Messages): string {
  return m.pdf.workbook(s.number, statementFile(s.kind, s.code, 'xlsx'));
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
  const { doc, s, t, f, width, m } = ctx;
  const theme = themeOf(doc);
  let left = MARGIN;
  if (t.logo) {
    doc.image(Buffer.from(t.logo.bytes), MARGIN, MARGIN, { width: t.logo.widthPt });
    left += t.logo.widthPt + 12;
  }
  doc.font('bold').fontSize(16).fillColor(theme.primary).text(ctx.company, left, MARGIN, { width: MARGIN + width - 170 - left });
  const right = MARGIN + width - 170;
  doc.font('bold').fontSize(11).fillColor('black').text(s.kind === 'rollup' ? m.pdf.rollupStatement : m.pdf.chargebackStatement, right, MARGIN, { width: 170, align: 'right' });
  doc.font('regular').fontSize(9).fillColor(theme.muted).text(s.number, right, MARGIN + 16, { width: 170, align: 'right' });
  doc.font('bold').fontSize(10).fillColor(s.status === 'FINAL' ? '#1E7B34' : '#C0392B').text(m.pdf.status[s.status] ?? s.status, right, MARGIN + 30, { width: 170, align: 'right' });
  doc.fillColor('black');
  const logoBottom = t.logo ? MARGIN + 40 : 0;
  doc.y = Math.max(doc.y, MARGIN + 52, logoBottom);
  doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + width, doc.y).lineWidth(1).strokeColor(theme.primary).stroke();
  doc.moveDown(0.8);

  const facts: Array<[string, string]> = [
    [m.pdf.facts.costCenter, `${s.code} ${DASH} ${s.name}`],
    [m.pdf.facts.parent, s.parent ?? DASH],
    [m.pdf.facts.owner, s.owner ? `${s.owner.name} <${s.owner.email}>` : m.pdf.facts.finance],
    // The last day itself, as a reader counts a month (the API's end is the next day at 00:00).
    [m.pdf.facts.period, m.pdf.facts.periodValue(f.month(s.periodLabel), f.date(s.periodStartIso.slice(0, 10)), f.date(lastDay(parsePeriod(s.periodLabel)!)))],
    [m.pdf.facts.number, s.number],
    [m.pdf.facts.status, m.pdf.status[s.status] ?? s.status],
    ...(s.finalDueOn ? [[m.pdf.facts.finalDue, m.pdf.facts.finalDueValue(f.date(s.finalDueOn))] as [string, string]] : []),
    [m.pdf.facts.dataAsOf, s.dataAsOf ? f.dateTime(s.dataAsOf) : m.pdf.facts.unknown],
    [m.pdf.facts.issued, f.dateTime(s.issuedAt)],
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
  const boxLabel = s.kind === 'rollup' ? m.pdf.box.rollup : s.revision ? m.pdf.box.revised : m.pdf.box.first;
  doc.font('bold').fontSize(12).fillColor(theme.primary).text(boxLabel, MARGIN + 10, boxY + 10, { width: 250, lineBreak: false });
  doc.fontSize(14).text(m.pdf.box.total(f.money(s.totalCents)), MARGIN + width - 260, boxY + 9, { width: 250, align: 'right', lineBreak: false });
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
export function budgetSentence(ctx: Pick<Ctx, 's' | 'f' | 'm'>, b: BudgetView): string {
  const { s, f, m } = ctx;
  return m.pdf.budget({
    month: f.month(s.periodLabel),
    budget: f.money(b.budgetCents),
    fromChildren: b.fromChildren,
    carried: s.insights !== undefined && s.insights.trend.carriedCents !== 0n,
    actual: f.money(b.actualCents),
    standing: b.varianceCents < 0n ? { over: f.money(-b.varianceCents), percent: f.percent(-b.varianceCents, b.budgetCents, 1) } : b.varianceCents === 0n ? 'on' : { under: f.money(b.varianceCents) },
    ytdMonths: b.ytdMonths,
    ytdFrom: f.month(b.ytdFrom),
    ytdActual: f.money(b.ytdActualCents),
    ytdBudget: f.money(b.ytdBudgetCents),
    ytdPercent: f.percent(b.ytdActualCents, b.ytdBudgetCents, 1),
  });
}

/** Page 1's sentence for a revision or a roll-up (null for a first issue's direct statement). */
function chargeSentence(ctx: Ctx): string | null {
  const { s, f, m } = ctx;
  if (s.kind === 'rollup') return m.pdf.rollupCharge(s.code);
  const r = s.revision;
  if (!r) return null;
  const money = (cents: bigint) => f.money(cents);
  return `${revisionOpening(r, f.month(s.periodLabel), money, (iso) => f.date(iso.slice(0, 10)), m)} ${differenceSentence(r, money, m, (label) => f.month(label))}${changedSentence(r, m, money)}`;
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
function named<R extends { readonly label: string }>(m: Messages, title: string, rows: readonly R[]): R[] {
  const dimension = NAMED_BY[title];
  // A row without a value of the dimension ("(no product)") is named in the statement's language too.
  const plain = (label: string) => (Object.hasOwn(m.none, label) ? m.none[label]! : dimension ? nameOf(m, dimension, label) : label);
  return rows.map((r) => ({ ...r, label: plain(r.label) }));
}

/** A view's title in the statement's language (the code knows views by their English title). */
function titleOf(m: Messages, title: string): string {
  return Object.hasOwn(m.titles, title) ? m.titles[title]! : title;
}

function breakdownTable(ctx: Ctx, b: Breakdown): void {
  const { doc, s, f, m } = ctx;
  tableHeading(doc, titleOf(m, b.title), b.rows.length + 1);
  const whole = b.of === 'total' ? s.totalCents : s.directCents;
  const rows = named(m, b.title, b.rows).map((r) => [r.label, f.money(r.cents), f.percent(r.cents, whole, 2)]);
  rows.push([b.of === 'total' ? m.pdf.table.total : m.pdf.table.directUsageTotal, f.money(b.rows.reduce((a, r) => a + r.cents, 0n)), f.percent(whole, whole, 2)]);
  drawTable(doc, [{ title: Object.hasOwn(m.columns, b.title) ? m.columns[b.title]! : b.title, width: 360 }, { title: m.pdf.table.amount, width: 80, align: 'right' }, { title: m.pdf.table.share, width: 55, align: 'right' }], rows, { boldLast: true });
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
  return [...top, { label: ctx.m.pdf.table.other(ctx.f.integer(rest.length)), cents, display: ctx.f.money(cents) }];
}

function barChart(ctx: Ctx, title: string, rows: ReadonlyArray<{ label: string; cents: bigint }>): void {
  const list = bars(ctx, rows);
  if (list.length === 0) return;
  chart(ctx, 26 + list.length * 16, (box) => drawBarChart(ctx.doc, box, titleOf(ctx.m, title), list, chartColours(ctx)));
}

function trendSection(ctx: Ctx, insight: StatementInsights): void {
  const { doc, s, f, m } = ctx;
  const tr = insight.trend;
  const w = m.pdf.trend;
  const last = tr.points[tr.points.length - 2]!;
  // A first month has nothing to trend: one sentence, not a chart and a table of empty months.
  const published = tr.points.filter((p) => p.cents !== null);
  if (published.length <= 1 && tr.carriedCents === 0n) {
    heading(doc, w.heading, 40);
    paragraph(ctx, w.firstMonth(f.month(s.periodLabel)));
    return;
  }
  heading(doc, w.heading, 200);
  paragraph(
    ctx,
    tr.changeCents === null || tr.previousCents === null
      ? w.noPrevious(f.month(last.period))
      : w.compared(f.month(last.period), f.money(tr.previousCents), f.signedMoney(tr.changeCents), tr.previousCents === 0n ? null : f.signedPercent(tr.changeCents, tr.previousCents, 1)),
  );
  if (tr.carriedCents !== 0n) {
    paragraph(ctx, w.carried(f.money(tr.currentCents), f.money(s.totalCents), f.signedMoney(tr.carriedCents)));
  }
  chart(ctx, 150, (box) =>
    drawTrendChart(
      doc,
      box,
      w.chartTitle(f.shortMonth(tr.points[0]!.period), f.shortMonth(s.periodLabel)),
      tr.points.map((p) => ({ label: f.shortMonth(p.period), cents: p.cents, display: p.cents === null ? w.noData : f.money(p.cents), highlight: p.period === s.periodLabel })),
      chartColours(ctx),
      { formatAxis: (c) => f.money(c), noData: w.noData },
    ),
  );
  // The table lists the months with a statement; the months without one are named once below it.
  const rows = tr.points.flatMap((p, i) => {
    if (p.cents === null) return [];
    const before = i > 0 ? tr.points[i - 1]!.cents : null;
    return [[f.month(p.period), f.money(p.cents), before !== null ? f.signedMoney(p.cents - before) : DASH, before !== null && before !== 0n ? f.signedPercent(p.cents - before, before, 1) : DASH]];
  });
  drawTable(doc, [{ title: w.month, width: 185 }, { title: w.charges, width: 110, align: 'right' }, { title: w.change, width: 110, align: 'right' }, { title: w.changePercent, width: 90, align: 'right' }], rows);
  const missing = tr.points.filter((p) => p.cents === null).map((p) => f.month(p.period));
  if (missing.length > 0) paragraph(ctx, w.missing(missing.join(', ')), { colour: themeOf(doc).muted });
  if (tr.increases.length + tr.decreases.length > 0) {
    tableHeading(doc, w.movers(f.month(last.period)), tr.increases.length + tr.decreases.length);
    const movers = [...tr.increases, ...tr.decreases].map((x) => [x.label, f.money(x.previousCents), f.money(x.currentCents), f.signedMoney(x.changeCents), x.previousCents === 0n ? w.new : f.signedPercent(x.changeCents, x.previousCents, 1)]);
    drawTable(doc, [{ title: w.person, width: 175 }, { title: f.shortMonth(last.period), width: 80, align: 'right' }, { title: f.shortMonth(s.periodLabel), width: 80, align: 'right' }, { title: w.change, width: 90, align: 'right' }, { title: w.changePercent, width: 70, align: 'right' }], movers);
  }
}

function engagementSection(ctx: Ctx, insight: StatementInsights): void {
  const { doc, f } = ctx;
  const w = ctx.m.pdf.engagement;
  heading(doc, w.heading, 120);
  const e = insight.engagement;
  if (!e) {
    paragraph(ctx, w.none);
    return;
  }
  if (e.lines.length === 0) {
    paragraph(ctx, w.empty);
    return;
  }
  const t = e.total;
  const rate = (cents: bigint | null) => (cents === null ? DASH : f.money(cents));
  const count = (n: number | null) => (n === null ? DASH : f.integer(n));
  const people = new Set(e.lines.map((l) => l.actorKey)).size;
  const covered = e.range ? w.range(f.date(e.range.from), f.date(e.range.to), e.range.partial) : '';
  paragraph(
    ctx,
    `${covered}${w.summary({ people: f.integer(people), sessions: count(t.sessions), commits: f.integer(t.commits), pullRequests: f.integer(t.pullRequests), added: f.integer(t.linesAdded), removed: f.integer(t.linesRemoved), conversations: count(t.conversations), usage: f.money(t.costCents), perSession: rate(t.perSessionCents), perCommit: rate(t.perCommitCents), perPullRequest: rate(t.perPullRequestCents) })}`,
  );
  const rollup = ctx.s.kind === 'rollup';
  const figures = (l: typeof t) => [count(l.sessions), f.integer(l.commits), f.integer(l.pullRequests), f.integer(l.linesAdded), f.integer(l.linesRemoved), count(l.conversations), f.money(l.costCents), rate(l.perSessionCents), rate(l.perCommitCents), rate(l.perPullRequestCents)];
  // A roll-up names the cost center of each line: a person billed to two appears in both.
  const head: Column[] = rollup ? [{ title: w.person, width: 70 }, { title: w.costCenter, width: 46 }] : [{ title: w.person, width: 80 }];
  const widths = rollup ? [40, 42, 24, 36, 36, 30, 52, 40, 40, 40] : [46, 48, 26, 40, 40, 32, 52, 44, 44, 43];
  const titles = w.columns;
  const shown = e.lines.slice(0, MAX_PEOPLE_ROWS);
  const rest = e.lines.slice(MAX_PEOPLE_ROWS);
  const rows = shown.map((l) => [l.label, ...(rollup ? [l.costCenter] : []), ...figures(l)]);
  if (rest.length > 0) rows.push([ctx.m.pdf.table.other(f.integer(rest.length)), ...(rollup ? [''] : []), ...figures(otherEngagement(rest))]);
  rows.push([ctx.m.pdf.table.total, ...(rollup ? [''] : []), ...figures(t)]);
  drawTable(doc, [...head, ...titles.map((title, i): Column => ({ title, width: widths[i]!, align: 'right' }))], rows, { boldLast: true, fontSize: 7.5 });
  if (rest.length > 0) {
    paragraph(ctx, w.shown(f.integer(shown.length), rollup, f.integer(rest.length), workbookName(ctx.s, ctx.m)), { colour: themeOf(doc).muted });
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
  const w = ctx.m.pdf.mix;
  const m = insight.mix;
  heading(doc, w.heading, 160);
  paragraph(ctx, w.longContext(f.money(m.longContextCents), f.money(m.directCents), f.percent(m.longContextCents, m.directCents, 1)));
  for (const b of s.breakdowns.filter((x) => chartedHere(ctx, x))) barChart(ctx, b.title, named(ctx.m, b.title, b.rows));
  barChart(ctx, w.biggest, m.biggestUsers);
  // The biggest spenders' usage on Opus models and in the long-context tier, as shares of their own usage: facts, not advice.
  const top = m.topSpenders.filter((u) => u.cents > 0n);
  if (top.length > 0 && top.some((u) => u.opusCents !== 0n || u.longContextCents !== 0n)) {
    const rows = top.map((u) => [u.label, f.money(u.opusCents), f.percent(u.opusCents, u.cents, 1), f.money(u.longContextCents), f.percent(u.longContextCents, u.cents, 1)]);
    tableHeading(doc, w.topHeading, rows.length);
    paragraph(ctx, w.topAbout(f.integer(top.length), workbookName(s, ctx.m)), { size: 8.5, colour: themeOf(doc).muted });
    const [c0, c1, c2, c3, c4] = w.topColumns;
    drawTable(doc, [{ title: c0!, width: 175 }, { title: c1!, width: 80, align: 'right' }, { title: c2!, width: 70, align: 'right' }, { title: c3!, width: 90, align: 'right' }, { title: c4!, width: 80, align: 'right' }], rows);
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
  const w = ctx.m.pdf.people;
  const n = f.integer(s.users.length);
  const sorted = [...s.users].sort(bySpend);
  const shown = s.kind === 'rollup' ? sorted.slice(0, ROLLUP_PEOPLE_ROWS) : sorted;
  const rest = sorted.slice(shown.length);
  const who = s.kind === 'rollup' ? w.whoRollup(n, s.users.length === 1) : w.whoDirect(n, s.users.length === 1);
  const top = rest.length > 0 ? w.top(f.integer(shown.length), f.integer(rest.length), workbookName(s, ctx.m)) : '';
  const lines = w.lines(f.integer(s.lineCount));
  const where = s.kind === 'rollup' ? w.whereRollup : w.whereDirect(workbookName(s, ctx.m));
  const about = w.about(who, top, lines, where);
  doc.font('regular').fontSize(8.5);
  tableHeading(doc, w.heading, shown.length + 1, doc.heightOfString(about, { width: ctx.width }) + 8);
  paragraph(ctx, about, { colour: themeOf(doc).muted });
  const userRows = shown.map((u) => [s.kind === 'rollup' ? `${u.label} (${u.costCenter})` : u.label, u.email ?? (u.actorType === 'user_actor' ? w.noEmail : u.actorId), f.money(u.cents), f.percent(u.cents, s.directCents, 2)]);
  if (rest.length > 0) {
    const cents = rest.reduce((t, u) => t + u.cents, 0n);
    userRows.push([ctx.m.pdf.table.other(f.integer(rest.length)), '', f.money(cents), f.percent(cents, s.directCents, 2)]);
  }
  userRows.push([ctx.m.pdf.table.directUsageTotal, '', f.money(s.directCents), f.percent(s.directCents, s.directCents, 2)]);
  const [c0, c1, c2, c3] = w.columns;
  drawTable(doc, [{ title: c0!, width: 165 }, { title: c1!, width: 185 }, { title: c2!, width: 85, align: 'right' }, { title: c3!, width: 60, align: 'right' }], userRows, { boldLast: true });
}

/** Seats are paid whether used or not: who has one here, who used Claude, and what the unused seats cost. */
function adoptionSection(ctx: Ctx, a: AdoptionView): void {
  const { doc, s, f } = ctx;
  const w = ctx.m.pdf.adoption;
  heading(doc, w.heading, 60);
  if (a.seated === 0) {
    paragraph(ctx, w.noSeats(s.kind === 'rollup' ? w.whereRollupNone(s.code) : s.code), { colour: themeOf(doc).muted });
    return;
  }
  const where = s.kind === 'rollup' ? w.whereRollup(s.code) : s.code;
  const idle = a.seated - a.active;
  const cost = a.idleSeatCents === null ? w.noPrice : idle === 0 ? '' : w.idleCost(f.money(a.idleSeatCents));
  paragraph(ctx, `${w.summary({ seated: a.seated, seatedText: f.integer(a.seated), where, active: f.integer(a.active), percent: f.percent(BigInt(a.active), BigInt(a.seated), 1), claude: f.integer(a.claude), code: f.integer(a.code), cowork: f.integer(a.cowork), idle: f.integer(idle) })}${cost}`);
  const widths = [80, 80, 80, 60, 70, 60, 65];
  drawTable(doc, w.columns.map((title, i): Column => ({ title, width: widths[i]!, align: 'right' })),
    [[f.integer(a.seated), f.integer(a.active), f.percent(BigInt(a.active), BigInt(a.seated), 1), f.integer(a.claude), f.integer(a.code), f.integer(a.cowork), f.integer(idle)]]);
}

/**
 * Quantity × unit price: per model, the tokens by kind and the requests behind the direct token
 * cost, and what a million tokens cost on this statement (its token cents over its tokens, exact,
 * rounded once to the cent here).
 */
function quantitiesSection(ctx: Ctx): void {
  const { doc, s, f } = ctx;
  const w = ctx.m.pdf.quantities;
  const q = s.quantities;
  heading(doc, w.heading, 80);
  if (q === null) {
    paragraph(ctx, w.none, { colour: themeOf(doc).muted });
    return;
  }
  if (q.length === 0) {
    paragraph(ctx, w.empty, { colour: themeOf(doc).muted });
    return;
  }
  // Exact cost of the measured lines over their tokens, rounded once to the cent here; a model with
  // token lines the usage listing has no quantity for is marked, and those lines are left out of its price.
  const price = (m: ModelQuantity) => {
    const p = pricePerMillion(m);
    return p === null ? '\u2014' : `${f.money(BigInt(p.times(100).toDecimalPlaces(0, Money.ROUND_HALF_UP).toFixed(0)))}${m.unmeasuredLines > 0 ? '*' : ''}`;
  };
  const total = sumModelQuantities(q.map((m) => ({ ...m, model: 'Total' })))[0]!;
  const rows = [...q, total].map((m) => [m === total ? ctx.m.pdf.table.total : m.model || w.noModel, f.integer(m.uncachedInput), f.integer(m.cacheWrite), f.integer(m.cacheRead), f.integer(m.output), f.integer(m.requests), f.money(m.tokenCents), price(m)]);
  paragraph(ctx, w.about(s.kind === 'rollup'), { size: 8.5, colour: themeOf(doc).muted });
  tableHeading(doc, w.tableHeading, rows.length + (total.unmeasuredLines > 0 ? 1 : 0));
  const widths = [84, 66, 62, 66, 62, 47, 57, 51];
  drawTable(doc, w.columns.map((title, i): Column => ({ title, width: widths[i]!, ...(i > 0 ? { align: 'right' as const } : {}) })), rows, { boldLast: true });
  if (total.unmeasuredLines > 0) paragraph(ctx, w.unmeasured(total.unmeasuredLines, f.integer(total.unmeasuredLines)), { size: 8, colour: themeOf(doc).muted });
}

function notesSection(ctx: Ctx): void {
  const { doc, s, width } = ctx;
  heading(doc, ctx.m.pdf.notes.heading);
  doc.font('regular').fontSize(8.5).fillColor(themeOf(doc).muted);
  const notes = [
    ...s.notes,
    ctx.m.pdf.notes.engagement,
    ctx.m.pdf.notes.trend,
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
        paragraph(ctx, ctx.m.pdf.carriedLine(a.reference, `${a.cents > 0n ? '+' : ''}${ctx.f.money(a.cents)}`, whatChanged(a.reasons, ctx.m, (c) => ctx.f.money(c))), { size: 8.5 });
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
  const m = messagesFor(template.locale);
  const doc = newDocument(m.pdf.documentTitle(s.kind === 'rollup', s.number), company, clock, template.colours);
  const ctx: Ctx = { doc, s, t: template, f: new Formatter(template.locale), width: doc.page.width - 2 * MARGIN, company, m };
  for (const name of template.sections) section(ctx, name);
  return finishDocument(doc, `${company} \u00b7 ${s.number} \u00b7 ${m.pdf.status[s.status] ?? s.status}`, s.status === 'PROVISIONAL' ? m.pdf.status.PROVISIONAL! : false, (page, pages) => m.pdf.page(page, pages), template.footer);
}
