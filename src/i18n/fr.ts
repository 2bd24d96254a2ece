import type { Messages } from './en.js';

/**
 * Le catalogue de messages français (fr-FR) : les mêmes clés que en.ts, valeurs en français.
 * Noms, codes, montants et dates sont des arguments, mis en forme par l’appelant selon la locale.
 * Espaces insécables (\u00a0) avant « : », « ; » et « % », comme le veut la typographie française.
 */
export const fr: Messages = {
  names: {
    product: {
      chat: 'Claude (chat)',
      chat_cowork_unified: 'Claude et Cowork',
      claude_code: 'Claude Code',
      claude_console: 'Claude Console',
      claude_design: 'Claude Design',
      claude_in_chrome: 'Claude in Chrome',
      claude_tag: 'Claude in Slack',
      'claude-tag': 'Claude in Slack',
      'claude-in-slack': 'Claude in Slack',
      claude_in_slack: 'Claude in Slack',
      cowork: 'Cowork',
      office_agent: 'Claude pour Office',
      managed_agents_api: 'Managed Agents (API)',
      message_batches_api: 'Message Batches (API)',
      messages_api: 'Messages (API)',
      api: 'API',
      cc_security_autopatch: 'Claude Security',
      other: 'Autre (non attribué à un produit)',
    } as Record<string, string>,
    costType: { tokens: 'Tokens', web_search: 'Recherche web', code_execution: 'Exécution de code', session_usage: 'Sessions d’agent' } as Record<string, string>,
    contextWindow: { '0-200k': 'Contexte standard (jusqu’à 200\u00a0000 tokens)', '200k-1M': 'Contexte long (de 200\u00a0000 à 1\u00a0million de tokens)' } as Record<string, string>,
    speed: { standard: 'Standard', fast: 'Mode rapide' } as Record<string, string>,
    region: { global: 'Mondial', us: 'États-Unis uniquement', not_available: 'Non disponible' } as Record<string, string>,
  },

  titles: {
    Charges: 'Refacturations',
    'By cost center': 'Par centre de coûts',
    'Direct usage by product': 'Utilisation directe par produit',
    'Direct usage by model': 'Utilisation directe par modèle',
    'Direct usage by cost type': 'Utilisation directe par type de coût',
    'Direct usage by context window tier': 'Utilisation directe par niveau de fenêtre de contexte',
    'Direct usage by speed': 'Utilisation directe par vitesse',
    'Direct usage by inference region': 'Utilisation directe par région d’inférence',
  } as Record<string, string>,
  columns: {
    Charges: 'Poste',
    'By cost center': 'Centre de coûts',
    'Direct usage by product': 'Produit',
    'Direct usage by model': 'Modèle',
    'Direct usage by cost type': 'Type de coût',
    'Direct usage by context window tier': 'Niveau de fenêtre de contexte',
    'Direct usage by speed': 'Vitesse',
    'Direct usage by inference region': 'Région d’inférence',
  } as Record<string, string>,
  none: {
    '(no product)': '(aucun produit)',
    '(no model, e.g. code execution)': '(aucun modèle, p.\u00a0ex. exécution de code)',
    '(combined)': '(regroupé)',
    '(no tier)': '(aucun niveau)',
    '(not applicable)': '(sans objet)',
  } as Record<string, string>,

  charges: {
    directUsage: 'Utilisation directe',
    pool: (pool: string, basis: string) => `Coûts partagés\u00a0: ${pool} (${basis})`,
    seats: (months: string, price: string) => `Licences (${months} mois-licence à ${price}, au prorata des jours)`,
    markup: (percent: string) => `Majoration pour frais généraux (${percent}\u00a0%)`,
    carried: (reference: string) => `Ajustement d’un mois antérieur\u00a0: ${reference}`,
    basis: {
      'by direct spend': 'au prorata des dépenses directes',
      'fixed percentages': 'pourcentages fixes',
      even: (n: number) => `à parts égales entre ${n} ${n === 1 ? 'centre de coûts' : 'centres de coûts'}`,
    },
    ownSpend: (name: string) => `${name} (dépenses propres)`,
    andBelow: (name: string, n: number) => `${name} et centres de coûts rattachés (${n} ${n === 1 ? 'relevé' : 'relevés'})`,
  },

  pdf: {
    chargebackStatement: 'Relevé de refacturation',
    rollupStatement: 'Relevé consolidé',
    documentTitle: (rollup: boolean, number: string) => `${rollup ? 'Relevé consolidé' : 'Relevé de refacturation'} ${number}`,
    status: { FINAL: 'DÉFINITIF', PROVISIONAL: 'PROVISOIRE' } as Record<string, string>,
    facts: {
      costCenter: 'Centre de coûts',
      parent: 'Centre parent',
      owner: 'Responsable',
      finance: 'Finances (dépenses non affectées)',
      period: 'Période (UTC)',
      periodValue: (month: string, from: string, to: string) => `${month} (du ${from} au ${to})`,
      number: 'N° de relevé',
      status: 'Statut',
      finalDue: 'Relevé définitif',
      finalDueValue: (day: string) => `au plus tôt le ${day} (à l’issue du délai de révision du fournisseur)`,
      dataAsOf: 'Données au',
      unknown: 'inconnu',
      issued: 'Émis le',
    },
    box: { rollup: 'Pour information, non refacturé', revised: 'Total révisé de la période', first: 'Total de la période', total: (amount: string) => `Total ${amount}` },
    rollupCharge: (code: string) => `Pour information, non refacturé\u00a0: ce relevé consolidé additionne les relevés du centre de coûts ${code} et des centres de coûts qui lui sont rattachés, lesquels refacturent ces montants à chaque centre de coûts.`,
    budget: (p: { month: string; budget: string; fromChildren: boolean; carried: boolean; actual: string; standing: { over: string; percent: string } | { under: string } | 'on'; ytdMonths: number; ytdFrom: string; ytdActual: string; ytdBudget: string; ytdPercent: string }) => {
      const whose = p.fromChildren ? ' (somme des budgets de ses centres de coûts)' : '';
      const carried = p.carried ? ' (les corrections de mois antérieurs qu’il reporte comptent dans ces mois-là)' : '';
      const standing = p.standing === 'on' ? 'exactement dans le budget' : 'over' in p.standing ? `budget dépassé de ${p.standing.over} (${p.standing.percent})` : `en deçà du budget de ${p.standing.under}`;
      const months = p.ytdMonths === 1 ? `${p.month}, premier mois facturé cette année` : `${p.ytdMonths} mois facturés, entre ${p.ytdFrom} et ${p.month}`;
      return `Budget pour ${p.month}\u00a0: ${p.budget}${whose}. Refacturations de ce mois${carried}\u00a0: ${p.actual}, ${standing}. Depuis le début de l’année (${months})\u00a0: ${p.ytdActual} sur ${p.ytdBudget} budgétés (${p.ytdPercent}).`;
    },
    table: { total: 'Total général', directUsageTotal: 'Total utilisation directe', amount: 'Montant', share: 'Part', other: (n: string) => `Autres (${n} de plus)` },
    carriedLine: (reference: string, amount: string, changed: string) => `${reference}\u00a0: ${amount}, la variation des chiffres d’un mois antérieur non encore refacturée.${changed}`,
    trend: {
      heading: 'Évolution',
      firstMonth: (month: string) => `C’est le premier mois comportant un relevé pour ce centre de coûts sur les six mois jusqu’à ${month}\u00a0; l’évolution commence ici.`,
      noPrevious: (month: string) => `Aucun relevé n’a été publié pour ${month}\u00a0; il n’y a donc pas de variation d’un mois sur l’autre.`,
      compared: (month: string, previous: string, change: string, percent: string | null) => `Par rapport à ${month} (${previous})\u00a0: ${change}${percent === null ? '' : ` (${percent})`}.`,
      carried: (own: string, total: string, carried: string) => `Les refacturations propres de ce mois s’élèvent à ${own}\u00a0; le total de ${total} comprend en outre ${carried} de corrections de mois antérieurs, que l’évolution compte dans les mois qu’elles corrigent.`,
      chartTitle: (from: string, to: string) => `Refacturations par mois, ${from} – ${to}`,
      noData: 'aucune donnée',
      month: 'Mois',
      charges: 'Refacturations',
      change: 'Variation',
      changePercent: 'Variation en %',
      missing: (months: string) => `Aucun relevé n’a été publié pour ${months}.`,
      movers: (month: string) => `Plus fortes variations depuis ${month}`,
      person: 'Personne ou source de dépense',
      new: 'nouveau',
    },
    engagement: {
      heading: 'Valeur\u00a0: activité dans Claude Code et le chat',
      none: 'Aucune activité n’est présentée\u00a0: le rapport d’activité des utilisateurs du fournisseur n’était pas disponible lors de l’extraction de ce mois.',
      empty: 'Aucune activité de personnes rattachées à ce centre de coûts n’a été signalée pour le mois.',
      range: (from: string, to: string, partial: boolean) => `Activité du ${from} au ${to}${partial ? ', et non sur le mois entier\u00a0: le rapport du fournisseur n’en couvre pas encore la fin, de sorte que le coût unitaire divise l’utilisation du mois par une partie seulement de son activité' : ''}. `,
      summary: (p: { people: string; sessions: string; commits: string; pullRequests: string; added: string; removed: string; conversations: string; usage: string; perSession: string; perCommit: string; perPullRequest: string }) =>
        `${p.people} personnes\u00a0: ${p.sessions} sessions Claude Code, ${p.commits} commits, ${p.pullRequests} pull requests, +${p.added} / \u2212${p.removed} lignes, ${p.conversations} conversations de chat. Leur utilisation, ${p.usage}, représente ${p.perSession} par session, ${p.perCommit} par commit et ${p.perPullRequest} par pull request.`,
      person: 'Personne',
      costCenter: 'Centre de coûts',
      columns: ['Sessions', 'Commits', 'PR', 'Lignes +', 'Lignes \u2212', 'Chats', 'Utilisation', 'Par session', 'Par commit', 'Par PR'],
      shown: (shown: string, rollup: boolean, rest: string, workbook: string) => `Les ${shown} ${rollup ? 'lignes' : 'personnes'} à la plus forte utilisation sont présentées, les ${rest} autres étant regroupées sous Autres\u00a0; toutes figurent dans le classeur ${workbook}, feuille Activité.`,
    },
    adoption: {
      heading: 'Licences et activité',
      noSeats: (where: string) => `Ce mois-ci, l’annuaire de l’organisation n’attribue aucune licence dans ${where}.`,
      whereRollup: (code: string) => `${code} et les centres de coûts qui lui sont rattachés`,
      whereRollupNone: (code: string) => `${code} ni dans les centres de coûts qui lui sont rattachés`,
      summary: (p: { seated: number; seatedText: string; where: string; active: string; percent: string; claude: string; code: string; cowork: string; idle: string }) =>
        `${p.seatedText} ${p.seated === 1 ? 'personne dispose' : 'personnes disposent'} d’une licence dans ${p.where} ce mois-ci (selon l’annuaire de l’organisation). Personnes actives\u00a0: ${p.active} (${p.percent}), dont ${p.claude} sur Claude, ${p.code} sur Claude Code et ${p.cowork} sur Cowork. Sans aucune activité\u00a0: ${p.idle}.`,
      noPrice: ' L’annuaire ne fixe aucun prix de licence\u00a0; aucune licence n’est donc refacturée.',
      idleCost: (amount: string) => ` Leur part de la refacturation des licences de ce relevé (au prorata de leurs jours de licence) s’élève à ${amount}.`,
      columns: ['Licences', 'Actives', 'Utilisation', 'Claude', 'Claude Code', 'Cowork', 'Inutilisées'],
    },
    mix: {
      heading: 'Répartition des dépenses',
      longContext: (long: string, direct: string, percent: string) => `Contexte long (de 200\u00a0000 à 1\u00a0million de tokens)\u00a0: ${long} sur ${direct} d’utilisation directe, soit ${percent}. Les requêtes en contexte long sont facturées à un tarif plus élevé par token.`,
      biggest: 'Principales sources de dépense',
      topHeading: 'Principales sources de dépense\u00a0: modèles Opus et contexte long',
      topAbout: (n: string, workbook: string) => `Utilisation des modèles Opus et du niveau de contexte de 200\u00a0000 à 1\u00a0million de tokens par les ${n} principales sources de dépense, chacune en part de sa propre utilisation\u00a0; chaque ligne, avec son modèle et son niveau de fenêtre de contexte, figure dans le classeur ${workbook}, feuille Lignes.`,
      topColumns: ['Personne ou source de dépense', 'Opus', 'Part Opus', 'Contexte long', 'Part'],
    },
    quantities: {
      heading: 'Tokens et prix par million de tokens',
      none: 'Ce mois a été publié sans quantités\u00a0: le rapport d’utilisation du fournisseur n’était pas disponible lors de l’extraction. Les montants ne sont pas affectés.',
      empty: 'Aucune utilisation de tokens n’est refacturée directement sur ce relevé.',
      about: (rollup: boolean) =>
        `${rollup ? 'Utilisation de tokens des relevés que ce relevé consolidé additionne, par modèle' : 'Utilisation directe de tokens par modèle'}\u00a0: les tokens tels que les compte le rapport d’utilisation du fournisseur, et le coût d’un million de tokens (le coût exact des tokens rapporté à l’ensemble des tokens, tous types confondus, arrondi une seule fois). L’entrée correspond aux tokens d’entrée hors cache\u00a0; l’écriture et la lecture de cache sont des tokens du cache de prompts. Le coût des tokens est le montant des tokens du relevé, réparti entre les modèles.`,
      tableHeading: 'Tokens par modèle',
      noModel: '(aucun modèle)',
      columns: ['Modèle', 'Entrée', 'Écriture cache', 'Lecture cache', 'Sortie', 'Requêtes', 'Coût tokens', 'Par million'],
      unmeasured: (n: number, text: string) => `* ${text} ${n === 1 ? 'ligne de tokens n’a' : 'lignes de tokens n’ont'} aucune quantité dans le rapport d’utilisation du fournisseur\u00a0; ${n === 1 ? 'son' : 'leur'} coût figure dans la colonne Coût tokens, mais pas dans le prix par million de tokens.`,
    },
    people: {
      heading: 'Utilisation directe par personne et source de dépense',
      whoRollup: (n: string, one: boolean) => `${n} ${one ? 'ligne' : 'lignes'}, une par personne ou source de dépense et par centre de coûts`,
      whoDirect: (n: string, one: boolean) => `${n} ${one ? 'personne ou source de dépense' : 'personnes et sources de dépense'}`,
      top: (shown: string, rest: string, workbook: string) => ` Les ${shown} plus élevées sont présentées et les ${rest} autres regroupées\u00a0; chaque ligne figure dans le classeur ${workbook}, feuille Utilisateurs.`,
      lines: (n: string) => `${n}, par produit, modèle, fenêtre de contexte et type de coût`,
      whereRollup: 'les classeurs des relevés directs qu’il additionne (feuille Lignes) et dans ledger.csv',
      whereDirect: (workbook: string) => `le classeur ${workbook}, feuille Lignes`,
      about: (who: string, top: string, lines: string, where: string) => `${who}, par dépense décroissante.${top} Chaque ligne à l’origine de ces montants (${lines}) figure dans ${where}.`,
      noEmail: '(pas d’e-mail)',
      columns: ['Nom', 'E-mail ou identifiant', 'Montant', 'Part'],
    },
    notes: {
      heading: 'Notes méthodologiques',
      engagement:
        'Les données d’activité proviennent du rapport d’activité des utilisateurs du fournisseur pour le mois (GET /v1/organizations/analytics/users, rollup). L’activité d’une personne est présentée avec l’utilisation refacturée à ce centre de coûts\u00a0; une personne refacturée à plusieurs centres de coûts (changement en cours de mois) apparaît dans chacun, ses compteurs étant répartis au prorata de l’utilisation qui y est refacturée (méthode du plus fort reste), et une personne ayant une activité mais aucune utilisation apparaît là où l’annuaire la place le dernier jour du mois. Le coût par session, par commit et par pull request divise cette utilisation par ces compteurs, arrondi au centime (la moitié vers le haut)\u00a0; les compteurs que le fournisseur ne communique pas sont indiqués par \u2014.',
      trend: 'L’évolution et les plus fortes variations sont calculées par rapport à la dernière édition publiée de chaque mois antérieur, telle qu’enregistrée dans le fichier inputs/history.json de ce mois.',
      source: (endpoint: string) => `Source\u00a0: API Claude Enterprise Analytics, ${endpoint}, regroupement par acteur, produit, modèle, fenêtre de contexte, espace de travail et type de coût\u00a0; les montants correspondent au coût du fournisseur après remises et avant crédits, en USD.`,
      final: 'Statut DÉFINITIF\u00a0: le mois s’est terminé au moins 30 jours avant l’extraction des données, au-delà du délai de révision de 30 jours du fournisseur, et l’actualisation des données du fournisseur couvre le mois entier.',
      provisional: 'Statut PROVISOIRE\u00a0: le fournisseur peut encore réviser ces valeurs (délai de révision de 30 jours). Un relevé définitif suivra\u00a0; les écarts seront reportés sous forme d’ajustements.',
      rounding: (rows: string) => `Arrondi\u00a0: les montants en centimes non arrondis sont additionnés exactement\u00a0; le total du mois (${rows} lignes sources) est arrondi une seule fois au centime, puis réparti entre centres de coûts, coûts partagés, personnes et lignes selon la méthode du plus fort reste, de sorte que chaque niveau tombe juste.`,
      pools: (list: string) => `Coûts partagés\u00a0: ${list}. Chaque enveloppe est répartie exactement selon la méthode du plus fort reste.`,
      pool: (name: string, usage: boolean, basis: string) => `${name} (${usage ? 'dépenses auprès du fournisseur' : 'montant mensuel fixe'}, ${basis})`,
      mapping: (unallocated: string, sha: string) => `Affectation\u00a0: les personnes par identifiant utilisateur ou e-mail, puis selon les règles de l’annuaire, dans l’ordre\u00a0; les dépenses non affectées figurent sous ${unallocated}. Annuaire de l’organisation sha256 ${sha}\u2026`,
      quantities:
        'Tokens et requêtes\u00a0: issus du rapport d’utilisation du fournisseur (GET /v1/organizations/analytics/usage) pour le même mois, regroupés comme le coût\u00a0; les tokens de chaque groupe suivent son coût des tokens (répartis au prorata du coût sur les jours pour une personne ayant changé de centre de coûts). Le prix par million de tokens est le coût des tokens rapporté à l’ensemble des tokens, arrondi une seule fois au centime.',
      budgets:
        'Budgets\u00a0: issus de l’annuaire de l’organisation, par mois\u00a0; un regroupement sans budget propre reprend la somme des budgets de ses centres de coûts (un centre de coûts sans budget compte pour zéro). Les refacturations comparées sont celles du mois lui-même, sans les corrections de mois antérieurs\u00a0; le cumul annuel compte les mois de l’année facturés jusqu’ici.',
      rollup: (n: number, list: string) => `Consolidation de ${n} ${n === 1 ? 'relevé' : 'relevés'}\u00a0: ${list}. Chaque sous-total est le total du relevé correspondant\u00a0; le relevé consolidé les additionne exactement et ne refacture rien lui-même.`,
    },
    revision: {
      firstOfCostCenter: (revision: number, month: string) => `Révision ${revision} des relevés pour ${month}\u00a0: premier relevé de ce centre de coûts pour ce mois (l’édition révisée n’en comportait pas).`,
      replaces: (revision: number, of: string, replaces: string, amount: string, status: string, issued: string | null) => `Révision ${revision} du relevé ${of}\u00a0: remplace ${replaces} (${amount}, ${status}${issued ? `, émis le ${issued}` : ''}).`,
      unchanged: 'Le total est inchangé\u00a0; rien de plus n’est refacturé.',
      difference: (amount: string, charged: boolean, month: string, number: string, laterIssued: boolean) =>
        `La différence, soit ${amount}, est ${charged ? 'refacturée' : 'créditée'} sur le relevé ${number} (${month})${laterIssued ? ' (ou sur la révision d’un mois émis depuis, si celle-ci est émise en premier)' : ''}\u00a0; ce relevé n’est pas refacturé une seconde fois.`,
      whatChanged: (reasons: string) => ` Ce qui a changé\u00a0: ${reasons}.`,
    },
    page: (page: number, pages: number) => `Page ${page} sur ${pages}`,
    workbook: (number: string, file: string) => `${number}.xlsx (${file} dans le dossier du mois)`,
  },

  xlsx: {
    sheets: { summary: 'Synthèse', users: 'Utilisateurs', lines: 'Lignes', engagement: 'Activité', trend: 'Tendance' },
    facts: {
      company: 'Entreprise',
      costCenter: 'Centre de coûts',
      parent: 'Centre de coûts parent',
      owner: 'Responsable',
      finance: '\u2014 (les dépenses non affectées sont examinées par les Finances)',
      period: 'Période (UTC)',
      periodValue: (month: string, from: string, to: string) => `${month}\u00a0: du ${from} au ${to}`,
      status: 'Statut',
      dataAsOf: 'Données au',
      unknown: 'inconnu',
      issued: 'Émis le',
      total: 'Total (USD)',
      directUsage: 'Utilisation directe (USD)',
      method: 'Méthode',
    },
    breakdown: { amount: 'Montant (USD)', share: 'Part', total: 'Total', tiesToTotal: 'concorde avec le total', tiesToDirect: 'concorde avec l’utilisation directe', check: 'À VÉRIFIER' },
    users: ['Centre de coûts', 'Nom', 'E-mail', 'Type d’acteur', 'Identifiant d’acteur', 'Montant (USD)', 'Part du département'],
    lines: [
      'Relevé', 'Type de ligne', 'Centre de coûts', 'Personne ou source de dépense', 'E-mail', 'Identifiant d’acteur', 'Produit', 'Code produit', 'Modèle', 'Fenêtre de contexte', 'Type de coût',
      'Début de période', 'Fin de période', 'Non arrondi (centimes)', 'Montant (USD)', 'Part du relevé', 'Ligne source', 'Règle',
      'Tokens d’entrée', 'Tokens d’écriture cache', 'Tokens de lecture cache', 'Tokens de sortie', 'Requêtes', 'Recherches web',
    ],
    chargeLabel: {
      pool: (pool: string) => `Coûts partagés\u00a0: ${pool}`,
      seats: 'Licences',
      markup: 'Majoration pour frais généraux',
      carried: (reference: string) => `Ajustement d’un mois antérieur\u00a0: ${reference}`,
    },
    engagement: ['Centre de coûts', 'Personne', 'E-mail', 'Sessions', 'Commits', 'Pull requests', 'Lignes ajoutées', 'Lignes supprimées', 'Conversations de chat', 'Utilisation (USD)', 'Par session (USD)', 'Par commit (USD)', 'Par pull request (USD)'],
    engagementTotal: 'Total',
    activity: (from: string, to: string, partial: boolean) => `Activité du ${from} au ${to}${partial ? ' (et non sur le mois entier\u00a0: le rapport du fournisseur n’en couvre pas encore la fin)' : ''}`,
    trend: { month: 'Mois', charges: 'Refacturations (USD)', change: 'Variation (USD)', notPublished: 'non publié', person: 'Personne ou source de dépense', monthUsd: (month: string) => `${month} (USD)` },
  },

  email: {
    revised: (revision: number, subject: string) => `Révisé (révision ${revision})\u00a0: ${subject}`,
    revisedNotice: (revision: number, month: string) =>
      `Relevé révisé\u00a0: révision ${revision} pour ${month}. Il remplace le relevé envoyé précédemment pour le même mois\u00a0; seule la différence est refacturée, sur le relevé d’un mois ultérieur. La page 1 de chaque relevé indique ce qu’il remplace, la différence et le relevé qui la refacture.`,
    rollupStatement: (number: string, name: string, amount: string) => `${number} (relevé consolidé – ${name}, ${amount}, pour information)`,
    budgetLine: (p: { name: string; which: string; budget: string; actual: string; standing: { over: string } | { under: string } | 'on'; ytdActual: string; ytdBudget: string }) =>
      `Budget ${p.name} (${p.which})\u00a0: ${p.budget}\u00a0; refacturations ${p.actual}, ${p.standing === 'on' ? 'dans le budget' : 'over' in p.standing ? `budget dépassé de ${p.standing.over}` : `en deçà du budget de ${p.standing.under}`}\u00a0; depuis le début de l’année ${p.ytdActual} sur ${p.ytdBudget}.`,
    rollup: 'consolidé',
  },
};
