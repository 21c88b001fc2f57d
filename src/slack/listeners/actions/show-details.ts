/**
 * "Show details" under a brief (incident-channel) answer: the full answer, in the same thread,
 * with the thread so far as history.
 */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { answerInThread, readThreadHistory } from '../../answer-in-thread.js';
import { botUserOf } from '../../bot-user.js';
import type { SlackDeps } from '../../deps.js';

export const DETAILS_QUESTION = 'Give me the full answer to my question above: the details, complete code, rollback steps and risk warnings.';

export function showDetailsClicked(deps: SlackDeps) {
  return async ({ ack, body, client, context }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    const receivedAt = Date.now();
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const message = body.message as { ts?: string; thread_ts?: string } | undefined;
    const threadTs = message?.thread_ts ?? message?.ts;
    if (channel === undefined || threadTs === undefined) return;
    const teamId = body.team?.id ?? context.teamId ?? '';
    const bot = botUserOf(context, deps);
    const log = deps.logger.child({ action: 'details', channel, threadTs });
    // The click is not a message: every message of the thread so far is history.
    const history = await readThreadHistory(client, bot, channel, threadTs, String(Number.MAX_SAFE_INTEGER), log);
    await deps.track(
      answerInThread(client, deps, {
        question: { id: `details:${body.trigger_id}`, source: 'button', userId: body.user.id, teamId, text: DETAILS_QUESTION, answerStyle: 'full' },
        target: { channel, threadTs, userId: body.user.id, teamId },
        history,
        receivedAt,
        bot,
      }),
    );
  };
}
