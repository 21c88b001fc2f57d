/**
 * When the model cannot answer, a grounder may still have an answer of its own (the knowledge
 * grounder's best recipes). This picks it and says why it is offline, for the label.
 */
import type { AnswerOutcome, Grounding } from './types.js';

const REASONS: Readonly<Record<string, string>> = {
  model_not_configured: 'the expert model is not configured.',
  model_overloaded: 'the expert model is overloaded right now.',
  model_rate_limited: 'the expert model is rate-limiting us right now.',
  model_auth_failed: 'the expert model account cannot be used (authentication, billing or credit).',
  model_timeout: 'the expert model did not answer in time.',
  model_unavailable: 'the expert model is unavailable.',
};

export const OFFLINE_NOTE = 'The offline answer above comes from migrate-help’s own recipes, playbooks and guides.';

/** The offline answer for a failed outcome, or undefined when the failure is not the model's or no grounder has one. */
export function offlineAnswerFor(groundings: readonly Grounding[], outcome: AnswerOutcome): string | undefined {
  const code = outcome.error?.code;
  if (outcome.ok || !code?.startsWith('model_')) return undefined;
  const reason = REASONS[code] ?? 'the expert model could not answer.';
  for (const grounding of groundings) {
    const text = grounding.offlineAnswer?.(reason.charAt(0).toUpperCase() + reason.slice(1));
    if (text) return text;
  }
  return undefined;
}
