/**
 * Direct messages (`message.im`): a top-level DM starts a conversation answered in its thread.
 * Replies in that thread reach Bolt's Assistant (listeners/assistant.ts), which continues it. Only people's new messages count: the bot's
 * own, other bots', edits, deletions and other subtypes are ignored, so there are no loops.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import type { SlackFile } from '../../files.js';
import { botUserOf } from '../../bot-user.js';
import { answerThreadMessage, dmThreadMessage } from '../thread-message.js';

/** The subset of Slack's message event we read. */
interface DirectMessageEvent {
  channel: string;
  channel_type?: string;
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  team?: string;
  files?: SlackFile[];
}

export function directMessage(deps: SlackDeps) {
  return async ({ event, body, client, context }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs): Promise<void> => {
    const receivedAt = Date.now();
    const message = event as unknown as DirectMessageEvent;
    if (message.channel_type !== 'im') return;
    if (message.subtype !== undefined && message.subtype !== 'file_share') return;
    const bot = botUserOf(context, deps);
    if (message.bot_id !== undefined || message.user === undefined || message.user === bot.botUserId) return;
    await answerThreadMessage(
      client,
      deps,
      dmThreadMessage({ ...message, user: message.user }, { eventId: body.event_id, retryNum: context.retryNum, retryReason: context.retryReason, teamId: context.teamId, receivedAt, bot }),
    );
  };
}
