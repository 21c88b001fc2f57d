/**
 * Feedback buttons on an answer: each click is stored per answer (one rating per person) and
 * counted; "Not helpful" opens one optional follow-up question in a modal.
 */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { AnswerRef, FeedbackRating } from '../../records.js';
import type { SlackDeps } from '../../deps.js';
import { slackErrorCode } from '../../errors.js';
import { FEEDBACK_COMMENT_BLOCK, FEEDBACK_COMMENT_INPUT, feedbackFollowUpView, HELPFUL_VALUE, NOT_HELPFUL_VALUE } from '../../render/answer-blocks.js';

const answerRefSchema = z.object({ teamId: z.string(), channelId: z.string(), messageTs: z.string() });

export function feedbackClicked(deps: SlackDeps) {
  return async ({ ack, body, action, client, context }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const value = (action as { value?: string }).value;
    const rating: FeedbackRating | undefined = value === HELPFUL_VALUE ? 'helpful' : value === NOT_HELPFUL_VALUE ? 'not_helpful' : undefined;
    const channelId = body.channel?.id ?? body.container?.channel_id;
    const messageTs = body.message?.ts ?? body.container?.message_ts;
    const teamId = body.team?.id ?? context.teamId ?? '';
    const log = deps.logger.child({ action: 'feedback', channel: channelId, messageTs, user: body.user.id });
    if (rating === undefined || channelId === undefined || messageTs === undefined) {
      log.warn({ value }, 'feedback click without a rating or an answer to attach it to');
      return;
    }
    const answer: AnswerRef = { teamId, channelId, messageTs };
    try {
      await deps.store.feedback.rate({ ...answer, userId: body.user.id, rating, at: new Date().toISOString() });
    } catch (error) {
      log.error({ err: error }, 'could not store the feedback');
      await client.chat.postEphemeral({ channel: channelId, user: body.user.id, text: 'Sorry, I could not save your feedback just now. Please try again in a minute.' }).catch(() => undefined);
      return;
    }
    deps.onFeedback?.({ teamId, rating });
    log.info({ rating }, 'feedback stored');
    if (rating === 'not_helpful') {
      try {
        await client.views.open({ trigger_id: body.trigger_id, view: feedbackFollowUpView(JSON.stringify(answer)) });
        return;
      } catch (error) {
        log.warn({ slackError: slackErrorCode(error) }, 'could not open the follow-up question');
      }
    }
    await client.chat
      .postEphemeral({ channel: channelId, user: body.user.id, ...threadOf(body), text: rating === 'helpful' ? 'Thanks, glad it helped.' : 'Thanks for telling me; it helps improve the answers.' })
      .catch((error: unknown) => log.warn({ slackError: slackErrorCode(error) }, 'could not thank for the feedback'));
  };
}

function threadOf(body: BlockAction): { thread_ts?: string } {
  const threadTs = (body.message as { thread_ts?: string } | undefined)?.thread_ts;
  return threadTs === undefined ? {} : { thread_ts: threadTs };
}

export function feedbackFollowUpSubmitted(deps: SlackDeps) {
  return async ({ ack, view, body }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const comment = view.state.values[FEEDBACK_COMMENT_BLOCK]?.[FEEDBACK_COMMENT_INPUT]?.value?.trim();
    if (comment === undefined || comment === '') return;
    const parsed = answerRefSchema.safeParse(safeJson(view.private_metadata));
    if (!parsed.success) {
      deps.logger.warn('feedback follow-up without the answer it is about');
      return;
    }
    try {
      const saved = await deps.store.feedback.comment(parsed.data, body.user.id, comment);
      deps.logger.info({ channel: parsed.data.channelId, messageTs: parsed.data.messageTs, saved }, 'feedback follow-up stored');
    } catch (error) {
      deps.logger.error({ err: error }, 'could not store the feedback follow-up');
    }
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
