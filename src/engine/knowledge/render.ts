/** How the best passages are shown: as the offline answer (no model), or as grounding for the model. */
import type { KnowledgeDoc, KnowledgeHit, KnowledgeKind } from './types.js';

const KIND_LABEL: Readonly<Record<KnowledgeKind, string>> = { recipe: 'recipe', playbook: 'playbook', guide: 'guide' };
/** Passages shown in full; the next ones are named with their summary. */
const FULL = 2;
const NAMED = 3;
/** The model gets whole passages up to this size each: recipes are long but must arrive complete. */
const MAX_PASSAGE_CHARS = 8_000;

function heading(doc: KnowledgeDoc): string {
  return `${doc.title} (${KIND_LABEL[doc.kind]} \`${doc.id}\`)`;
}

/**
 * The answer when the model cannot give one: labelled, the best matches as complete steps with code,
 * the next ones named. Null when nothing matched.
 */
export function renderOfflineAnswer(hits: readonly KnowledgeHit[], reason: string): string | null {
  if (hits.length === 0) return null;
  const out = [`**Offline answer** — ${reason} These are the closest recipes and playbooks from migrate-help's own knowledge, best match first.`];
  hits.slice(0, FULL).forEach((hit, i) => {
    out.push(`**${i + 1}. ${heading(hit.doc)}**\n${hit.doc.summary}\n\n${hit.doc.body}`);
  });
  const named = hits.slice(FULL, FULL + NAMED);
  if (named.length > 0) out.push(`**Also relevant**\n${named.map((hit) => `- ${heading(hit.doc)}: ${hit.doc.summary}`).join('\n')}`);
  return out.join('\n\n');
}

/** The same passages for the model, each under its id so the answer can cite it. */
export function renderGroundingPassages(hits: readonly KnowledgeHit[]): string | null {
  if (hits.length === 0) return null;
  const passages = hits.map((hit) => {
    const body = hit.doc.body.length > MAX_PASSAGE_CHARS ? `${hit.doc.body.slice(0, MAX_PASSAGE_CHARS)}\n[… passage cut]` : hit.doc.body;
    return `<passage id="${hit.doc.id}" kind="${hit.doc.kind}" title="${hit.doc.title.replace(/"/g, "'")}">\n${hit.doc.summary}\n\n${body}\n</passage>`;
  });
  return `Reference passages from migrate-help's recipes, playbooks and guides that match the question, best first. Build on them where they apply and cite each one you use by its id in square brackets, e.g. [${hits[0]!.doc.id}].\n\n${passages.join('\n\n')}`;
}
