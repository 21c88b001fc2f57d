/**
 * Message shortcut "Ask migrate-help about this": any message (a traceback, a PR link, a migration
 * someone pasted) becomes a question answered in that message's thread. A short note in the thread
 * says who asked; where the bot is not in the channel, an ephemeral hint says how to invite it.
 */
import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { answerInThread } from '../../answer-in-thread.js';
import { botUserOf } from '../../bot-user.js';
import type { SlackDeps } from '../../deps.js';
import { isNotInChannel, slackErrorCode } from '../../errors.js';
import type { SlackFile } from '../../files.js';
import { inviteHintText } from '../../render/messages.js';
import { slackTextToPlain } from '../../text.js';

export const ASK_ABOUT_MESSAGE_SHORTCUT = 'ask_about_message';
export const SHORTCUT_QUESTION_LEAD = 'Explain this message from a colleague and what to do about it:';

export function askAboutMessage(deps: SlackDeps) {
  return async ({ ack, shortcut, client, respond, context }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs): Promise<void> => {
    const receivedAt = Date.now();
    await ack();
    const bot = botUserOf(context, deps);
    const message = shortcut.message as { ts: string; thread_ts?: string; text?: string; files?: SlackFile[] };
    const channel = shortcut.channel.id;
    const threadTs = message.thread_ts ?? message.ts;
    const teamId = shortcut.team?.id ?? context.teamId ?? '';
    const log = deps.logger.child({ shortcut: ASK_ABOUT_MESSAGE_SHORTCUT, channel, threadTs, user: shortcut.user.id });
    const text = slackTextToPlain(message.text ?? '', bot.botUserId);
    const files = message.files ?? [];
    if (text === '' && files.length === 0) {
      await respond({ response_type: 'ephemeral', text: 'That message has no text or files I can read, so there is nothing to ask about.' }).catch(() => undefined);
      return;
    }
    try {
      await client.chat.postMessage({ channel, thread_ts: threadTs, text: `<@${shortcut.user.id}> asked me about this message.`, unfurl_links: false, unfurl_media: false });
    } catch (error) {
      log.warn({ slackError: slackErrorCode(error) }, 'could not answer in the message thread');
      const reply = isNotInChannel(error)
        ? inviteHintText(deps.commandName, bot.botUserId)
        : `I couldn't reply in that thread (Slack said \`${slackErrorCode(error) ?? 'unknown error'}\`). Please try again, or paste the message to me in a direct message.`;
      await respond({ response_type: 'ephemeral', text: reply }).catch((respondError: unknown) => log.error({ err: respondError }, 'could not reply ephemerally either'));
      return;
    }
    await deps.ackFirst();
    await deps.track(
      answerInThread(client, deps, {
        question: { id: `shortcut:${shortcut.trigger_id}`, source: 'shortcut', userId: shortcut.user.id, teamId, text: text === '' ? SHORTCUT_QUESTION_LEAD : `${SHORTCUT_QUESTION_LEAD}\n\n${text}` },
        target: { channel, threadTs, userId: shortcut.user.id, teamId },
        messageTs: message.ts,
        files,
        receivedAt,
        bot,
      }),
    );
  };
}
