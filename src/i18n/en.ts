/**
 * The English message catalog: every label and sentence of the statements (PDF), the delivery
 * e-mail and the plain names of the provider's codes. de.ts, fr.ts and es.ts hold the same keys
 * (their type is this one's, so a missing key does not compile); the template's locale picks one.
 * Names, codes, amounts and dates are arguments, formatted by the caller in the template's locale.
 */
export const en = {
  /** Plain names of the provider's codes; a code not listed is shown as it is. */
  names: {
    product: {
      chat: 'Claude (chat)',
      chat_cowork_unified: 'Claude and Cowork',
      claude_code: 'Claude Code',
      claude_console: 'Claude Console',
      claude_design: 'Claude Design',
      claude_in_chrome: 'Claude in Chrome',
      claude_tag: 'Claude in Slack',
      'claude-tag': 'Claude in Slack',
      'claude-in-slack': 'Claude in Slack',
      claude_in_slack: 'Claude in Slack',
      cowork: 'Cowork',
      office_agent: 'Claude for Office',
      managed_agents_api: 'Managed Agents (API)',
      message_batches_api: 'Message Batches (API)',
      messages_api: 'Messages (API)',
      api: 'API',
      cc_security_autopatch: 'Claude Security',
      other: 'Other (not attributed to a product)',
    } as Record<string, string>,
    costType: { tokens: 'Tokens', web_search: 'Web search', code_execution: 'Code execution', session_usage: 'Agent sessions' } as Record<string, string>,
    contextWindow: { '0-200k': 'Standard context (up to 200k tokens)', '200k-1M': 'Long context (200k to 1M tokens)' } as Record<string, string>,
    speed: { standard: 'Standard', fast: 'Fast mode' } as Record<string, string>,
    region: { global: 'Global', us: 'US only', not_available: 'Not available' } as Record<string, string>,
  },

  /** Titles of the statement's views (the code names them by their English title). */
  titles: {
    Charges: 'Charges',
    'By cost center': 'By cost center',
    'Direct usage by product': 'Direct usage by product',
    'Direct usage by model': 'Direct usage by model',
    'Direct usage by cost type': 'Direct usage by cost type',
    'Direct usage by context window tier': 'Direct usage by context window tier',
    'Direct usage by speed': 'Direct usage by speed',
    'Direct usage by inference region': 'Direct usage by inference region',
  } as Record<string, string>,
  /** The first column of each view's table. */
  columns: {
    Charges: 'Charges',
    'By cost center': 'Cost center',
    'Direct usage by product': 'Product',
    'Direct usage by model': 'Model',
    'Direct usage by cost type': 'Cost type',
    'Direct usage by context window tier': 'Context window tier',
    'Direct usage by speed': 'Speed',
    'Direct usage by inference region': 'Inference region',
  } as Record<string, string>,
  /** Rows with no value of a view's dimension. */
  none: {
    '(no product)': '(no product)',
    '(no model, e.g. code execution)': '(no model, e.g. code execution)',
    '(combined)': '(combined)',
    '(no tier)': '(no tier)',
    '(not applicable)': '(not applicable)',
  } as Record<string, string>,

  charges: {
    directUsage: 'Direct usage',
    pool: (pool: string, basis: string) => `Shared: ${pool} (${basis})`,
    seats: (months: string, price: string) => `Seats (${months} seat-months at ${price}, prorated by day)`,
    markup: (percent: string) => `Overhead markup (${percent}%)`,
    carried: (reference: string) => `Adjustment of an earlier month: ${reference}`,
    basis: { 'by direct spend': 'by direct spend', 'fixed percentages': 'fixed percentages', even: (n: number) => `even over ${n} cost centers` },
    ownSpend: (name: string) => `${name} (own spend)`,
    andBelow: (name: string, n: number) => `${name} and below (${n} statements)`,
  },

  pdf: {
    chargebackStatement: 'Chargeback statement',
    rollupStatement: 'Roll-up statement',
    documentTitle: (rollup: boolean, number: string) => `${rollup ? 'Roll-up statement' : 'Chargeback statement'} ${number}`,
    status: { FINAL: 'FINAL', PROVISIONAL: 'PROVISIONAL' } as Record<string, string>,
    facts: {
      costCenter: 'Cost center',
      parent: 'Parent',
      owner: 'Owner',
      finance: 'Finance (unallocated spend)',
      period: 'Period (UTC)',
      periodValue: (month: string, from: string, to: string) => `${month} (${from} to ${to})`,
      number: 'Statement number',
      status: 'Status',
      finalDue: 'Final statement',
      finalDueValue: (day: string) => `due on or after ${day} (the provider's revision window)`,
      dataAsOf: 'Data as of',
      unknown: 'unknown',
      issued: 'Issued',
    },
    box: { rollup: 'For information, not charged', revised: 'Revised total for the period', first: 'Total for the period', total: (amount: string) => `Total ${amount}` },
    rollupCharge: (code: string) => `For information, not charged: this roll-up adds up the statements of ${code} and the cost centers below it, which charge these amounts to each cost center.`,
    budget: (p: { month: string; budget: string; fromChildren: boolean; carried: boolean; actual: string; standing: { over: string; percent: string } | { under: string } | 'on'; ytdMonths: number; ytdFrom: string; ytdActual: string; ytdBudget: string; ytdPercent: string }) => {
      const whose = p.fromChildren ? ' (the sum of its cost centers\u2019 budgets)' : '';
      const carried = p.carried ? ' (corrections of earlier months it carries count in those months)' : '';
      const standing = p.standing === 'on' ? 'exactly on budget' : 'over' in p.standing ? `over budget by ${p.standing.over} (${p.standing.percent})` : `under budget by ${p.standing.under}`;
      const months = p.ytdMonths === 1 ? `${p.month}, the first month issued this year` : `${p.ytdMonths} months issued, ${p.ytdFrom} to ${p.month}`;
      return `Budget for ${p.month}: ${p.budget}${whose}. This month\u2019s charges${carried}: ${p.actual}, ${standing}. Year to date (${months}): ${p.ytdActual} of ${p.ytdBudget} budgeted (${p.ytdPercent}).`;
    },
    table: { total: 'Total', directUsageTotal: 'Direct usage total', amount: 'Amount', share: 'Share', other: (n: string) => `Other (${n} more)` },
    carriedLine: (reference: string, amount: string, changed: string) => `${reference}: ${amount}, the change in an earlier month's figures not charged before.${changed}`,
    trend: {
      heading: 'Trend',
      firstMonth: (month: string) => `This is the first month with a statement for this cost center in the six months to ${month}; the trend starts here.`,
      noPrevious: (month: string) => `No statement was published for ${month}, so there is no month-over-month change.`,
      compared: (month: string, previous: string, change: string, percent: string | null) => `Compared with ${month} (${previous}): ${change}${percent === null ? '' : ` (${percent})`}.`,
      carried: (own: string, total: string, carried: string) => `This month\u2019s own charges are ${own}; the total of ${total} also carries ${carried} of corrections to earlier months, which the trend counts in the months they correct.`,
      chartTitle: (from: string, to: string) => `Charges per month, ${from} to ${to}`,
      noData: 'no data',
      month: 'Month',
      charges: 'Charges',
      change: 'Change',
      changePercent: 'Change %',
      missing: (months: string) => `No statement was published for ${months}.`,
      movers: (month: string) => `Biggest movers since ${month}`,
      person: 'Person or spender',
      new: 'new',
    },
    engagement: {
      heading: 'Value: Claude Code and chat activity',
      none: 'No engagement is shown: the provider\u2019s user activity report was not available when this month was pulled.',
      empty: 'No activity of people attributed to this cost center was reported for the month.',
      range: (from: string, to: string, partial: boolean) => `Activity from ${from} to ${to}${partial ? ', not the whole month: the provider\u2019s report did not reach its end yet, so cost per unit divides the month\u2019s usage by part of its activity' : ''}. `,
      summary: (p: { people: string; sessions: string; commits: string; pullRequests: string; added: string; removed: string; conversations: string; usage: string; perSession: string; perCommit: string; perPullRequest: string }) =>
        `${p.people} people: ${p.sessions} Claude Code sessions, ${p.commits} commits, ${p.pullRequests} pull requests, +${p.added} / \u2212${p.removed} lines, ${p.conversations} chat conversations. Their usage ${p.usage}: ${p.perSession} per session, ${p.perCommit} per commit, ${p.perPullRequest} per pull request.`,
      person: 'Person',
      costCenter: 'Cost center',
      columns: ['Sessions', 'Commits', 'PRs', 'Lines +', 'Lines \u2212', 'Chats', 'Usage', 'Per session', 'Per commit', 'Per PR'],
      shown: (shown: string, rollup: boolean, rest: string, workbook: string) => `The ${shown} ${rollup ? 'lines' : 'people'} with the highest usage are shown, the other ${rest} summed as Other; every one is in the workbook ${workbook}, sheet Engagement.`,
    },
    adoption: {
      heading: 'Seats and activity',
      noSeats: (where: string) => `The org directory gives no one a seat in ${where} this month.`,
      whereRollup: (code: string) => `${code} and the cost centers below it`,
      whereRollupNone: (code: string) => `${code} or below it`,
      summary: (p: { seated: number; seatedText: string; where: string; active: string; percent: string; claude: string; code: string; cowork: string; idle: string }) =>
        `${p.seatedText} ${p.seated === 1 ? 'person has' : 'people have'} a seat in ${p.where} this month (by the org directory). ${p.active} of them (${p.percent}) were active: ${p.claude} on Claude, ${p.code} on Claude Code, ${p.cowork} on Cowork. ${p.idle} had no activity at all.`,
      noPrice: ' The directory sets no seat price, so no seat charge is made.',
      idleCost: (amount: string) => ` Their part of this statement's seat charge (by their seat-days) is ${amount}.`,
      columns: ['Seats', 'Active', 'Utilization', 'Claude', 'Claude Code', 'Cowork', 'Idle seats'],
    },
    mix: {
      heading: 'Where the money goes',
      longContext: (long: string, direct: string, percent: string) => `Long context (200k\u20131M tokens): ${long} of ${direct} direct usage, ${percent}. Long-context requests are billed at a higher rate per token.`,
      biggest: 'Biggest spenders',
      topHeading: 'Biggest spenders: Opus models and long context',
      topAbout: (n: string, workbook: string) => `The ${n} biggest spenders' usage on Opus models and in the 200k\u20131M token context tier, each as a share of their own usage; every line, with its model and context window tier, is in the workbook ${workbook}, sheet Lines.`,
      topColumns: ['Person or spender', 'Opus', 'Opus share', 'Long context', 'Share'],
    },
    quantities: {
      heading: 'Tokens and price per million tokens',
      none: 'This month was published without quantities: the provider\u2019s usage report was not available when it was pulled. Amounts are unaffected.',
      empty: 'No token usage is charged directly on this statement.',
      about: (rollup: boolean) =>
        `${rollup ? 'Token usage of the statements this roll-up adds up, by model' : 'Direct token usage by model'}: tokens as the provider's usage report counts them, and what a million tokens cost (the exact token cost over all tokens, every kind together, rounded once). Input is uncached input; cache write and read are prompt-cache tokens. Token cost is the statement's token amount split over the models.`,
      tableHeading: 'Tokens by model',
      noModel: '(no model)',
      columns: ['Model', 'Input', 'Cache write', 'Cache read', 'Output', 'Requests', 'Token cost', 'Per 1M'],
      unmeasured: (n: number, text: string) => `* ${text} token ${n === 1 ? 'line has' : 'lines have'} no quantity in the provider's usage report; ${n === 1 ? 'its' : 'their'} cost is in Token cost but not in the price per million tokens.`,
    },
    people: {
      heading: 'Direct usage by person and spender',
      whoRollup: (n: string, one: boolean) => `${n} ${one ? 'row' : 'rows'}, one per person or spender and cost center`,
      whoDirect: (n: string, one: boolean) => `${n} ${one ? 'person or spender' : 'people and spenders'}`,
      top: (shown: string, rest: string, workbook: string) => ` The ${shown} highest are shown and the other ${rest} summed; every row is in the workbook ${workbook}, sheet Users.`,
      lines: (n: string) => `${n} by product, model, context window and cost type`,
      whereRollup: 'the workbooks of the direct statements it sums (sheet Lines) and in ledger.csv',
      whereDirect: (workbook: string) => `the workbook ${workbook}, sheet Lines`,
      about: (who: string, top: string, lines: string, where: string) => `${who}, highest spend first.${top} Every line behind these amounts (${lines}) is in ${where}.`,
      noEmail: '(no e-mail)',
      columns: ['Name', 'E-mail or id', 'Amount', 'Share'],
    },
    notes: {
      heading: 'Notes on method',
      engagement:
        'Engagement comes from the provider\u2019s user activity report for the month (GET /v1/organizations/analytics/users, rollup). A person\u2019s activity is shown with the usage billed to this cost center; someone billed to several (a move during the month) appears in each, their counts split in proportion to the usage billed there (largest remainder), and someone with activity but no usage where the directory puts them on the month\u2019s last day. Cost per session, commit and pull request divides that usage by those counts, rounded half up to the cent; counts the provider does not report are shown as \u2014.',
      trend: 'Trend and movers compare with the latest published issue of each earlier month, as recorded in this month\u2019s inputs/history.json.',
      source: (endpoint: string) => `Source: Claude Enterprise Analytics API, ${endpoint}, grouped by actor, product, model, context window, workspace and cost type; amounts are the provider's post-discount, pre-credit cost in USD.`,
      final: 'Status FINAL: the month ended at least 30 days before the data was pulled, past the provider\u2019s 30-day revision window, and the provider\u2019s data refresh covers the whole month.',
      provisional: 'Status PROVISIONAL: the provider may still revise these values (30-day revision window). A final statement will follow; differences are carried as adjustments.',
      rounding: (rows: string) => `Rounding: unrounded cent amounts are summed exactly; the month total (${rows} source rows) is rounded once to whole cents, then split to cost centers, shared-cost pools, people and lines by largest remainder, so every level adds up exactly.`,
      pools: (list: string) => `Shared costs: ${list}. Each pool is split exactly by largest remainder.`,
      pool: (name: string, usage: boolean, basis: string) => `${name} (${usage ? 'provider spend' : 'fixed monthly amount'}, ${basis})`,
      mapping: (unallocated: string, sha: string) => `Mapping: people by user id or email, then the directory's rules in order; unmapped spend is shown under ${unallocated}. Org directory sha256 ${sha}\u2026`,
      quantities:
        'Tokens and requests: from the provider\u2019s usage report (GET /v1/organizations/analytics/usage) for the same month, grouped like the cost; each group\u2019s tokens go with its token cost (split by cost over the days of someone who moved). The price per million tokens is the token cost over all tokens, rounded once to the cent.',
      budgets:
        'Budgets: from the org directory, by month; a roll-up without one of its own takes the sum of its cost centers\u2019 (a cost center without one counts as zero). Charges compared are the month\u2019s own, without corrections of earlier months; the year to date counts the months of the year issued so far.',
      rollup: (n: number, list: string) => `Roll-up of ${n} statement(s): ${list}. Each subtotal is the total of that statement; the roll-up adds them exactly and bills nothing of its own.`,
    },
    revision: {
      firstOfCostCenter: (revision: number, month: string) => `Revision ${revision} of the ${month} statements: the first statement of this cost center for the month (the issue it revises had none).`,
      replaces: (revision: number, of: string, replaces: string, amount: string, status: string, issued: string | null) => `Revision ${revision} of ${of}: replaces ${replaces} (${amount}, ${status}${issued ? `, issued ${issued}` : ''}).`,
      unchanged: 'The total is unchanged; nothing further is charged.',
      difference: (amount: string, charged: boolean, month: string, number: string, laterIssued: boolean) =>
        `The difference, ${amount}, is ${charged ? 'charged' : 'credited'} on the ${month} statement (${number})${laterIssued ? ' (or on a revision of a month issued since, if that is issued first)' : ''}; this statement is not charged again.`,
      whatChanged: (reasons: string) => ` What changed: ${reasons}.`,
    },
    page: (page: number, pages: number) => `Page ${page} of ${pages}`,
    workbook: (number: string, file: string) => `${number}.xlsx (${file} in the month\u2019s folder)`,
  },

  /** The statement workbook: sheet names, headings, table columns and sentences. */
  xlsx: {
    sheets: { summary: 'Summary', users: 'Users', lines: 'Lines', engagement: 'Engagement', trend: 'Trend' },
    facts: {
      company: 'Company',
      costCenter: 'Cost center',
      parent: 'Parent cost center',
      owner: 'Owner',
      finance: '\u2014 (finance reviews unallocated spend)',
      period: 'Period (UTC)',
      periodValue: (month: string, from: string, to: string) => `${month}: ${from} to ${to}`,
      status: 'Status',
      dataAsOf: 'Data as of',
      unknown: 'unknown',
      issued: 'Issued',
      total: 'Total (USD)',
      directUsage: 'Direct usage (USD)',
      method: 'Method',
    },
    breakdown: { amount: 'Amount (USD)', share: 'Share', total: 'Total', tiesToTotal: 'ties to total', tiesToDirect: 'ties to direct usage', check: 'CHECK' },
    users: ['Cost center', 'Name', 'Email', 'Actor type', 'Actor id', 'Amount (USD)', 'Share of department'],
    lines: [
      'Statement', 'Line type', 'Cost center', 'Person or spender', 'E-mail', 'Actor id', 'Product', 'Product code', 'Model', 'Context window', 'Cost type',
      'Period start', 'Period end', 'Unrounded (cents)', 'Amount (USD)', 'Share of statement', 'Raw row', 'Rule',
      'Input tokens', 'Cache write tokens', 'Cache read tokens', 'Output tokens', 'Requests', 'Web searches',
    ],
    chargeLabel: {
      pool: (pool: string) => `Shared: ${pool}`,
      seats: 'Seats',
      markup: 'Overhead markup',
      carried: (reference: string) => `Adjustment of an earlier month: ${reference}`,
    },
    engagement: ['Cost center', 'Person', 'E-mail', 'Sessions', 'Commits', 'Pull requests', 'Lines added', 'Lines removed', 'Chat conversations', 'Usage (USD)', 'Per session (USD)', 'Per commit (USD)', 'Per pull request (USD)'],
    engagementTotal: 'Total',
    activity: (from: string, to: string, partial: boolean) => `Activity from ${from} to ${to}${partial ? ' (not the whole month: the provider\u2019s report did not reach its end yet)' : ''}`,
    trend: { month: 'Month', charges: 'Charges (USD)', change: 'Change (USD)', notPublished: 'not published', person: 'Person or spender', monthUsd: (month: string) => `${month} (USD)` },
  },

  email: {
    revised: (revision: number, subject: string) => `Revised (revision ${revision}): ${subject}`,
    revisedNotice: (revision: number, month: string) =>
      `Revised statement: revision ${revision} of ${month}. It replaces the statement sent earlier for the same month; only the difference is charged, on a later month's statement. Page 1 of each statement says what it replaces, the difference and the statement that charges it.`,
    rollupStatement: (number: string, name: string, amount: string) => `${number} (roll-up of ${name}, ${amount}, for information)`,
    budgetLine: (p: { name: string; which: string; budget: string; actual: string; standing: { over: string } | { under: string } | 'on'; ytdActual: string; ytdBudget: string }) =>
      `Budget ${p.name} (${p.which}): ${p.budget}; charges ${p.actual}, ${p.standing === 'on' ? 'on budget' : 'over' in p.standing ? `over budget by ${p.standing.over}` : `under budget by ${p.standing.under}`}; year to date ${p.ytdActual} of ${p.ytdBudget}.`,
    rollup: 'roll-up',
  },
};

export type Messages = typeof en;
