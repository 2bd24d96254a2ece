import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isNamed, plainName } from '../src/core/catalog.js';
import { runCli, tempDir } from './helpers/cli.js';
import { pdfText } from './helpers/readers.js';

describe('plain names for the provider codes', () => {
  it('names the codes the API documents, and shows an unknown code as it is', () => {
    expect(plainName('product', 'claude_tag')).toBe('Claude in Slack');
    expect(plainName('product', 'claude-tag')).toBe('Claude in Slack');
    expect(plainName('product', 'office_agent')).toBe('Claude for Office');
    expect(plainName('costType', 'code_execution')).toBe('Code execution');
    expect(plainName('contextWindow', '200k-1M')).toBe('Long context (200k to 1M tokens)');
    expect(plainName('region', 'us')).toBe('US only');
    // A code the catalog does not know yet is shown as the provider wrote it, never dropped.
    expect(plainName('product', 'claude_for_pets')).toBe('claude_for_pets');
    expect(plainName('product', 'toString')).toBe('toString');
    // Every product value of the reference's cost listings has a name.
    for (const code of ['chat', 'chat_cowork_unified', 'claude_code', 'claude_console', 'claude_design', 'claude_in_chrome', 'claude_tag', 'cowork', 'managed_agents_api', 'message_batches_api', 'messages_api', 'office_agent', 'cc_security_autopatch', 'other']) {
      expect(isNamed('product', code)).toBe(true);
    }
    for (const code of ['tokens', 'web_search', 'code_execution', 'session_usage']) expect(isNamed('costType', code)).toBe(true);
  });

  describe('on a statement', () => {
    let month: string;
    beforeAll(async () => {
      const out = tempDir();
      expect((await runCli(['run', '--sandbox', '--now', '2026-11-25T09:00:00Z', '--out', out])).code).toBe(0);
      month = join(out, '2026-09');
    }, 120_000);

    it('the PDF names products, cost types and context windows in words; the ledger keeps the codes', () => {
      const text = pdfText(join(month, 'statements', 'ENG-PLAT.pdf'));
      const ledger = readFileSync(join(month, 'ledger.csv'), 'utf8');
      for (const [code, name] of [
        ['claude_code', 'Claude Code'],
        ['code_execution', 'Code execution'],
        ['200k-1M', 'Long context (200k to 1M tokens)'],
      ] as const) {
        expect(ledger).toContain(`,${code},`);
        expect(text).toContain(name);
      }
      // Codes are gone from the product, cost type and tier tables (a model name is its own code).
      for (const code of ['claude_code', 'office_agent', 'code_execution', 'web_search']) expect(text).not.toMatch(new RegExp(`^\\s*${code}\\s+\\$`, 'm'));
      expect(text).toContain('Shared: Usage with no individual user (Slack and Code Review)');
    });

    it('a first month says in one sentence that its trend starts here, with no chart or table of empty months', () => {
      const text = pdfText(join(month, 'statements', 'ENG-PLAT.pdf')).replace(/\s+/g, ' ');
      expect(text).toContain('Trend This is the first month with a statement for this cost center in the six months to September 2026; the trend starts here.');
      expect(text).not.toContain('Charges per month');
      expect(text).not.toContain('not published');
    });
  });
});
