import { randomFor, syntheticId } from './prng.js';

/**
 * The sandbox's synthetic organization. The sample directory (mappings/org.yaml) is generated
 * from the same definition, so every mapped person the sandbox bills is in the directory, and
 * the deliberate mess (unmapped users, a deleted user, keys, service accounts, rows with no
 * actor) is known exactly.
 */
export const COMPANY = 'Acme Robotics Europe GmbH';
export const DOMAIN = 'acme.example';

export interface SyntheticCostCenter {
  readonly code: string;
  readonly name: string;
  readonly parent: string | null;
  readonly owner: { readonly name: string; readonly email: string };
  readonly glAccount: string;
  /** The legal entity that books it, when not the paying one (children inherit it). */
  readonly legalEntity?: string;
  /** Relative headcount weight for leaf cost centers. */
  readonly weight: number;
}

const cc = (code: string, name: string, parent: string | null, ownerName: string, ownerEmail: string, gl: string, weight = 0): SyntheticCostCenter => ({
  code,
  name,
  parent,
  owner: { name: ownerName, email: `${ownerEmail}@${DOMAIN}` },
  glAccount: gl,
  weight,
});

/** The sample's journal accounts and legal entities: Go-to-Market is booked by the US entity, the rest by the German one that pays. */
export const SAMPLE_GL = { payingEntity: 'DE01', dueToAccount: '2410', dueFromAccount: '1410' } as const;

/**
 * The sample's monthly budgets (USD): Platform Engineering's rises in July (June is over budget); Go-to-Market has one
 * for the whole division (its roll-up's); Engineering's and G&A's roll-ups add up their children's.
 */
export const SAMPLE_BUDGETS: Readonly<Record<string, ReadonlyArray<{ readonly monthly: string; readonly from?: string; readonly to?: string }>>> = {
  'ENG-PLAT': [{ monthly: '4500.00', from: '2026-01-01', to: '2026-06-30' }, { monthly: '5500.00', from: '2026-07-01' }],
  'ENG-APP': [{ monthly: '6000.00' }],
  'ENG-DATA': [{ monthly: '6500.00' }],
  'ENG-SEC': [{ monthly: '3500.00' }],
  GTM: [{ monthly: '2500.00' }],
  'GA-FIN': [{ monthly: '400.00' }],
  'GA-LEGAL': [{ monthly: '1000.00' }],
  'GA-PEOPLE': [{ monthly: '400.00' }],
  'GA-IT': [{ monthly: '2000.00' }],
};

export const COST_CENTERS: readonly SyntheticCostCenter[] = [
  cc('ENG', 'Engineering', null, 'Ingrid Halvorsen', 'ingrid.halvorsen', '6100'),
  cc('ENG-PLAT', 'Platform Engineering', 'ENG', 'Zoë Łukasiewicz', 'zoe.lukasiewicz', '6110', 16),
  cc('ENG-APP', 'Application Engineering', 'ENG', 'Mateus Gonçalves', 'mateus.goncalves', '6120', 22),
  cc('ENG-DATA', 'Data & Machine Learning', 'ENG', 'Ελένη Παπαδοπούλου', 'eleni.papadopoulou', '6130', 14),
  cc('ENG-SEC', 'Security Engineering', 'ENG', 'Дмитрий Волков', 'dmitry.volkov', '6140', 8),
  { ...cc('GTM', 'Go-to-Market', null, 'Siobhán Ní Bhriain', 'siobhan.nibhriain', '6200'), legalEntity: 'US01' },
  cc('GTM-SALES', 'Sales', 'GTM', 'Jürgen Weiß', 'juergen.weiss', '6210', 12),
  cc('GTM-MKT', 'Marketing', 'GTM', 'Aurélie Dubois', 'aurelie.dubois', '6220', 9),
  cc('GTM-CS', 'Customer Success', 'GTM', 'Søren Kierkegaard-Holm', 'soren.holm', '6230', 10),
  cc('GA', 'General & Administrative', null, 'Άγγελος Νικολάου', 'angelos.nikolaou', '6300'),
  cc('GA-FIN', 'Finance', 'GA', 'Małgorzata Wiśniewska', 'malgorzata.wisniewska', '6310', 6),
  cc('GA-LEGAL', 'Legal', 'GA', 'Ľubomír Šťastný', 'lubomir.stastny', '6320', 4),
  cc('GA-PEOPLE', 'People & Culture', 'GA', 'Наталья Смирнова', 'natalya.smirnova', '6330', 5),
  cc('GA-IT', 'IT & Workplace', 'GA', 'Õnne Tamm', 'onne.tamm', '6340', 6),
];

/** [display name, ascii form for the e-mail address], in Latin, Greek and Cyrillic scripts. */
export const FIRST: ReadonlyArray<readonly [string, string]> = [
  ['Zoë', 'zoe'], ['Łukasz', 'lukasz'], ['Ελένη', 'eleni'], ['Дмитрий', 'dmitry'], ['Anna', 'anna'],
  ['José', 'jose'], ['Björn', 'bjorn'], ['Ines', 'ines'], ['Νίκος', 'nikos'], ['Ольга', 'olga'],
  ['François', 'francois'], ['Ayşe', 'ayse'], ['Jiří', 'jiri'], ['Maja', 'maja'], ['Tomás', 'tomas'],
  ['Žaneta', 'zaneta'], ['Hannah', 'hannah'], ['Sergio', 'sergio'], ['Γιώργος', 'giorgos'], ['Іван', 'ivan'],
  ['Åsa', 'asa'], ['Niamh', 'niamh'], ['Kārlis', 'karlis'], ['Lucía', 'lucia'], ['Mehmet', 'mehmet'],
  ['Оксана', 'oksana'], ['Pieter', 'pieter'], ['Ülle', 'ulle'], ['Dorota', 'dorota'], ['Marco', 'marco'],
  ['Σοφία', 'sofia'], ['Vesna', 'vesna'], ['Émile', 'emile'], ['Greta', 'greta'], ['Radu', 'radu'],
  ['Lars', 'lars'], ['Catarina', 'catarina'], ['Ömer', 'omer'], ['Alžběta', 'alzbeta'], ['Finn', 'finn'],
];
export const LAST: ReadonlyArray<readonly [string, string]> = [
  ['Łukasiewicz', 'lukasiewicz'], ['Müller', 'mueller'], ['Παπαδοπούλου', 'papadopoulou'], ['Иванов', 'ivanov'],
  ['García', 'garcia'], ['Nørgaard', 'norgaard'], ['Ó Briain', 'obriain'], ['Kowalska', 'kowalska'],
  ['Dvořák', 'dvorak'], ['Rossi', 'rossi'], ['Якименко', 'yakimenko'], ['Öztürk', 'ozturk'],
  ['Lefèvre', 'lefevre'], ['Virtanen', 'virtanen'], ['Γεωργίου', 'georgiou'], ['Novak', 'novak'],
  ['Schäfer', 'schaefer'], ['Bērziņš', 'berzins'], ['Fernández', 'fernandez'], ['Петрова', 'petrova'],
  ['de Vries', 'devries'], ['Kovačević', 'kovacevic'], ['Lindqvist', 'lindqvist'], ['Popescu', 'popescu'],
  ['Nagy', 'nagy'], ['Ševčík', 'sevcik'], ['Costa', 'costa'], ['Ahlgren', 'ahlgren'], ['Brennan', 'brennan'],
  ['Καραγιάννης', 'karagiannis'], ['Tamm', 'tamm'], ['Horváth', 'horvath'], ['Weiß', 'weiss'],
];

export interface SyntheticPerson {
  readonly name: string;
  readonly email: string | null;
  readonly userId: string;
  /** null: deliberately not in the directory. */
  readonly costCenter: string | null;
  readonly deleted: boolean;
  /** Listed in the directory by user_id only (emails can be null for deleted users). */
  readonly directoryByUserIdOnly: boolean;
}

function leafCostCenters(): SyntheticCostCenter[] {
  return COST_CENTERS.filter((c) => c.weight > 0);
}

function buildPeople(): SyntheticPerson[] {
  const people: SyntheticPerson[] = [];
  const emails = new Set<string>();
  const leaves = leafCostCenters();
  const weights = leaves.reduce((a, c) => a + c.weight, 0);
  const rand = randomFor('people');
  for (let i = 0; people.length < 120; i++) {
    const [first, firstAscii] = FIRST[(i * 7) % FIRST.length]!;
    const [last, lastAscii] = LAST[(i * 11 + Math.floor(i / FIRST.length)) % LAST.length]!;
    let email = `${firstAscii}.${lastAscii}@${DOMAIN}`;
    for (let n = 2; emails.has(email); n++) email = `${firstAscii}.${lastAscii}${n}@${DOMAIN}`;
    emails.add(email);
    let pick = rand() * weights;
    const home = leaves.find((c) => (pick -= c.weight) < 0) ?? leaves[leaves.length - 1]!;
    people.push({ name: `${first} ${last}`, email, userId: syntheticId('user', email), costCenter: home.code, deleted: false, directoryByUserIdOnly: false });
  }
  // A person who left: the API reports a deleted user with no e-mail; the directory keeps the user_id.
  people.push({ name: 'Deleted User', email: null, userId: syntheticId('user', 'left-in-august'), costCenter: 'ENG-DATA', deleted: true, directoryByUserIdOnly: true });
  // The mess the directory does not know about: they land in UNALLOCATED.
  people.push({ name: 'Deleted User', email: null, userId: syntheticId('user', 'deleted-unknown'), costCenter: null, deleted: true, directoryByUserIdOnly: false });
  people.push({ name: 'Kasia Nowicka', email: 'kasia.nowicka@acme-labs.example', userId: syntheticId('user', 'kasia.nowicka'), costCenter: null, deleted: false, directoryByUserIdOnly: false });
  people.push({ name: 'Πέτρος Αλεξίου', email: 'petros.alexiou@acme.example', userId: syntheticId('user', 'petros.alexiou'), costCenter: null, deleted: false, directoryByUserIdOnly: false });
  people.push({ name: 'Игорь Кузнецов', email: 'igor.kuznetsov@acme.example', userId: syntheticId('user', 'igor.kuznetsov'), costCenter: null, deleted: false, directoryByUserIdOnly: false });
  // Contractors are mapped by an email-domain rule, not one by one.
  for (const [name, local] of [['Liam O’Connor', 'liam.oconnor'], ['Beatriz Souza', 'beatriz.souza'], ['Nils Østergaard', 'nils.ostergaard']] as const) {
    people.push({ name, email: `${local}@contractors.${DOMAIN}`, userId: syntheticId('user', local), costCenter: null, deleted: false, directoryByUserIdOnly: false });
  }
  return people;
}

export const PEOPLE: readonly SyntheticPerson[] = buildPeople();

export const CONTRACTOR_DOMAIN = `contractors.${DOMAIN}`;

export interface SyntheticNonUser {
  readonly kind: 'api_actor' | 'service_account_actor' | 'none' | 'federated_actor';
  readonly id: string;
  readonly label: string;
  readonly workspaceId: string | null;
  /** Products this spender uses. */
  readonly products: readonly string[];
}

export const RESEARCH_WORKSPACE = syntheticId('wrkspc', 'research');

export const NON_USERS: readonly SyntheticNonUser[] = [
  { kind: 'api_actor', id: syntheticId('apikey', 'ci-review-bot'), label: 'CI review bot key', workspaceId: null, products: ['api'] },
  { kind: 'api_actor', id: syntheticId('apikey', 'research-batch'), label: 'Research batch key', workspaceId: RESEARCH_WORKSPACE, products: ['api'] },
  { kind: 'api_actor', id: syntheticId('apikey', 'forgotten-prototype'), label: 'Unknown key', workspaceId: null, products: ['api'] },
  { kind: 'service_account_actor', id: syntheticId('svac', 'helpdesk-agent'), label: 'Helpdesk agent', workspaceId: null, products: ['claude_code', 'api'] },
  { kind: 'federated_actor', id: 'arn:aws:iam::000000000000:role/etl', label: 'AWS ETL role', workspaceId: null, products: ['api'] },
  { kind: 'none', id: 'claude_tag', label: 'Claude in Slack channels', workspaceId: null, products: ['claude_tag'] },
  { kind: 'none', id: 'code_review', label: 'Code Review', workspaceId: null, products: ['code_review'] },
];

/** Ordered directory rules for the non-user spend, in the directory's own terms. */
export const SAMPLE_RULES: ReadonlyArray<{ match: Record<string, string>; costCenter: string; note: string }> = [
  { match: { api_key_id: NON_USERS[0]!.id }, costCenter: 'ENG-PLAT', note: 'CI review bot key' },
  { match: { service_account_id: NON_USERS[3]!.id }, costCenter: 'GA-IT', note: 'Helpdesk agent' },
  { match: { workspace_id: RESEARCH_WORKSPACE }, costCenter: 'ENG-DATA', note: 'Research workspace' },
  { match: { email_domain: CONTRACTOR_DOMAIN }, costCenter: 'ENG-APP', note: 'Contractors' },
  { match: { product: 'claude_tag' }, costCenter: 'GA-IT', note: 'Claude in Slack channels' },
];

/** Shared-cost pools of the sample directory. */
export const SAMPLE_POOLS: ReadonlyArray<{ name: string; match: string; split: string; note: string }> = [
  { name: 'Usage with no individual user (Slack and Code Review)', match: '{ no_actor: true }', split: 'proportional', note: 'Claude in Slack channels and Code Review, shared by direct spend' },
];
