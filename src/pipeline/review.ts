/**
 * The question `/migrate-help review <PR>` asks, shared by the Slack edge (which sends it) and the PR
 * review grounder (which recognises it in a thread's history, so follow-ups keep the PR in play).
 */
export const REVIEW_QUESTION_PREFIX = 'Review the migrations of pull request ';

export function reviewQuestionText(ref: string): string {
  return `${REVIEW_QUESTION_PREFIX}${ref}.`;
}
