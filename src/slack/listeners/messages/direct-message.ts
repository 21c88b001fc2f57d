/**
 * Direct messages (`message.im`): a top-level DM starts a conversation answered in its thread;
 * replies in that thread continue it without a mention. Only people's new messages count: the bot's
 * own, other bots', edits, deletions and other subtypes are ignored, so there are no loops.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { answerInThread } from '../../answer-in-thread.js';
import { EVENT_TTL_MS } from '../../dedupe.js';
import type { SlackDeps } from '../../deps.js';
import type { SlackFile } from '../../files.js';
import { emptyQuestionText } from '../../render/messages.js';
import { slackTextToPlain } from '../../text.js';
import { postThreadNote } from '../thread-note.js';

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
    if (message.bot_id !== undefined || message.user === undefined || message.user === deps.identity.botUserId) return;
    // Everything after this line waits until the burst being received is acknowledged.
    await deps.ackFirst();
    const log = deps.logger.child({ eventId: body.event_id, channel: message.channel, retryNum: context.retryNum });
    if (!deps.events.claim(body.event_id, EVENT_TTL_MS)) {
      log.info({ retryReason: context.retryReason }, 'duplicate delivery ignored');
      return;
    }
    const threadTs = message.thread_ts ?? message.ts;
    const text = slackTextToPlain(message.text ?? '', deps.identity.botUserId);
    const files = message.files ?? [];
    if (text === '' && files.length === 0) {
      await postThreadNote(client, message.channel, threadTs, emptyQuestionText(), log);
      return;
    }
    await deps.track(
      answerInThread(client, deps, {
        question: { id: body.event_id, source: 'dm', userId: message.user, teamId: message.team ?? context.teamId, text },
        target: { channel: message.channel, threadTs, userId: message.user, teamId: message.team ?? context.teamId },
        historyBefore: message.thread_ts === undefined ? undefined : message.ts,
        files,
        receivedAt,
      }),
    );
  };
}
