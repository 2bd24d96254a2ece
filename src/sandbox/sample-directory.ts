import { COMPANY, COST_CENTERS, PEOPLE, SAMPLE_BUDGETS, SAMPLE_GL, SAMPLE_POOLS, SAMPLE_RULES } from './synthetic-org.js';

const q = (value: string) => JSON.stringify(value);

/**
 * The text of mappings/org.yaml for the sandbox organization. A test keeps the committed file
 * equal to this, so the sandbox and the sample directory never drift apart.
 */
export function sampleDirectoryYaml(): string {
  const out: string[] = [
    '# Org directory: who owns which Claude spend. Versioned in git by finance.',
    '# Format: see README.md, section "Org directory". Validate with: npx chargeback validate',
    '# Generated from the sandbox organization (src/sandbox/synthetic-org.ts).',
    '',
    `company: ${q(COMPANY)}`,
    '',
    '# Spend no person or rule claims: "bucket" shows it under UNALLOCATED; "fail" stops the run.',
    'unmapped: bucket',
    '',
    '# Accounts of journal.csv. Cost centers with a legal_entity other than the paying one get',
    '# intercompany lines: due to the paying entity in their books, due from them in its books.',
    'gl:',
    `  paying_entity: ${q(SAMPLE_GL.payingEntity)}      # Acme Robotics Europe GmbH pays the provider`,
    `  due_to_account: ${q(SAMPLE_GL.dueToAccount)}`,
    `  due_from_account: ${q(SAMPLE_GL.dueFromAccount)}`,
    '',
    'cost_centers:',
  ];
  for (const c of COST_CENTERS) {
    out.push(`  - code: ${c.code}`);
    out.push(`    name: ${q(c.name)}`);
    if (c.parent) out.push(`    parent: ${c.parent}`);
    out.push(`    owner: { name: ${q(c.owner.name)}, email: ${c.owner.email} }`);
    out.push(`    gl_account: "${c.glAccount}"`);
    if (c.legalEntity) out.push(`    legal_entity: ${q(c.legalEntity)}   # Acme Robotics Inc.; its children inherit it`);
    const budgets = SAMPLE_BUDGETS[c.code];
    if (budgets) {
      out.push(`    budgets:${c.code === 'GTM' ? '   # the whole division\'s (its roll-up\'s)' : ''}`);
      for (const b of budgets) out.push(`      - { monthly: ${q(b.monthly)}${b.from ? `, from: ${b.from}` : ''}${b.to ? `, to: ${b.to}` : ''} }`);
    }
  }
  out.push('', '# People, matched by user_id first, then by e-mail (case-insensitive).', 'people:');
  for (const p of PEOPLE) {
    if (p.costCenter === null) continue;
    if (p.directoryByUserIdOnly) {
      out.push(`  - user_id: ${p.userId}   # left the company; the API reports no e-mail`);
      out.push(`    name: ${q('Former employee (Data & ML)')}`);
    } else {
      out.push(`  - email: ${p.email}`);
      out.push(`    name: ${q(p.name)}`);
    }
    out.push(`    cost_center: ${p.costCenter}`);
  }
  out.push('', '# Everything else, in order; the first matching rule wins.', 'rules:');
  for (const r of SAMPLE_RULES) {
    const [[key, value]] = Object.entries(r.match) as [[string, string]];
    out.push(`  - match: { ${key}: ${value} }`);
    out.push(`    cost_center: ${r.costCenter}`);
    out.push(`    note: ${q(r.note)}`);
  }
  out.push('', '# Shared-cost pools claim matching rows before people and rules, and split them:', '# proportional (to direct spend), even, or { fixed: { CODE: percent, ... } }.', 'pools:');
  for (const p of SAMPLE_POOLS) {
    out.push(`  - name: ${q(p.name)}`);
    out.push(`    match: ${p.match}`);
    out.push(`    split: ${p.split}`);
    out.push(`    note: ${q(p.note)}`);
  }
  return `${out.join('\n')}\n`;
}
