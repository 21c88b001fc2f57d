/**
 * What `app_mention` and `message.im` do once a person's new message is accepted: acknowledge
 * first, drop redeliveries, answer an empty message with a hint, and otherwise answer in the thread
 * (a message inside a thread gets the thread's earlier messages as history).
 */
import type { WebClient } from '@slack/web-api';
import type { QuestionSource } from '../../pipeline/types.js';
import { answerInThread } from '../answer-in-thread.js';
import { answerOnce } from '../dedupe.js';
import type { BotUser, SlackDeps } from '../deps.js';
import type { SlackFile } from '../files.js';
import { emptyQuestionText } from '../render/messages.js';
import { slackTextToPlain } from '../text.js';
import { postThreadNote } from './thread-note.js';

export interface ThreadMessageEvent {
  eventId: string;
  retryNum: number | undefined;
  retryReason: string | undefined;
  source: QuestionSource;
  channel: string;
  user: string;
  teamId: string | undefined;
  /** Raw Slack message text (markup is decoded here). */
  text: string;
  ts: string;
  /** Set when the message was posted inside a thread. */
  threadTs: string | undefined;
  files: SlackFile[];
  receivedAt: number;
  bot: BotUser;
}

/** A DM-like message (a direct message, or a message in an assistant thread) as the thread answerer takes it. */
export function dmThreadMessage(
  message: { channel: string; user: string; text?: string; ts: string; thread_ts?: string; team?: string; files?: SlackFile[] },
  delivery: { eventId: string; retryNum: number | undefined; retryReason: string | undefined; teamId: string | undefined; receivedAt: number; bot: BotUser },
): ThreadMessageEvent {
  return {
    eventId: delivery.eventId,
    retryNum: delivery.retryNum,
    retryReason: delivery.retryReason,
    source: 'dm',
    channel: message.channel,
    user: message.user,
    teamId: message.team ?? delivery.teamId,
    text: message.text ?? '',
    ts: message.ts,
    threadTs: message.thread_ts,
    files: message.files ?? [],
    receivedAt: delivery.receivedAt,
    bot: delivery.bot,
  };
}

export async function answerThreadMessage(client: WebClient, deps: SlackDeps, message: ThreadMessageEvent): Promise<void> {
  // Everything after this line waits until the burst being received is acknowledged.
  await deps.ackFirst();
  const log = deps.logger.child({ eventId: message.eventId, channel: message.channel, retryNum: message.retryNum });
  // Tracked from here: a drain waits for an answer that is waiting for a lease too.
  const answered = await deps.track(
    answerOnce({ ledger: deps.events, replicaId: deps.replicaId, leaseMs: deps.eventLeaseMs, logger: log }, message.eventId, async () => {
      const threadTs = message.threadTs ?? message.ts;
      const text = slackTextToPlain(message.text, message.bot.botUserId);
      if (text === '' && message.files.length === 0) {
        await postThreadNote(client, message.channel, threadTs, emptyQuestionText(), log);
        return;
      }
      await answerInThread(client, deps, {
        question: { id: message.eventId, source: message.source, userId: message.user, teamId: message.teamId, text },
        target: { channel: message.channel, threadTs, userId: message.user, teamId: message.teamId },
        historyBefore: message.threadTs === undefined ? undefined : message.ts,
        messageTs: message.ts,
        files: message.files,
        receivedAt: message.receivedAt,
        bot: message.bot,
      });
    }),
  );
  if (!answered) log.info({ retryReason: message.retryReason }, 'duplicate delivery ignored');
}
