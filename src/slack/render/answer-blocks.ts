/**
 * Blocks that sit on or next to an answer: feedback buttons (a `context_actions` block with
 * `feedback_buttons`), the incident "Show details" button, a review's "Post to PR" button, "Show the safe version" and the Stop button. Action ids are
 * the contract with the listeners in listeners/actions/.
 */
import type { Block, KnownBlock } from '@slack/types';

export const FEEDBACK_ACTION = 'answer_feedback';
export const DETAILS_ACTION = 'answer_details';
export const STOP_ACTION = 'answer_stop';
export const POST_TO_PR_ACTION = 'post_to_pr';
export const SHOW_SAFE_VERSION_ACTION = 'show_safe_version';
export const FEEDBACK_FOLLOWUP_VIEW = 'feedback_followup';
export const FEEDBACK_COMMENT_BLOCK = 'feedback_comment';
export const FEEDBACK_COMMENT_INPUT = 'comment';

export const HELPFUL_VALUE = 'helpful';
export const NOT_HELPFUL_VALUE = 'not_helpful';

export function feedbackBlock(): KnownBlock {
  return {
    type: 'context_actions',
    elements: [
      {
        type: 'feedback_buttons',
        action_id: FEEDBACK_ACTION,
        positive_button: { text: { type: 'plain_text', text: 'Helpful' }, accessibility_label: 'Mark this answer as helpful', value: HELPFUL_VALUE },
        negative_button: { text: { type: 'plain_text', text: 'Not helpful' }, accessibility_label: 'Mark this answer as not helpful', value: NOT_HELPFUL_VALUE },
      },
    ],
  };
}

/** Under a brief (incident) answer: the full answer on request. */
export function detailsBlock(): KnownBlock {
  return {
    type: 'actions',
    elements: [{ type: 'button', action_id: DETAILS_ACTION, text: { type: 'plain_text', text: 'Show details' }, value: 'full' }],
  };
}

/** Under a pull request review: write the report as the PR's sticky comment (`value` is `owner/repo#N`). */
export function postToPullRequestBlock(ref: string): KnownBlock {
  return {
    type: 'actions',
    elements: [{ type: 'button', action_id: POST_TO_PR_ACTION, text: { type: 'plain_text', text: 'Post to PR' }, value: ref }],
  };
}

/** Under an answer whose migrations a fix recipe covers: the replacement files, on request (`value` says where to read them). */
export function safeVersionBlock(value: string): KnownBlock {
  return {
    type: 'actions',
    elements: [{ type: 'button', action_id: SHOW_SAFE_VERSION_ACTION, text: { type: 'plain_text', text: 'Show the safe version' }, value }],
  };
}

/** The asker's private Stop control for one running answer (`value` names the answer). */
export function stopBlocks(answerKey: string): Array<KnownBlock | Block> {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: 'Still working on your answer. Stop it if you have what you need.' } },
    { type: 'actions', elements: [{ type: 'button', action_id: STOP_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Stop answering' }, value: answerKey }] },
  ];
}

/** The optional follow-up after "Not helpful"; `privateMetadata` carries the answer it is about. */
export function feedbackFollowUpView(privateMetadata: string) {
  return {
    type: 'modal' as const,
    callback_id: FEEDBACK_FOLLOWUP_VIEW,
    private_metadata: privateMetadata,
    title: { type: 'plain_text' as const, text: 'Thanks for telling us' },
    submit: { type: 'plain_text' as const, text: 'Send' },
    close: { type: 'plain_text' as const, text: 'Skip' },
    blocks: [
      {
        type: 'input',
        block_id: FEEDBACK_COMMENT_BLOCK,
        optional: true,
        label: { type: 'plain_text' as const, text: 'What was wrong or missing? (optional)' },
        element: { type: 'plain_text_input' as const, action_id: FEEDBACK_COMMENT_INPUT, multiline: true, max_length: 2000 },
      },
    ],
  };
}

/** Loading lines Slack rotates under the status while an answer is prepared. */
export const LOADING_MESSAGES = [
  'Reading the migrations…',
  'Building the migration graph…',
  'Checking locks and table rewrites…',
  'Looking for rolling-deploy hazards…',
  'Writing the safe recipe…',
];
