/**
 * `@migrate-help …` in a channel: answered in the mention's thread. A mention inside a thread
 * continues the conversation with the thread's earlier messages as history.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { answerInThread } from '../../answer-in-thread.js';
import { EVENT_TTL_MS } from '../../dedupe.js';
import type { SlackDeps } from '../../deps.js';
import type { SlackFile } from '../../files.js';
import { emptyQuestionText } from '../../render/messages.js';
import { slackTextToPlain } from '../../text.js';
import { postThreadNote } from '../thread-note.js';

export function appMention(deps: SlackDeps) {
  return async ({ event, body, client, context }: SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs): Promise<void> => {
    const receivedAt = Date.now();
    // Other bots mentioning us would start bot-to-bot loops; edits are not new questions.
    if (event.bot_id !== undefined || (event.subtype !== undefined && event.subtype !== 'file_share')) return;
    if (event.user === undefined || event.user === deps.identity.botUserId) return;
    // Everything after this line waits until the burst being received is acknowledged.
    await deps.ackFirst();
    const log = deps.logger.child({ eventId: body.event_id, channel: event.channel, retryNum: context.retryNum });
    if (!deps.events.claim(body.event_id, EVENT_TTL_MS)) {
      log.info({ retryReason: context.retryReason }, 'duplicate delivery ignored');
      return;
    }
    const threadTs = event.thread_ts ?? event.ts;
    const text = slackTextToPlain(event.text, deps.identity.botUserId);
    const files = (event as { files?: SlackFile[] }).files ?? [];
    if (text === '' && files.length === 0) {
      await postThreadNote(client, event.channel, threadTs, emptyQuestionText(), log);
      return;
    }
    await deps.track(
      answerInThread(client, deps, {
        question: { id: body.event_id, source: 'mention', userId: event.user, teamId: event.team ?? context.teamId, text },
        target: { channel: event.channel, threadTs, userId: event.user, teamId: event.team ?? context.teamId },
        historyBefore: event.thread_ts === undefined ? undefined : event.ts,
        files,
        receivedAt,
      }),
    );
  };
}
