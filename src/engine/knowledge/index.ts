/**
 * The knowledge index: the engine's own recipes (rule modules), playbooks and hand-written guides,
 * searchable by a plain question. Full-text search is MiniSearch's (BM25 with prefix and fuzzy
 * terms); this module only decides which fields count and how words are normalised. Pure: callers
 * hand it the documents (the edge loads the guides from disk).
 */
import MiniSearch from 'minisearch';
import type { KnowledgeDoc, KnowledgeIndex } from './types.js';

export type { KnowledgeDoc, KnowledgeHit, KnowledgeIndex, KnowledgeKind } from './types.js';

/** Words that carry no topic in a question ("how do I … in Django?"). */
const STOP_WORDS = new Set(
  'a an and are as at be but by can do does doing for from get got how i if in into is it its me my of on or our should so that the their them then there these this to up us was we what when where which while who why will with without you your django migration migrations migrate help please want need way best safely safe traceback most recent call last file line py manage exceptions db'.split(' '),
);

/** Names of one thing: databases by their nicknames, a few spellings of the same word. */
const SYNONYMS: Readonly<Record<string, string>> = {
  postgres: 'postgresql',
  pg: 'postgresql',
  psql: 'postgresql',
  maria: 'mariadb',
  sqlite3: 'sqlite',
  rollback: 'revert',
  roll: 'revert',
  reverse: 'revert',
  undo: 'revert',
  nullable: 'null',
  replica: 'replica',
  replicas: 'replica',
  squashed: 'squash',
  squashing: 'squash',
  squashmigrations: 'squash',
  makemigrations: 'makemigration',
};

/**
 * Lower-case, map synonyms, then strip a plural or verb ending so "indexes", "indexing" and "index"
 * meet. A light suffix rule rather than a stemmer package: the vocabulary is small and technical.
 */
export function normaliseTerm(term: string): string | null {
  const lower = term.toLowerCase();
  // Short numbers are line numbers and counts; error codes (1071, 00972) are longer.
  if (lower.length < 2 || STOP_WORDS.has(lower) || /^\d{1,2}$/.test(lower)) return null;
  const mapped = SYNONYMS[lower] ?? lower;
  const stem = stemOf(mapped);
  // "rolling" stems to "roll", which is itself a synonym.
  return SYNONYMS[stem] ?? stem;
}

function stemOf(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && /(?:x|ch|sh|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Keywords are a vocabulary: each word once, so a playbook quoting its error ten times does not outweigh the rest. */
function vocabulary(text: string): string {
  return [...new Set(tokenize(text).map((word) => word.toLowerCase()))].join(' ');
}

/** Letters, digits and underscores; dotted names and dashed ids split into their words too. */
function tokenize(text: string): string[] {
  return text.split(/[^A-Za-z0-9_]+/).filter(Boolean);
}

/**
 * A question quoting an error ("NodeNotFoundError…", "relation already exists") wants the playbook
 * for it; a how-to question wants a recipe or guide first, even when a playbook shares its words.
 */
export function quotesAnError(query: string): boolean {
  return /\b[A-Z]\w*(?:Error|Exception)\b|\bORA-\d+|\berror\b|\bfail(?:s|ed|ing)?\b|\bcannot\b|\bcan't\b|does not exist|doesn't exist|already exists|\btraceback\b|\bcanceling statement\b|\btoo long\b|\bdetected\b/i.test(query);
}

export function buildKnowledgeIndex(documents: readonly KnowledgeDoc[]): KnowledgeIndex {
  const byId = new Map<string, KnowledgeDoc>();
  for (const doc of documents) {
    if (byId.has(doc.id)) throw new Error(`Two knowledge documents share the id ${doc.id}.`);
    byId.set(doc.id, doc);
  }
  const index = new MiniSearch<KnowledgeDoc>({
    fields: ['title', 'keywords', 'summary', 'body'],
    storeFields: [],
    tokenize,
    processTerm: normaliseTerm,
    searchOptions: {
      boost: { title: 4, keywords: 3, summary: 2, body: 1 },
      prefix: (term) => term.length >= 5,
      fuzzy: (term) => (term.length >= 6 ? 0.15 : false),
      combineWith: 'OR',
    },
  });
  index.addAll([...byId.values()].map((doc) => ({ ...doc, keywords: vocabulary(doc.keywords) })));
  return {
    size: byId.size,
    search(query, options = {}) {
      const limit = options.limit ?? 5;
      const playbookWeight = quotesAnError(query) ? 1.5 : 0.7;
      return index
        .search(query, { boostDocument: (id) => (String(id).startsWith('playbook:') ? playbookWeight : 1) })
        .slice(0, limit)
        .map((result) => ({ doc: byId.get(String(result.id))!, score: result.score }));
    },
    get: (id) => byId.get(id),
  };
}

export { engineDocuments } from './engine-docs.js';
export { parseGuide } from './guides.js';
export { renderOfflineAnswer, renderGroundingPassages } from './render.js';
