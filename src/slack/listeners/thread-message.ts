/**
 * What `app_mention` and `message.im` do once a person's new message is accepted: acknowledge
 * first, drop redeliveries, answer an empty message with a hint, and otherwise answer in the thread
 * (a message inside a thread gets the thread's earlier messages as history).
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { QuestionSource } from '../../pipeline/types.js';
import { answerInThread } from '../answer-in-thread.js';
import { EVENT_TTL_MS } from '../dedupe.js';
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

/** A ledger that cannot be read (a locked or full database) must not turn a question into silence: answer. */
function claimOnce(deps: SlackDeps, eventId: string, log: Logger): boolean {
  try {
    return deps.events.claim(eventId, EVENT_TTL_MS);
  } catch (error) {
    log.error({ err: error }, 'could not record the event id; answering without the duplicate check');
    return true;
  }
}

export async function answerThreadMessage(client: WebClient, deps: SlackDeps, message: ThreadMessageEvent): Promise<void> {
  // Everything after this line waits until the burst being received is acknowledged.
  await deps.ackFirst();
  const log = deps.logger.child({ eventId: message.eventId, channel: message.channel, retryNum: message.retryNum });
  if (!claimOnce(deps, message.eventId, log)) {
    log.info({ retryReason: message.retryReason }, 'duplicate delivery ignored');
    return;
  }
  const threadTs = message.threadTs ?? message.ts;
  const text = slackTextToPlain(message.text, message.bot.botUserId);
  if (text === '' && message.files.length === 0) {
    await postThreadNote(client, message.channel, threadTs, emptyQuestionText(), log);
    return;
  }
  await deps.track(
    answerInThread(client, deps, {
      question: { id: message.eventId, source: message.source, userId: message.user, teamId: message.teamId, text },
      target: { channel: message.channel, threadTs, userId: message.user, teamId: message.teamId },
      historyBefore: message.threadTs === undefined ? undefined : message.ts,
      files: message.files,
      receivedAt: message.receivedAt,
      bot: message.bot,
    }),
  );
}
