/**
 * A slash-command question (or review) asked in the open: a visible root message says who asked
 * what, and the answer streams into its thread. Where the bot cannot post, an ephemeral hint on how
 * to invite it.
 */
import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Question } from '../../../pipeline/types.js';
import { answerInThread } from '../../answer-in-thread.js';
import type { BotUser, SlackDeps } from '../../deps.js';
import { isNotInChannel, slackErrorCode } from '../../errors.js';
import { QUESTION_METADATA_EVENT } from '../../history.js';
import { inviteHintText } from '../../render/messages.js';

/** Slack caps message metadata at a few KB; the full question still goes to the model. */
const METADATA_QUESTION_BYTES = 3000;

function truncateBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // A cut inside a multi-byte character decodes to U+FFFD; drop it.
  return `${bytes.subarray(0, maxBytes - 3).toString('utf8').replace(/\uFFFD+$/, '')}…`;
}

export interface AskInChannel {
  deps: SlackDeps;
  client: WebClient;
  respond: RespondFn;
  log: Logger;
  channelId: string;
  userId: string;
  teamId: string;
  triggerId: string;
  receivedAt: number;
  bot: BotUser;
  /** The visible root message (mrkdwn). */
  rootText: string;
  /** The question as the pipeline gets it (metadata keeps it for thread history). */
  question: Pick<Question, 'text'> & Partial<Pick<Question, 'reviewRef'>>;
}

export async function askInChannel(request: AskInChannel): Promise<void> {
  const { deps, client, respond, log } = request;
  let rootTs: string;
  try {
    const root = await client.chat.postMessage({
      channel: request.channelId,
      text: request.rootText,
      // A pasted link would otherwise unfurl into the channel under the question.
      unfurl_links: false,
      unfurl_media: false,
      metadata: { event_type: QUESTION_METADATA_EVENT, event_payload: { user_id: request.userId, question: truncateBytes(request.question.text, METADATA_QUESTION_BYTES) } },
    });
    // Slack always returns the ts of a posted message; without one there is no thread to answer in.
    if (root.ts === undefined) throw new Error('chat.postMessage returned no ts');
    rootTs = root.ts;
  } catch (error) {
    const code = slackErrorCode(error);
    log.warn({ slackError: code }, 'could not post the question in the channel');
    const reply = isNotInChannel(error)
      ? inviteHintText(deps.commandName, request.bot.botUserId)
      : `I couldn't post your question in this conversation (Slack said \`${code ?? 'unknown error'}\`). Please try again, or ask me in a direct message.`;
    await respond({ response_type: 'ephemeral', text: reply }).catch((respondError: unknown) => log.error({ err: respondError }, 'could not reply ephemerally either'));
    return;
  }

  // Everything after this line waits until the burst being received is acknowledged.
  await deps.ackFirst();
  await deps.track(
    answerInThread(client, deps, {
      question: { id: `slash:${request.triggerId}`, source: 'slash', userId: request.userId, teamId: request.teamId, ...request.question },
      target: { channel: request.channelId, threadTs: rootTs, userId: request.userId, teamId: request.teamId },
      // The root quotes the question in its metadata: the safe version reads it from there.
      messageTs: rootTs,
      receivedAt: request.receivedAt,
      bot: request.bot,
    }),
  );
}
