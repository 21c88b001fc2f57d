import { describe, expect, it } from 'vitest';
import { buildKnowledgeIndex, engineDocuments, parseGuide, quotesAnError, renderGroundingPassages, renderOfflineAnswer } from '../../../src/engine/knowledge/index.js';
import { playbooks } from '../../../src/engine/playbooks/index.js';
import { rules } from '../../../src/engine/rules/index.js';
import { loadGuides, loadKnowledgeIndex } from '../../../src/knowledge/load.js';
import { QUESTIONS } from './questions.js';

const index = loadKnowledgeIndex();
const rankOf = (question: string, id: string) => index.search(question, { limit: 10 }).findIndex((hit) => hit.doc.id === id) + 1;

describe('the knowledge index answers plain questions with the right recipe first', () => {
  it('covers the whole range of topics with at least 25 questions', () => {
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(25);
    const topics = new Set(QUESTIONS.map((q) => q.topic));
    for (const topic of ['creating', 'squashing', 'conflicts', 'circular', 'fake', 'postgresql', 'mysql', 'sqlite', 'oracle', 'batches', 'not-null', 'renames', 'expand-contract', 'rollback', 'multi-db', 'errors']) {
      expect(topics, topic).toContain(topic);
    }
  });

  it.each(QUESTIONS)('$question → $expect (top $top)', ({ question, expect: id, top }) => {
    expect(index.get(id), `${id} is not in the index`).toBeDefined();
    const rank = rankOf(question, id);
    expect(rank, `${id} ranked ${rank || 'nowhere'}; got ${index.search(question, { limit: 3 }).map((hit) => hit.doc.id).join(', ')}`).toBeGreaterThan(0);
    expect(rank).toBeLessThanOrEqual(top);
  });

  it('leads with the recipe for most questions, not only within the top three', () => {
    const first = QUESTIONS.filter((q) => rankOf(q.question, q.expect) === 1).length;
    expect(first / QUESTIONS.length).toBeGreaterThanOrEqual(0.8);
  });

  it('a how-to question prefers recipes, a quoted error prefers its playbook', () => {
    expect(quotesAnError('NodeNotFoundError: Migration shop.0002 dependencies reference nonexistent parent node')).toBe(true);
    expect(quotesAnError('How do I add a NOT NULL column to a large PostgreSQL table?')).toBe(false);
    expect(index.search('How do I add a NOT NULL column to a large PostgreSQL table?')[0]!.doc.kind).toBe('recipe');
  });

  it('finds nothing for a question about something else', () => {
    expect(index.search('zzzz qqqq')).toEqual([]);
  });
});

describe('documents', () => {
  it('holds every rule, every playbook and every guide, each guide with code', () => {
    const guides = loadGuides();
    expect(guides.length).toBeGreaterThanOrEqual(14);
    expect(index.size).toBe(rules.length + playbooks.length + guides.length);
    for (const guide of guides) expect(guide.body, guide.id).toMatch(/```(python|bash|sql)\n/);
    expect(engineDocuments().find((doc) => doc.id === 'rule:add-index-non-concurrent')?.body).toContain('Safe alternative');
  });

  it('rejects a guide without front matter or fields, and two documents with one id', () => {
    expect(() => parseGuide('knowledge/x.md', '# no front matter')).toThrow(/front matter block/);
    expect(() => parseGuide('knowledge/x.md', '---\ntitle: X\n---\nbody')).toThrow(/"summary"/);
    const doc = parseGuide('knowledge/x.md', '---\ntitle: X\nsummary: S\nkeywords: k\n---\nbody');
    expect(doc).toMatchObject({ id: 'guide:x', kind: 'guide', title: 'X', body: 'body' });
    expect(() => buildKnowledgeIndex([doc, doc])).toThrow('Two knowledge documents share the id guide:x');
  });
});

describe('rendering', () => {
  const hits = index.search('How do I add a NOT NULL column to a large PostgreSQL table?');

  it('the offline answer is labelled and gives the best recipes in full, with code', () => {
    const text = renderOfflineAnswer(hits, 'The expert model is not configured.')!;
    expect(text.startsWith('**Offline answer** — The expert model is not configured.')).toBe(true);
    expect(text).toContain(`**1. ${hits[0]!.doc.title}`);
    expect(text).toContain(hits[0]!.doc.body);
    expect(text).toContain('```python');
    expect(text).toContain('**Also relevant**');
    expect(renderOfflineAnswer([], 'x')).toBeNull();
  });

  it('the model gets the same passages under ids to cite', () => {
    const context = renderGroundingPassages(hits.slice(0, 3))!;
    expect(context).toContain(`<passage id="${hits[0]!.doc.id}"`);
    expect(context).toContain('cite each one you use by its id');
  });
});
