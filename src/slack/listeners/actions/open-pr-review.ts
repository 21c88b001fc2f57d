/**
 * "Open the review in a thread" under a pull request heads-up: the same review `/migrate-help review`
 * gives, answered in the heads-up's thread.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { reviewQuestionText } from '../../../pipeline/review.js';
import { answerInThread } from '../../answer-in-thread.js';
import { botUserOf } from '../../bot-user.js';
import type { SlackDeps } from '../../deps.js';

export function openPullRequestReviewClicked(deps: SlackDeps) {
  return async ({ ack, body, action, client, context }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    const receivedAt = Date.now();
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const threadTs = (body.message as { ts?: string } | undefined)?.ts;
    const ref = deps.channels?.parsePullRequest(action.value ?? '') ?? null;
    if (channel === undefined || threadTs === undefined || ref === null) {
      deps.logger.warn({ action: 'open_pr_review', value: action.value }, 'heads-up click without a channel, message or pull request: ignored');
      return;
    }
    const teamId = body.team?.id ?? context.teamId ?? '';
    await deps.track(
      answerInThread(client, deps, {
        question: { id: `pr-review:${body.trigger_id}`, source: 'button', userId: body.user.id, teamId, text: reviewQuestionText(ref), reviewRef: ref },
        target: { channel, threadTs, userId: body.user.id, teamId },
        receivedAt,
        bot: botUserOf(context, deps),
      }),
    );
  };
}
