/**
 * Grounds a plain question on migrate-help's own knowledge: the best matching recipes, playbooks
 * and guides go to the model as passages to cite, and become the offline answer when the model
 * cannot answer (not configured, down, overloaded, out of budget).
 */
import { renderGroundingPassages, renderOfflineAnswer } from '../../engine/knowledge/index.js';
import type { KnowledgeHit, KnowledgeIndex } from '../../engine/knowledge/index.js';
import type { Grounder, Question } from '../types.js';

/** Passages for the model; the offline answer shows two in full and names the next three. */
const PASSAGES_FOR_MODEL = 3;
const HITS = 5;
/** A hit far below the best one is noise from a shared common word. */
const RELATIVE_FLOOR = 0.2;

export interface KnowledgeGrounderOptions {
  index: KnowledgeIndex;
}

/** The question as searched: the newest message, plus the previous user turn for follow-ups ("and on MySQL?"). */
function queryOf(question: Question): string {
  const previous = [...question.history].reverse().find((turn) => turn.role === 'user');
  const text = question.text.trim();
  return text.length < 40 && previous ? `${previous.text.slice(0, 500)} ${text}` : text.slice(0, 2_000);
}

export function searchKnowledge(index: KnowledgeIndex, query: string): KnowledgeHit[] {
  const hits = index.search(query, { limit: HITS });
  const best = hits[0]?.score ?? 0;
  return hits.filter((hit) => hit.score >= best * RELATIVE_FLOOR);
}

export function createKnowledgeGrounder(options: KnowledgeGrounderOptions): Grounder {
  return {
    name: 'knowledge',
    ground(question) {
      const hits = searchKnowledge(options.index, queryOf(question));
      if (hits.length === 0) return undefined;
      const passages = renderGroundingPassages(hits.slice(0, PASSAGES_FOR_MODEL));
      return {
        ...(passages ? { contextForModel: passages } : {}),
        offlineAnswer: (reason: string) => renderOfflineAnswer(hits, reason) ?? undefined,
      };
    },
  };
}
