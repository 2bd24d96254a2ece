import type { Actor, CostRow } from '../../src/core/cost-row.js';
import { DEFAULT_GL, type OrgDirectory } from '../../src/core/directory.js';
import { Money } from '../../src/core/money.js';

let counter = 0;

export function user(userId: string, email: string | null, name: string | null = null, deleted = false): Actor {
  return { type: 'user_actor', userId, email, name, deleted };
}

export function row(actor: Actor | null, amount: string, extra: Partial<Omit<CostRow, 'amountCents'>> = {}): CostRow {
  counter += 1;
  return {
    rowId: `test-p001.json#${counter}`,
    startingAt: '2026-09-01T00:00:00Z',
    endingAt: '2026-10-01T00:00:00Z',
    actor,
    product: 'chat',
    model: 'claude-sonnet-4-5',
    contextWindow: '0-200k',
    costType: 'tokens',
    workspaceId: null,
    listAmountCents: null,
    currency: 'USD',
    ...extra,
    amountCents: new Money(amount),
  };
}

export function directory(partial: Partial<OrgDirectory> = {}): OrgDirectory {
  const owner = { name: 'Owner', email: 'owner@acme.example' };
  return {
    company: 'Acme Test',
    billingAccountId: null,
    seatPriceCents: null,
    markup: null,
    gl: DEFAULT_GL,
    unmapped: 'bucket',
    costCenters: [
      { code: 'ENG', name: 'Engineering', parent: null, owner, glAccount: '6100' },
      { code: 'ENG-PLAT', name: 'Platform', parent: 'ENG', owner, glAccount: '6110' },
      { code: 'ENG-APP', name: 'Apps', parent: 'ENG', owner, glAccount: '6120' },
      { code: 'IT', name: 'IT', parent: null, owner, glAccount: '6300' },
    ],
    people: [
      { email: 'ana@acme.example', userId: 'user_ana', name: 'Ana', costCenter: 'ENG-PLAT', from: null, to: null },
      { email: 'Bo@Acme.example', userId: null, name: 'Bo', costCenter: 'ENG-APP', from: null, to: null },
      { email: null, userId: 'user_gone', name: 'Former employee', costCenter: 'ENG-APP', from: null, to: null },
    ],
    rules: [
      { index: 1, matcher: 'api_key_id', value: 'apikey_ci', costCenter: 'ENG-PLAT', note: 'CI key', from: null, to: null },
      { index: 2, matcher: 'service_account_id', value: 'svac_help', costCenter: 'IT', note: 'Helpdesk', from: null, to: null },
      { index: 3, matcher: 'workspace_id', value: 'wrkspc_research', costCenter: 'ENG-APP', note: 'Research', from: null, to: null },
      { index: 4, matcher: 'email_domain', value: 'contractors.acme.example', costCenter: 'ENG-APP', note: 'Contractors', from: null, to: null },
      { index: 5, matcher: 'product', value: 'claude_tag', costCenter: 'IT', note: 'Slack', from: null, to: null },
    ],
    pools: [],
    sha256: '0'.repeat(64),
    source: 'test.yaml',
    ...partial,
  };
}
