/**
 * `@migrate-help …` in a channel: answered in the mention's thread. A mention inside a thread
 * continues the conversation with the thread's earlier messages as history.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import type { SlackFile } from '../../files.js';
import { botUserOf } from '../../bot-user.js';
import { answerThreadMessage } from '../thread-message.js';

export function appMention(deps: SlackDeps) {
  return async ({ event, body, client, context }: SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs): Promise<void> => {
    const receivedAt = Date.now();
    // Other bots mentioning us would start bot-to-bot loops; edits are not new questions.
    if (event.bot_id !== undefined || (event.subtype !== undefined && event.subtype !== 'file_share')) return;
    const bot = botUserOf(context, deps);
    if (event.user === undefined || event.user === bot.botUserId) return;
    await answerThreadMessage(client, deps, {
      eventId: body.event_id,
      retryNum: context.retryNum,
      retryReason: context.retryReason,
      source: 'mention',
      channel: event.channel,
      user: event.user,
      teamId: event.team ?? context.teamId,
      text: event.text,
      ts: event.ts,
      threadTs: event.thread_ts,
      files: (event as { files?: SlackFile[] }).files ?? [],
      receivedAt,
      bot,
    });
  };
}
