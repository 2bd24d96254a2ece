/**
 * Plain names for the provider's codes, for what a department head reads: products, cost types,
 * context windows, speeds and inference regions. One catalog, so a code is named the same way on
 * every statement, workbook heading and e-mail. Codes are opaque strings that change between API
 * generations: an unknown code is shown as it is, and the ledgers, FOCUS and the workbooks' line
 * data keep the codes themselves.
 */

const PRODUCTS: Readonly<Record<string, string>> = {
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
};

const COST_TYPES: Readonly<Record<string, string>> = {
  tokens: 'Tokens',
  web_search: 'Web search',
  code_execution: 'Code execution',
  session_usage: 'Agent sessions',
};

const CONTEXT_WINDOWS: Readonly<Record<string, string>> = {
  '0-200k': 'Standard context (up to 200k tokens)',
  '200k-1M': 'Long context (200k to 1M tokens)',
};

const SPEEDS: Readonly<Record<string, string>> = { standard: 'Standard', fast: 'Fast mode' };
const REGIONS: Readonly<Record<string, string>> = { global: 'Global', us: 'US only', not_available: 'Not available' };

export type Dimension = 'product' | 'costType' | 'contextWindow' | 'speed' | 'region';
const CATALOG: Readonly<Record<Dimension, Readonly<Record<string, string>>>> = {
  product: PRODUCTS,
  costType: COST_TYPES,
  contextWindow: CONTEXT_WINDOWS,
  speed: SPEEDS,
  region: REGIONS,
};

/** The plain name of a code, or the code itself when the catalog does not know it. */
export function plainName(dimension: Dimension, code: string): string {
  return Object.hasOwn(CATALOG[dimension], code) ? CATALOG[dimension][code]! : code;
}

/** Whether the catalog names this code (a test lists what it does not). */
export function isNamed(dimension: Dimension, code: string): boolean {
  return Object.hasOwn(CATALOG[dimension], code);
}
