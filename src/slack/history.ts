/**
 * A Slack thread (conversations.replies) → earlier conversation turns for the question pipeline:
 * the bot's own messages are assistant turns, everyone else's are user turns, and the message being
 * answered is left out (it is the question). Trimming to a budget is the pipeline's job.
 */
import type { ConversationTurn } from '../pipeline/types.js';
import { slackTextToPlain } from './text.js';

/** The fields of a thread message we read (a subset of Slack's message object). */
export interface ThreadMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text?: string;
  blocks?: Array<{ type?: string; text?: unknown }>;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** Metadata on the root message a slash command posts, so the thread knows the question's author and text. */
export const QUESTION_METADATA_EVENT = 'migrate_help_question';

export interface HistoryOptions {
  botUserId?: string;
  botId?: string;
  /** The message being answered; it and anything newer are not history. */
  currentTs: string;
}

/** Subtypes that still carry a person's (or another bot's) words. */
const CONVERSATIONAL_SUBTYPES = new Set([undefined, 'file_share', 'bot_message', 'thread_broadcast', 'me_message']);

export function messageText(message: ThreadMessage): string {
  // Fallback answers carry their Markdown in a markdown block and only a preview in `text`.
  const markdown = (message.blocks ?? []).filter((block) => block.type === 'markdown' && typeof block.text === 'string').map((block) => block.text as string);
  return markdown.length > 0 ? markdown.join('\n') : (message.text ?? '');
}

/** The question a slash command's root message carries in its metadata. */
export function quotedQuestion(message: ThreadMessage): string | undefined {
  const payload = message.metadata?.event_type === QUESTION_METADATA_EVENT ? message.metadata.event_payload : undefined;
  return typeof payload?.question === 'string' ? payload.question : undefined;
}

function isOwn(message: ThreadMessage, options: HistoryOptions): boolean {
  return (options.botUserId !== undefined && message.user === options.botUserId) || (options.botId !== undefined && message.bot_id === options.botId);
}

export function threadToHistory(messages: readonly ThreadMessage[], options: HistoryOptions): ConversationTurn[] {
  const current = Number(options.currentTs);
  const turns: ConversationTurn[] = [];
  for (const message of messages) {
    if (message.ts === undefined || !(Number(message.ts) < current)) continue;
    if (!CONVERSATIONAL_SUBTYPES.has(message.subtype)) continue;
    let turn: ConversationTurn;
    if (isOwn(message, options)) {
      const quoted = quotedQuestion(message);
      // The slash command's root message is the bot quoting a user's question: a user turn.
      turn = quoted !== undefined ? { role: 'user', text: quoted } : { role: 'assistant', text: messageText(message).trim() };
    } else {
      turn = { role: 'user', text: slackTextToPlain(messageText(message), options.botUserId) };
    }
    if (turn.text === '') continue;
    const previous = turns[turns.length - 1];
    if (previous !== undefined && previous.role === turn.role) previous.text = `${previous.text}\n\n${turn.text}`;
    else turns.push(turn);
  }
  // A conversation starts with the user; a leading bot message (a greeting, a notice) is context we drop.
  while (turns[0]?.role === 'assistant') turns.shift();
  return turns;
}
