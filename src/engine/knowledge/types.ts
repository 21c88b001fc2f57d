/** Documents of the knowledge index and what a search returns. */

export type KnowledgeKind = 'recipe' | 'playbook' | 'guide';

export interface KnowledgeDoc {
  /** `rule:<id>`, `playbook:<id>` or `guide:<id>`; stable, used in citations. */
  id: string;
  kind: KnowledgeKind;
  title: string;
  /** One or two sentences. */
  summary: string;
  /** The complete answer: steps with code, Markdown. */
  body: string;
  /** Words people use for this topic that the text may not (error messages, command names). */
  keywords: string;
  /** Where it comes from, for the reader: a rule id, a playbook id or a file path. */
  source: string;
}

export interface KnowledgeHit {
  doc: KnowledgeDoc;
  score: number;
}

export interface KnowledgeIndex {
  readonly size: number;
  search(query: string, options?: { limit?: number }): KnowledgeHit[];
  get(id: string): KnowledgeDoc | undefined;
}
